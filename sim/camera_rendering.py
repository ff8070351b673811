"""Headless RGB-D + segmentation rendering with PyBullet's TinyRenderer.

`PinholeCamera.render` gives RGB uint8, depth in metres along the optical axis (linearised z-buffer),
and the raw segmentation buffer (body id + link index per pixel); sim.detector_model turns that into
what a 2D instance segmenter would output.
"""

from __future__ import annotations

import math

import numpy as np
import pybullet as p

from scene_graph.types import CameraIntrinsics, Pose

__all__ = ["PinholeCamera", "split_segmentation", "body_and_link"]

SEG_BODY_BITS = 24


class PinholeCamera:
    def __init__(self, width: int, height: int, hfov_deg: float, near_m: float = 0.05, far_m: float = 12.0) -> None:
        self.width, self.height = int(width), int(height)
        self.near, self.far = float(near_m), float(far_m)
        self.intrinsics = CameraIntrinsics.from_hfov(self.width, self.height, hfov_deg)
        vfov = 2.0 * math.degrees(math.atan(math.tan(math.radians(hfov_deg) / 2.0) * self.height / self.width))
        self.projection = p.computeProjectionMatrixFOV(fov=vfov, aspect=self.width / self.height,
                                                       nearVal=self.near, farVal=self.far)

    def view_matrix(self, pose: Pose) -> list[float]:
        rot = pose.rotation_matrix()
        eye = pose.position
        return p.computeViewMatrix(eye.tolist(), (eye + rot[:, 2]).tolist(), (-rot[:, 1]).tolist())

    def render(self, client: int, pose: Pose) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """RGB (HxWx3 uint8), depth (HxW float32 metres, NaN = no return) and segmentation (HxW int32)."""
        _, _, rgba, zbuf, seg = p.getCameraImage(
            self.width, self.height, self.view_matrix(pose), self.projection, renderer=p.ER_TINY_RENDERER,
            flags=p.ER_SEGMENTATION_MASK_OBJECT_AND_LINKINDEX, shadow=0, physicsClientId=client)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(self.height, self.width, 4)[:, :, :3].copy()
        depth = self.linearise(np.asarray(zbuf, dtype=np.float64).reshape(self.height, self.width))
        seg = np.asarray(seg, dtype=np.int64).reshape(self.height, self.width)
        return rgb, depth, seg

    def linearise(self, zbuf: np.ndarray) -> np.ndarray:
        depth = self.far * self.near / (self.far - (self.far - self.near) * zbuf)
        depth = depth.astype(np.float32)
        depth[zbuf >= 1.0 - 1e-7] = np.nan
        return depth


def body_and_link(segment_id: int) -> tuple[int, int]:
    """Decode one OBJECT_AND_LINKINDEX segmentation value into (body id, link index)."""
    return segment_id & ((1 << SEG_BODY_BITS) - 1), (segment_id >> SEG_BODY_BITS) - 1


def split_segmentation(seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Body ids and link indices of a segmentation buffer rendered with OBJECT_AND_LINKINDEX (-1 = nothing)."""
    valid = seg >= 0
    body = np.where(valid, seg & ((1 << SEG_BODY_BITS) - 1), -1)
    link = np.where(valid, (seg >> SEG_BODY_BITS) - 1, -2)
    return body, link


