"""The skills interface's shared rule: how many views a look-around takes for a camera's field of view."""

from __future__ import annotations

import numpy as np
import pytest

from robot_model.skills import look_around_view_count
from scene_graph.types import CameraIntrinsics


def test_look_around_view_count_puts_every_heading_in_as_many_views_as_asked():
    # 70 degrees: 11 views 32.7 degrees apart (10 would leave headings 36 degrees from the nearest two)
    assert look_around_view_count(CameraIntrinsics.from_hfov(320, 240, 70.0), 2) == 11
    assert look_around_view_count(CameraIntrinsics.from_hfov(320, 240, 70.0), 1) == 6
    assert look_around_view_count(CameraIntrinsics.from_hfov(640, 480, 90.0), 2) == 8
    headings = np.radians(np.arange(0.0, 360.0, 0.25))
    for hfov in (30.0, 58.0, 70.0, 90.0, 120.0, 170.0):
        for sightings in (1, 2, 3):
            views = look_around_view_count(CameraIntrinsics.from_hfov(160, 120, hfov), sightings)
            centres = 2 * np.pi * np.arange(views) / views
            off = np.abs((headings[:, None] - centres[None, :] + np.pi) % (2 * np.pi) - np.pi)
            seen = (off <= np.radians(hfov) / 2 + 1e-9).sum(axis=1)
            assert seen.min() >= sightings, (hfov, sightings, views)  # all 360 degrees, `sightings` times
            assert (views - 1) * hfov < sightings * 360.0  # and no view more than that takes
    with pytest.raises(ValueError, match="sightings"):
        look_around_view_count(CameraIntrinsics.from_hfov(160, 120, 70.0), 0)
