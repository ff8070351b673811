"""Open/closed evidence from a "<category>_door" part next to its body (the fixed convention).

On exact synthetic renders (perception.synthetic_scene); real PyBullet renders are in test_door_state_rendered.py.
"""

from __future__ import annotations

import pytest

from memory_stack.foundation.typed_config import ConfigError, build_dataclass
from perception.config import ArticulationConfig, PerceptionConfig
from perception.frame_processing import FrameProcessor
from perception.synthetic_scene import SyntheticBox
from scene_graph.types import Pose

# A fridge 0.8 wide (x), 0.7 deep (y), 1.8 tall whose front faces +y, door hinged at x = 4.8.
FRIDGE = SyntheticBox("fridge", (4.0, 0.0, 0.0), (4.8, 0.7, 1.8), color=(235, 235, 230))
DOOR_CLOSED = SyntheticBox("fridge_door", (4.03, 0.7, 0.05), (4.77, 0.74, 1.75), color=(240, 240, 240))
DOOR_OPEN = SyntheticBox("fridge_door", (4.76, 0.7, 0.05), (4.8, 1.44, 1.75), color=(240, 240, 240))
# A cabinet whose front faces -x (yaw 180 deg), door hinged at y = -1.0.
CABINET = SyntheticBox("cabinet", (3.0, -1.8, 0.0), (3.45, -1.0, 0.9))
CABINET_DOOR_CLOSED = SyntheticBox("cabinet_door", (2.97, -1.77, 0.03), (3.0, -1.03, 0.87))
CABINET_DOOR_OPEN = SyntheticBox("cabinet_door", (2.23, -1.03, 0.03), (3.0, -1.0, 0.87))

FRONT_VIEWS = [(4.4, 3.2, 1.4), (3.2, 3.0, 1.6), (5.6, 3.4, 1.2)]


def observe(scene, boxes, eye, target=(4.4, 0.7, 0.9), config=None):
    processor = FrameProcessor(config or PerceptionConfig())
    frame = processor.process(scene.frame_of(boxes, Pose.looking_at(eye, target)))
    return {o.category: o for o in frame.observations}, processor.last_stats


@pytest.mark.parametrize("eye", FRONT_VIEWS)
def test_closed_door_gives_closed_evidence_on_the_body(scene, eye):
    obs, stats = observe(scene, [FRIDGE, DOOR_CLOSED], eye)
    assert set(obs) == {"fridge"}  # the door is a part, not an object
    assert obs["fridge"].state == "closed"
    assert obs["fridge"].state_confidence > 0.8
    assert stats.door_states == {obs["fridge"].instance_id: "closed"}


def test_a_shut_door_is_part_of_the_bodys_geometry(scene):
    obs, _ = observe(scene, [FRIDGE, DOOR_CLOSED], FRONT_VIEWS[1])
    assert obs["fridge"].bbox_max[1] == pytest.approx(0.74, abs=0.01)  # the door's front face
    assert obs["fridge"].bbox_min[1] < 0.5  # and the side of the body


def test_door_covering_the_whole_front_with_only_a_sliver_of_body_visible(scene):
    # Head-on, the door hides the body's front; all that shows of the body is its top edge.
    door = SyntheticBox("fridge_door", (4.0, 0.7, 0.0), (4.8, 0.73, 1.78))
    obs, _ = observe(scene, [FRIDGE, door], (4.4, 3.0, 1.9), target=(4.4, 0.7, 1.2))
    assert obs["fridge"].state == "closed"
    swung = SyntheticBox("fridge_door", (4.77, 0.7, 0.0), (4.8, 1.5, 1.78))
    obs, _ = observe(scene, [FRIDGE, swung], (4.4, 3.0, 1.9), target=(4.4, 0.7, 1.2))
    assert obs["fridge"].state == "open"


@pytest.mark.parametrize("eye", FRONT_VIEWS)
def test_swung_out_door_gives_open_evidence(scene, eye):
    obs, _ = observe(scene, [FRIDGE, DOOR_OPEN], eye)
    assert set(obs) == {"fridge"}
    assert obs["fridge"].state == "open"
    assert obs["fridge"].state_confidence > 0.8
    # The body's box is the body's, not grown by the door.
    assert obs["fridge"].bbox_max[1] == pytest.approx(0.7, abs=0.02)


@pytest.mark.parametrize("door,state", [(CABINET_DOOR_CLOSED, "closed"), (CABINET_DOOR_OPEN, "open")])
def test_other_orientation_and_category(scene, door, state):
    obs, _ = observe(scene, [CABINET, door], (0.8, -0.6, 1.5), target=(3.0, -1.4, 0.45))
    assert obs["cabinet"].state == state


def test_door_without_its_body_yields_nothing(scene):
    obs, stats = observe(scene, [DOOR_OPEN], FRONT_VIEWS[0])
    assert obs == {}
    assert stats.unpaired_doors == 1


def test_body_without_a_visible_door_has_no_state(scene):
    obs, _ = observe(scene, [FRIDGE], FRONT_VIEWS[1])
    assert obs["fridge"].state is None and obs["fridge"].state_confidence == 0.0


def test_each_door_pairs_with_the_nearest_body_of_its_category(scene):
    far_fridge = SyntheticBox("fridge", (1.0, 0.0, 0.0), (1.8, 0.7, 1.8))
    far_door = SyntheticBox("fridge_door", (1.03, 0.7, 0.05), (1.77, 0.74, 1.75))
    processor = FrameProcessor()
    frame = processor.process(scene.frame_of([FRIDGE, DOOR_OPEN, far_fridge, far_door],
                                             Pose.looking_at((2.9, 4.5, 1.5), (2.9, 0.5, 0.9))))
    states = sorted((o.centroid[0], o.state) for o in frame.observations)
    assert [s for _, s in states] == ["closed", "open"]


def test_open_thresholds_are_configurable_and_a_strict_rule_gives_no_evidence_rather_than_closed(scene):
    strict = PerceptionConfig(articulation=ArticulationConfig(open_offset_m=5.0, open_free_share=1.0,
                                                              open_free_coverage=1.0))
    obs, stats = observe(scene, [FRIDGE, DOOR_OPEN], FRONT_VIEWS[0], config=strict)
    assert obs["fridge"].state is None and obs["fridge"].state_confidence == 0.0
    assert stats.undecided_doors == 1 and stats.door_states == {}
    [reading] = stats.door_readings[obs["fridge"].instance_id]
    assert reading.state is None and reading.front_m > 0.5  # measured, just not past the strict threshold


def test_unlisted_categories_pair_only_when_allowed(scene):
    box = SyntheticBox("locker", FRIDGE.box_min, FRIDGE.box_max)
    door = SyntheticBox("locker_door", DOOR_OPEN.box_min, DOOR_OPEN.box_max)
    obs, _ = observe(scene, [box, door], FRONT_VIEWS[0])
    assert obs["locker"].state == "open"
    only_listed = PerceptionConfig(articulation=ArticulationConfig(pair_unlisted_categories=False))
    obs, stats = observe(scene, [box, door], FRONT_VIEWS[0], config=only_listed)
    assert set(obs) == {"locker"} and obs["locker"].state is None and stats.dropped_doors == 1


def test_articulation_config_loads_typed_and_rejects_nonsense():
    cfg = build_dataclass(PerceptionConfig, {"articulation": {"open_offset_m": 0.2, "door_suffix": "-door"}})
    assert cfg.articulation.open_offset_m == 0.2 and cfg.articulation.door_suffix == "-door"
    with pytest.raises(ConfigError, match="articulation.open_offset"):
        build_dataclass(PerceptionConfig, {"articulation": {"open_offset": 0.4}})
    with pytest.raises(ConfigError, match="open_free_share"):
        build_dataclass(PerceptionConfig, {"articulation": {"open_free_share": 1.5}})
    with pytest.raises(ConfigError, match="closed_max_free_coverage"):
        build_dataclass(PerceptionConfig, {"articulation": {"closed_max_free_coverage": 0.6}})
    with pytest.raises(ConfigError, match="open_fraction"):  # the old box rule's key is gone, and says so
        build_dataclass(PerceptionConfig, {"articulation": {"open_fraction": 0.25}})
