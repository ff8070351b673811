"""The simulator hands perception boxes or a label image instead of masks, and perception finds the same things."""

from __future__ import annotations

import numpy as np
import pytest

from memory_stack.foundation.errors import BadInputError
from perception.frame_processing import FrameProcessor
from sim.pybullet_backend import PyBulletBackend
from sim.scenario import ScenarioError, scenario_from_dict

from .test_pybullet_backend import small_house


def _observations(mode: str | None, scenario_mode: str = "masks") -> tuple[list, list]:
    data = small_house()
    data["robot"]["perception_input"] = scenario_mode
    with PyBulletBackend(scenario_from_dict(data, "test_house.yaml"), perception_input=mode) as sim:
        sim.look_at((3.0, 2.0, 0.6))
        frame = sim.render()
        return frame, FrameProcessor().process(frame).observations


def test_masks_boxes_and_label_image_give_the_same_things_in_the_same_places():
    masks_frame, masks = _observations(None)
    assert masks_frame.instance_mask is not None
    expected = {o.category: np.asarray(o.centroid) for o in masks}
    assert {"crate", "mug", "book"} <= set(expected)
    for mode in ("boxes", "label_image"):
        frame, observations = _observations(mode)
        assert frame.instance_mask is None
        assert (frame.boxes is not None) == (mode == "boxes")
        assert (frame.label_image is not None) == (mode == "label_image")
        found = {o.category: np.asarray(o.centroid) for o in observations}
        assert set(found) == set(expected) - {c for c in expected if c.endswith("_door")}, mode
        for category, centroid in found.items():
            if mode == "label_image" and f"{category}_door" in masks_frame.labels.values():
                continue  # its door state stays undecided from a label image (BENCHMARKS: known limits)
            if mode == "boxes" and category == "fridge":
                # boxed furniture moves from its seen front towards its centre (perception.size_priors):
                # the fridge stands at (3.0, 0.5), 1.8 m tall
                centre = np.array([3.0, 0.5, expected[category][2]])
                assert np.linalg.norm(centroid - centre) < np.linalg.norm(expected[category] - centre) - 0.1
                continue
            assert np.linalg.norm(centroid - expected[category]) < 0.1, (mode, category)


def test_the_scenario_chooses_the_input_and_the_option_wins():
    frame, _ = _observations(None, scenario_mode="boxes")
    assert frame.boxes is not None and all(not b.label.endswith("_door") for b in frame.boxes)
    frame, _ = _observations("masks", scenario_mode="boxes")
    assert frame.instance_mask is not None and frame.boxes is None


def test_a_wrong_input_name_is_an_error_naming_the_field():
    data = small_house()
    data["robot"]["perception_input"] = "lidar"
    with pytest.raises(ScenarioError, match="robot.perception_input"):
        scenario_from_dict(data, "test_house.yaml")
    with pytest.raises(BadInputError, match="perception_input"):
        PyBulletBackend(perception_input="lidar")
