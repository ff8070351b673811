"""Typed configuration of perception (load with memory_stack.typed_config; unknown keys rejected)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from memory_stack.typed_config import load_dataclass_file

DEFAULT_OPENABLE_CATEGORIES = [
    "fridge", "freezer", "cabinet", "cupboard", "wardrobe", "closet", "microwave", "oven",
    "dishwasher", "washing_machine", "dresser", "chest", "drawer",
]


@dataclass
class ArticulationConfig:
    """How open/closed evidence is read from a "<category>_door" part next to its body.

    Rule: the door instance is paired with the nearest body instance labelled "<category>" in the
    same frame. The body's axis-aligned box (map frame) is grown by `box_margin_m`; if at least
    `open_fraction` of the door's points lie outside that grown box in the horizontal plane (doors
    swing about vertical hinges, drawers slide: only x and y tell) the door has swung out and the
    body gets state "open", otherwise "closed" (and the shut door's points join the body's geometry:
    it is the body's front). A door without a body gives no observation, nor does a door with fewer
    than `min_door_points` points. state_confidence = 0.5 + 0.5 * min(1, |fraction - open_fraction|
    / room on that side), scaled by `partial_open_confidence_scale` for "open" on a border-cut body.
    """

    door_suffix: str = "_door"
    openable_categories: list[str] = field(default_factory=lambda: list(DEFAULT_OPENABLE_CATEGORIES))
    # Pair doors of categories not listed above too (the door part itself shows the thing opens).
    pair_unlisted_categories: bool = True
    open_fraction: float = 0.25
    box_margin_m: float = 0.04
    min_door_points: int = 20
    # A door farther than this from its body's box is not its door (another piece of furniture).
    max_pair_distance_m: float = 1.5
    # "open" read off a body cut by the image border (truncated box) gets its confidence scaled by this.
    partial_open_confidence_scale: float = 0.6

    def __post_init__(self) -> None:
        if not self.door_suffix:
            raise ValueError("door_suffix must not be empty")
        if not 0.0 < self.open_fraction < 1.0:
            raise ValueError(f"open_fraction must be in (0, 1), got {self.open_fraction}")
        if self.box_margin_m < 0.0:
            raise ValueError(f"box_margin_m must be >= 0, got {self.box_margin_m}")
        if not 0.0 <= self.partial_open_confidence_scale <= 1.0:
            raise ValueError("partial_open_confidence_scale must be in [0, 1], "
                             f"got {self.partial_open_confidence_scale}")
        if self.min_door_points < 1:
            raise ValueError(f"min_door_points must be >= 1, got {self.min_door_points}")

    def pairs(self, category: str) -> bool:
        return self.pair_unlisted_categories or category in self.openable_categories


@dataclass
class PerceptionConfig:
    """Parameters of FrameProcessor.

    Depth outside [min_range_m, max_range_m], NaN or 0 is no return. Per instance, depth values
    are split where an empty gap of at least max(outlier_gap_m, outlier_gap_per_m * mean depth)
    separates them; the cluster with most points is the object, the rest is mask bleed onto what
    lies behind or in front of it.
    """

    min_range_m: float = 0.1
    max_range_m: float = 6.0
    # Smaller masks are dropped. Kept low on purpose: a real object left unreported while in view
    # counts as negative evidence in the memory (it may be closed as gone).
    min_mask_pixels: int = 8
    min_valid_points: int = 6
    outlier_gap_m: float = 0.3
    outlier_gap_per_m: float = 0.1
    # A mask within this many pixels of the image edge is cut by the border (box is partial).
    border_margin_px: int = 1
    default_confidence: float = 1.0
    articulation: ArticulationConfig = field(default_factory=ArticulationConfig)

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_range_m < self.max_range_m:
            raise ValueError(f"need 0 <= min_range_m < max_range_m, got {self.min_range_m}, {self.max_range_m}")
        if self.min_mask_pixels < 1 or self.min_valid_points < 1:
            raise ValueError("min_mask_pixels and min_valid_points must be >= 1")
        if self.outlier_gap_m <= 0.0 or self.outlier_gap_per_m < 0.0:
            raise ValueError("outlier_gap_m must be > 0 and outlier_gap_per_m >= 0")
        if self.border_margin_px < 0:
            raise ValueError(f"border_margin_px must be >= 0, got {self.border_margin_px}")
        if not 0.0 <= self.default_confidence <= 1.0:
            raise ValueError(f"default_confidence must be in [0, 1], got {self.default_confidence}")


def load_perception_config(path: str | Path) -> PerceptionConfig:
    """Load a PerceptionConfig from YAML; errors name the file and the field."""
    return load_dataclass_file(PerceptionConfig, path)
