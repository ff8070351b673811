"""Where a scenario's things are, as plain geometry (no simulator): furniture boxes and object resting spots.

Backends that cannot run the PyBullet house (Habitat-Sim, AI2-THOR) place primitives or their own
assets from this layout. Objects on one piece of furniture are spread in a row along its width, on
its top (or, for openable furniture, on its inner shelf). Map frame, metres, z up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from robot_model.category_shapes import furniture_shape, object_shape
from sim.scenario import FurnitureSpec, ObjectSpec, Scenario
from sim.walls import wall_segments

WALL_HEIGHT = 2.4
WALL_THICKNESS = 0.1


@dataclass(frozen=True)
class BoxPlacement:
    """An oriented box: centre (x, y, z), full size (sx, sy, sz) in its own frame, yaw about z."""

    id: str
    category: str
    centre: tuple[float, float, float]
    size: tuple[float, float, float]
    yaw: float
    kind: str  # "wall", "furniture" or "object"
    shape: str = "box"  # "box", "cylinder" or "sphere" (objects)
    openable: bool = False
    support_z: float = 0.0  # furniture: height objects rest at
    rests_on: str | None = None  # objects: furniture id


def wall_boxes(scenario: Scenario) -> list[BoxPlacement]:
    boxes = []
    for i, ((ax, ay), (bx, by)) in enumerate(wall_segments(scenario.floor_plan())):
        length = math.hypot(bx - ax, by - ay)
        boxes.append(BoxPlacement(f"wall_{i}", "wall", ((ax + bx) / 2, (ay + by) / 2, WALL_HEIGHT / 2),
                                  (length + WALL_THICKNESS, WALL_THICKNESS, WALL_HEIGHT), math.atan2(by - ay, bx - ax),
                                  "wall"))
    return boxes


def furniture_box(spec: FurnitureSpec) -> BoxPlacement:
    w, d, h = spec.dimensions()
    shape = furniture_shape(spec.category)
    support = shape.support_height(spec.openable)
    if spec.openable and shape.inner_shelf is None:
        support = h / 2
    return BoxPlacement(spec.id, spec.category, (spec.at[0], spec.at[1], h / 2), (w, d, h), spec.yaw, "furniture",
                        openable=spec.openable, support_z=min(support, h))


def object_boxes_on(furniture: BoxPlacement, objects: list[ObjectSpec]) -> list[BoxPlacement]:
    """Objects spread evenly along the furniture's width, centred in depth, resting on its support."""
    out = []
    w = furniture.size[0]
    c, s = math.cos(furniture.yaw), math.sin(furniture.yaw)
    for k, obj in enumerate(objects):
        shape = object_shape(obj.category)
        lx = -w / 2 + w * (k + 1) / (len(objects) + 1)
        x = furniture.centre[0] + c * lx
        y = furniture.centre[1] + s * lx
        if shape.kind == "box":
            size = tuple(shape.size)
        elif shape.kind == "cylinder":
            size = (2 * shape.size[0], 2 * shape.size[0], shape.size[1])
        else:
            size = (2 * shape.size[0],) * 3
        out.append(BoxPlacement(obj.id, obj.category, (x, y, furniture.support_z + shape.height / 2), size,
                                furniture.yaw, "object", shape.kind, rests_on=furniture.id))
    return out


def initial_layout(scenario: Scenario) -> list[BoxPlacement]:
    """Walls, furniture and the objects' starting places of a scenario."""
    boxes = wall_boxes(scenario)
    furniture = {f.id: furniture_box(f) for f in scenario.world.furniture}
    boxes += list(furniture.values())
    by_support: dict[str, list[ObjectSpec]] = {}
    for obj in scenario.world.objects:
        by_support.setdefault(obj.rests_on, []).append(obj)
    for fid, objs in by_support.items():
        boxes += object_boxes_on(furniture[fid], objs)
    return boxes
