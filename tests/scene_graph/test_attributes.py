"""Object attributes: colour names in CIELAB, size classes, colour facts written by ingestion (real SQLite)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "planners"))

from household_memory import (  # noqa: E402
    FLOOR_PLAN,
    HOUR,
    KITCHEN_FURNITURE,
    MUG_ON_COUNTER,
    FrameWriter,
)

from scene_graph.attributes import colour_name, size_class, srgb_to_lab  # noqa: E402


@pytest.mark.parametrize("rgb, name", [
    ((217, 38, 38), "red"),        # the simulator's mug
    ((130, 23, 23), "red"),        # the same mug in shade
    ((38, 64, 178), "blue"),       # book
    ((25, 140, 64), "green"),      # bottle
    ((242, 217, 25), "yellow"),    # banana
    ((255, 140, 0), "orange"),     # orange
    ((102, 56, 25), "brown"),      # wallet
    ((242, 242, 242), "white"),    # plate
    ((13, 13, 13), "black"),       # phone
    ((128, 128, 128), "grey"),
    ((128, 51, 178), "purple"),
    ((240, 160, 180), "pink"),
])
def test_colour_names_by_lightness_chroma_and_hue(rgb, name):
    assert colour_name(rgb) == name


def test_lab_of_white_and_black():
    assert srgb_to_lab((255, 255, 255))[0] == pytest.approx(100.0, abs=0.1)
    assert srgb_to_lab((0, 0, 0))[0] == pytest.approx(0.0, abs=0.1)


def test_size_class_by_the_longest_side():
    assert size_class((0, 0, 0), (0.1, 0.1, 0.1)) == "small"
    assert size_class((0, 0, 0), (0.6, 0.4, 0.9)) == "medium"
    assert size_class((0, 0, 0), (1.6, 0.6, 0.9)) == "large"


def _unit(rgb):
    """Perception's mean colours are sRGB scaled to 0..1."""
    return None if rgb is None else tuple(v / 255.0 for v in rgb)


class ColouredWriter(FrameWriter):
    def __init__(self, store, colours):
        super().__init__(store)
        self.colours = colours

    def look(self, t, eye, target, things, repeats=2, step_s=2.0):
        from household_memory import INTRINSICS

        from scene_graph.types import Frame, Pose

        camera = Pose.looking_at(eye, target)
        robot = Pose.from_xyz_yaw(eye[0], eye[1], 0.0, 0.0)
        for k in range(repeats):
            observations = [dataclasses.replace(th.observation(), mean_color=_unit(self.colours.get(th.category)))
                            for th in things]
            self.store.ingest(Frame(self.next_id, t + k * step_s, robot, camera, INTRINSICS, observations))
            self.next_id += 1


def test_ingestion_names_an_objects_colour_and_keeps_it_across_a_reopen(tmp_path):
    from scene_graph.store import MemoryStore

    db = tmp_path / "memory.db"
    store = MemoryStore.open(db, floor_plan=FLOOR_PLAN)
    writer = ColouredWriter(store, {"mug": (217, 38, 38), "counter": (200, 200, 200)})
    writer.look_kitchen(7 * HOUR, KITCHEN_FURNITURE + [MUG_ON_COUNTER], repeats=3)
    mug = next(o for o in store.objects() if o.category == "mug")
    facts = store.facts(mug.id, "colour")
    assert [f.object for f in facts] == ["red"]
    assert facts[0].provenance.startswith("frame:")
    writer.look_kitchen(8 * HOUR, KITCHEN_FURNITURE + [MUG_ON_COUNTER], repeats=3)
    assert len(store.facts(mug.id, "colour")) == 1, "an unchanged name is not written again"
    store.close()
    reopened = MemoryStore.open(db, floor_plan=FLOOR_PLAN)
    try:
        assert [f.object for f in reopened.facts(mug.id, "colour")] == ["red"]
        fridge = next(o for o in reopened.objects() if o.category == "fridge")
        assert reopened.facts(fridge.id, "colour") == [], "no colour seen, no colour fact"
    finally:
        reopened.close()


def test_a_repainted_object_gets_a_new_colour_and_the_old_one_ends(tmp_path):
    from scene_graph.store import MemoryStore

    store = MemoryStore.open(tmp_path / "memory.db", floor_plan=FLOOR_PLAN)
    try:
        writer = ColouredWriter(store, {"mug": (217, 38, 38)})
        writer.look_kitchen(7 * HOUR, KITCHEN_FURNITURE + [MUG_ON_COUNTER], repeats=2)
        writer.colours["mug"] = (38, 64, 178)
        writer.look_kitchen(9 * HOUR, KITCHEN_FURNITURE + [MUG_ON_COUNTER], repeats=12)
        mug = next(o for o in store.objects() if o.category == "mug")
        assert store.facts(mug.id, "colour", at=9.5 * HOUR)[-1].object == "blue"
        assert store.facts(mug.id, "colour", at=7.5 * HOUR)[-1].object == "red"
    finally:
        store.close()


def test_questions_about_colour_are_answered_from_the_colour_facts(tmp_path):
    from planners.question_answering import QuestionAnswerer
    from scene_graph.store import MemoryStore

    store = MemoryStore.open(tmp_path / "memory.db", floor_plan=FLOOR_PLAN)
    try:
        ColouredWriter(store, {"mug": (217, 38, 38)}).look_kitchen(7 * HOUR, KITCHEN_FURNITURE + [MUG_ON_COUNTER])
        answerer = QuestionAnswerer(store)
        colour = answerer.answer("What colour is the mug?", 8 * HOUR, planner="memory-only")
        assert (colour.type, colour.value, colour.refused) == ("attribute", "red", False), colour.text
        assert colour.evidence and colour.evidence[0].startswith("object:")
        assert answerer.answer("How many red mugs are in the kitchen?", 8 * HOUR, planner="memory-only").value == 1
        assert answerer.answer("How many blue mugs are in the kitchen?", 8 * HOUR, planner="memory-only").value == 0
        fridge = answerer.answer("What colour is the fridge?", 8 * HOUR, planner="memory-only")
        assert fridge.refused and "colour" in fridge.reason
    finally:
        store.close()


@pytest.mark.parametrize("surface, name", [
    ((0.85, 0.85, 0.85), "white"),   # keyboard
    ((0.95, 0.65, 0.70), "pink"),    # doll
    ((0.80, 0.55, 0.25), "orange"),  # bread
    ((0.30, 0.30, 0.30), "grey"),    # speaker
    ((0.70, 0.70, 0.75), "grey"),    # fork
    ((0.40, 0.22, 0.10), "brown"),   # wallet
])
def test_a_summary_names_the_surface_colour_its_darker_sightings_show(surface, name):
    from scene_graph.attributes import ColourSummary
    from scene_graph.config import MemoryConfig

    seen = MemoryConfig().colour_seen_share
    summary = ColourSummary(seen)
    for share in (0.9 * seen, seen, 1.1 * seen):
        summary.add([share * c for c in surface])  # shading darkens every channel alike
    assert summary.name == name
    assert colour_name([255.0 * c for c in surface]) == name


def test_the_seen_share_is_the_cameras_a_camera_that_shows_colours_as_they_are_names_the_pixels():
    from scene_graph.attributes import ColourSummary
    from scene_graph.config import MemoryConfig

    plate = (0.70, 0.70, 0.70)  # a light grey surface, seen as it is (white balance, exposure right)
    as_seen = ColourSummary(1.0)
    simulated = ColourSummary(MemoryConfig().colour_seen_share)
    for summary in (as_seen, simulated):
        summary.add(plate)
    assert as_seen.name == "grey"
    assert simulated.name == "white", "the simulator's shading share brightens it back to its surface"
    assert MemoryConfig.from_dict({"colour_seen_share": 1.0}).colour_seen_share == 1.0
    for bad in (0.0, 1.5):
        with pytest.raises(Exception, match="colour_seen_share"):
            MemoryConfig.from_dict({"colour_seen_share": bad})
