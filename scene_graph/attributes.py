"""Object attributes from perception: a named colour from the colour summary, a size class from the box.

Colour: the mean colour of an object's pixels (Observation.mean_color, sRGB scaled to 0..1 as
perception.frame_processing produces it) is averaged over
its sightings and named in CIELAB: converted to L*a*b* (D65) and then to lightness L*, chroma C* and
hue angle h; a low chroma is black/grey/white by lightness, otherwise the hue angle picks the name
from the table below (with brown for dark orange-yellow hues and pink for light, low-chroma reds).
The table is a choice, in a perceptual space so that distances mean what they look like:

| hue h (deg)   | name    |
|---------------|---------|
| 0-45, 350-360 | red     |
| 45-75         | orange  |
| 75-110        | yellow  |
| 110-190       | green   |
| 190-245       | cyan    |
| 245-310       | blue    |
| 310-335       | purple  |
| 335-350       | pink    |

(sRGB primaries land at red 40, yellow 102, green 136, blue 306 in CIELAB hue.)

The named colour is kept in the semantic memory as a fact (subject = object id, predicate
"colour", provenance "perception"), written when the name of an object changes; facts persist with
the store, the running mean is rebuilt from new sightings after a reopen.

Size: small / medium / large by the longest side of the remembered box (< 0.25 m, > 1.0 m).
Detector-supplied attributes (material, shape, ...) are facts too, written by whoever supplies them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SMALL_M, LARGE_M = 0.25, 1.0
COLOUR_PREDICATE = "colour"
ACHROMATIC_CHROMA = 14.0

_HUE_NAMES: tuple[tuple[float, str], ...] = (
    (45.0, "red"), (75.0, "orange"), (110.0, "yellow"), (190.0, "green"), (245.0, "cyan"), (310.0, "blue"),
    (335.0, "purple"), (350.0, "pink"), (360.0, "red"),
)


def _linear(c: float) -> float:
    c = c / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def srgb_to_lab(rgb: Sequence[float]) -> tuple[float, float, float]:
    """Convert sRGB (0..255) to CIELAB (D65 white)."""
    r, g, b = (_linear(float(v)) for v in rgb[:3])
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1.0 / 3.0) if t > 0.008856 else 7.787 * t + 16.0 / 116.0

    fx, fy, fz = f(x), f(y), f(z)
    return 116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)


def colour_name(rgb: Sequence[float]) -> str:
    """The name of an sRGB (0..255) colour by its CIELAB lightness, chroma and hue (module table)."""
    lightness, a, b = srgb_to_lab(rgb)
    chroma = math.hypot(a, b)
    if chroma < ACHROMATIC_CHROMA:
        return "black" if lightness < 25.0 else "white" if lightness > 80.0 else "grey"
    hue = math.degrees(math.atan2(b, a)) % 360.0
    name = next(n for upper, n in _HUE_NAMES if hue < upper)
    if name in ("orange", "yellow") and hue < 100.0 and lightness < 50.0:
        return "brown"
    if name == "red" and lightness > 65.0 and chroma < 45.0:
        return "pink"
    return name


def size_class(bbox_min: Sequence[float], bbox_max: Sequence[float]) -> str:
    """Size class (small / medium / large) by the longest side of the box."""
    longest = max(float(b) - float(a) for a, b in zip(bbox_min, bbox_max))
    return "small" if longest < SMALL_M else "large" if longest > LARGE_M else "medium"


class ColourSummary:
    """The running mean colour of one object's sightings and the name last written to memory."""

    __slots__ = ("total", "n", "written", "seen_share")

    def __init__(self, seen_share: float) -> None:
        self.seen_share = seen_share  # MemoryConfig.colour_seen_share: how much of a surface's colour its pixels show
        self.total = [0.0, 0.0, 0.0]
        self.n = 0
        self.written: str | None = None

    def add(self, rgb: Sequence[float]) -> None:
        for i in range(3):
            self.total[i] += float(rgb[i])
        self.n += 1

    @property
    def name(self) -> str | None:
        """The name of the surface colour the mean of the sightings shows (sRGB in 0..1, divided by seen_share)."""
        if not self.n:
            return None
        return colour_name([255.0 * v / (self.n * self.seen_share) for v in self.total])
