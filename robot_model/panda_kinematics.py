"""Inverse kinematics of the Franka Panda on a kinematics-only PyBullet client.

The client holds nothing but the arm (franka_panda/panda.urdf from pybullet_data), so solving never
disturbs a simulated world: the arm's base is placed where the real (or simulated) arm's base is,
`p.calculateInverseKinematics` is run with null-space limits and rest poses, and the answer is
iterated with forward kinematics until the end-effector is within tolerance. On a real robot this
is the place where MoveIt (or another motion planner with collision checking) would go.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pybullet as p
import pybullet_data

PANDA_URDF = "franka_panda/panda.urdf"
ARM_JOINT_NAMES = tuple(f"panda_joint{i}" for i in range(1, 8))
FINGER_JOINT_NAMES = ("panda_finger_joint1", "panda_finger_joint2")
END_EFFECTOR_LINK = "panda_grasptarget"
HAND_LINK = "panda_hand"
FINGER_LINKS = ("panda_leftfinger", "panda_rightfinger")
# A top-down "ready" posture: elbow up, hand above the workspace pointing down.
REST_POSE = (0.0, -0.4, 0.0, -2.2, 0.0, 1.9, 0.785)
FINGER_OPEN = 0.04
POSITION_TOLERANCE_M = 0.01


def top_down_orientation(grip_yaw: float) -> tuple[float, float, float, float]:
    """Quaternion of the hand pointing straight down, fingers closing along map direction grip_yaw."""
    return tuple(p.getQuaternionFromEuler([math.pi, 0.0, grip_yaw - math.pi / 2.0]))


def side_orientation(approach_yaw: float, pitch: float = 0.0) -> tuple[float, float, float, float]:
    """Quaternion of the hand pointing along map heading `approach_yaw`, tipped down by `pitch`.

    pitch 0: horizontal hand; pi/2: pointing straight down. The fingers always close horizontally,
    across the approach direction.
    """
    z = np.array([math.cos(pitch) * math.cos(approach_yaw), math.cos(pitch) * math.sin(approach_yaw), -math.sin(pitch)])
    y = np.array([-math.sin(approach_yaw), math.cos(approach_yaw), 0.0])
    x = np.cross(y, z)
    m = np.stack([x, y, z], axis=1)
    qw = math.sqrt(max(0.0, 1.0 + m[0, 0] + m[1, 1] + m[2, 2])) / 2.0
    qx = math.copysign(math.sqrt(max(0.0, 1.0 + m[0, 0] - m[1, 1] - m[2, 2])) / 2.0, m[2, 1] - m[1, 2])
    qy = math.copysign(math.sqrt(max(0.0, 1.0 - m[0, 0] + m[1, 1] - m[2, 2])) / 2.0, m[0, 2] - m[2, 0])
    qz = math.copysign(math.sqrt(max(0.0, 1.0 - m[0, 0] - m[1, 1] + m[2, 2])) / 2.0, m[1, 0] - m[0, 1])
    return (qx, qy, qz, qw)


# extra IK starting postures tried when the first seed ends in a poor local minimum
ALTERNATE_SEEDS = ((0.0, -0.3, 0.0, -1.8, 0.0, 1.5, 0.785), (0.0, 0.3, 0.0, -1.5, 0.0, 1.9, 0.785),
                   (0.0, -0.8, 0.0, -2.6, 0.0, 2.4, 0.785))


@dataclass
class IkSolution:
    """Arm joint angles (panda_joint1..7) and how far the end-effector ends from the target."""

    joints: tuple[float, ...]
    position_error_m: float
    orientation_error_rad: float

    @property
    def reached(self) -> bool:
        return self.position_error_m < POSITION_TOLERANCE_M and self.orientation_error_rad < 0.2


class PandaKinematics:
    """IK/FK for one Panda whose base pose in the map is set with `set_base_pose`."""

    def __init__(self, urdf: str = PANDA_URDF) -> None:
        self._client = p.connect(p.DIRECT)
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=self._client)
        self._body = p.loadURDF(urdf, useFixedBase=True, physicsClientId=self._client)
        names = {}
        for j in range(p.getNumJoints(self._body, physicsClientId=self._client)):
            info = p.getJointInfo(self._body, j, physicsClientId=self._client)
            names[info[1].decode()] = j
            names["link:" + info[12].decode()] = j
        self.arm_joints = [names[n] for n in ARM_JOINT_NAMES]
        self.finger_joints = [names[n] for n in FINGER_JOINT_NAMES]
        self.ee_link = names["link:" + END_EFFECTOR_LINK]
        self._movable = [j for j in range(p.getNumJoints(self._body, physicsClientId=self._client))
                         if p.getJointInfo(self._body, j, physicsClientId=self._client)[2] != p.JOINT_FIXED]
        infos = [p.getJointInfo(self._body, j, physicsClientId=self._client) for j in self._movable]
        self._lower = [i[8] for i in infos]
        self._upper = [i[9] for i in infos]
        self._ranges = [u - lo for lo, u in zip(self._lower, self._upper)]
        self._rest = list(REST_POSE) + [FINGER_OPEN, FINGER_OPEN]
        self.lower_limits = tuple(self._lower[:7])
        self.upper_limits = tuple(self._upper[:7])

    def close(self) -> None:
        if self._client is not None and p.isConnected(self._client):
            p.disconnect(self._client)
        self._client = None

    def __del__(self) -> None:  # the DIRECT client is a native resource
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def set_base_pose(self, position: Sequence[float], orientation: Sequence[float]) -> None:
        """Place the arm's base (panda_link0) at this map pose (xyz, quaternion xyzw)."""
        local = p.getDynamicsInfo(self._body, -1, physicsClientId=self._client)
        com_pos, com_orn = p.multiplyTransforms(list(position), list(orientation), local[3], local[4])
        p.resetBasePositionAndOrientation(self._body, com_pos, com_orn, physicsClientId=self._client)

    def _set_joints(self, joints: Sequence[float]) -> None:
        for j, q in zip(self.arm_joints, joints):
            p.resetJointState(self._body, j, q, physicsClientId=self._client)

    def forward(self, joints: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """End-effector (grasp target between the fingertips) position and quaternion for these joints."""
        self._set_joints(joints)
        state = p.getLinkState(self._body, self.ee_link, computeForwardKinematics=True,
                               physicsClientId=self._client)
        return np.array(state[4]), np.array(state[5])

    def solve(self, position: Sequence[float], orientation: Sequence[float],
              seed: Sequence[float] | None = None, iterations: int = 6) -> IkSolution:
        """Joint angles putting the end-effector at `position` with `orientation` (best effort).

        Check `IkSolution.reached`: an unreachable target returns the closest pose found.
        """
        best: IkSolution | None = None
        for start in (seed if seed is not None else REST_POSE, *ALTERNATE_SEEDS):
            solution = self._solve_from(position, orientation, start, iterations)
            if best is None or _score(solution) < _score(best):
                best = solution
            if best.reached:
                break
        assert best is not None
        return best

    def _solve_from(self, position: Sequence[float], orientation: Sequence[float], seed: Sequence[float],
                    iterations: int) -> IkSolution:
        target = np.asarray(position, dtype=float)
        self._set_joints(seed)
        best: IkSolution | None = None
        for _ in range(iterations):
            full = p.calculateInverseKinematics(
                self._body, self.ee_link, list(target), list(orientation),
                lowerLimits=self._lower, upperLimits=self._upper, jointRanges=self._ranges,
                restPoses=self._rest, maxNumIterations=200, residualThreshold=1e-4,
                physicsClientId=self._client)
            joints = tuple(float(np.clip(q, lo, hi)) for q, lo, hi in zip(full[:7], self._lower, self._upper))
            reached_pos, reached_orn = self.forward(joints)
            error = float(np.linalg.norm(reached_pos - target))
            solution = IkSolution(joints, error, quaternion_angle(reached_orn, orientation))
            if best is None or _score(solution) < _score(best):
                best = solution
            if best.position_error_m < POSITION_TOLERANCE_M / 5 and best.orientation_error_rad < 0.05:
                break
        assert best is not None
        return best


def _score(solution: IkSolution) -> float:
    return solution.position_error_m + 0.05 * solution.orientation_error_rad


def quaternion_angle(a: Sequence[float], b: Sequence[float]) -> float:
    """Rotation angle (radians) between two unit quaternions."""
    dot = abs(float(np.dot(np.asarray(a, dtype=float), np.asarray(b, dtype=float))))
    return 2.0 * math.acos(min(1.0, dot))
