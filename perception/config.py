"""Typed configuration of perception (load with memory_stack.foundation.typed_config; unknown keys rejected)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from memory_stack.foundation.typed_config import load_dataclass_file
from perception.box_openness import BoxOpennessParameters
from perception.door_state import DoorRuleParameters

DEFAULT_OPENABLE_CATEGORIES = [
    "fridge", "freezer", "cabinet", "cupboard", "wardrobe", "closet", "microwave", "oven",
    "dishwasher", "washing_machine", "dresser", "chest", "drawer",
]


@dataclass
class ArticulationConfig:
    """How open/closed evidence is read from a "<category>_door" part and its body (perception.door_state).

    Pairing: the door instance goes with the nearest body instance labelled "<category>" in the same
    frame (within `max_pair_distance_m` of the body's box). A door without a body gives no
    observation, nor does a door with fewer than `min_door_points` points.

    Reading (per view, from the door's own geometry; the body's box is never used, so a body cut by
    the image border does not fake an opening):
    - open: the body reaches more than `open_offset_m` in front of the door's plane or past the
      door's ends (the door left the body's front), or at most `free_edge_open_fraction` of the
      door's seen boundary meets the body at the same depth (free edges);
    - closed: at least `closed_attached_fraction` of the seen boundary meets the body, spread over
      at least `closed_min_coverage` of the door's seen width, and the body stays within half of
      `open_offset_m` of the door;
    - otherwise (door seen over less than `min_door_span_m`, edge-on, or its free side cut off by
      the border): no state evidence.
    Boundary pixels "meet the body" when their neighbour outside the door mask is a body pixel within
    `contact_tolerance_m + contact_tolerance_per_m * depth`; neighbours on the image border, and
    nearer things hiding the edge, are not counted. A shut door's points join the body's geometry
    (it is the body's front).
    """

    door_suffix: str = "_door"
    openable_categories: list[str] = field(default_factory=lambda: list(DEFAULT_OPENABLE_CATEGORIES))
    # Pair doors of categories not listed above too (the door part itself shows the thing opens).
    pair_unlisted_categories: bool = True
    min_door_points: int = 20
    # A door farther than this from its body's box is not its door (another piece of furniture).
    max_pair_distance_m: float = 1.5
    open_offset_m: float = 0.11
    min_door_span_m: float = 0.1
    min_camera_offset_m: float = 0.05
    contact_tolerance_m: float = 0.05
    contact_tolerance_per_m: float = 0.03
    min_edge_pixels: int = 10
    open_free_share: float = 0.4
    open_free_coverage: float = 0.5
    closed_min_coverage: float = 0.6
    closed_max_free_coverage: float = 0.3
    closed_max_offset_m: float = 0.08
    closed_min_span_m: float = 0.3
    # Robust extremes of point sets are taken at this quantile (1 - quantile at the low end).
    extreme_quantile: float = 0.98

    def __post_init__(self) -> None:
        if not self.door_suffix:
            raise ValueError("door_suffix must not be empty")
        if self.min_door_points < 1 or self.min_edge_pixels < 1:
            raise ValueError("min_door_points and min_edge_pixels must be >= 1")
        for name in ("open_offset_m", "min_door_span_m", "contact_tolerance_m", "closed_max_offset_m",
                     "closed_min_span_m"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.min_camera_offset_m < 0.0 or self.contact_tolerance_per_m < 0.0:
            raise ValueError("min_camera_offset_m and contact_tolerance_per_m must be >= 0")
        for name in ("open_free_share", "open_free_coverage", "closed_min_coverage", "closed_max_free_coverage"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.closed_max_free_coverage >= self.open_free_coverage:
            raise ValueError("closed_max_free_coverage must be below open_free_coverage, got "
                             f"{self.closed_max_free_coverage} >= {self.open_free_coverage}")
        if not 0.5 < self.extreme_quantile <= 1.0:
            raise ValueError(f"extreme_quantile must be in (0.5, 1], got {self.extreme_quantile}")

    def pairs(self, category: str) -> bool:
        return self.pair_unlisted_categories or category in self.openable_categories

    def rule_parameters(self) -> DoorRuleParameters:
        return DoorRuleParameters(
            open_offset_m=self.open_offset_m, min_door_span_m=self.min_door_span_m,
            min_camera_offset_m=self.min_camera_offset_m, contact_tolerance_m=self.contact_tolerance_m,
            contact_tolerance_per_m=self.contact_tolerance_per_m, min_edge_pixels=self.min_edge_pixels,
            open_free_share=self.open_free_share, open_free_coverage=self.open_free_coverage,
            closed_min_coverage=self.closed_min_coverage,
            closed_max_free_coverage=self.closed_max_free_coverage, closed_max_offset_m=self.closed_max_offset_m,
            closed_min_span_m=self.closed_min_span_m, quantile=self.extreme_quantile)


@dataclass
class BoxOpennessConfig:
    """Open/closed from the points of an openable thing found from a 2D box (perception.box_openness).

    Applies to the ArticulationConfig's `openable_categories` when the frame came as boxes (no door part
    to pair). Points between `band_low` and `band_high` of the object's seen height, top-down; a point
    more than `behind_m` (plus 2 x `noise_factor` x the thickness the points' surface shows) behind
    where its camera ray enters their convex hull (and behind both ends of the hull edge it enters by,
    by as much) is seen through an opening or past a swung-out door. The outline's straight faces are
    robust line fits whose tolerance is `noise_factor` times the thickness the points' surface shows
    (their depth noise), clipped to [`min_tolerance_m`, `max_tolerance_m`]; a face is at least
    `min_face_m` long. Faces more than `skew_deg` off the largest face's right angles are a door ajar.
    Open: more than `open_share` seen through, or more than `open_skew_share` of the points on slanted
    faces; closed: at most `closed_share` and `closed_skew_share`, the thing not cut by the image's side
    borders, a view at least `min_span_m` wide, a face perpendicular to the largest at least
    `min_face_share` of the faces' length or one face within `head_on_deg` of square to the view ray,
    and at least `min_explained` of the points on square faces; else no evidence. Points behind the hull
    on a face with at least `junction_share` of its points on the hull side are a corner of two faces (a
    side and the wall beside it), not an opening.
    """

    enabled: bool = True
    band_low: float = 0.2
    band_high: float = 0.8
    behind_m: float = 0.1
    open_share: float = 0.15
    closed_share: float = 0.03
    min_points: int = 30
    min_span_m: float = 0.25
    noise_factor: float = 3.0
    min_tolerance_m: float = 0.01
    max_tolerance_m: float = 0.05
    min_face_m: float = 0.1
    skew_deg: float = 12.0
    open_skew_share: float = 0.2
    closed_skew_share: float = 0.08
    min_face_share: float = 0.1
    min_explained: float = 0.85
    head_on_deg: float = 10.0
    junction_share: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 <= self.band_low < self.band_high <= 1.0:
            raise ValueError(f"need 0 <= band_low < band_high <= 1, got {self.band_low}, {self.band_high}")
        for name in ("behind_m", "min_span_m"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 0.0 <= self.closed_share < self.open_share <= 1.0:
            raise ValueError(f"need 0 <= closed_share < open_share <= 1, got {self.closed_share}, {self.open_share}")
        if self.min_points < 3:
            raise ValueError(f"min_points must be >= 3, got {self.min_points}")
        if not 0.0 < self.min_tolerance_m <= self.max_tolerance_m or not self.noise_factor > 0.0:
            raise ValueError(f"need noise_factor > 0 and 0 < min_tolerance_m <= max_tolerance_m, got "
                             f"{self.noise_factor}, {self.min_tolerance_m}, {self.max_tolerance_m}")
        if not self.min_face_m > 0.0 or not 0.0 <= self.min_explained <= 1.0:
            raise ValueError(f"need min_face_m > 0 and 0 <= min_explained <= 1, "
                             f"got {self.min_face_m}, {self.min_explained}")
        if not 0.0 <= self.head_on_deg < 45.0 or not 0.0 <= self.junction_share <= 1.0:
            raise ValueError(f"need 0 <= head_on_deg < 45 and 0 <= junction_share <= 1, "
                             f"got {self.head_on_deg}, {self.junction_share}")

    def rule_parameters(self) -> BoxOpennessParameters:
        return BoxOpennessParameters(band=(self.band_low, self.band_high), behind_m=self.behind_m,
                                     open_share=self.open_share, closed_share=self.closed_share,
                                     min_points=self.min_points, min_span_m=self.min_span_m,
                                     noise_factor=self.noise_factor, min_tolerance_m=self.min_tolerance_m,
                                     max_tolerance_m=self.max_tolerance_m, min_face_m=self.min_face_m,
                                     skew_rad=math.radians(self.skew_deg), open_skew_share=self.open_skew_share,
                                     closed_skew_share=self.closed_skew_share, min_face_share=self.min_face_share,
                                     min_explained=self.min_explained, junction_share=self.junction_share,
                                     head_on_rad=math.radians(self.head_on_deg))


@dataclass
class BoxLiftingConfig:
    """How the object's pixels are found inside a 2D box from depth (perception.box_lifting).

    Support plane: among the valid pixels of the box's lower `support_band` (a fraction of its
    height), the lowest height level (bins of `support_bin_m`, map z) holding at least
    `support_min_share` of them is the surface the object stands on (floor, table top); every pixel of
    the box lower than `support_clearance_m` above it goes.
    Foreground: the remaining pixels are clustered by depth continuity (4-neighbours join when their
    depths differ by less than `continuity_m + continuity_per_m * depth`, or their map heights by less
    than `level_tolerance_m` with depths within `level_max_gap_m`: one horizontal surface). The box
    was drawn around the object, so the object is the cluster with the highest pixels x span **
    `span_weight_power` (span: the share of the box's width x height its extent covers; what shows
    through the object, a wall between table legs, spans less) x (nearest cluster depth / its depth)
    ** `near_weight_power`. Clustering runs on
    the depth downsampled to blocks of `block_px` (each block's nearest return), which closes the
    holes of real depth and takes 1/block_px^2 of the work; the chosen blocks' pixels within
    `block_px` continuity tolerances of their block's depth are the object.
    Boxes are lifted smallest first; a pixel taken by a smaller box is not given to a larger one.
    Surroundings: the box grown by `context_margin` of its width/height on each side is clustered
    too, so each candidate's containment is known (the share of its surroundings cluster inside the
    box): the wall behind, the floor, a bigger thing in front reach beyond the box; the score is
    multiplied by containment ** `containment_power`. Size: for a category with a typical size
    (perception.size_priors), a cluster at a depth where the box would be wider than the thing's
    footprint diagonal (or taller than its height plus depth), times `size_slack`, is behind the
    thing: score x (limit / box size) ** `size_fit_power`.
    Framing surfaces (perception.framing_surface): up to two planes seen around the box on two or more
    sides (a side counts when `framing_min_side_share` of its pixels lie within `framing_tolerance_m`
    + `framing_tolerance_per_m` x depth of one). A candidate with at least `surface_share` of its
    blocks on one that reaches beyond the box, or lies inside it deeper than the nearest candidate by
    more than half the thing's typical depth (the wall seen between a desk's legs; not for things with
    an inside), is that surface, not the thing, when another candidate exists; this, and dropping the
    chosen cluster's pixels on a surface, apply only to categories with a typical size deeper than
    `thin_depth_m` (not a mirror, a picture, a screen on its wall, nor a small thing of no listed size:
    keys at the back of a counter lie within the tolerance of the wall).
    The thing's own depth is not usable when the chosen cluster lies behind a surface seen on three
    sides by more than the thing's typical depth (`unknown_depth_m` without a size prior: a mirror,
    glass), or has containment below `min_containment` (mostly beyond the box) while at least
    `min_missing_depth_share` of the box's other pixels have no depth (a bigger thing in front, the
    thing's own dark or glossy surface gave none), or the box holds no cluster. Then the thing lies
    against the surface (for the last two: one seen above the box's top edge and on another side):
    its pixels are the box's untaken pixels not in front of it, their depth the surface's minus the
    thing's typical depth. A box with no cluster and no such surface is dropped.
    Hidden behind a bigger thing: for a thing judged against surfaces (a typical size, not thin) whose
    support was removed, a surroundings' cluster is a bigger detection's surface when, beyond the box,
    at least `hidden_share` of its blocks lie inside the boxes of the detections at least as large that
    overlap this one and reach lower in the image (of two things on one floor seen from above it, the
    nearer one's foot is the lower one: a chair or an ottoman against a table or a bed's foot is in
    front of it, not hidden) and it fills at least `occluder_fill` of what those boxes show around it; it is in
    front when it lies nearer (median depth) than the rest of the box, or is all of it. When at least
    `hidden_share` of the box's blocks with depth, or of the chosen cluster's, are such a surface in front,
    the box's depth does not place the thing (it would stand on the thing in front, or on the wall), and
    the box is dropped - unless its own pixels gave no depth and it stands against the wall above it.
    """

    support_band: float = 0.35
    support_bin_m: float = 0.03
    support_min_share: float = 0.12
    support_clearance_m: float = 0.04
    min_above_support_share: float = 0.2
    level_tolerance_m: float = 0.02
    level_max_gap_m: float = 0.5
    continuity_m: float = 0.03
    continuity_per_m: float = 0.05
    span_weight_power: float = 1.0
    near_weight_power: float = 1.0
    block_px: int = 4
    min_object_pixels: int = 20
    context_margin: float = 0.5
    containment_power: float = 1.0
    size_slack: float = 1.3
    size_fit_power: float = 2.0
    framing_tolerance_m: float = 0.03
    framing_tolerance_per_m: float = 0.02
    framing_min_side_share: float = 0.5
    unknown_depth_m: float = 0.5
    min_containment: float = 0.5
    min_missing_depth_share: float = 0.3
    surface_share: float = 0.6
    thin_depth_m: float = 0.1
    hidden_share: float = 0.8
    occluder_fill: float = 0.5
    # Centroids of boxed things of a known category move from their seen side to their centre by the
    # category's typical size (perception.size_priors).
    size_prior_centroid: bool = True

    def __post_init__(self) -> None:
        for name in ("support_band", "support_min_share", "min_above_support_share"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        for name in ("support_bin_m", "continuity_m"):
            if not getattr(self, name) > 0.0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if min(self.support_clearance_m, self.continuity_per_m, self.near_weight_power, self.span_weight_power) < 0.0:
            raise ValueError("support_clearance_m, continuity_per_m and near_weight_power must be >= 0")
        if self.block_px < 1:
            raise ValueError(f"block_px must be >= 1, got {self.block_px}")
        for name in ("framing_min_side_share", "min_containment", "min_missing_depth_share", "surface_share",
                     "hidden_share", "occluder_fill"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.size_slack <= 0.0 or self.framing_tolerance_m <= 0.0 or self.unknown_depth_m < 0.0:
            raise ValueError("size_slack and framing_tolerance_m must be > 0, unknown_depth_m >= 0")
        if min(self.context_margin, self.containment_power, self.size_fit_power, self.framing_tolerance_per_m) < 0.0:
            raise ValueError(
                "context_margin, containment_power, size_fit_power and framing_tolerance_per_m must be >= 0")
        if self.min_object_pixels < 1:
            raise ValueError(f"min_object_pixels must be >= 1, got {self.min_object_pixels}")


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
    box_lifting: BoxLiftingConfig = field(default_factory=BoxLiftingConfig)
    box_openness: BoxOpennessConfig = field(default_factory=BoxOpennessConfig)

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
