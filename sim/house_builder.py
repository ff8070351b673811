"""PyBullet bodies of a scenario's house: floor, walls with doorways, furniture, movable objects.

Furniture is static (mass 0). Tables, desks and benches are a top slab on four legs; openable
furniture (fridge, cabinet, wardrobe, ...) is ONE multibody: a hollow carcass with an inner shelf
as the base and a REAL revolute door link on the front (local +y) face, hinged on its left edge,
opening outward for positive joint angles. Everything else is a solid box. Objects are dynamic
primitives (box / cylinder / sphere) sized and coloured per category.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pybullet as p

from robot_model.category_shapes import furniture_shape, object_shape
from sim.scenario import FurnitureSpec, ObjectSpec
from sim.surface_packing import DOOR_THICKNESS, PANEL, spec_surface  # the door fills the opening between panels
from sim.walls import Segment

WALL_HEIGHT = 2.4
WALL_THICKNESS = 0.1
DOOR_OPEN_ANGLE = 1.6
DOOR_MASS = 2.0
TABLE_LIKE = {"table", "dining_table", "coffee_table", "desk", "side_table", "bench", "workbench"}
_WALL_COLOR = (0.86, 0.83, 0.76, 1.0)
_FLOOR_COLOR = (0.55, 0.5, 0.45, 1.0)


@dataclass
class FurnitureBody:
    spec: FurnitureSpec
    body: int
    door_link: int | None
    width: float
    depth: float
    height: float
    support_z: float
    # the usable surface objects rest on, in the furniture's local frame: (x0, x1, y0, y1)
    surface: tuple[float, float, float, float]
    present: bool = True

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def category(self) -> str:
        return self.spec.category

    def to_map(self, lx: float, ly: float) -> tuple[float, float]:
        c, s = math.cos(self.spec.yaw), math.sin(self.spec.yaw)
        return (self.spec.at[0] + c * lx - s * ly, self.spec.at[1] + s * lx + c * ly)

    def to_local(self, x: float, y: float) -> tuple[float, float]:
        c, s = math.cos(self.spec.yaw), math.sin(self.spec.yaw)
        dx, dy = x - self.spec.at[0], y - self.spec.at[1]
        return (c * dx + s * dy, -s * dx + c * dy)

    def holds(self, position: tuple[float, float, float], slack: float = 0.05) -> bool:
        """Whether a point lies over this furniture's footprint and not far above its top."""
        lx, ly = self.to_local(position[0], position[1])
        return (abs(lx) <= self.width / 2 + slack and abs(ly) <= self.depth / 2 + slack
                and -0.05 <= position[2] <= self.height + 0.45)


@dataclass
class ObjectBody:
    spec: ObjectSpec
    body: int
    half_height: float
    radius: float
    rests_on: str  # furniture id it was last put on by the timeline
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def category(self) -> str:
        return self.spec.category


def _box(client: int, half: tuple[float, float, float], pos: tuple[float, float, float], color, mass: float = 0.0,
         orn=(0, 0, 0, 1)) -> int:
    col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
    vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=color, physicsClientId=client)
    return p.createMultiBody(mass, col, vis, basePosition=pos, baseOrientation=orn, physicsClientId=client)


def build_floor(client: int, lo: tuple[float, float], hi: tuple[float, float]) -> int:
    cx, cy = (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2
    half = ((hi[0] - lo[0]) / 2 + 0.5, (hi[1] - lo[1]) / 2 + 0.5, 0.05)
    return _box(client, half, (cx, cy, -0.05), _FLOOR_COLOR)


def build_walls(client: int, segments: list[Segment]) -> list[int]:
    bodies = []
    for (ax, ay), (bx, by) in segments:
        length = math.hypot(bx - ax, by - ay)
        yaw = math.atan2(by - ay, bx - ax)
        half = (length / 2 + WALL_THICKNESS / 2, WALL_THICKNESS / 2, WALL_HEIGHT / 2)
        orn = p.getQuaternionFromEuler((0, 0, yaw))
        bodies.append(_box(client, half, ((ax + bx) / 2, (ay + by) / 2, WALL_HEIGHT / 2), _WALL_COLOR, orn=orn))
    return bodies


def _compound(client: int, parts: list[tuple[tuple[float, float, float], tuple[float, float, float]]], color):
    """Collision + visual shape of several boxes given as (half extents, centre) in the body frame."""
    halves = [h for h, _ in parts]
    centres = [c for _, c in parts]
    col = p.createCollisionShapeArray([p.GEOM_BOX] * len(parts), halfExtents=halves, collisionFramePositions=centres,
                                      physicsClientId=client)
    vis = p.createVisualShapeArray([p.GEOM_BOX] * len(parts), halfExtents=halves, visualFramePositions=centres,
                                   physicsClientId=client)
    return col, vis


def build_furniture(client: int, spec: FurnitureSpec) -> FurnitureBody:
    shape = furniture_shape(spec.category)
    w, d, h = spec.dimensions()
    base_pos = (spec.at[0], spec.at[1], 0.0)
    orn = p.getQuaternionFromEuler((0, 0, spec.yaw))
    if spec.openable:
        shelf_z = min(shape.inner_shelf if shape.inner_shelf is not None else h / 2, h - 0.15)
        inner_w, inner_d = w - 2 * PANEL, d - PANEL - DOOR_THICKNESS
        parts = [
            ((w / 2, d / 2, PANEL / 2), (0, 0, PANEL / 2)),  # bottom
            ((w / 2, d / 2, PANEL / 2), (0, 0, h - PANEL / 2)),  # top
            ((w / 2, PANEL / 2, h / 2), (0, -d / 2 + PANEL / 2, h / 2)),  # back
            ((PANEL / 2, d / 2, h / 2), (-w / 2 + PANEL / 2, 0, h / 2)),  # left
            ((PANEL / 2, d / 2, h / 2), (w / 2 - PANEL / 2, 0, h / 2)),  # right
            ((inner_w / 2, inner_d / 2, PANEL / 2), (0, -DOOR_THICKNESS / 2, shelf_z - PANEL / 2)),  # shelf
        ]
        col, vis = _compound(client, parts, shape.color)
        # the carcass's front edges stay visible around the closed door, as on a real fridge
        door_w = w - 2 * PANEL
        door_half = (door_w / 2, DOOR_THICKNESS / 2, h / 2 - PANEL)
        door_col = p.createCollisionShape(p.GEOM_BOX, halfExtents=door_half,
                                          collisionFramePosition=(door_w / 2, 0, 0), physicsClientId=client)
        door_vis = p.createVisualShape(p.GEOM_BOX, halfExtents=door_half, visualFramePosition=(door_w / 2, 0, 0),
                                       rgbaColor=_door_color(shape.color), physicsClientId=client)
        body = p.createMultiBody(
            baseMass=0.0, baseCollisionShapeIndex=col, baseVisualShapeIndex=vis, basePosition=base_pos,
            baseOrientation=orn, linkMasses=[DOOR_MASS], linkCollisionShapeIndices=[door_col],
            linkVisualShapeIndices=[door_vis], linkPositions=[(-w / 2 + PANEL, d / 2 - DOOR_THICKNESS / 2, h / 2)],
            linkOrientations=[(0, 0, 0, 1)], linkInertialFramePositions=[(door_w / 2, 0, 0)],
            linkInertialFrameOrientations=[(0, 0, 0, 1)], linkParentIndices=[0],
            linkJointTypes=[p.JOINT_REVOLUTE], linkJointAxis=[(0, 0, 1)], physicsClientId=client)
        p.changeVisualShape(body, -1, rgbaColor=shape.color, physicsClientId=client)
        p.changeDynamics(body, 0, jointLowerLimit=0.0, jointUpperLimit=DOOR_OPEN_ANGLE + 0.2, jointDamping=0.5,
                         physicsClientId=client)
        furniture = FurnitureBody(spec, body, 0, w, d, h, shelf_z, spec_surface(spec))
        set_door(client, furniture, 0.0)
        return furniture
    if spec.category in TABLE_LIKE:
        top = 0.04
        leg = 0.025
        parts = [((w / 2, d / 2, top / 2), (0, 0, h - top / 2))]
        for sx in (-1, 1):
            for sy in (-1, 1):
                leg_centre = (sx * (w / 2 - 2 * leg), sy * (d / 2 - 2 * leg), (h - top) / 2)
                parts.append(((leg, leg, (h - top) / 2), leg_centre))
        col, vis = _compound(client, parts, shape.color)
    else:
        col, vis = _compound(client, [((w / 2, d / 2, h / 2), (0, 0, h / 2))], shape.color)
    body = p.createMultiBody(0.0, col, vis, basePosition=base_pos, baseOrientation=orn, physicsClientId=client)
    p.changeVisualShape(body, -1, rgbaColor=shape.color, physicsClientId=client)
    return FurnitureBody(spec, body, None, w, d, h, h, spec_surface(spec))


def _door_color(color):
    return tuple(min(1.0, c * 0.85 + 0.05) for c in color[:3]) + (1.0,)


def set_door(client: int, furniture: FurnitureBody, angle: float) -> None:
    """Put the door at `angle` (0 closed) and hold it there with its joint motor."""
    if furniture.door_link is None:
        return
    p.resetJointState(furniture.body, furniture.door_link, angle, 0.0, physicsClientId=client)
    p.setJointMotorControl2(furniture.body, furniture.door_link, p.POSITION_CONTROL, targetPosition=angle,
                            force=40.0, physicsClientId=client)


def door_angle(client: int, furniture: FurnitureBody) -> float:
    if furniture.door_link is None:
        return 0.0
    return float(p.getJointState(furniture.body, furniture.door_link, physicsClientId=client)[0])


def build_object(client: int, spec: ObjectSpec, position: tuple[float, float, float], yaw: float = 0.0) -> ObjectBody:
    shape = object_shape(spec.category)
    if shape.kind == "box":
        half = tuple(s / 2 for s in shape.size)
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=shape.color, physicsClientId=client)
        volume = float(np.prod(shape.size))
    elif shape.kind == "cylinder":
        r, hh = shape.size
        col = p.createCollisionShape(p.GEOM_CYLINDER, radius=r, height=hh, physicsClientId=client)
        vis = p.createVisualShape(p.GEOM_CYLINDER, radius=r, length=hh, rgbaColor=shape.color, physicsClientId=client)
        volume = math.pi * r * r * hh
    else:
        r = shape.size[0]
        col = p.createCollisionShape(p.GEOM_SPHERE, radius=r, physicsClientId=client)
        vis = p.createVisualShape(p.GEOM_SPHERE, radius=r, rgbaColor=shape.color, physicsClientId=client)
        volume = 4.0 / 3.0 * math.pi * r ** 3
    mass = float(np.clip(volume * 400.0, 0.05, 2.0))
    orn = p.getQuaternionFromEuler((0, 0, yaw))
    body = p.createMultiBody(mass, col, vis, basePosition=position, baseOrientation=orn, physicsClientId=client)
    p.changeDynamics(body, -1, lateralFriction=1.0, spinningFriction=0.002, rollingFriction=0.002 if
                     shape.kind == "sphere" else 0.0, physicsClientId=client)
    return ObjectBody(spec, body, shape.height / 2, shape.footprint_radius, spec.rests_on)


def free_spot(furniture: FurnitureBody, radius: float, occupied: list[tuple[float, float, float]],
              rng: np.random.Generator, clearance: float = 0.03) -> tuple[float, float] | None:
    """A map (x, y) on the furniture's surface at least `radius + r_i + clearance` from each occupied (x, y, r_i).

    The front half of the surface (nearest where a robot stands, within the arm's reach) is tried first.
    """
    x0, x1, y0, y1 = furniture.surface
    front = _free_spot_in(furniture, (x0, x1, (y0 + y1) / 2, y1), radius, occupied, rng, clearance)
    return front if front is not None else _free_spot_in(furniture, (x0, x1, y0, y1), radius, occupied, rng,
                                                           clearance)


def _free_spot_in(furniture: FurnitureBody, region: tuple[float, float, float, float], radius: float,
                  occupied: list[tuple[float, float, float]], rng: np.random.Generator,
                  clearance: float) -> tuple[float, float] | None:
    x0, x1, y0, y1 = region
    x0, x1 = x0 + radius * 0.5, x1 - radius * 0.5
    y0, y1 = y0 + radius * 0.5, y1 - radius * 0.5
    if x1 < x0:
        x0 = x1 = 0.5 * (x0 + x1)
    if y1 < y0:
        y0 = y1 = 0.5 * (y0 + y1)
    xs = np.linspace(x0, x1, max(1, int((x1 - x0) / 0.04) + 1))
    ys = np.linspace(y0, y1, max(1, int((y1 - y0) / 0.04) + 1))
    candidates = np.array([(x, y) for x in xs for y in ys])
    rng.shuffle(candidates)
    local_occupied = [(*furniture.to_local(ox, oy), orad) for ox, oy, orad in occupied]
    for lx, ly in candidates:
        if all(math.hypot(lx - ox, ly - oy) >= radius + orad + clearance for ox, oy, orad in local_occupied):
            return furniture.to_map(float(lx), float(ly))
    return None
