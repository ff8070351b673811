"""How the simulated robot's skills behave: a typed config section (`skills:` of a StackConfig).

Kept apart from executor.sim_backend so reading a configuration does not import PyBullet.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SimSkillsConfig:
    """Behaviour of the simulated skills (typed config; see memory_stack.foundation.typed_config)."""

    standoff_radii_m: tuple[float, ...] = (0.55, 0.65, 0.75, 0.85, 1.0)
    standoff_headings: int = 24
    # a pick out of the arm's reach from the first stance is tried from this many other stances, on the
    # standoff rings and these closer ones (a high top's far objects need the arm close), this far apart
    pick_stances: int = 3
    pick_stance_radii_m: tuple[float, ...] = (0.4, 0.47)
    stance_spacing_m: float = 0.25
    stances_judged: int = 48  # free stances judged by the arm's reach (closest rings first) before giving up
    place_stances_judged: int = 12  # the same for a place (each judgement costs more: several spots and turns)
    arm_reach_m: float = 0.62  # horizontal distance from the arm's base within which no approach is needed
    # None: as many views as it takes for every heading to be in `look_around_sightings` views
    # (the memory believes a new door state after two sightings in a row: one look should give both).
    look_around_views: int | None = None
    look_around_sightings: int = 2
    render_on_arrival: bool = True
    render_while_manipulating: bool = True
    finger_stroke_m: float = 0.085

    def __post_init__(self) -> None:
        if self.look_around_views is not None and self.look_around_views < 1:
            raise ValueError(f"look_around_views must be >= 1 or null, got {self.look_around_views}")
        if self.look_around_sightings < 1:
            raise ValueError(f"look_around_sightings must be >= 1, got {self.look_around_sightings}")
