"""Transforms from TF (tf2_ros) for the ingest path, where a full ROS 2 install provides tf2_ros.

tf2_ros and tf2_msgs are not on PyPI, so on pip-only machines `tf_lookup_for(node)` returns None and
the ingest path takes poses from pose messages in `map` (memory_node.ingest_pipeline). Where tf2_ros
imports, a Buffer and TransformListener on the node answer "map <- frame at stamp": odometry in `odom`
is brought into `map` through the localiser's map -> odom, and without a camera pose topic the camera
pose is map <- the images' optical frame. UNTESTED HERE: no tf2_ros on this machine (named in
docs/ROBOT.md); the lookup's callers are tested with a transform function of the same signature.
"""

from __future__ import annotations

from typing import Any

from scene_graph.types import Pose


def tf_lookup_for(node: Any, timeout_s: float = 0.05) -> Any:
    """A `TransformLookup` (target, source, stamp s) -> Pose | None over TF, or None when tf2_ros is absent."""
    try:
        import tf2_ros
        from rclpy.duration import Duration
        from rclpy.time import Time
    except ImportError:
        return None
    buffer = tf2_ros.Buffer()
    listener = tf2_ros.TransformListener(buffer, node)
    failures = (tf2_ros.LookupException, tf2_ros.ConnectivityException, tf2_ros.ExtrapolationException)

    def lookup(target: str, source: str, stamp: float) -> Pose | None:
        try:
            stamped = buffer.lookup_transform(target, source, Time(nanoseconds=int(round(stamp * 1e9))),
                                              timeout=Duration(nanoseconds=int(timeout_s * 1e9)))
        except failures:
            return None
        t, q = stamped.transform.translation, stamped.transform.rotation
        return Pose(t.x, t.y, t.z, q.x, q.y, q.z, q.w)

    lookup.listener = listener  # kept alive with the lookup
    return lookup
