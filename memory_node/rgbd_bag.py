"""A rosbag2 of real RGB-D frames (../shared/data/rgbd/3dmatch_office) as a robot's camera driver would record it.

Per frame: `/camera/color/image_raw` (rgb8), `/camera/depth/image_raw` (16UC1 millimetres, registered
to colour: the sensor's own encoding), `/camera/color/camera_info`, `/camera/pose` (PoseStamped of the
optical frame in `map`) and `/odom` (nav_msgs/Odometry in `map`: the sequence's reconstructed
trajectory, as a SLAM system's corrected odometry; base_link is the camera's ground point facing its
view). No detections topic: `memstack replay --detector yolov3-tiny` runs the detector stage on the
colour images. Stamps are Unix times: the sequence has none, so frame N is at `start_unix_s + N / 30`
(3DMatch/SUN3D sequences are 30 Hz). The map frame is 3DMatch's world turned z-up and shifted so
the floor (the most populated low horizontal level of the first frame) is at z = 0.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from memory_node import message_conversion as conv
from memory_node.session_recording import SessionRecorder
from perception.rgbd_datasets import RgbdFrame, read_3dmatch, threedmatch_names
from scene_graph.types import Pose

CAMERA_FRAME = "camera_color_optical_frame"
FRAME_RATE_HZ = 30.0
DEFAULT_START_UNIX_S = 1_388_534_400.0  # 2014-01-01T00:00:00Z


def floor_height(frame: RgbdFrame) -> float:
    """Map z of the floor: the most populated 2 cm level below the camera by more than 0.5 m."""
    intr, d = frame.intrinsics, frame.depth
    v, u = np.nonzero(d > 0)
    z = d[v, u]
    rows = frame.camera_pose.rotation_matrix()[2]
    heights = rows[0] * (u - intr.cx) / intr.fx * z + rows[1] * (v - intr.cy) / intr.fy * z + rows[2] * z
    heights = heights + frame.camera_pose.z
    low = heights[heights < frame.camera_pose.z - 0.5]
    if low.size < 100:
        return 0.0
    bins = np.floor(low / 0.02).astype(np.int64)
    values, counts = np.unique(bins, return_counts=True)
    return float((values[np.argmax(counts)] + 0.5) * 0.02)


def base_pose_of(camera_pose: Pose) -> Pose:
    """The camera's ground point, facing where the optical axis points (a hand-held camera's 'robot')."""
    forward = camera_pose.rotation_matrix()[:, 2]
    return Pose.from_xyz_yaw(camera_pose.x, camera_pose.y, 0.0, math.atan2(forward[1], forward[0]))


def write_3dmatch_bag(root: str | Path, out: str | Path, sequence: str = "seq-01", storage: str = "sqlite3",
                      start_unix_s: float = DEFAULT_START_UNIX_S) -> int:
    """Write the sequence's frames as a rosbag2 directory at `out`; returns the number of frames."""
    root = Path(root)
    names = threedmatch_names(root / sequence)
    frames = [read_3dmatch(root, sequence, name) for name in names]
    if not frames:
        from memory_stack.foundation.errors import BadInputError

        raise BadInputError(f"{root / sequence}: no frame-*.color.png frames")
    floor = floor_height(frames[0])
    with SessionRecorder(out, storage=storage) as recorder:
        topics = recorder.topics
        for name, frame in zip(names, frames):
            index = int(name.split("-")[1])
            t = start_unix_s + index / FRAME_RATE_HZ
            camera = Pose(frame.camera_pose.x, frame.camera_pose.y, frame.camera_pose.z - floor,
                          frame.camera_pose.qx, frame.camera_pose.qy, frame.camera_pose.qz, frame.camera_pose.qw)
            recorder.write_message(topics.camera_info, conv.camera_info_from_intrinsics(frame.intrinsics, t,
                                                                                         CAMERA_FRAME), t)
            recorder.write_message(topics.rgb, conv.rgb_to_image(frame.rgb, t, CAMERA_FRAME), t)
            recorder.write_message(topics.depth, conv.depth_to_image(frame.depth, t, CAMERA_FRAME, "16UC1"), t)
            recorder.write_message(topics.camera_pose, conv.pose_stamped_from_pose(camera, t, "map"), t)
            recorder.write_message(topics.pose, conv.odometry_from_pose(base_pose_of(camera), t, "map"), t)
            recorder.frames += 1
        return recorder.frames
