"""Publish the synthetic flat's frames on the stack's input topics (a separate process in tests and benchmarks).

`python -m memory_node.synthetic_frame_publisher --frames 60 --rate 30` waits until the ingest node's
subscriptions are matched, then publishes each frame's rgb, depth, camera_info, detections, odom and
camera pose (sensor-data QoS, all stamped with the frame time) at `--rate` frames per second, and
prints one JSON line with what it sent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from memory_node.ros_environment import node_main_guard

ROLE_TOPICS = {
    "rgb": "camera/color/image_raw",
    "depth": "camera/depth/image_raw",
    "camera_info": "camera/color/camera_info",
    "detections": "detections",
    "pose": "odom",
    "camera_pose": "camera/pose",
}


def create_publishers(node: Any, depth: int = 10) -> dict[str, Any]:
    """Sensor-data QoS publishers for every input role (topics as config/memory_stack.yaml names them)."""
    from geometry_msgs.msg import PoseStamped
    from memory_interfaces.msg import Detections
    from nav_msgs.msg import Odometry
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import CameraInfo, Image

    types = {"rgb": Image, "depth": Image, "camera_info": CameraInfo, "detections": Detections,
             "pose": Odometry, "camera_pose": PoseStamped}
    qos = QoSProfile(depth=depth, reliability=ReliabilityPolicy.BEST_EFFORT)
    return {role: node.create_publisher(types[role], ROLE_TOPICS[role], qos) for role in ROLE_TOPICS}


def publish_frame(publishers: dict[str, Any], messages: dict[str, Any]) -> None:
    """Camera info first, then the synchronised streams (the order a driver would use)."""
    for role in ("camera_info", "pose", "camera_pose", "rgb", "depth", "detections"):
        publishers[role].publish(messages[role])


def wait_for_subscribers(publishers: dict[str, Any], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(p.get_subscription_count() > 0 for p in publishers.values()):
            return True
        time.sleep(0.05)
    return False


def main(argv: list[str] | None = None) -> int:
    node_main_guard()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--rate", type=float, default=30.0, help="frames per second (0 = as fast as possible)")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--start-time", type=float, default=7 * 3600.0)
    parser.add_argument("--period", type=float, default=0.5, help="stamp spacing of frames (s of scenario time)")
    parser.add_argument("--depth-encoding", default="32FC1", choices=["32FC1", "16UC1"])
    parser.add_argument("--wait", type=float, default=20.0, help="seconds to wait for subscribers")
    parser.add_argument("--settle", type=float, default=0.5,
                        help="seconds between matching the subscribers and the first frame (transport set-up)")
    args = parser.parse_args(argv)

    import rclpy

    from memory_node.message_conversion import sensor_frame_messages
    from perception.synthetic_stream import synthetic_frames

    frames = [sensor_frame_messages(f, depth_encoding=args.depth_encoding)
              for f in synthetic_frames(args.frames, args.width, args.height, start_time=args.start_time,
                                        period_s=args.period)]
    rclpy.init()
    node = rclpy.create_node("synthetic_frame_publisher")
    try:
        publishers = create_publishers(node)
        if not wait_for_subscribers(publishers, args.wait):
            print(json.dumps({"error": "no subscribers on the input topics"}), flush=True)
            return 1
        time.sleep(args.settle)
        interval = 1.0 / args.rate if args.rate > 0 else 0.0
        started = time.perf_counter()
        for i, messages in enumerate(frames):
            if interval:
                delay = started + i * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            publish_frame(publishers, messages)
        elapsed = time.perf_counter() - started
        time.sleep(0.2)
        print(json.dumps({"frames": len(frames), "seconds": elapsed,
                          "rate_hz": len(frames) / elapsed if elapsed > 0 else 0.0}), flush=True)
        return 0
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())
