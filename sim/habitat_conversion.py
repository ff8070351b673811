"""Pure conversions between Habitat-Sim's conventions and the stack's (numpy only, no habitat_sim import).

Habitat-Sim's world frame is y-up with the agent looking along -z; cameras use the OpenGL convention
(+x right, +y up, looking along -z). The stack's map frame is z-up (x forward at yaw 0, y left) and
camera poses are optical frames (+x right, +y down, +z forward). Observations: "color" HxWx4 uint8
RGBA, "depth" HxW float32 metres along the optical axis (0 = no return), "semantic" HxW uint32
semantic ids. These functions are unit-tested on arrays shaped like that; they are untested against a
real habitat_sim install (none is available on this project's machines).
"""

from __future__ import annotations

import math

import numpy as np

from perception.sensor_frame import SensorFrame
from scene_graph.types import CameraIntrinsics, Pose
from sim.detector_model import InstanceKey, detections, noisy_frame
from sim.scenario_layout import BoxPlacement
from sim.sensor_noise import SensorNoise

# map = MAP_FROM_HABITAT @ habitat: map x = -hab z, map y = -hab x, map z = hab y
MAP_FROM_HABITAT = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
HABITAT_FROM_MAP = MAP_FROM_HABITAT.T
OPTICAL_FROM_OPENGL = np.diag([1.0, -1.0, -1.0])  # flips y (up -> down) and z (backward -> forward)

PRIMITIVE_TEMPLATES = {"box": "cubeSolid", "cylinder": "cylinderSolid", "sphere": "uvSphereSolid"}


def map_from_habitat(v) -> np.ndarray:
    return MAP_FROM_HABITAT @ np.asarray(v, dtype=float)


def habitat_from_map(v) -> np.ndarray:
    return HABITAT_FROM_MAP @ np.asarray(v, dtype=float)


def quaternion_matrix(w: float, x: float, y: float, z: float) -> np.ndarray:
    return Pose(0, 0, 0, x, y, z, w).rotation_matrix()


def habitat_rotation_for_yaw(yaw: float) -> tuple[float, float, float, float]:
    """(w, x, y, z) of a rotation about habitat +y that makes an agent face map heading `yaw`."""
    return (math.cos(yaw / 2.0), 0.0, math.sin(yaw / 2.0), 0.0)


def habitat_rotation_matrix_for_yaw(yaw: float) -> np.ndarray:
    return quaternion_matrix(*habitat_rotation_for_yaw(yaw))


def agent_pose_to_map(position, rotation_wxyz) -> Pose:
    """Habitat agent state (position, quaternion w,x,y,z) -> base pose in the map (x, y, yaw)."""
    p = map_from_habitat(position)
    forward_hab = quaternion_matrix(*rotation_wxyz) @ np.array([0.0, 0.0, -1.0])
    forward = map_from_habitat(forward_hab)
    return Pose.from_xyz_yaw(float(p[0]), float(p[1]), 0.0, math.atan2(forward[1], forward[0]))


def sensor_pose_to_optical(position, rotation_wxyz) -> Pose:
    """Habitat sensor state (OpenGL camera) -> optical-frame Pose in the map."""
    rot = MAP_FROM_HABITAT @ quaternion_matrix(*rotation_wxyz) @ OPTICAL_FROM_OPENGL
    m = np.eye(4)
    m[:3, :3] = rot
    m[:3, 3] = map_from_habitat(position)
    return Pose.from_matrix(m)


def depth_to_metres(depth: np.ndarray) -> np.ndarray:
    """Habitat depth (float metres, 0 = nothing within range) -> float32 metres with NaN for no return."""
    out = np.asarray(depth, dtype=np.float32).copy()
    if out.ndim == 3:
        out = out[:, :, 0]
    out[~np.isfinite(out) | (out <= 0.0)] = np.nan
    return out


def rgba_to_rgb(color: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(color)[:, :, :3], dtype=np.uint8)


def semantic_to_instances(semantic: np.ndarray, keys: dict[int, InstanceKey], rng: np.random.Generator):
    """Semantic ids -> (instance mask with per-frame random ids, labels, confidences, id -> InstanceKey).

    `keys` maps each semantic id the stack placed to what it is; every other id (stage, walls) is background.
    """
    seg = np.asarray(semantic).astype(np.int64)
    return detections(seg, keys.get, rng)


def observations_to_sensor_frame(observations: dict, *, frame_id: int, time: float, hfov_deg: float,
                                 sensor_position, sensor_rotation_wxyz, agent_position, agent_rotation_wxyz,
                                 keys: dict[int, InstanceKey], rng: np.random.Generator,
                                 noise: SensorNoise | None = None, color_uuid: str = "color", depth_uuid: str = "depth",
                                 semantic_uuid: str = "semantic") -> tuple[SensorFrame, dict[int, InstanceKey]]:
    """One `sim.get_sensor_observations()` dict plus the agent/sensor states -> (SensorFrame, evaluation truth)."""
    rgb = rgba_to_rgb(observations[color_uuid])
    depth = depth_to_metres(observations[depth_uuid])
    mask, labels, confidences, truth = semantic_to_instances(observations[semantic_uuid], keys, rng)
    h, w = rgb.shape[:2]
    if depth.shape != (h, w) or mask.shape != (h, w):
        raise ValueError(f"habitat observations disagree in size: color {rgb.shape}, depth {depth.shape}, "
                         f"semantic {mask.shape}")
    frame = SensorFrame(frame_id=frame_id, time=time, rgb=rgb, depth=depth, instance_mask=mask, labels=labels,
                        intrinsics=CameraIntrinsics.from_hfov(w, h, hfov_deg),
                        camera_pose=sensor_pose_to_optical(sensor_position, sensor_rotation_wxyz),
                        robot_pose=agent_pose_to_map(agent_position, agent_rotation_wxyz), confidences=confidences)
    return noisy_frame(frame, truth, noise)


def primitive_for(box: BoxPlacement) -> tuple[str, np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    """Habitat primitive template name, translation, scale and rotation (w,x,y,z) for a layout box.

    Habitat's solid primitives span [-1, 1] on each axis (cylinders along their local y), so the scale is
    half the size, with the box's z (height) on habitat's y.
    """
    sx, sy, sz = box.size
    translation = habitat_from_map(box.centre)
    # the box's local x, y, z (map-aligned) are habitat's local -z, -x, +y; a map yaw is the same angle about +y
    scale = np.array([sy / 2.0, sz / 2.0, sx / 2.0])
    return PRIMITIVE_TEMPLATES.get(box.shape, "cubeSolid"), translation, scale, habitat_rotation_for_yaw(box.yaw)


def openable_furniture_urdf(box: BoxPlacement, panel: float = 0.04, door_thickness: float = 0.03) -> str:
    """A URDF of an openable piece of furniture: a hollow carcass with a shelf and a revolute door link.

    Same geometry as the PyBullet house (front on local +y, door hinged on the left edge, opening outward
    for positive angles); for habitat_sim's ArticulatedObjectManager.add_articulated_object_from_urdf.
    """
    w, d, h = box.size
    parts = [((w, d, panel), (0, 0, panel / 2)), ((w, d, panel), (0, 0, h - panel / 2)),
             ((w, panel, h), (0, -d / 2 + panel / 2, h / 2)), ((panel, d, h), (-w / 2 + panel / 2, 0, h / 2)),
             ((panel, d, h), (w / 2 - panel / 2, 0, h / 2)),
             ((w - 2 * panel, d - panel - door_thickness, panel), (0, -door_thickness / 2, box.support_z - panel / 2))]

    def geometry(size, xyz):
        s = " ".join(f"{v:.4f}" for v in size)
        o = " ".join(f"{v:.4f}" for v in xyz)
        return (f'<visual><origin xyz="{o}"/><geometry><box size="{s}"/></geometry></visual>'
                f'<collision><origin xyz="{o}"/><geometry><box size="{s}"/></geometry></collision>')

    body = "".join(geometry(size, xyz) for size, xyz in parts)
    door_w = w - 2 * panel
    door = geometry((door_w, door_thickness, h - 2 * panel), (door_w / 2, 0, 0))
    hinge = f"{-w / 2 + panel:.4f} {d / 2 - door_thickness / 2:.4f} {h / 2:.4f}"
    return (f'<?xml version="1.0"?>\n<robot name="{box.id}">'
            f'<link name="body"><inertial><mass value="0"/><inertia ixx="0" ixy="0" ixz="0" iyy="0" iyz="0" izz="0"/>'
            f'</inertial>{body}</link>'
            f'<link name="door"><inertial><origin xyz="{door_w / 2:.4f} 0 0"/><mass value="2"/>'
            f'<inertia ixx="0.1" ixy="0" ixz="0" iyy="0.1" iyz="0" izz="0.1"/></inertial>{door}</link>'
            f'<joint name="door_hinge" type="revolute"><parent link="body"/><child link="door"/>'
            f'<origin xyz="{hinge}"/><axis xyz="0 0 1"/><limit lower="0" upper="1.8" effort="50" velocity="2"/>'
            f'</joint></robot>\n')
