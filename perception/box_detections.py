"""2D detections as YOLO-style detectors and vision_msgs/Detection2DArray carry them: class, score, box."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from memory_stack.foundation.errors import BadInputError


@dataclass(frozen=True)
class BoxDetection:
    """One detected object: a class name, a score in [0, 1] and an axis-aligned pixel box.

    The box spans columns [xmin, xmax) and rows [ymin, ymax) (pixel edges, floats allowed); a
    Detection2D's centre and size convert with `from_center`.
    """

    label: str
    score: float
    xmin: float
    ymin: float
    xmax: float
    ymax: float

    @classmethod
    def from_center(cls, label: str, score: float, cx: float, cy: float, width: float,
                    height: float) -> BoxDetection:
        return cls(label, score, cx - width / 2.0, cy - height / 2.0, cx + width / 2.0, cy + height / 2.0)

    @property
    def area(self) -> float:
        return max(0.0, self.xmax - self.xmin) * max(0.0, self.ymax - self.ymin)

    def validated(self, where: str) -> BoxDetection:
        """The detection itself, or BadInputError naming `where` and the field that is wrong."""
        if not isinstance(self.label, str) or not self.label.strip():
            raise BadInputError(f"{where}: label: expected a non-empty class name, got {self.label!r}")
        values = (self.score, self.xmin, self.ymin, self.xmax, self.ymax)
        if not all(isinstance(v, numbers.Real) and math.isfinite(v) for v in values):
            raise BadInputError(f"{where}: box/score: expected finite numbers, got {values}")
        if not 0.0 <= self.score <= 1.0:
            raise BadInputError(f"{where}: score: must be in [0, 1], got {self.score}")
        if self.xmax <= self.xmin or self.ymax <= self.ymin:
            raise BadInputError(f"{where}: box: empty box ({self.xmin}, {self.ymin}, {self.xmax}, {self.ymax})")
        return self

    def pixel_window(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        """Integer (x0, y0, x1, y1) of the pixels whose centres lie in the box, clipped to the image."""
        x0 = max(0, math.ceil(self.xmin - 0.5))
        y0 = max(0, math.ceil(self.ymin - 0.5))
        x1 = min(width, math.ceil(self.xmax - 0.5))
        y1 = min(height, math.ceil(self.ymax - 0.5))
        if x1 <= x0 or y1 <= y0:
            return None
        return x0, y0, x1, y1
