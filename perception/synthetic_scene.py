"""Exact ray-cast renders of axis-aligned boxes inside a room, as a camera + segmenter would see them.

For tests with known geometry and for the ingest benchmark: no simulator needed, and the true
surface of every pixel is known in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perception.sensor_frame import SensorFrame
from scene_graph.types import CameraIntrinsics, Pose


@dataclass(frozen=True)
class SyntheticBox:
    """An axis-aligned box in the map frame with the label a segmenter would give it."""

    label: str
    box_min: tuple[float, float, float]
    box_max: tuple[float, float, float]
    color: tuple[int, int, int] = (180, 90, 60)

    @property
    def center(self) -> np.ndarray:
        return (np.asarray(self.box_min, dtype=float) + np.asarray(self.box_max, dtype=float)) / 2.0


@dataclass(frozen=True)
class BoxRender:
    """Depth (metres along the optical axis), index of the box hit per pixel (-1 = room), and colours."""

    depth: np.ndarray
    box_index: np.ndarray
    rgb: np.ndarray


def render_boxes(boxes: list[SyntheticBox], intrinsics: CameraIntrinsics, camera_pose: Pose,
                 room_min: tuple[float, float, float] = (-20.0, -20.0, 0.0),
                 room_max: tuple[float, float, float] = (20.0, 20.0, 3.0)) -> BoxRender:
    """Ray-cast the boxes (nearest hit wins); rays that miss every box end on the room's walls/floor."""
    w, h = intrinsics.width, intrinsics.height
    u = (np.arange(w, dtype=np.float64) - intrinsics.cx) / intrinsics.fx
    v = (np.arange(h, dtype=np.float64) - intrinsics.cy) / intrinsics.fy
    rays_cam = np.stack([np.tile(u, h), np.repeat(v, w), np.ones(w * h)], axis=1)
    # With the optical-frame z component equal to 1, the ray parameter t is the depth itself.
    directions = rays_cam @ camera_pose.rotation_matrix().T
    origin = camera_pose.position
    with np.errstate(divide="ignore"):
        inverse = 1.0 / np.where(np.abs(directions) < 1e-12, 1e-12, directions)

    _, room_exit = _slab(origin, inverse, np.asarray(room_min, float), np.asarray(room_max, float))
    depth = room_exit.copy()
    index = np.full(w * h, -1, dtype=np.int32)
    for k, box in enumerate(boxes):
        near, far = _slab(origin, inverse, np.asarray(box.box_min, float), np.asarray(box.box_max, float))
        hit = (near <= far) & (near > 1e-6) & (near < depth)
        depth[hit] = near[hit]
        index[hit] = k

    palette = np.array([b.color for b in boxes] + [(128, 128, 128)], dtype=np.uint8)
    rgb = palette[index].reshape(h, w, 3)
    return BoxRender(depth.reshape(h, w).astype(np.float32), index.reshape(h, w), rgb)


def _slab(origin: np.ndarray, inverse: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t1 = (lo - origin) * inverse
    t2 = (hi - origin) * inverse
    return np.minimum(t1, t2).max(axis=1), np.maximum(t1, t2).min(axis=1)


def sensor_frame_from_render(render: BoxRender, boxes: list[SyntheticBox], intrinsics: CameraIntrinsics,
                             camera_pose: Pose, frame_id: int = 0, time: float = 0.0,
                             robot_pose: Pose | None = None, rng: np.random.Generator | None = None,
                             confidence: float = 0.9) -> SensorFrame:
    """A SensorFrame whose instance ids are a fresh random permutation (ids mean nothing across frames)."""
    rng = rng if rng is not None else np.random.default_rng(frame_id)
    ids = rng.choice(np.arange(1, 4 * len(boxes) + 2), size=len(boxes), replace=False).astype(np.int32)
    lut = np.concatenate([ids, np.zeros(1, dtype=np.int32)])
    mask = lut[render.box_index]
    seen = set(np.unique(render.box_index).tolist()) - {-1}
    labels = {int(ids[k]): boxes[k].label for k in seen}
    if robot_pose is None:
        forward = camera_pose.rotation_matrix()[:, 2]
        robot_pose = Pose.from_xyz_yaw(camera_pose.x, camera_pose.y, 0.0, float(np.arctan2(forward[1], forward[0])))
    return SensorFrame(
        frame_id=frame_id, time=time, rgb=render.rgb, depth=render.depth, instance_mask=mask,
        labels=labels, intrinsics=intrinsics, camera_pose=camera_pose, robot_pose=robot_pose,
        confidences={i: confidence for i in labels},
    )
