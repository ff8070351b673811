"""Detector outputs on the detections topic, other than memory_interfaces/Detections (instance masks).

- boxes: `vision_msgs/Detection2DArray` where vision_msgs is installed, or `memory_interfaces/
  Detection2DArray` (the same fields, for pip-only machines); each detection's best hypothesis gives
  class and score, its bbox (centre, size in pixels) the box. Read by attribute, so both types pass
  through the same code; vision_msgs itself is imported only to publish (and is untested here: it
  cannot be installed on this machine).
- label_image: `sensor_msgs/Image` mono8 / mono16 / 16UC1 semantic label ids; names come from the
  label-space file (`label_space_file` parameter, perception.label_image).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memory_node.message_conversion import MessageConversionError, image_to_array, make_header
from perception.box_detections import BoxDetection

DETECTIONS_TYPES = ("masks", "boxes", "label_image", "detector")
LABEL_ENCODINGS = ("mono8", "mono16", "16UC1")


@dataclass
class DetectorOutput:
    """Boxes or a label image of one frame: SensorFrame fields in place of an instance mask."""

    fields: dict[str, Any] = field(default_factory=dict)


def boxes_from_detection_array(msg: Any, topic: str) -> list[BoxDetection]:
    boxes = []
    for i, det in enumerate(getattr(msg, "detections", ())):
        where = f"detections[{i}]"
        results = list(det.results)
        if not results:
            raise MessageConversionError(topic, f"{where}.results", "no class hypothesis")
        best = max(results, key=lambda r: float(r.hypothesis.score))
        label, score = str(best.hypothesis.class_id), float(best.hypothesis.score)
        if not label:
            raise MessageConversionError(topic, f"{where}.results.hypothesis.class_id", "empty class")
        if not (math.isfinite(score) and 0.0 <= score <= 1.0):
            raise MessageConversionError(topic, f"{where}.results.hypothesis.score", f"{score} outside [0, 1]")
        bbox = det.bbox
        cx, cy = float(bbox.center.position.x), float(bbox.center.position.y)
        sx, sy = float(bbox.size_x), float(bbox.size_y)
        if not all(math.isfinite(v) for v in (cx, cy, sx, sy)) or sx <= 0 or sy <= 0:
            raise MessageConversionError(topic, f"{where}.bbox", f"centre ({cx}, {cy}) size ({sx}, {sy})")
        boxes.append(BoxDetection.from_center(label, score, cx, cy, sx, sy))
    return boxes


def label_image_from_msg(msg: Any, topic: str) -> np.ndarray:
    return image_to_array(msg, topic, LABEL_ENCODINGS).astype(np.int32, copy=False)


def detection_array_class(prefer_vision_msgs: bool = True) -> type:
    """vision_msgs/Detection2DArray where importable (a full ROS install), else memory_interfaces'."""
    if prefer_vision_msgs:
        try:
            from vision_msgs.msg import Detection2DArray  # lazily: absent on pip-only machines
            return Detection2DArray
        except ImportError:
            pass
    from memory_interfaces.msg import Detection2DArray

    return Detection2DArray


def detection_array_msg(boxes: list[BoxDetection], stamp_seconds: float, frame_id: str,
                        cls: type | None = None) -> Any:
    """Boxes as a Detection2DArray (of `cls`, default: detection_array_class())."""
    cls = cls or detection_array_class()
    import importlib

    module = importlib.import_module(cls.__module__.rsplit(".", 1)[0])  # the package's msg module
    msg = cls()
    msg.header = make_header(stamp_seconds, frame_id)
    for box in boxes:
        det = module.Detection2D()
        det.header = msg.header
        hypothesis = module.ObjectHypothesisWithPose()
        hypothesis.hypothesis.class_id = box.label
        hypothesis.hypothesis.score = float(box.score)
        det.results = [hypothesis]
        det.bbox.center.position.x = (box.xmin + box.xmax) / 2.0
        det.bbox.center.position.y = (box.ymin + box.ymax) / 2.0
        det.bbox.size_x = box.xmax - box.xmin
        det.bbox.size_y = box.ymax - box.ymin
        msg.detections.append(det)
    return msg


@dataclass
class DetectionInput:
    """What the detections topic carries and how it is read (built by `detection_input`)."""

    detections_type: str
    message_class: type | None  # None: no detections topic (the detector stage runs on the colour image)
    label_names: dict[int, str] | None = None
    detector_stage: Any = None


def detection_input(detections_type: str, label_space_file: str = "", detector: str = "") -> DetectionInput:
    """The message type, label names and detector stage for one `detections_type` (BadInputError if incomplete)."""
    from memory_stack.foundation.errors import BadInputError

    if detections_type not in DETECTIONS_TYPES:
        raise BadInputError(f"detections_type: {detections_type!r} is not one of {list(DETECTIONS_TYPES)}")
    if detections_type == "masks":
        from memory_interfaces.msg import Detections

        return DetectionInput("masks", Detections)
    if detections_type == "boxes":
        return DetectionInput("boxes", detection_array_class())
    if detections_type == "label_image":
        from sensor_msgs.msg import Image

        from perception.label_image import load_label_space

        if not label_space_file:
            raise BadInputError("label_space_file: detections_type label_image needs a label-space file")
        return DetectionInput("label_image", Image, load_label_space(label_space_file).names())
    from perception.detector_stage import build_detector_stage

    return DetectionInput("detector", None, detector_stage=build_detector_stage(detector or "yolov3-tiny"))
