"""The simulated robot: a kinematic mobile base with a Franka Panda (pybullet_data) and a head camera.

Its dimensions, mounts and head-angle conventions are the robot's own (robot_model.dimensions). The base
is kinematic (mass 0): it is teleported along a planned path by the backend, never pushed by physics.
`camera_pose` is the OPTICAL frame (+z forward, +x right, +y down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p
import pybullet_data

from robot_model.dimensions import (
    ARM_HOME,
    ARM_MOUNT_X,
    BASE_HEIGHT,
    BASE_RADIUS,
    CAMERA_FORWARD,
    CAMERA_HEIGHT,
    DEFAULT_TILT,
    FINGER_OPEN,
    MAST_X,
    optical_pose,
)
from scene_graph.types import Pose

# Joint and link indices of franka_panda/panda.urdf as PyBullet numbers them.
ARM_JOINTS = (0, 1, 2, 3, 4, 5, 6)
FINGER_JOINTS = (9, 10)
END_EFFECTOR_LINK = 11  # panda_grasptarget: between the fingertips


@dataclass
class MobileManipulator:
    """Handles of the robot's bodies in one PyBullet client, plus its head angles."""

    client_id: int
    base_id: int
    arm_id: int
    arm_joint_indices: tuple[int, ...] = ARM_JOINTS
    finger_joint_indices: tuple[int, ...] = FINGER_JOINTS
    end_effector_link: int = END_EFFECTOR_LINK
    pan: float = 0.0
    tilt: float = DEFAULT_TILT
    _x: float = 0.0
    _y: float = 0.0
    _yaw: float = 0.0

    @property
    def body_ids(self) -> tuple[int, int]:
        return (self.base_id, self.arm_id)

    @property
    def arm_mount_height(self) -> float:
        return BASE_HEIGHT

    def set_base_pose(self, x: float, y: float, yaw: float) -> None:
        """Teleport base and arm together (the arm keeps its joint angles)."""
        self._x, self._y, self._yaw = float(x), float(y), float(yaw)
        orn = p.getQuaternionFromEuler((0.0, 0.0, yaw))
        p.resetBasePositionAndOrientation(self.base_id, (x, y, 0.0), orn, physicsClientId=self.client_id)
        mount = self.base_to_map((ARM_MOUNT_X, 0.0, BASE_HEIGHT))
        p.resetBasePositionAndOrientation(self.arm_id, tuple(mount), orn, physicsClientId=self.client_id)

    def base_pose(self) -> tuple[float, float, float]:
        """True (x, y, yaw) of the base; the backend reports odometry with drift on top of this."""
        return (self._x, self._y, self._yaw)

    def base_to_map(self, point: tuple[float, float, float]) -> np.ndarray:
        c, s = math.cos(self._yaw), math.sin(self._yaw)
        return np.array([self._x + c * point[0] - s * point[1], self._y + s * point[0] + c * point[1], point[2]])

    def camera_position(self, pan: float | None = None) -> np.ndarray:
        pan = self.pan if pan is None else pan
        heading = self._yaw + pan
        head = self.base_to_map((MAST_X, 0.0, CAMERA_HEIGHT))
        return head + np.array([CAMERA_FORWARD * math.cos(heading), CAMERA_FORWARD * math.sin(heading), 0.0])

    def camera_pose(self, pan: float | None = None, tilt: float | None = None) -> Pose:
        """Optical-frame pose of the head camera in the map for the given (or current) head angles."""
        pan = self.pan if pan is None else pan
        tilt = self.tilt if tilt is None else tilt
        return optical_pose(self.camera_position(pan), self._yaw + pan, tilt)

    def set_head(self, pan: float, tilt: float) -> None:
        self.pan = float(math.atan2(math.sin(pan), math.cos(pan)))
        self.tilt = float(max(-1.2, min(0.8, tilt)))

    def aim_head_at(self, point: tuple[float, float, float]) -> tuple[float, float]:
        """Pan/tilt so the optical axis passes through `point` (map frame); returns the angles set."""
        eye = self.camera_position(0.0)
        for _ in range(3):  # the lens moves with pan; a few fixed-point steps settle it
            dx, dy, dz = (np.asarray(point, dtype=float) - eye)
            pan = math.atan2(dy, dx) - self._yaw
            eye = self.camera_position(pan)
        dx, dy, dz = (np.asarray(point, dtype=float) - eye)
        tilt = math.atan2(dz, math.hypot(dx, dy))
        self.set_head(pan, tilt)
        return self.pan, self.tilt

    def arm_joint_positions(self) -> list[float]:
        return [p.getJointState(self.arm_id, j, physicsClientId=self.client_id)[0] for j in self.arm_joint_indices]

    def reset_arm(self, positions: tuple[float, ...] = ARM_HOME, finger: float = FINGER_OPEN) -> None:
        for j, q in zip(self.arm_joint_indices, positions):
            p.resetJointState(self.arm_id, j, q, physicsClientId=self.client_id)
        for j in self.finger_joint_indices:
            p.resetJointState(self.arm_id, j, finger, physicsClientId=self.client_id)
        self.hold_arm()

    def hold_arm(self) -> None:
        """Keep arm and fingers where they are under physics stepping (position motors at the current angles)."""
        joints = list(self.arm_joint_indices) + list(self.finger_joint_indices)
        targets = [p.getJointState(self.arm_id, j, physicsClientId=self.client_id)[0] for j in joints]
        p.setJointMotorControlArray(self.arm_id, joints, p.POSITION_CONTROL, targetPositions=targets,
                                    forces=[87.0] * len(self.arm_joint_indices)
                                    + [20.0] * len(self.finger_joint_indices),
                                    physicsClientId=self.client_id)

    def end_effector_position(self) -> np.ndarray:
        state = p.getLinkState(self.arm_id, self.end_effector_link, computeForwardKinematics=True,
                               physicsClientId=self.client_id)
        return np.array(state[4])


def _base_body(client_id: int) -> int:
    shapes = [
        (p.GEOM_CYLINDER, dict(radius=BASE_RADIUS, length=BASE_HEIGHT), (0.0, 0.0, BASE_HEIGHT / 2),
         (0.25, 0.25, 0.3, 1.0)),
        (p.GEOM_BOX, dict(halfExtents=(0.03, 0.03, (CAMERA_HEIGHT - BASE_HEIGHT) / 2)),
         (MAST_X, 0.0, (CAMERA_HEIGHT + BASE_HEIGHT) / 2 - 0.05), (0.3, 0.3, 0.32, 1.0)),
        (p.GEOM_BOX, dict(halfExtents=(0.04, 0.08, 0.04)), (MAST_X, 0.0, CAMERA_HEIGHT), (0.1, 0.1, 0.1, 1.0)),
    ]
    col_ids, vis_ids = [], []
    for geom, kwargs, offset, color in shapes:
        if geom == p.GEOM_CYLINDER:
            col = p.createCollisionShape(geom, radius=kwargs["radius"], height=kwargs["length"],
                                         collisionFramePosition=offset, physicsClientId=client_id)
            vis = p.createVisualShape(geom, radius=kwargs["radius"], length=kwargs["length"], rgbaColor=color,
                                      visualFramePosition=offset, physicsClientId=client_id)
        else:
            col = p.createCollisionShape(geom, collisionFramePosition=offset, physicsClientId=client_id, **kwargs)
            vis = p.createVisualShape(geom, rgbaColor=color, visualFramePosition=offset, physicsClientId=client_id,
                                      **kwargs)
        col_ids.append(col)
        vis_ids.append(vis)
    # The base body is the drum; mast and head are fixed links so one multibody carries all three.
    return p.createMultiBody(
        baseMass=0.0, baseCollisionShapeIndex=col_ids[0], baseVisualShapeIndex=vis_ids[0],
        linkMasses=[0.0, 0.0], linkCollisionShapeIndices=col_ids[1:], linkVisualShapeIndices=vis_ids[1:],
        linkPositions=[(0, 0, 0), (0, 0, 0)], linkOrientations=[(0, 0, 0, 1), (0, 0, 0, 1)],
        linkInertialFramePositions=[(0, 0, 0), (0, 0, 0)], linkInertialFrameOrientations=[(0, 0, 0, 1)] * 2,
        linkParentIndices=[0, 0], linkJointTypes=[p.JOINT_FIXED, p.JOINT_FIXED],
        linkJointAxis=[(0, 0, 1), (0, 0, 1)], physicsClientId=client_id)


def load_mobile_panda(client_id: int, x: float = 0.0, y: float = 0.0, yaw: float = 0.0) -> MobileManipulator:
    """Create the mobile base and mount panda.urdf on it at (x, y, yaw); the arm starts folded."""
    p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client_id)
    base_id = _base_body(client_id)
    arm_id = p.loadURDF("franka_panda/panda.urdf", basePosition=(x, y, BASE_HEIGHT), useFixedBase=True,
                        physicsClientId=client_id)
    # The arm never collides with its own base drum.
    for link in range(-1, p.getNumJoints(arm_id, physicsClientId=client_id)):
        for base_link in (-1, 0, 1):
            p.setCollisionFilterPair(base_id, arm_id, base_link, link, 0, physicsClientId=client_id)
    robot = MobileManipulator(client_id=client_id, base_id=base_id, arm_id=arm_id)
    robot.reset_arm()
    robot.set_base_pose(x, y, yaw)
    return robot
