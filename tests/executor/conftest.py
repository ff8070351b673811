"""A small PyBullet workshop scene for the executor tests: a Panda on a raised base, two tables, a cupboard.

Objects take the shapes the simulator gives their categories (robot_model.category_shapes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pybullet as p
import pybullet_data
import pytest

from robot_model.category_shapes import object_shape
from robot_model.dimensions import ARM_HOME


@dataclass
class WorkshopScene:
    client: int
    panda: int
    base: int
    table_a: int
    table_b: int
    cupboard: int
    objects: dict[str, int] = field(default_factory=dict)

    def add_object(self, category: str, x: float, y: float, yaw: float = 0.0, on: int | None = None,
                   settle: bool = True) -> int:
        shape = object_shape(category)
        table = self.table_a if on is None else on
        top = p.getAABB(table, -1, physicsClientId=self.client)[1][2]
        if shape.kind == "box":
            col = p.createCollisionShape(p.GEOM_BOX, halfExtents=[d / 2 for d in shape.size],
                                         physicsClientId=self.client)
        elif shape.kind == "cylinder":
            col = p.createCollisionShape(p.GEOM_CYLINDER, radius=shape.size[0], height=shape.size[1],
                                         physicsClientId=self.client)
        else:
            col = p.createCollisionShape(p.GEOM_SPHERE, radius=shape.size[0], physicsClientId=self.client)
        height, mass = shape.height, 0.2
        body = p.createMultiBody(mass, col, -1, [x, y, top + height / 2 + 0.001],
                                 p.getQuaternionFromEuler([0, 0, yaw]), physicsClientId=self.client)
        p.changeDynamics(body, -1, lateralFriction=1.0, rollingFriction=0.001, spinningFriction=0.001,
                         physicsClientId=self.client)
        for _ in range(60 if settle else 0):
            p.stepSimulation(physicsClientId=self.client)
        self.objects[category] = body
        return body


def _static_box(client: int, center, half) -> int:
    col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
    vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
    return p.createMultiBody(0, col, vis, center, physicsClientId=client)


def _cupboard(client: int, x: float, y: float) -> int:
    """A 0.4 m cube cabinet whose front (-x side) door hinges on a revolute joint (0 = closed)."""
    body_col = p.createCollisionShape(p.GEOM_BOX, halfExtents=[0.2, 0.2, 0.2], physicsClientId=client)
    door_col = p.createCollisionShape(p.GEOM_BOX, halfExtents=[0.01, 0.2, 0.2], physicsClientId=client)
    return p.createMultiBody(
        0, body_col, -1, [x, y, 0.4],
        linkMasses=[1.0], linkCollisionShapeIndices=[door_col], linkVisualShapeIndices=[-1],
        linkPositions=[[-0.21, -0.2, 0.0]], linkOrientations=[[0, 0, 0, 1]],
        linkInertialFramePositions=[[0, 0.2, 0]], linkInertialFrameOrientations=[[0, 0, 0, 1]],
        linkParentIndices=[0], linkJointTypes=[p.JOINT_REVOLUTE], linkJointAxis=[[0, 0, 1]],
        physicsClientId=client)


def build_workshop() -> WorkshopScene:
    client = p.connect(p.DIRECT)
    p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
    p.setGravity(0, 0, -9.81, physicsClientId=client)
    p.loadURDF("plane.urdf", physicsClientId=client)
    base = _static_box(client, [0.0, 0.0, 0.15], [0.25, 0.2, 0.15])  # the mobile base, under the arm
    panda = p.loadURDF("franka_panda/panda.urdf", [0.0, 0.0, 0.3], useFixedBase=True, physicsClientId=client)
    for j, q in enumerate(ARM_HOME):
        p.resetJointState(panda, j, q, physicsClientId=client)
    for j in (9, 10):
        p.resetJointState(panda, j, 0.04, physicsClientId=client)
    table_a = _static_box(client, [0.75, 0.0, 0.35], [0.3, 0.4, 0.35])
    table_b = _static_box(client, [0.0, 0.75, 0.30], [0.3, 0.25, 0.30])
    cupboard = _cupboard(client, 0.05, -0.85)
    p.resetBasePositionAndOrientation(cupboard, [0.05, -0.85, 0.4], p.getQuaternionFromEuler([0, 0, -math.pi / 2]),
                                      physicsClientId=client)
    return WorkshopScene(client, panda, base, table_a, table_b, cupboard)


@pytest.fixture
def workshop():
    scene = build_workshop()
    try:
        yield scene
    finally:
        p.disconnect(scene.client)


@pytest.fixture
def workshop_factory():
    """Build fresh workshop scenes on demand; all are disconnected at the end."""
    scenes = []

    def make() -> WorkshopScene:
        for scene in scenes:  # one scene at a time: the previous one is finished
            p.disconnect(scene.client)
        scenes.clear()
        scenes.append(build_workshop())
        return scenes[-1]

    try:
        yield make
    finally:
        for scene in scenes:
            p.disconnect(scene.client)
