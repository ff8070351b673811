"""Pure conversions between AI2-THOR's events/metadata and the stack's types (numpy only, no ai2thor import).

AI2-THOR (Unity) is left-handed and y-up: +x right, +y up, +z forward at agent rotation y = 0; the
agent's yaw is `rotation.y` in degrees, clockwise seen from above; `cameraHorizon` is degrees, positive
looking down; `fieldOfView` is Unity's VERTICAL field of view. An event gives `frame` (HxWx3 uint8
RGB), `depth_frame` (HxW float32 metres), `instance_masks` (objectId -> HxW bool),
`instance_detections2D` (objectId -> (x1, y1, x2, y2)) and `metadata` ("objects", "agent",
"cameraPosition"). The stack's map frame is right-handed z-up: map = (unity z, -unity x, unity y).
These functions are unit-tested on arrays and dicts shaped like that; they are untested against a real
AI2-THOR build (none can be downloaded on this project's machines).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from perception.sensor_frame import SensorFrame
from robot_model.dimensions import optical_pose
from scene_graph.types import CameraIntrinsics, FloorPlan, Pose, Room
from sim.backend import FurnitureTruth, GroundTruth, ObjectTruth
from sim.detector_model import InstanceKey, detections, noisy_frame
from sim.scenario import Scenario
from sim.sensor_noise import SensorNoise

THOR_TYPE_TO_CATEGORY: dict[str, str] = {
    "Mug": "mug", "Cup": "cup", "Bowl": "bowl", "Plate": "plate", "Apple": "apple", "Bottle": "bottle",
    "WineBottle": "bottle", "SoapBottle": "bottle", "SprayBottle": "bottle", "Book": "book", "KeyChain": "keys",
    "CellPhone": "phone", "RemoteControl": "remote", "Laptop": "laptop", "Pillow": "pillow", "Towel": "towel",
    "HandTowel": "towel", "Cloth": "towel", "Vase": "vase", "HousePlant": "plant", "Box": "box",
    "Newspaper": "magazine", "CreditCard": "wallet", "Pen": "pen", "BasketBall": "ball", "TeddyBear": "toy",
    "Watch": "watch", "Statue": "statue", "Kettle": "kettle", "Pot": "pot", "Pan": "pan", "Bread": "bread",
    "Tomato": "tomato", "Potato": "potato", "Egg": "egg", "Lettuce": "lettuce", "AlarmClock": "alarm_clock",
    "CounterTop": "counter", "Fridge": "fridge", "DiningTable": "table", "CoffeeTable": "coffee_table",
    "SideTable": "side_table", "Sofa": "sofa", "ArmChair": "armchair", "Bed": "bed", "Desk": "desk",
    "Dresser": "dresser", "Shelf": "shelf", "ShelvingUnit": "shelf", "Cabinet": "cabinet", "Drawer": "drawer",
    "Microwave": "microwave", "Sink": "sink", "SinkBasin": "sink", "TVStand": "tv_stand", "Chair": "chair",
    "Toilet": "toilet", "Bathtub": "bathtub", "GarbageCan": "garbage_can", "Television": "television",
    "Safe": "safe", "StoveBurner": "stove_burner", "Stool": "stool", "Ottoman": "ottoman",
}
CATEGORY_TO_THOR_TYPES: dict[str, list[str]] = {}
for _thor_type, _category in THOR_TYPE_TO_CATEGORY.items():
    CATEGORY_TO_THOR_TYPES.setdefault(_category, []).append(_thor_type)


def category_of(object_type: str) -> str:
    """THOR objectType -> the stack's category (known mapping, else CamelCase -> snake_case)."""
    if object_type in THOR_TYPE_TO_CATEGORY:
        return THOR_TYPE_TO_CATEGORY[object_type]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", object_type).lower()


def unity_to_map(v: dict) -> tuple[float, float, float]:
    return (float(v["z"]), -float(v["x"]), float(v["y"]))


def map_to_unity(x: float, y: float, z: float) -> dict[str, float]:
    return {"x": -float(y), "y": float(z), "z": float(x)}


def thor_yaw_to_map(rotation_y_deg: float) -> float:
    return math.atan2(math.sin(-math.radians(rotation_y_deg)), math.cos(-math.radians(rotation_y_deg)))


def map_yaw_to_thor(yaw: float) -> float:
    return (-math.degrees(yaw)) % 360.0


def vertical_fov_deg(hfov_deg: float, width: int, height: int) -> float:
    """THOR's fieldOfView (vertical) that gives horizontal field of view `hfov_deg` at width x height."""
    return math.degrees(2.0 * math.atan(math.tan(math.radians(hfov_deg) / 2.0) * height / width))


def agent_pose(metadata: dict) -> Pose:
    agent = metadata["agent"]
    x, y, _ = unity_to_map(agent["position"])
    return Pose.from_xyz_yaw(x, y, 0.0, thor_yaw_to_map(agent["rotation"]["y"]))


def camera_pose(metadata: dict) -> Pose:
    """Optical-frame pose of THOR's agent camera in the map."""
    agent = metadata["agent"]
    position = unity_to_map(metadata["cameraPosition"])
    return optical_pose(position, thor_yaw_to_map(agent["rotation"]["y"]), -math.radians(agent["cameraHorizon"]))


def _is_furniture(obj: dict) -> bool:
    return bool(obj.get("receptacle")) and not obj.get("pickupable", False)


def instance_keys(objects: list[dict]) -> dict[str, InstanceKey]:
    """Map each THOR objectId to an InstanceKey, for every object in the metadata (walls, floor etc. have no entry)."""
    return {o["objectId"]: InstanceKey("furniture" if _is_furniture(o) else "object", o["objectId"],
                                       category_of(o["objectType"])) for o in objects}


def instances_from_masks(instance_masks: dict[str, np.ndarray], objects: list[dict], rng: np.random.Generator):
    """THOR instance_masks -> (mask with per-frame random ids, labels, confidences, id -> InstanceKey)."""
    keys = instance_keys(objects)
    shape = next(iter(instance_masks.values())).shape if instance_masks else None
    if shape is None:
        raise ValueError("instance_masks is empty: was the controller started with renderInstanceSegmentation=True?")
    seg = np.full(shape, -1, dtype=np.int64)
    index_keys: dict[int, InstanceKey] = {}
    for i, (object_id, m) in enumerate(instance_masks.items()):
        if object_id in keys:
            seg[np.asarray(m, dtype=bool)] = i
            index_keys[i] = keys[object_id]
    return detections(seg, index_keys.get, rng)


def event_to_sensor_frame(frame: np.ndarray, depth_frame: np.ndarray, instance_masks: dict[str, np.ndarray],
                          metadata: dict, *, frame_id: int, time: float, hfov_deg: float, rng: np.random.Generator,
                          noise: SensorNoise | None = None) -> tuple[SensorFrame, dict[int, InstanceKey]]:
    """One THOR event's arrays + metadata -> (SensorFrame, evaluation truth)."""
    rgb = np.ascontiguousarray(np.asarray(frame)[:, :, :3], dtype=np.uint8)
    depth = np.asarray(depth_frame, dtype=np.float32).copy()
    depth[~np.isfinite(depth) | (depth <= 0)] = np.nan
    mask, labels, confidences, truth = instances_from_masks(instance_masks, metadata["objects"], rng)
    h, w = rgb.shape[:2]
    if depth.shape != (h, w) or mask.shape != (h, w):
        raise ValueError(f"THOR event arrays disagree in size: frame {rgb.shape}, depth {depth.shape}, "
                         f"masks {mask.shape}")
    sensor_frame = SensorFrame(frame_id=frame_id, time=time, rgb=rgb, depth=depth, instance_mask=mask, labels=labels,
                               intrinsics=CameraIntrinsics.from_hfov(w, h, hfov_deg), camera_pose=camera_pose(metadata),
                               robot_pose=agent_pose(metadata), confidences=confidences)
    return noisy_frame(sensor_frame, truth, noise)


def ground_truth(metadata: dict, time: float, names: dict[str, str] | None = None,
                 removed: set[str] | None = None) -> GroundTruth:
    """World truth from THOR metadata; `names` maps THOR objectIds to scenario ids where they were matched."""
    names = names or {}
    objects, furniture = {}, {}
    for o in metadata["objects"]:
        oid = names.get(o["objectId"], o["objectId"])
        position = unity_to_map(o["position"])
        if _is_furniture(o):
            is_open = bool(o.get("isOpen")) if o.get("openable") else None
            furniture[oid] = FurnitureTruth(oid, category_of(o["objectType"]), position, "", bool(o.get("openable")),
                                            is_open, math.radians(float(o.get("openness", 0.0)) * 90.0))
        elif o.get("pickupable"):
            parents = o.get("parentReceptacles") or []
            rests_on = names.get(parents[0], parents[0]) if parents else None
            objects[oid] = ObjectTruth(oid, category_of(o["objectType"]), position, rests_on, None)
    return GroundTruth(time, objects, furniture, set(removed or ()))


@dataclass
class ThorPlan:
    """How a scenario maps onto a THOR scene: matched ids, the SetObjectPoses list, and what did not fit."""

    objects: dict[str, str] = field(default_factory=dict)  # scenario object id -> THOR objectId
    receptacles: dict[str, str] = field(default_factory=dict)  # scenario furniture id -> THOR objectId
    poses: list[dict] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def receptacle_top(obj: dict) -> dict[str, float]:
    """A point on top of a THOR receptacle (centre of its axis-aligned box, at its top)."""
    box = obj["axisAlignedBoundingBox"]
    centre, size = box["center"], box["size"]
    return {"x": float(centre["x"]), "y": float(centre["y"]) + float(size["y"]) / 2.0 + 0.02, "z": float(centre["z"])}


def plan_object_poses(scenario: Scenario, objects: list[dict]) -> ThorPlan:
    """Match scenario furniture/objects to THOR objects by category and put each object on its receptacle.

    `poses` lists EVERY pickupable THOR object (SetObjectPoses removes the ones left out): matched objects
    on top of their matched receptacle, spread along x, the rest where they are.
    """
    plan = ThorPlan()
    free = {o["objectId"]: o for o in objects}
    for f in scenario.world.furniture:
        match = next((o for o in free.values() if _is_furniture(o)
                      and o["objectType"] in CATEGORY_TO_THOR_TYPES.get(f.category, [])), None)
        if match is None:
            plan.unmatched.append(f"furniture {f.id} ({f.category})")
            continue
        plan.receptacles[f.id] = match["objectId"]
        free.pop(match["objectId"])
    placed: dict[str, dict] = {}
    counts: dict[str, int] = {}
    for spec in scenario.world.objects:
        receptacle = plan.receptacles.get(spec.rests_on)
        match = next((o for o in free.values() if o.get("pickupable")
                      and o["objectType"] in CATEGORY_TO_THOR_TYPES.get(spec.category, [])), None)
        if match is None or receptacle is None:
            plan.unmatched.append(f"object {spec.id} ({spec.category} on {spec.rests_on})")
            continue
        free.pop(match["objectId"])
        plan.objects[spec.id] = match["objectId"]
        top = receptacle_top(next(o for o in objects if o["objectId"] == receptacle))
        k = counts.get(receptacle, 0)
        counts[receptacle] = k + 1
        offset = 0.15 * ((k + 1) // 2) * (1 if k % 2 else -1)  # 0, +0.15, -0.15, +0.3, ...
        placed[match["objectId"]] = {"x": top["x"] + offset, "y": top["y"], "z": top["z"]}
    for o in objects:
        if not o.get("pickupable"):
            continue
        position = placed.get(o["objectId"], o["position"])
        plan.poses.append({"objectName": o["name"], "position": dict(position), "rotation": dict(o["rotation"])})
    return plan


def floor_plan_from_reachable(positions: list[dict], name: str, margin: float = 0.5) -> FloorPlan:
    """One room covering THOR's reachable positions (THOR scenes carry no room polygons of their own)."""
    pts = np.array([unity_to_map(p)[:2] for p in positions], dtype=float)
    lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
    polygon = ((lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1]))
    return FloorPlan(rooms=(Room(name, tuple((float(x), float(y)) for x, y in polygon)),), doors=())
