"""What things are for: the affordance table speaks for every category of the ontology, and for any use."""

from __future__ import annotations

import pytest

from scene_graph.affordances import Affordances


@pytest.fixture(scope="module")
def table():
    return Affordances.load()


def test_every_category_of_the_ontology_has_activities_of_its_own_or_through_is_a(table):
    ontology = table.ontology
    abstract = set(ontology.parent.values())
    speechless = sorted(c for c in table.known_categories() - abstract if not table.sources(c))
    assert not speechless, f"no affordance entry of their own or of an ancestor: {speechless}"


def test_a_category_without_an_entry_speaks_through_the_ontology(table):
    assert table.sources("kitchen_table") == ["table"], "is_a: a kitchen table is a table"
    assert table.sources("countertop") == ["counter"], "a synonym speaks through its canonical name"
    found = table.match("have dinner", {"kitchen_table", "sofa"})
    assert found and found[0][0] == "kitchen_table" and found[0][2] == "have dinner"


def test_kinds_sharing_an_inherited_entry_rank_by_how_near_their_own_name_is(table):
    # coffee, dining and kitchen tables all "have dinner" through table; the name decides, not the alphabet
    for uses in (True, False):
        found = table.match("have dinner", {"coffee_table", "kitchen_table", "dining_table"}, uses=uses)
        assert [c for c, _, _ in found] == ["dining_table", "kitchen_table", "coffee_table"], found
        assert len({s for _, s, _ in found}) == 1, "they tie on the table's entry"


def test_the_washbasin_is_where_one_washes_hands(table):
    found = table.match("wash my hands", {"washbasin", "bed", "tv_stand"})
    assert found and found[0][0] == "washbasin"


def test_a_label_no_entry_names_affords_its_own_use(table):
    found = table.match("sweep the floor", {"broom", "sofa", "bed"})
    assert found and found[0][0] == "broom" and found[0][2] == "use a broom"
    assert not table.match("sweep the floor", {"sofa", "bed"}), "nothing here is for sweeping"


def test_without_uses_only_the_table_speaks(table):
    assert not table.match("sweep the floor", {"broom"}, uses=False)
    assert table.match("wash my hands", {"washbasin"}, uses=False)[0][0] == "washbasin"


def test_what_the_activity_is_done_to_is_not_what_it_is_done_with(table):
    found = table.match("keep the milk cold", {"milk", "fridge"})
    assert [c for c, _, _ in found] == ["fridge"]
