"""Detector backends behind one interface: an RGB image in, 2D boxes with class names and scores out.

- `OpenCvDnnDetector`: Darknet (.weights + .cfg) or ONNX weights read by OpenCV's DNN module, with a
  class-names file (one name a line). Needs the optional extra `detector` (opencv-python-headless < 5:
  OpenCV 5 removed readNetFromDarknet); imported only when such a detector is made.
- `TorchScriptDetector`: a TorchScript file (torch.jit.save) taking a 1x3xHxW float tensor in [0, 1]
  (RGB) and returning the torchvision detection convention: a dict (or a list of one dict) with
  `boxes` (Nx4 x1, y1, x2, y2 pixels), `scores` (N) and `labels` (N class indices), or that tuple.
`make_detector(DetectorConfig)` picks the backend from the configuration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from memory_stack.foundation.errors import BadInputError
from perception.box_detections import BoxDetection

OPENCV_MISSING = ("the OpenCV detector needs the optional extra 'detector' (pip install 'memory_stack[detector]', "
                  "i.e. opencv-python-headless<5)")


@dataclass
class DetectorConfig:
    """Which detector to run (typed; loaded with the perception section or on its own).

    backend: "opencv" (Darknet .weights + config_path .cfg, or .onnx) or "torchscript" (.pt/.ts file).
    names_path: class names, one a line, in the model's class order.
    """

    backend: str = "opencv"
    model_path: str = ""
    config_path: str = ""
    names_path: str = ""
    input_size: int = 416
    score_threshold: float = 0.25
    nms_threshold: float = 0.45
    threads: int = 2

    def __post_init__(self) -> None:
        if self.backend not in ("opencv", "torchscript"):
            raise ValueError(f"backend must be 'opencv' or 'torchscript', got {self.backend!r}")
        if self.input_size < 32 or self.input_size % 32:
            raise ValueError(f"input_size must be a positive multiple of 32, got {self.input_size}")
        for name in ("score_threshold", "nms_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")


class Detector(Protocol):
    class_names: list[str]
    last_ms: float

    def detect(self, rgb: np.ndarray) -> list[BoxDetection]:
        """Boxes (raw class names, scores above the threshold, after non-maximum suppression)."""
        ...


def read_class_names(path: str | Path) -> list[str]:
    try:
        names = [line.strip() for line in Path(path).read_text().splitlines()]
    except OSError as exc:
        raise BadInputError(f"{path}: class names: {exc.strerror or exc}") from exc
    names = [n for n in names if n]
    if not names:
        raise BadInputError(f"{path}: class names: the file has no names")
    return names


def _existing(path: str, what: str) -> str:
    if not path or not Path(path).is_file():
        raise BadInputError(f"detector {what}: no such file {path!r}")
    return path


def _import_cv2():
    try:
        import cv2
    except ImportError as exc:
        raise BadInputError(OPENCV_MISSING) from exc
    return cv2


def non_maximum_suppression(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray,
                            iou_threshold: float) -> np.ndarray:
    """Indices kept by greedy per-class NMS (boxes Nx4 x1, y1, x2, y2), best score first."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    area = np.maximum(0, boxes[:, 2] - boxes[:, 0]) * np.maximum(0, boxes[:, 3] - boxes[:, 1])
    suppressed = np.zeros(len(scores), dtype=bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(int(i))
        same = (classes == classes[i]) & ~suppressed
        x1 = np.maximum(boxes[i, 0], boxes[:, 0])
        y1 = np.maximum(boxes[i, 1], boxes[:, 1])
        x2 = np.minimum(boxes[i, 2], boxes[:, 2])
        y2 = np.minimum(boxes[i, 3], boxes[:, 3])
        inter = np.maximum(0, x2 - x1) * np.maximum(0, y2 - y1)
        iou = inter / np.maximum(area[i] + area - inter, 1e-9)
        suppressed |= same & (iou > iou_threshold)
    return np.array(keep, dtype=np.int64)


class OpenCvDnnDetector:
    """YOLO-family weights through cv2.dnn (Darknet cfg+weights, or an ONNX export)."""

    def __init__(self, config: DetectorConfig) -> None:
        cv2 = _import_cv2()
        self.config = config
        self.class_names = read_class_names(_existing(config.names_path, "names_path"))
        model = _existing(config.model_path, "model_path")
        try:
            if model.endswith(".onnx"):
                self.net = cv2.dnn.readNetFromONNX(model)
            else:
                self.net = cv2.dnn.readNetFromDarknet(_existing(config.config_path, "config_path"), model)
        except cv2.error as exc:
            raise BadInputError(f"detector model {model}: OpenCV cannot read it ({str(exc).splitlines()[-1]})") from exc
        cv2.setNumThreads(config.threads)
        self.net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self.output_names = self.net.getUnconnectedOutLayersNames()
        self._cv2 = cv2
        self.last_ms = 0.0

    def detect(self, rgb: np.ndarray) -> list[BoxDetection]:
        started = time.perf_counter()
        size = self.config.input_size
        h, w = rgb.shape[:2]
        blob = self._cv2.dnn.blobFromImage(rgb, 1.0 / 255.0, (size, size), swapRB=False, crop=False)
        self.net.setInput(blob)
        outputs = self.net.forward(self.output_names)
        rows = np.concatenate([_as_rows(o, len(self.class_names)) for o in outputs], axis=0)
        detections = self._decode(rows, w, h, size)
        self.last_ms = (time.perf_counter() - started) * 1000.0
        return detections

    def _decode(self, rows: np.ndarray, w: int, h: int, size: int) -> list[BoxDetection]:
        if rows.size == 0:
            return []
        n_classes = len(self.class_names)
        has_objectness = rows.shape[1] == 5 + n_classes
        class_scores = rows[:, 5:] if has_objectness else rows[:, 4:]
        cls = np.argmax(class_scores, axis=1)
        score = class_scores[np.arange(len(rows)), cls] * (rows[:, 4] if has_objectness else 1.0)
        ok = score >= self.config.score_threshold
        rows, cls, score = rows[ok], cls[ok], score[ok]
        if rows.size == 0:
            return []
        # Darknet gives centres and sizes as fractions of the image; ONNX exports in input pixels.
        scale = np.array([w, h, w, h]) / (size if float(np.max(rows[:, :4])) > 2.0 else 1.0)
        cx, cy, bw, bh = (rows[:, :4] * scale).T
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        boxes = np.clip(boxes, 0, [w, h, w, h])
        keep = non_maximum_suppression(boxes, score, cls, self.config.nms_threshold)
        return [BoxDetection(self.class_names[cls[i]], float(score[i]), *map(float, boxes[i])) for i in keep
                if boxes[i, 2] > boxes[i, 0] and boxes[i, 3] > boxes[i, 1]]


def _as_rows(output: np.ndarray, n_classes: int) -> np.ndarray:
    """A network output as N x (4 + [1] + classes) rows (YOLOv8-style exports are transposed)."""
    a = np.asarray(output, dtype=np.float32)
    a = a.reshape(-1, a.shape[-1]) if a.ndim != 3 else a[0]
    if a.shape[1] not in (4 + n_classes, 5 + n_classes) and a.shape[0] in (4 + n_classes, 5 + n_classes):
        a = a.T
    return a


class TorchScriptDetector:
    """A TorchScript detection model from a path (torchvision's output convention)."""

    def __init__(self, config: DetectorConfig) -> None:
        import torch

        self.config = config
        self.class_names = read_class_names(_existing(config.names_path, "names_path"))
        path = _existing(config.model_path, "model_path")
        try:
            self.model = torch.jit.load(path, map_location="cpu").eval()
        except (RuntimeError, ValueError) as exc:
            raise BadInputError(f"detector model {path}: not a TorchScript file ({exc})") from exc
        torch.set_num_threads(config.threads)
        self._torch = torch
        self.last_ms = 0.0

    def detect(self, rgb: np.ndarray) -> list[BoxDetection]:
        torch = self._torch
        started = time.perf_counter()
        tensor = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float().div(255.0).unsqueeze(0)
        with torch.inference_mode():
            out = self.model(tensor)
        if isinstance(out, (list, tuple)) and len(out) == 1 and isinstance(out[0], dict):
            out = out[0]
        if isinstance(out, dict):
            boxes, scores, labels = out["boxes"], out["scores"], out["labels"]
        else:
            boxes, scores, labels = out
        boxes = boxes.detach().cpu().numpy().reshape(-1, 4).astype(np.float64)
        scores = scores.detach().cpu().numpy().reshape(-1).astype(np.float64)
        labels = labels.detach().cpu().numpy().reshape(-1).astype(np.int64)
        h, w = rgb.shape[:2]
        boxes = np.clip(boxes, 0, [w, h, w, h])
        ok = scores >= self.config.score_threshold
        keep = non_maximum_suppression(boxes[ok], scores[ok], labels[ok], self.config.nms_threshold)
        boxes, scores, labels = boxes[ok][keep], scores[ok][keep], labels[ok][keep]
        found = []
        for box, score, label in zip(boxes, scores, labels):
            if not 0 <= label < len(self.class_names):
                raise BadInputError(f"detector model {self.config.model_path}: class index {label} is not in "
                                    f"{self.config.names_path} ({len(self.class_names)} names)")
            if box[2] > box[0] and box[3] > box[1]:
                found.append(BoxDetection(self.class_names[label], float(min(max(score, 0.0), 1.0)), *map(float, box)))
        self.last_ms = (time.perf_counter() - started) * 1000.0
        return found


def make_detector(config: DetectorConfig) -> Detector:
    if config.backend == "opencv":
        return OpenCvDnnDetector(config)
    return TorchScriptDetector(config)
