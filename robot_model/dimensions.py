"""The mobile manipulator's body: a round base, a Franka Panda mounted on it and a mast carrying a head camera.

Layout in the base frame (x forward, z up): a round base `BASE_RADIUS` in radius and `BASE_HEIGHT` tall,
the Panda mounted on top `ARM_MOUNT_X` ahead of the centre, and a mast at the back (`MAST_X`) carrying a
pan/tilt head camera at `CAMERA_HEIGHT`.

Head angles: `pan` turns left (positive, about +z) relative to the base heading; `tilt` is positive
looking up, negative looking down. Camera poses are OPTICAL frames (+z forward, +x right, +y down).
"""

from __future__ import annotations

import math

import numpy as np

from scene_graph.types import Pose

BASE_RADIUS = 0.30
BASE_HEIGHT = 0.35
ARM_MOUNT_X = 0.12
MAST_X = -0.18
CAMERA_HEIGHT = 1.45
CAMERA_FORWARD = 0.06  # the lens sits this far ahead of the mast axis
DEFAULT_TILT = -0.35

# A folded arm that stays below the camera's view and inside the base footprint while driving.
ARM_HOME = (0.0, -1.3, 0.0, -2.9, 0.0, 1.6, 0.785)
FINGER_OPEN = 0.04


def optical_pose(position: np.ndarray | tuple[float, float, float], yaw: float, pitch: float) -> Pose:
    """Pose of an optical frame at `position` looking along heading `yaw`, `pitch` up (+) / down (-)."""
    forward = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)])
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    down = np.cross(forward, right)
    m = np.eye(4)
    m[:3, 0] = right
    m[:3, 1] = down
    m[:3, 2] = forward
    m[:3, 3] = np.asarray(position, dtype=float)
    return Pose.from_matrix(m)
