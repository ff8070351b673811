"""MemoryConfig: the tunable parameters of the memory, loadable from YAML (unknown keys rejected)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from memory_stack.foundation.time_epoch import parse_epoch
from memory_stack.foundation.typed_config import build_dataclass
from scene_graph.ontology import DEFAULT_ONTOLOGY


@dataclass
class MemoryConfig:
    """Association, evidence, consolidation and prior parameters."""

    ontology_path: str | None = None  # None: the ontology shipped in scene_graph/data
    # association
    min_detection_confidence: float = 0.2
    match_gate_m: float = 0.75  # an observation farther than this from an object is not that object
    receptacle_match_gate_m: float = 1.2
    receptacle_touch_margin_m: float = 0.1  # same-category furniture boxes this close are one piece
    label_noise_gate_m: float = 0.15  # a differently-labelled detection this close may be label noise...
    label_conflicts_tolerated: int = 2  # ...for this many frames in a row; then it is another object
    # Label fusion: a differently-labelled detection within label_noise_gate_m whose box overlaps a track's box by at
    # least this share of the smaller box is the same physical object: it votes its label (weighted by confidence)
    # on that track; a tentative track takes every such vote, a confirmed one changes category only when another
    # category's votes reach label_flip_margin times its current category's (else the conflict rule above applies).
    label_vote_min_overlap: float = 0.3
    label_flip_margin: float = 2.0
    move_threshold_m: float = 0.25  # a matched sighting this far from the remembered place is a move
    refit_distance_m: float = 0.08  # a sighting this far off pulls the position fast (not averaged away)
    min_state_confidence: float = 0.0  # state evidence (open/closed) below this is ignored
    state_change_sightings: int = 2  # consecutive sightings of a new state before it is believed (hysteresis)
    # the robot's own manipulation: tracks of the placed object's category that appeared within this radius of
    # where it was put, since this long before it was last seen (it was carried there), are that object
    manipulation_merge_radius_m: float = 0.4
    manipulation_window_s: float = 600.0
    # nobody carries a thing off and back, or across the house, in less than this while the robot looks around:
    # a half-missed object seen elsewhere sooner is another instance, and one closed as gone and seen again at
    # its place sooner was never gone (the disappearance is retracted)
    implausible_change_gap_s: float = 120.0
    # existence
    confirm_sightings: int = 2  # sightings before a tentative object becomes permanent...
    # ...or one decisive sighting: a confident label on a whole (not border-cut) instance with this many depth
    # points, where no remembered object of another category sits (a flipped label lands on a real object)
    single_sighting_min_confidence: float = 0.9
    single_sighting_min_points: int = 40
    tentative_expiry_s: float = 86400.0  # unconfirmed objects not seen again for this long are dropped
    miss_evidence_to_close: float = 2.0  # accumulated misses (unoccluded, in view) that close an interval
    receptacle_miss_evidence_to_close: float = 4.0  # furniture rarely leaves: it takes more not-seeing
    miss_weight_without_depth: float = 0.5
    # A miss counts only for an object whose visible projection (remembered box, distance, intrinsics) covers
    # at least detector_min_pixels x miss_pixel_safety_factor pixels: the detector never reports smaller
    # instances (detector_min_pixels mirrors perception's PerceptionConfig min_mask_pixels).
    detector_min_pixels: int = 8
    miss_pixel_safety_factor: float = 2.0
    miss_max_range_m: float = 5.0  # beyond this, not seeing something is no evidence it left
    occlusion_margin_m: float = 0.3
    # a remembered thing smaller than occlusion_margin_m is hidden by anything nearer than its own size (not
    # below this): on a cluttered top the neighbour in front of a pen is nearer by less than the full margin
    small_object_occlusion_margin_m: float = 0.1
    image_edge_margin: float = 0.05  # fraction of width/height ignored at the image border
    min_view_range_m: float = 0.2
    # free-surface evidence (scene_graph.surface_coverage): a first sighting where the surface was seen bare before
    # is a change in the world ("appeared"); elsewhere it is a discovery
    surface_cell_m: float = 0.1
    empty_evidence_range_m: float = 3.5
    empty_evidence_depth_margin_m: float = 0.015
    surface_save_period_s: float = 600.0  # frame time between saves of the surface evidence to the store
    # support relation
    support_footprint_margin_m: float = 0.15
    support_gap_m: float = 0.25
    support_below_tolerance_m: float = 0.1  # a perceived bottom this far under a surface still rests on it
    # trajectory / observation coverage
    trajectory_spacing_m: float = 1.0
    trajectory_period_s: float = 300.0
    observed_gap_s: float = 120.0
    # The share of a surface's own colour that the mean of its pixels shows under the scene's light (shading and
    # exposure darken every channel alike); colour names are the surface's (a white plate seen light grey is white).
    # 0.78 is the simulator's: the median ratio of sighting means to the objects' own colours (357 channel readings
    # of development household 11005's objects, session 13; deciles 0.68-0.91). Measure it again for another
    # renderer or a real camera (1.0: name the pixels' colour as seen).
    colour_seen_share: float = 0.78
    # learned priors (Gamma prior on move rate: prior_moves over prior_hours)
    move_rate_prior_moves: float = 1.0
    move_rate_prior_hours: float = 48.0
    receptacle_move_rate_prior_moves: float = 0.05
    receptacle_move_rate_prior_hours: float = 720.0
    location_prior_strength: float = 3.0  # pseudo-counts spread over the ontology's typical receptacles
    location_prior_floor: float = 0.2  # pseudo-count for every other known receptacle category
    # the ROS time of this memory's d1 00:00 when its first frame arrives over ROS: "auto", Unix seconds or an
    # ISO date (memory_stack.foundation.time_epoch); kept in the store's meta from then on
    time_epoch: str | float = "auto"

    def __post_init__(self) -> None:
        parse_epoch(self.time_epoch, "memory.time_epoch")
        if not 0.0 <= self.label_vote_min_overlap <= 1.0 or self.label_flip_margin < 1.0:
            raise ValueError("label_vote_min_overlap must be in [0, 1] and label_flip_margin >= 1")
        if self.confirm_sightings < 1:
            raise ValueError("confirm_sightings must be >= 1")
        if self.detector_min_pixels < 0 or self.miss_pixel_safety_factor < 0 or not self.miss_max_range_m > 0:
            raise ValueError("detector_min_pixels and miss_pixel_safety_factor must be >= 0, miss_max_range_m > 0")
        if not 0.0 <= self.single_sighting_min_confidence <= 1.0 or self.single_sighting_min_points < 0:
            raise ValueError("single_sighting_min_confidence must be in [0, 1] (1 = never decisive alone), "
                             "single_sighting_min_points >= 0")
        if not self.surface_cell_m > 0 or not self.empty_evidence_range_m > 0:
            raise ValueError("surface_cell_m and empty_evidence_range_m must be > 0")
        if self.state_change_sightings < 1:
            raise ValueError("state_change_sightings must be >= 1")
        if not 0.0 <= self.small_object_occlusion_margin_m:
            raise ValueError("small_object_occlusion_margin_m must be >= 0")
        if not 0.0 < self.colour_seen_share <= 1.0:
            raise ValueError("colour_seen_share must be in (0, 1]")
        if self.match_gate_m <= 0 or self.miss_evidence_to_close <= 0:
            raise ValueError("match_gate_m and miss_evidence_to_close must be > 0")

    @property
    def min_miss_pixels(self) -> float:
        return self.detector_min_pixels * self.miss_pixel_safety_factor

    def miss_pixels_for(self, detector_min_pixels: float | None) -> float:
        """Projected pixels an object needs for a miss to count, for a detector reporting instances this small."""
        if detector_min_pixels is None:
            return self.min_miss_pixels
        return max(float(detector_min_pixels), 0.0) * self.miss_pixel_safety_factor

    @property
    def ontology_file(self) -> Path:
        return Path(self.ontology_path) if self.ontology_path else DEFAULT_ONTOLOGY

    @classmethod
    def from_dict(cls, data: dict, source: str = "<memory config>") -> MemoryConfig:
        return build_dataclass(cls, data, source=source)
