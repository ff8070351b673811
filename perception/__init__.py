"""Perception: one RGB-D frame with an instance mask -> per-instance observations in the map frame.

- `frame_processing.FrameProcessor(PerceptionConfig).process(SensorFrame) -> scene_graph.types.Frame`;
  malformed frames raise `frame_processing.FrameError` (a BadInputError naming frame and field).
- `config.PerceptionConfig` / `config.ArticulationConfig`: typed parameters, including the thresholds
  of the door rule.
- `door_state`: open/closed evidence from a "<category>_door" part and its body, read from the
  door's own plane and edges (robust to views cut by the image border; silent when a view cannot
  decide).
- `synthetic_scene`: exact ray-cast frames of boxes in a room, for tests and the ingest benchmark.
Pure numpy: no ROS and no simulator imports.
"""
