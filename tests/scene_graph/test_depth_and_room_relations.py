"""Depth and room relations, and room for a thing on a surface, from remembered geometry.

Behind / in front of / across from (scene_graph.spatial_relations), the middle of a room and on its wall
(scene_graph.room_relations), room on a surface (scene_graph.free_space).
"""

from __future__ import annotations

from types import SimpleNamespace

from scene_graph.free_space import fits_on, free_share
from scene_graph.room_relations import in_middle_of, on_wall
from scene_graph.spatial_relations import related
from scene_graph.types import Room


def thing(oid, centre, size, rests_on=None, room="living"):
    lo = tuple(c - s / 2 for c, s in zip(centre, size))
    hi = tuple(c + s / 2 for c, s in zip(centre, size))
    return SimpleNamespace(id=oid, category=oid, position=centre, bbox_min=lo, bbox_max=hi, rests_on=rests_on,
                           room=room)


def ids(found):
    return sorted(o.id for o in found)


LIVING = Room("living", ((0.0, 0.0), (6.0, 0.0), (6.0, 4.0), (0.0, 4.0)))


def test_behind_and_in_front_are_along_the_line_of_sight():
    sofa = thing("sofa", (3.0, 2.0, 0.4), (2.0, 0.9, 0.8))
    lamp = thing("lamp", (3.3, 3.0, 0.8), (0.3, 0.3, 1.6))  # beyond the sofa seen from the south
    table = thing("table", (2.8, 1.0, 0.25), (0.8, 0.5, 0.5))  # between the robot and the sofa
    plant = thing("plant", (5.5, 2.0, 0.4), (0.3, 0.3, 0.8))  # beside it, off the line of sight
    far = thing("far", (3.0, 3.9, 0.4), (0.2, 0.2, 0.2))
    objects = [sofa, lamp, table, plant, far]
    from_south = (3.0, -1.0)
    assert ids(related("behind", objects, sofa, viewpoint=from_south)) == ["far", "lamp"]
    assert ids(related("in_front_of", objects, sofa, viewpoint=from_south)) == ["table"]
    from_north = (3.0, 5.0)  # the other side of the sofa: the two swap
    assert ids(related("behind", objects, sofa, viewpoint=from_north)) == ["table"]
    assert ids(related("in_front_of", objects, sofa, viewpoint=from_north)) == ["far", "lamp"]
    assert related("behind", objects, sofa, viewpoint=None) == []


def test_across_from_is_over_open_floor_in_the_same_room():
    sofa = thing("sofa", (3.0, 0.6, 0.4), (2.0, 0.9, 0.8))
    shelf = thing("shelf", (3.0, 3.7, 0.5), (1.0, 0.4, 1.0))
    coffee_table = thing("coffee_table", (3.0, 2.0, 0.2), (1.0, 0.6, 0.4))  # low: does not block the view
    lamp = thing("lamp", (1.0, 1.2, 0.8), (0.3, 0.3, 1.6))  # too near the sofa to be across from it
    book = thing("book", (3.0, 3.7, 1.05), (0.2, 0.15, 0.05), rests_on="shelf")  # the shelf's content
    kitchen_stool = thing("stool", (3.0, 5.0, 0.3), (0.4, 0.4, 0.6), room="kitchen")
    objects = [sofa, shelf, coffee_table, lamp, book, kitchen_stool]
    assert ids(related("across_from", objects, sofa)) == ["shelf"]
    wardrobe = thing("wardrobe", (3.0, 2.6, 1.0), (1.2, 0.5, 2.0))  # a tall thing in between hides the shelf
    assert "shelf" not in ids(related("across_from", [*objects, wardrobe], sofa))


def test_the_middle_of_a_room_is_around_its_centroid():
    table = thing("table", (3.1, 1.9, 0.375), (1.6, 0.9, 0.75))
    bowl = thing("bowl", (3.0, 2.0, 0.8), (0.2, 0.2, 0.1), rests_on="table")
    sofa = thing("sofa", (1.0, 2.0, 0.4), (0.9, 2.0, 0.8))
    rug = thing("rug", (3.0, 2.0, 0.01), (2.0, 1.5, 0.02))  # under the table: the table still stands there
    elsewhere = thing("stool", (3.0, 2.0, 0.3), (0.4, 0.4, 0.6), room="hall")
    assert ids(in_middle_of(LIVING, [table, bowl, sofa, rug, elsewhere])) == ["rug", "table"]
    assert in_middle_of(LIVING, [sofa]) == []


def test_on_the_wall_is_high_near_the_boundary_and_standing_on_nothing():
    clock = thing("clock", (3.0, 3.95, 1.8), (0.3, 0.05, 0.3))
    shelf = thing("shelf", (0.3, 2.0, 0.9), (0.4, 1.0, 1.8))  # by the wall but on the floor
    vase = thing("vase", (0.3, 2.0, 1.9), (0.15, 0.15, 0.2), rests_on="shelf")  # high by the wall, on the shelf
    lamp = thing("lamp", (3.0, 2.0, 2.3), (0.4, 0.4, 0.3))  # hung from the ceiling in the middle
    assert ids(on_wall(LIVING, [clock, shelf, vase, lamp])) == ["clock"]


def test_room_for_a_thing_is_the_free_part_of_the_top_against_its_footprint():
    desk = thing("desk", (1.0, 1.0, 0.375), (1.2, 0.6, 0.75))
    monitor = thing("monitor", (0.7, 1.0, 0.95), (0.55, 0.25, 0.4), rests_on="desk")  # left half, full depth
    laptop = (0.35, 0.25)
    assert fits_on(desk, [desk, monitor], laptop), "the right half of the desk is clear"
    printer = thing("printer", (1.3, 1.0, 0.9), (0.45, 0.45, 0.3), rests_on="desk")
    assert not fits_on(desk, [desk, monitor, printer], laptop), "only slivers are left"
    assert fits_on(desk, [desk, monitor, printer], (0.05, 0.05))
    assert not fits_on(desk, [desk], (1.5, 0.3)), "longer than the desk"
    assert not fits_on(desk, [desk], (0.7, 1.0)), "deeper than the desk either way round"
    assert fits_on(desk, [desk], (0.5, 1.1)), "either way round"
    assert free_share(desk, [desk]) == 1.0 and free_share(desk, [desk, monitor, printer]) < 0.5
