"""A fetch's search may go to every receptacle its look cap allows, not only a question's 12 best."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from household_memory import HOUR, LIVING_FURNITURE, Thing, two_room_memory  # noqa: E402

from planners.acting.case_memory import CaseHints  # noqa: E402
from planners.acting.task_planning import TaskConfig, _HintedBeliefs  # noqa: E402
from planners.language.typed_query import TypedQuery  # noqa: E402

# eleven side tables along the living room's two long walls: 15 receptacles with the counter, fridge, table, shelf
SIDE_TABLES = [Thing("side_table", (x, y, 0.3), (0.5, 0.4, 0.6))
               for y, xs in ((0.4, (5.6, 6.6, 7.6, 8.6, 9.6, 10.6)), (3.6, (5.6, 6.6, 7.6, 8.6, 9.6)))
               for x in xs]


def test_a_fetch_for_a_thing_never_seen_may_search_every_receptacle():
    """Every receptacle memory holds is a place the fetch may look.

    Dev household 11046: 18 receptacles, the question's 12 best left out the bedroom's five, and the
    wallet moved unseen onto the nightstand was "not found" after the living room and kitchen.
    """
    store, writer = two_room_memory()
    try:
        writer.look_living_room(8 * HOUR, LIVING_FURNITURE + SIDE_TABLES, repeats=6)
        receptacles = {r.id for r in store.receptacles() if r.present}
        assert len(receptacles) == 15
        config = TaskConfig()
        builder = _HintedBeliefs(store, config.beliefs, CaseHints(), [], config, [])
        belief = builder.build(TypedQuery("present_location", target="wallet", confidence=1.0), 9 * HOUR)
        places = {c.reveal_target for c in belief.candidates if c.reveal_target is not None}
        assert places == receptacles
    finally:
        store.close()
