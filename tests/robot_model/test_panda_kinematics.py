"""Inverse kinematics of the Panda on its kinematics-only client, for a base turned any way."""

from __future__ import annotations

import math

import numpy as np
import pytest

from robot_model.panda_kinematics import PandaKinematics, side_orientation, top_down_orientation


@pytest.mark.parametrize("yaw", [0.0, 1.2, -2.5])
def test_ik_reaches_hand_poses_in_front_of_a_turned_base(yaw):
    kinematics = PandaKinematics()
    try:
        kinematics.set_base_pose((1.0, 2.0, 0.3), (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)))
        ahead = np.array([1.0 + 0.5 * math.cos(yaw), 2.0 + 0.5 * math.sin(yaw), 0.75])
        for orientation in (top_down_orientation(yaw + 0.3), side_orientation(yaw, 0.0), side_orientation(yaw, 0.9)):
            solution = kinematics.solve(ahead, orientation)
            assert solution.reached, solution
            position, _ = kinematics.forward(solution.joints)
            assert np.linalg.norm(position - ahead) < 0.01
            assert all(lo - 1e-6 <= q <= hi + 1e-6 for q, lo, hi in
                       zip(solution.joints, kinematics.lower_limits, kinematics.upper_limits))
        too_far = kinematics.solve(ahead + [2.0 * math.cos(yaw), 2.0 * math.sin(yaw), 0.0], top_down_orientation(0))
        assert not too_far.reached and too_far.position_error_m > 0.5
    finally:
        kinematics.close()
