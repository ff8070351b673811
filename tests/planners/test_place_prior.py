"""planners.belief.place_prior: where a thing the ontology knows no places for goes when it leaves its place."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from household_memory import (  # noqa: E402
    BOOK_ON_SHELF,
    DAY,
    HOUR,
    KEYS_ON_TABLE,
    KITCHEN_FURNITURE,
    LIVING_FURNITURE,
    FrameWriter,
    Thing,
)

from planners.belief.builder import BeliefBuilder  # noqa: E402
from planners.belief.config import BeliefConfig  # noqa: E402
from planners.language.typed_query import TypedQuery  # noqa: E402
from planners.question_answering import category_name_similarity  # noqa: E402
from scene_graph.store import MemoryStore  # noqa: E402

REMOTE_ON_TABLE = Thing("remote", (7.7, 2.6, 0.47), (0.15, 0.05, 0.03))


def _memory(on_counter: str) -> MemoryStore:
    """Counter (a thing of `on_counter`), fridge; table (keys, remote), shelf (a book): one patrol at 07:00."""
    from household_memory import FLOOR_PLAN

    store = MemoryStore.open(None, floor_plan=FLOOR_PLAN)
    writer = FrameWriter(store)
    writer.look_kitchen(7 * HOUR, KITCHEN_FURNITURE + [Thing(on_counter, (1.2, 0.6, 0.95), (0.12, 0.06, 0.04))])
    writer.look_living_room(7 * HOUR + 60, LIVING_FURNITURE + [KEYS_ON_TABLE, REMOTE_ON_TABLE, BOOK_ON_SHELF])
    return store


def _alternatives(store: MemoryStore, target: str, config: BeliefConfig, similarity=None) -> dict[str, float]:
    belief = BeliefBuilder(store, config, similarity).build(TypedQuery("present_location", target=target,
                                                                       confidence=1.0), 2 * DAY)
    return {c.rests_on.split("_")[0]: c.probability for c in belief.candidates if c.speculative and c.rests_on}


def test_a_category_with_no_known_places_goes_where_things_are_put_in_this_home():
    store = _memory("stapler")
    try:
        spread = _alternatives(store, "stapler", BeliefConfig())
        assert set(spread) == {"fridge", "table", "shelf"}
        assert spread["table"] > spread["shelf"] > spread["fridge"], "two things on the table, one on the shelf"
        flat = _alternatives(store, "stapler", BeliefConfig(home_prior_weight=0.0))
        assert flat["table"] == pytest.approx(flat["shelf"]) == pytest.approx(flat["fridge"])
    finally:
        store.close()


def test_a_category_unknown_to_the_ontology_backs_off_to_the_nearest_named_one():
    """Sunglasses are put where glasses are (table, shelf), not in the fridge."""
    store = _memory("sunglasses")
    try:
        config = BeliefConfig(home_prior_weight=0.0)
        near = _alternatives(store, "sunglasses", config, category_name_similarity)
        assert near["table"] > 2 * near["fridge"] and near["shelf"] > 1.5 * near["fridge"]
        alone = _alternatives(store, "sunglasses", config)
        assert alone["table"] == pytest.approx(alone["fridge"])
    finally:
        store.close()


def test_a_category_the_ontology_knows_keeps_its_typical_places_first():
    store = _memory("mug")
    try:
        spread = _alternatives(store, "mug", BeliefConfig(), category_name_similarity)
        assert spread["table"] > spread["shelf"], "mugs go on tables, and the table holds more here"
    finally:
        store.close()


def test_weights_must_be_non_negative():
    with pytest.raises(ValueError, match="home_prior_weight"):
        BeliefConfig(home_prior_weight=-1.0)
    with pytest.raises(ValueError, match="neighbour_count"):
        BeliefConfig(neighbour_count=0)
