"""The /tf and /tf_static of a bag as a transform buffer, so a replay places the camera as TF does on the robot.

tf2_ros is not on PyPI; a bag's TF messages decode without it (the `rosbags` type store knows
tf2_msgs/TFMessage). `BagTransforms.add(cdr_bytes)` takes one TFMessage; `lookup(target, source,
stamp)` composes the chain through the tree at the sample of each link nearest to `stamp` (static
links at any time; dynamic ones within `tolerance_s`, since a replay cannot wait for later messages
the way tf2's buffer does). It has the signature of ingest_pipeline.TransformLookup.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from scene_graph.types import Pose

TF_TYPE = "tf2_msgs/msg/TFMessage"


@dataclass
class _Link:
    parent: str
    static: bool
    stamps: list[float] = field(default_factory=list)
    poses: list[np.ndarray] = field(default_factory=list)

    def at(self, stamp: float, tolerance_s: float) -> np.ndarray | None:
        if self.static:
            return self.poses[-1]
        i = bisect.bisect_left(self.stamps, stamp)
        best = min((j for j in (i - 1, i) if 0 <= j < len(self.stamps)), key=lambda j: abs(self.stamps[j] - stamp),
                   default=None)
        if best is None or abs(self.stamps[best] - stamp) > tolerance_s:
            return None
        return self.poses[best]


class BagTransforms:
    """Transforms read from a bag's /tf (dynamic) and /tf_static (static) messages."""

    def __init__(self, tolerance_s: float = 0.05) -> None:
        from rosbags.typesys import Stores, get_typestore

        self._typestore = get_typestore(Stores.ROS2_JAZZY)
        self.tolerance_s = tolerance_s
        self._links: dict[str, _Link] = {}
        self.messages = 0

    def add(self, data: bytes, static: bool) -> None:
        """One serialised tf2_msgs/TFMessage."""
        message = self._typestore.deserialize_cdr(data, TF_TYPE)
        self.messages += 1
        for t in message.transforms:
            stamp = t.header.stamp.sec + t.header.stamp.nanosec * 1e-9
            v, q = t.transform.translation, t.transform.rotation
            matrix = Pose(v.x, v.y, v.z, q.x, q.y, q.z, q.w).matrix()
            link = self._links.setdefault(t.child_frame_id, _Link(t.header.frame_id, static))
            link.parent, link.static = t.header.frame_id, link.static or static
            i = bisect.bisect_right(link.stamps, stamp)
            link.stamps.insert(i, stamp)
            link.poses.insert(i, matrix)

    def _to_root(self, frame: str, stamp: float) -> tuple[str, np.ndarray] | None:
        chain, seen = np.eye(4), set()
        while frame in self._links and frame not in seen:
            seen.add(frame)
            link = self._links[frame]
            matrix = link.at(stamp, self.tolerance_s)
            if matrix is None:
                return None
            chain, frame = matrix @ chain, link.parent
        return frame, chain

    def lookup(self, target: str, source: str, stamp: float) -> Pose | None:
        """The pose of `source` in `target` at `stamp`, or None when the tree does not connect them then."""
        up_source, up_target = self._to_root(source, stamp), self._to_root(target, stamp)
        if up_source is None or up_target is None or up_source[0] != up_target[0]:
            return None
        return Pose.from_matrix(np.linalg.inv(up_target[1]) @ up_source[1])
