"""Spatial relations from remembered geometry (scene_graph.spatial_relations)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from scene_graph.spatial_relations import related, side_of, viewpoint_of


def thing(oid, centre, size, rests_on=None):
    lo = tuple(c - s / 2 for c, s in zip(centre, size))
    hi = tuple(c + s / 2 for c, s in zip(centre, size))
    return SimpleNamespace(id=oid, position=centre, bbox_min=lo, bbox_max=hi, rests_on=rests_on)


TABLE = thing("table", (2.0, 2.0, 0.375), (1.2, 0.8, 0.75))
MUG = thing("mug", (1.8, 2.0, 0.8), (0.1, 0.1, 0.1), rests_on="table")
LAMP = thing("lamp", (2.0, 2.0, 1.9), (0.3, 0.3, 0.3))
BIN = thing("bin", (2.0, 1.2, 0.2), (0.3, 0.3, 0.4))
SOFA = thing("sofa", (5.0, 2.0, 0.4), (2.0, 0.9, 0.8))
RUG = thing("rug", (3.5, 2.0, 0.01), (0.5, 0.5, 0.02))
ALL = [TABLE, MUG, LAMP, BIN, SOFA, RUG]


def ids(found):
    return sorted(o.id for o in found)


def test_on_above_below_are_told_apart_by_height():
    assert ids(related("on", ALL, TABLE)) == ["mug"]
    assert ids(related("above", ALL, TABLE)) == ["lamp"], "what rests on the table is on it, not above it"
    assert ids(related("below", ALL, LAMP)) == ["mug", "table"]


def test_next_to_near_closest_and_between():
    assert ids(related("next_to", ALL, TABLE)) == ["bin", "rug"], "the lamp above and the mug on it are not"
    assert "sofa" not in ids(related("next_to", ALL, TABLE))
    assert ids(related("closest_to", ALL, SOFA)) == ["rug"]
    assert ids(related("between", ALL, TABLE, SOFA)) == ["rug"]
    assert related("between", ALL, TABLE, None) == []


def test_what_rests_in_a_thing_between_two_others_is_its_content_not_an_answer():
    fridge = thing("fridge", (3.5, 3.5, 0.9), (0.7, 0.7, 1.8))
    milk = thing("milk", (3.5, 3.5, 0.5), (0.1, 0.1, 0.25), rests_on="fridge")
    apple = thing("apple", (3.4, 3.6, 1.3), (0.08, 0.08, 0.08), rests_on="fridge")
    ball = thing("ball", (3.5, 2.8, 0.1), (0.2, 0.2, 0.2))  # on the floor beside the fridge: an answer
    counter = thing("counter", (2.0, 3.5, 0.45), (1.0, 0.6, 0.9))
    desk = thing("desk", (5.0, 3.5, 0.375), (1.2, 0.6, 0.75))
    found = related("between", [fridge, milk, apple, ball, counter, desk], counter, desk)
    assert ids(found) == ["ball", "fridge"]


def test_what_rests_on_another_thing_is_its_content_for_nearness_unless_it_shares_the_anchors_support():
    sofa = thing("sofa", (2.0, 2.0, 0.4), (2.0, 0.9, 0.8))
    side_table = thing("side_table", (3.3, 2.0, 0.3), (0.5, 0.5, 0.6))
    lamp = thing("lamp", (3.1, 2.0, 0.75), (0.15, 0.15, 0.3), rests_on="side_table")  # nearer to the sofa
    remote = thing("remote", (1.0, 2.0, 0.82), (0.15, 0.05, 0.03), rests_on="sofa")
    shelf = thing("shelf", (6.0, 2.0, 0.9), (0.8, 0.4, 1.8))
    laptop = thing("laptop", (5.8, 2.0, 1.82), (0.3, 0.2, 0.03), rests_on="shelf")
    book = thing("book", (6.2, 2.0, 1.85), (0.2, 0.15, 0.1), rests_on="shelf")
    room = [sofa, side_table, lamp, remote, shelf, laptop, book]
    assert ids(related("next_to", room, sofa)) == ["side_table"], "the lamp is the side table's content"
    assert ids(related("closest_to", room, sofa)) == ["side_table"]
    assert ids(related("near", room, sofa)) == ["side_table"]
    assert ids(related("between", room, side_table, shelf)) == [], "what rests on an anchor is its content"
    assert ids(related("between", room, sofa, shelf)) == ["side_table"]
    assert ids(related("next_to", room, laptop)) == ["book"], "both on the shelf: next to each other"
    assert ids(related("closest_to", room, laptop)) == ["book"]


def test_left_and_right_depend_on_the_viewpoint():
    from_south = (2.0, -1.0)  # looking north (+y) at the table: +x is to the right
    left_thing = thing("left", (1.2, 2.3, 0.4), (0.2, 0.2, 0.2))
    right_thing = thing("right", (2.8, 2.3, 0.4), (0.2, 0.2, 0.2))
    assert side_of(left_thing, TABLE, from_south) == "left"
    assert side_of(right_thing, TABLE, from_south) == "right"
    from_north = (2.0, 5.0)
    assert side_of(left_thing, TABLE, from_north) == "right"
    found = related("left_of", ALL + [left_thing, right_thing], TABLE, viewpoint=from_south)
    assert "left" in ids(found) and "right" not in ids(found)


def test_viewpoint_is_where_the_robot_was_when_it_looked():
    trajectory = [(10.0, 0.0, 0.0, 0.0, 0.0, "a"), (20.0, 5.0, 1.0, 0.0, 0.0, "b")]
    assert viewpoint_of(trajectory, 19.0) == (5.0, 1.0)
    assert viewpoint_of([], 19.0) is None


def test_unknown_relation_is_an_error():
    with pytest.raises(ValueError):
        related("inside_out", ALL, TABLE)
