"""Whether a look at a receptacle can show what is in it: not through the shut door of a fridge or wardrobe.

Things put away in openable furniture rest inside it; a look shows them only while it is open. The
robot cannot open furniture to answer a question, so a look at a shut fridge is no evidence about
the yogurt inside, and a search should not count on it. Memory reads the door state from the
frames (`SceneObject.state` "open" / "closed"); a receptacle without one (a table, a shelf, furniture
never seen with a door) shows its things to every look.

`visibility` is P(a look at the receptacle at `at` would see inside): 1 without a door state; the
probability that the door is open then, by the last state memory read and the same two-state model
that answers "is the fridge open?" (`two_state.state_keep`). `last_seen_inside`: when
memory last saw into it (what is in a wardrobe seen shut since was not seen then).
"""

from __future__ import annotations

from planners.belief.priors import SECONDS_PER_HOUR, LocationModel
from planners.belief.two_state import state_keep
from scene_graph.records import SceneObject

DOOR_STATES = ("open", "closed")


def visibility(model: LocationModel, receptacle_id: str, at: float) -> float:
    """P(a look at `receptacle_id` at time `at` shows what is inside it (1 for a receptacle with no door state))."""
    receptacle = model.memory.get_object(receptacle_id, at)
    if receptacle is None or not receptacle.is_receptacle or receptacle.state not in DOOR_STATES:
        return 1.0
    seen = receptacle.last_seen if receptacle.last_seen is not None else at
    hours = max(0.0, at - seen) / SECONDS_PER_HOUR
    keep = state_keep(model, receptacle.category, receptacle.state, hours, at)
    return keep if receptacle.state == "open" else 1.0 - keep


def last_seen_inside(model: LocationModel, receptacle: SceneObject, at: float) -> float | None:
    """When a look last showed what is inside `receptacle` (up to `at`); None: never seen inside.

    Its last sighting if it has no door state, else the end of the last time memory saw it open.
    """
    if receptacle.state not in DOOR_STATES:
        return receptacle.last_seen
    states = sorted((s for s in model.memory.history(receptacle.id, None, at).states if s.time <= at),
                    key=lambda s: s.time)
    opened = [i for i, s in enumerate(states) if s.state == "open"]
    if not opened:
        return None
    last = opened[-1]
    if last + 1 < len(states):
        return float(states[last + 1].time)
    return min(at, float(receptacle.last_seen)) if receptacle.last_seen is not None else float(states[last].time)
