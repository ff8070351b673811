"""Simulated households: scenario files, simulator backends behind one SimBackend interface, ground truth.

- scenario: typed scenario loader/validator (specs/scenario.md).
- backend: the SimBackend interface, MotionResult, GroundTruth (evaluation only).
- pybullet_backend (the working default), pybullet_robot, house_builder, camera_rendering,
  occupancy_grid, walls: the PyBullet household and its mobile Panda.
- detector_model: per-frame shuffled instance ids and detector noise, shared by all backends;
  sensor_noise: the seeded label confusion, missed detections, depth noise and odometry drift it applies.
- habitat_backend / habitat_conversion, ai2thor_backend / ai2thor_conversion: adapters for Habitat-Sim
  and AI2-THOR (imported lazily; untested against the real simulators, which cannot run here).
- registry: backend `type:` -> class. observe_schedule: the robot's own patrols and watches.
(Its benchmarks, `python -m bench.render_benchmark` and `bench.door_state_benchmark`, live in bench/.)
"""
