"""The localiser's map -> odom correction from `geometry_msgs/TransformStamped` messages (no tf2_ros needed).

REP 105: odometry is continuous but drifts, so a robot publishes its base pose in `odom` and its
localiser publishes the correction `map -> odom`; the pose in the map frame is map->odom * odom pose.
On a full ROS install that correction comes from TF (memory_node.tf_lookup); tf2_ros and tf2_msgs
are not on PyPI, so a pip-only machine takes it from a TransformStamped topic (`map_to_odom`, which
sim_node publishes latched). `MapOdomCorrection.lookup` has the signature of
ingest_pipeline.TransformLookup: the correction in force at a stamp is the latest one stamped at or
before it (a localiser's correction holds until the next one), none before the first.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

from memory_node.message_conversion import MessageConversionError, stamp_to_seconds
from scene_graph.types import Pose

MAX_KEPT = 1000  # corrections kept per odom frame (a localiser publishes a few per second)


@dataclass
class _Corrections:
    stamps: list[float] = field(default_factory=list)
    poses: list[Pose] = field(default_factory=list)


class MapOdomCorrection:
    """map -> odom transforms received as TransformStamped messages, by child frame and stamp."""

    def __init__(self, map_frame: str = "map") -> None:
        self.map_frame = map_frame
        self._by_child: dict[str, _Corrections] = {}

    def add(self, msg: Any, topic: str) -> None:
        """One geometry_msgs/TransformStamped `map -> child`; raises MessageConversionError (naming the field)."""
        if msg.header.frame_id != self.map_frame:
            raise MessageConversionError(topic, "header.frame_id", f"{msg.header.frame_id!r} is not "
                                         f"{self.map_frame!r} (a map -> odom correction)")
        child = str(msg.child_frame_id)
        if not child or child == self.map_frame:
            raise MessageConversionError(topic, "child_frame_id", f"{child!r}: expected the odometry frame")
        t, q = msg.transform.translation, msg.transform.rotation
        values = (t.x, t.y, t.z, q.x, q.y, q.z, q.w)
        if not all(math.isfinite(v) for v in values):
            raise MessageConversionError(topic, "transform", f"non-finite value in {values}")
        norm = math.sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w)
        if abs(norm - 1.0) > 1e-3:
            raise MessageConversionError(topic, "transform.rotation", f"quaternion norm {norm:.6f} is not 1")
        stamp = stamp_to_seconds(msg.header.stamp)
        kept = self._by_child.setdefault(child, _Corrections())
        i = bisect.bisect_right(kept.stamps, stamp)
        kept.stamps.insert(i, stamp)
        kept.poses.insert(i, Pose(*(float(v) for v in values)))
        if len(kept.stamps) > MAX_KEPT:
            del kept.stamps[0], kept.poses[0]

    def knows(self, frame: str) -> bool:
        return frame in self._by_child

    def lookup(self, target: str, source: str, stamp: float) -> Pose | None:
        """The pose of `source` (an odom frame) in `target` (the map) at `stamp`, or None when none is in force."""
        kept = self._by_child.get(source)
        if target != self.map_frame or kept is None:
            return None
        i = bisect.bisect_right(kept.stamps, stamp + 1e-9)
        return kept.poses[i - 1] if i else None
