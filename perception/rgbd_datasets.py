"""Readers of the public RGB-D frames in ../shared/data/rgbd (see its README): SUN RGB-D and 3DMatch.

Each gives what a camera driver would: colour, depth in metres on the colour image's pixel grid,
intrinsics and the optical frame's pose in a z-up world frame; SUN RGB-D adds its labelled objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memory_stack.foundation.errors import BadInputError
from perception.box_detections import BoxDetection
from scene_graph.types import CameraIntrinsics, Pose

# SUN RGB-D's camera axes (x right, y forward, z up) from the optical frame's (x right, y down, z forward).
_OPTICAL_TO_SUN_CAMERA = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


@dataclass(frozen=True)
class LabelledBox:
    """A SUN RGB-D label: class, 2D box, 3D centroid (upright frame), half extents, heading (rad)."""

    label: str
    box: BoxDetection
    centroid: tuple[float, float, float]
    half_extents: tuple[float, float, float]
    heading: float


@dataclass
class RgbdFrame:
    name: str
    rgb: np.ndarray  # HxWx3 uint8
    depth: np.ndarray  # HxW float32 metres, 0 = no return
    intrinsics: CameraIntrinsics
    camera_pose: Pose  # optical frame in the world frame (z up)
    objects: list[LabelledBox]


def sunrgbd_names(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "image").glob("*.jpg"))


def read_sunrgbd(root: Path, name: str) -> RgbdFrame:
    """One SUN RGB-D frame; its depth image is the upright point cloud projected back into the camera."""
    from PIL import Image
    from scipy.io import loadmat

    try:
        rgb = np.asarray(Image.open(root / "image" / f"{name}.jpg").convert("RGB"))
        calib = [np.array([float(v) for v in line.split()]) for line in
                 (root / "calib" / f"{name}.txt").read_text().splitlines()[:2]]
        points = np.asarray(loadmat(str(root / "depth" / f"{name}.mat"))["instance"], dtype=np.float64)
        label_lines = (root / "label" / f"{name}.txt").read_text().splitlines()
    except (OSError, KeyError, ValueError) as exc:
        raise BadInputError(f"{root}: frame {name}: {exc}") from exc
    rtilt = calib[0].reshape(3, 3, order="F")
    k = calib[1].reshape(3, 3, order="F")
    h, w = rgb.shape[:2]
    intrinsics = CameraIntrinsics(w, h, float(k[0, 0]), float(k[1, 1]), float(k[0, 2]), float(k[1, 2]))
    camera = points[:, :3] @ rtilt  # rtilt^T @ p, row-wise: upright -> SUN camera axes
    forward = camera[:, 1]
    ok = forward > 1e-3
    u = np.round(camera[ok, 0] / forward[ok] * intrinsics.fx + intrinsics.cx).astype(np.int64)
    v = np.round(-camera[ok, 2] / forward[ok] * intrinsics.fy + intrinsics.cy).astype(np.int64)
    z = forward[ok]
    inside = (u >= 0) & (u < w) & (v >= 0) & (v < h)
    u, v, z = u[inside], v[inside], z[inside]
    depth = np.full(h * w, np.inf)
    np.minimum.at(depth, v * w + u, z)
    depth[~np.isfinite(depth)] = 0.0
    rotation = rtilt @ _OPTICAL_TO_SUN_CAMERA
    pose_matrix = np.eye(4)
    pose_matrix[:3, :3] = rotation
    objects = []
    for line in label_lines:
        f = line.split()
        if len(f) < 13:
            continue
        x, y, bw, bh = (float(t) for t in f[1:5])
        objects.append(LabelledBox(
            label=f[0], box=BoxDetection(f[0], 1.0, x, y, x + bw, y + bh),
            centroid=(float(f[5]), float(f[6]), float(f[7])),
            half_extents=(float(f[8]), float(f[9]), float(f[10])),
            heading=-math.atan2(float(f[12]), float(f[11]))))
    return RgbdFrame(name, rgb, depth.reshape(h, w).astype(np.float32), intrinsics,
                     Pose.from_matrix(pose_matrix), objects)


def threedmatch_names(sequence: Path) -> list[str]:
    return sorted(p.name[: -len(".color.png")] for p in sequence.glob("frame-*.color.png"))


def read_3dmatch_intrinsics(root: Path, width: int = 640, height: int = 480) -> CameraIntrinsics:
    try:
        k = np.array([[float(v) for v in line.split()] for line in
                      (root / "camera-intrinsics.txt").read_text().splitlines() if line.strip()])
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{root / 'camera-intrinsics.txt'}: {exc}") from exc
    return CameraIntrinsics(width, height, float(k[0, 0]), float(k[1, 1]), float(k[0, 2]), float(k[1, 2]))


def read_3dmatch(root: Path, sequence: str, name: str) -> RgbdFrame:
    """One 3DMatch frame: colour, depth (16-bit mm -> m), camera-to-world pose.

    3DMatch's (SUN3D's) world frame has y up (the cameras' image-down axes point along -y; cameras
    stand about 1.1 m above the floor); it is turned here so z is up (x_map = x, y_map = -z, z_map = y),
    the REP 103 convention the memory's map frame follows.
    """
    from PIL import Image

    seq = root / sequence
    try:
        rgb = np.asarray(Image.open(seq / f"{name}.color.png").convert("RGB"))
        depth_mm = np.asarray(Image.open(seq / f"{name}.depth.png"))
        pose = np.array([[float(v) for v in line.split()] for line in
                         (seq / f"{name}.pose.txt").read_text().splitlines() if line.strip()])
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{seq}: frame {name}: {exc}") from exc
    if pose.shape != (4, 4):
        raise BadInputError(f"{seq / (name + '.pose.txt')}: expected a 4x4 matrix, got shape {pose.shape}")
    h, w = depth_mm.shape
    intrinsics = read_3dmatch_intrinsics(root, w, h)
    z_up = np.eye(4)
    z_up[:3, :3] = [[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]
    return RgbdFrame(name, rgb, depth_mm.astype(np.float32) / 1000.0, intrinsics,
                     Pose.from_matrix(z_up @ pose), [])
