"""Input types of the memory: what perception hands over for one frame, and the prior map.

Conventions (shared by perception, sim, executor and memory):
- Time is float seconds since "d1 00:00" (see specs/scenario.md).
- Positions are metres in the map frame: x, y horizontal, z up.
- `Pose` of a camera is the pose of its *optical* frame (ROS REP 103 optical convention):
  +z forward along the viewing axis, +x right in the image, +y down in the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Pose:
    """A rigid transform from a local frame into the map frame (position + unit quaternion)."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    qx: float = 0.0
    qy: float = 0.0
    qz: float = 0.0
    qw: float = 1.0

    @classmethod
    def from_xyz_yaw(cls, x: float, y: float, z: float, yaw: float) -> Pose:
        return cls(x, y, z, 0.0, 0.0, math.sin(yaw / 2.0), math.cos(yaw / 2.0))

    @classmethod
    def from_matrix(cls, matrix: np.ndarray) -> Pose:
        """From a 4x4 homogeneous transform (Shepperd's method: stable for 180-degree rotations too)."""
        r = np.asarray(matrix, dtype=float)[:3, :3]
        t = np.asarray(matrix, dtype=float)[:3, 3]
        trace = r[0, 0] + r[1, 1] + r[2, 2]
        if trace > 0:
            s = 2.0 * math.sqrt(1.0 + trace)
            q = (0.25 * s, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s)
        elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
            s = 2.0 * math.sqrt(max(1e-12, 1.0 + r[0, 0] - r[1, 1] - r[2, 2]))
            q = ((r[2, 1] - r[1, 2]) / s, 0.25 * s, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s)
        elif r[1, 1] > r[2, 2]:
            s = 2.0 * math.sqrt(max(1e-12, 1.0 + r[1, 1] - r[0, 0] - r[2, 2]))
            q = ((r[0, 2] - r[2, 0]) / s, (r[0, 1] + r[1, 0]) / s, 0.25 * s, (r[1, 2] + r[2, 1]) / s)
        else:
            s = 2.0 * math.sqrt(max(1e-12, 1.0 + r[2, 2] - r[0, 0] - r[1, 1]))
            q = ((r[1, 0] - r[0, 1]) / s, (r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, 0.25 * s)
        qw, qx, qy, qz = q
        n = math.sqrt(qw * qw + qx * qx + qy * qy + qz * qz)
        return cls(float(t[0]), float(t[1]), float(t[2]), qx / n, qy / n, qz / n, qw / n)

    @classmethod
    def looking_at(cls, eye: tuple[float, float, float], target: tuple[float, float, float]) -> Pose:
        """The optical-frame pose of a camera at `eye` looking at `target`, image x kept horizontal.

        Looking straight up or down, where "horizontal" is undefined, image x is the map's +x.
        """
        e = np.asarray(eye, dtype=float)
        forward = np.asarray(target, dtype=float) - e
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        if np.linalg.norm(right) < 1e-6:
            right = np.array([1.0, 0.0, 0.0])
        right /= np.linalg.norm(right)
        m = np.eye(4)
        m[:3, :3] = np.stack([right, np.cross(forward, right), forward], axis=1)
        m[:3, 3] = e
        return cls.from_matrix(m)

    @property
    def position(self) -> np.ndarray:
        return np.array([self.x, self.y, self.z], dtype=float)

    @property
    def yaw(self) -> float:
        return math.atan2(2.0 * (self.qw * self.qz + self.qx * self.qy),
                          1.0 - 2.0 * (self.qy * self.qy + self.qz * self.qz))

    def is_finite(self) -> bool:
        values = (self.x, self.y, self.z, self.qx, self.qy, self.qz, self.qw)
        norm = math.sqrt(self.qx ** 2 + self.qy ** 2 + self.qz ** 2 + self.qw ** 2)
        return all(math.isfinite(v) for v in values) and abs(norm - 1.0) < 1e-3

    def rotation_matrix(self) -> np.ndarray:
        x, y, z, w = self.qx, self.qy, self.qz, self.qw
        return np.array([
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ])

    def matrix(self) -> np.ndarray:
        m = np.eye(4)
        m[:3, :3] = self.rotation_matrix()
        m[:3, 3] = self.position
        return m

    def transform_points(self, points: np.ndarray) -> np.ndarray:
        """Map Nx3 points from this pose's local frame into the map frame."""
        return np.asarray(points, dtype=float) @ self.rotation_matrix().T + self.position

    def inverse_transform_points(self, points: np.ndarray) -> np.ndarray:
        """Map Nx3 map-frame points into this pose's local frame."""
        return (np.asarray(points, dtype=float) - self.position) @ self.rotation_matrix()


@dataclass(frozen=True)
class CameraIntrinsics:
    """Pinhole intrinsics of a camera (pixels)."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_hfov(cls, width: int, height: int, hfov_deg: float) -> CameraIntrinsics:
        fx = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(width, height, fx, fx, (width - 1) / 2.0, (height - 1) / 2.0)

    def project(self, points_camera: np.ndarray) -> np.ndarray:
        """Project Nx3 optical-frame points to Nx2 pixel coordinates (u, v); z must be > 0."""
        p = np.asarray(points_camera, dtype=float)
        return np.stack([self.fx * p[:, 0] / p[:, 2] + self.cx, self.fy * p[:, 1] / p[:, 2] + self.cy], axis=1)


@dataclass
class Observation:
    """One object instance seen in one frame, already in the map frame.

    `instance_id` is the id in that frame's instance mask: it means nothing across frames.
    `state` is optional state evidence for articulated things ("open" / "closed").
    """

    category: str
    centroid: tuple[float, float, float]
    bbox_min: tuple[float, float, float]
    bbox_max: tuple[float, float, float]
    confidence: float = 1.0
    num_points: int = 0
    mean_color: tuple[float, float, float] | None = None
    embedding: np.ndarray | None = None
    state: str | None = None
    state_confidence: float = 0.0
    instance_id: int = -1
    partial: bool = False  # the instance was cut by the image border: its box covers only the visible part


@dataclass
class Frame:
    """Everything the memory receives for one camera frame.

    `depth` (metres, HxW, NaN or 0 = no return) is optional; when present the memory uses it to
    decide whether a remembered object that was not detected was really in view (negative evidence).
    `detector_min_pixels`: the smallest instance (mask pixels) the detector that produced the
    observations reports; None = the memory's `MemoryConfig.detector_min_pixels` (perception's default).
    """

    frame_id: int
    time: float
    robot_pose: Pose
    camera_pose: Pose
    intrinsics: CameraIntrinsics
    observations: list[Observation] = field(default_factory=list)
    depth: np.ndarray | None = None
    max_range_m: float = 6.0
    detector_min_pixels: float | None = None


@dataclass(frozen=True)
class Room:
    """A room of the prior floor plan: a name and a polygon [(x, y), ...] in the map frame."""

    name: str
    polygon: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Door:
    """A doorway between two rooms."""

    rooms: tuple[str, str]
    at: tuple[float, float]
    width: float = 1.0


@dataclass(frozen=True)
class FloorPlan:
    """The prior map the robot is given: rooms and doors, nothing else."""

    rooms: tuple[Room, ...]
    doors: tuple[Door, ...] = ()
