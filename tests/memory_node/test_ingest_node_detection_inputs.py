"""The ingest node over real DDS takes 2D boxes (Detection2DArray) on its detections topic."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("rclpy")

from memory_node.message_conversion import sensor_frame_messages  # noqa: E402
from perception.synthetic_stream import synthetic_frames  # noqa: E402

from .node_harness import stack_arguments, wait_until  # noqa: E402


@pytest.mark.slow
def test_ingest_node_with_detections_type_boxes_fills_the_memory_from_detection2d_arrays(ros_domain, tmp_path):
    import rclpy
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from memory_node.detection_inputs import detection_array_class, detection_array_msg
    from memory_node.node_process import StackProcess
    from memory_node.synthetic_frame_publisher import ROLE_TOPICS, wait_for_subscribers
    from perception.box_detections import BoxDetection

    rclpy.init(args=stack_arguments(tmp_path / "memory.db", detections_type="boxes", perception_process=False))
    process = StackProcess.create(with_ingest=True, with_server=False)
    client = rclpy.create_node("test_boxes_client")
    try:
        process.activate()
        process.spin_in_background()
        from geometry_msgs.msg import PoseStamped
        from nav_msgs.msg import Odometry
        from sensor_msgs.msg import CameraInfo, Image

        types = {"rgb": Image, "depth": Image, "camera_info": CameraInfo, "detections": detection_array_class(),
                 "pose": Odometry, "camera_pose": PoseStamped}
        qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT)
        publishers = {role: client.create_publisher(types[role], ROLE_TOPICS[role], qos) for role in ROLE_TOPICS}
        assert wait_for_subscribers(publishers, 10.0)
        time.sleep(0.2)
        frames = list(synthetic_frames(6))
        for sf in frames:
            messages = sensor_frame_messages(sf)
            boxes = []
            for iid, label in sf.labels.items():
                rows, cols = np.nonzero(sf.instance_mask == iid)
                boxes.append(BoxDetection(label, 0.9, float(cols.min()), float(rows.min()), float(cols.max() + 1),
                                          float(rows.max() + 1)))
            messages["detections"] = detection_array_msg(boxes, sf.time, messages["rgb"].header.frame_id)
            for role in ("camera_info", "pose", "camera_pose", "rgb", "depth", "detections"):
                publishers[role].publish(messages[role])
            time.sleep(0.05)
        ingest = process.node("IngestNode")
        assert wait_until(lambda: ingest.pipeline.stats.frames_ingested >= 4, 30.0), ingest.status()
        categories = ingest.shared.read(lambda store: sorted({o.category for o in store.snapshot(None).objects}))
        assert {"counter", "mug"} <= set(categories)
    finally:
        client.destroy_node()
        process.shutdown()
        rclpy.shutdown()
