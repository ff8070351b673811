"""Placement never aborts a run.

The validator checks surface capacity along the timeline, the simulator packs densely, and an event
the house still cannot take is reported and skipped.
"""

from __future__ import annotations

import copy
import math

import pytest

from sim.pybullet_backend import PyBulletBackend
from sim.scenario import ScenarioError, TimelineEvent, scenario_from_dict
from sim.surface_packing import fits, pack, surface_of_category
from tests.sim.test_pybullet_backend import small_house

ONTO_NIGHTSTAND = [{"at": "d1 09:00", "move": "book_2", "to": "nightstand"},
                   {"at": "d1 10:00", "move": "phone_1", "to": "nightstand"},
                   {"at": "d1 11:00", "move": "glasses_1", "to": "nightstand"},
                   {"at": "d1 12:00", "move": "remote_1", "to": "nightstand"}]


def _house(timeline: list, seed: int = 0) -> dict:
    data = small_house(timeline=timeline, extra_objects=[
        {"id": "book_2", "category": "book", "rests_on": "table"},
        {"id": "glasses_1", "category": "glasses", "rests_on": "table"},
        {"id": "remote_1", "category": "remote", "rests_on": "table"}])
    data["world"]["furniture"].append({"id": "nightstand", "category": "nightstand", "room": "b", "at": [9.5, 0.5]})
    data["seed"] = seed
    return data


def test_the_packer_keeps_discs_apart_and_on_the_surface():
    surface = surface_of_category("nightstand", False)
    radii = [0.11, 0.075, 0.07, 0.09]
    centres = pack(surface, radii)
    assert centres is not None
    for (x, y), r in zip(centres, radii):
        assert surface[0] + r / 2 - 1e-9 <= x <= surface[1] - r / 2 + 1e-9
        assert surface[2] + r / 2 - 1e-9 <= y <= surface[3] - r / 2 + 1e-9
    for i in range(len(radii)):
        for j in range(i):
            assert math.dist(centres[i], centres[j]) >= radii[i] + radii[j] + 0.01 - 1e-9
    assert fits(surface, ["book", "phone", "glasses", "remote"])
    assert not fits(surface, ["book", "book", "book"])


@pytest.mark.parametrize("seed", [0, 3])
def test_objects_moved_onto_a_full_nightstand_are_packed_not_aborted(seed):
    with PyBulletBackend(scenario_from_dict(_house(ONTO_NIGHTSTAND, seed), "t.yaml")) as sim:
        changes = sim.advance_to(13 * 3600)
        assert [c.kind for c in changes] == ["move"] * 4
        truth = sim.ground_truth()
        assert all(truth.objects[o].rests_on == "nightstand" for o in ("book_2", "phone_1", "glasses_1", "remote_1"))
        assert sim.skipped_events() == []


def test_the_validator_names_the_event_and_the_furniture_that_has_no_room():
    timeline = copy.deepcopy(ONTO_NIGHTSTAND[:1]) + [
        {"at": "d1 10:00", "add": {"id": "book_3", "category": "book", "rests_on": "nightstand"}},
        {"at": "d1 11:00", "add": {"id": "book_4", "category": "book", "rests_on": "nightstand"}}]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_house(timeline), "t.yaml")
    assert str(info.value).startswith("t.yaml: timeline[2].add.rests_on: no room for 'book_4' (book): nightstand "
                                      "'nightstand' (0.38 x 0.28 m usable on top) already holds ['book_2', 'book_3']")


def test_the_validator_checks_the_initial_placement_too():
    data = _house([])
    data["world"]["objects"] += [{"id": f"book_{k}", "category": "book", "rests_on": "nightstand"} for k in (5, 6, 7)]
    with pytest.raises(ScenarioError, match=r"world\.objects\[8\]\.rests_on: nightstand 'nightstand' .* cannot hold"):
        scenario_from_dict(data, "t.yaml")


def test_an_event_the_house_cannot_take_is_skipped_and_reported_and_the_run_goes_on():
    scenario = scenario_from_dict(_house(ONTO_NIGHTSTAND[:1]), "t.yaml")
    # events the validator never saw (a caller appending to a checked scenario): a laptop next to the book
    for at, fields in ((9.5 * 3600, {"add": _spec("laptop_1", "laptop", "nightstand")}),
                       (9.6 * 3600, {"move": "laptop_1", "to": "table"}),
                       (9.7 * 3600, {"move": "mug_1", "to": "table"})):
        event = TimelineEvent(at=at, **fields)
        event.time = at
        scenario.timeline.append(event)
    with PyBulletBackend(scenario) as sim:
        changes = sim.advance_to(10 * 3600)
        assert [c.kind for c in changes] == ["move", "skipped", "skipped", "move"]
        skipped = sim.skipped_events()
        assert [(e.kind, e.target) for e in skipped] == [("add", "laptop_1"), ("move", "laptop_1")]
        assert "no room on 'nightstand' for 'laptop_1'" in skipped[0].reason
        truth = sim.ground_truth()
        assert "laptop_1" not in truth.objects and truth.objects["mug_1"].rests_on == "table"


def _spec(oid: str, category: str, rests_on: str):
    from sim.scenario import ObjectSpec

    return ObjectSpec(oid, category, rests_on)
