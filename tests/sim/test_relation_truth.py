"""Relations between a generated household's furniture (sim.generation.relation_truth): clear, or not asked."""

from __future__ import annotations

from sim.generation.relation_truth import between, closest_to, footprint_gap, next_to
from sim.scenario import FurnitureSpec


def piece(fid, x, y, room="living_room", size=(1.0, 0.6, 0.5)):
    return FurnitureSpec(id=fid, category=fid.rstrip("0123456789_"), room=room, at=(x, y), size=size)


SOFA = piece("sofa", 2.0, 1.0, size=(2.0, 0.9, 0.8))            # x 1.0..3.0
SIDE = piece("side_table", 3.3, 1.0, size=(0.5, 0.5, 0.6))       # gap 0.05 to the sofa
SHELF = piece("bookshelf", 6.0, 1.0, size=(0.8, 0.4, 1.8))       # gap 2.6
TV = piece("tv_stand", 2.0, 4.6, size=(1.2, 0.4, 0.5))
TABLE = piece("coffee_table", 2.0, 2.9, size=(1.0, 0.6, 0.45))   # gap 1.15 to the sofa; between it and the TV


def test_footprint_gap_follows_the_yaw():
    turned = FurnitureSpec(id="sofa", category="sofa", room="r", at=(2.0, 1.0), yaw=1.5708, size=(2.0, 0.9, 0.8))
    assert abs(footprint_gap(turned, SIDE) - 0.6) < 1e-3  # turned, the sofa spans x 1.55..2.45
    assert footprint_gap(SOFA, SIDE) == footprint_gap(SIDE, SOFA) and abs(footprint_gap(SOFA, SIDE) - 0.05) < 1e-9


def test_next_to_and_closest_are_clear_or_none():
    pieces = [SOFA, SIDE, SHELF, TV, TABLE]
    assert next_to(SOFA, pieces) == ["side_table"]
    assert next_to(SHELF, pieces) == []
    assert closest_to(SOFA, pieces) == ["side_table"]
    doubtful = piece("armchair", 4.2, 1.0, size=(0.8, 0.8, 0.8))  # gap 0.8 to the sofa
    assert 0.5 < footprint_gap(doubtful, SOFA) < 1.1
    assert next_to(SOFA, [*pieces, doubtful]) is None
    tie = piece("ottoman", 0.7, 1.0, size=(0.5, 0.5, 0.4))  # gap 0.05 on the sofa's other side
    assert closest_to(SOFA, [*pieces, tie]) is None
    assert next_to(SOFA, [*pieces, tie]) == ["ottoman", "side_table"]


def test_a_piece_through_a_wall_is_not_next_to_one_in_another_room():
    behind_wall = piece("dresser", 2.0, 0.1, room="bedroom", size=(1.0, 0.2, 0.8))  # gap 0.45, other room
    assert next_to(SOFA, [SOFA, SIDE, behind_wall]) is None
    assert closest_to(SOFA, [SOFA, behind_wall, SHELF]) is None


def test_between_needs_both_ends_in_one_room_and_no_doubtful_piece():
    pieces = [SOFA, SIDE, SHELF, TV, TABLE]
    assert between(SOFA, TV, pieces) == ["coffee_table"]
    assert between(SOFA, SHELF, pieces) == ["side_table"]
    aside = piece("lamp_table", 2.8, 2.9, size=(0.4, 0.4, 0.6))  # 0.8 off the sofa-TV line: doubtful
    assert between(SOFA, TV, [*pieces, aside]) is None
    other_room = piece("bed", 2.0, 6.0, room="bedroom")
    assert between(SOFA, other_room, pieces) is None
