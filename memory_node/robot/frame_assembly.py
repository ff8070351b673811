"""Camera topics of one stamp assembled into a SensorFrame (pure: the ROS callbacks hand in converted parts)."""

from __future__ import annotations

from collections import OrderedDict

from perception.sensor_frame import SensorFrame


class FrameAssembler:
    """Collects the five camera topics of one stamp into a SensorFrame."""

    PARTS = ("rgb", "depth", "info", "pose", "detections")

    def __init__(self, keep: int = 20) -> None:
        self._partial: OrderedDict[int, dict] = OrderedDict()
        self._keep = keep
        self.complete: list[SensorFrame] = []
        self._count = 0

    def offer(self, part: str, stamp_ns: int, value) -> SensorFrame | None:
        entry = self._partial.setdefault(stamp_ns, {})
        entry[part] = value
        while len(self._partial) > self._keep:
            self._partial.popitem(last=False)
        if all(k in entry for k in self.PARTS):
            del self._partial[stamp_ns]
            self._count += 1
            mask, labels, confidences = entry["detections"]
            odom = entry.get("odom")
            frame = SensorFrame(frame_id=self._count, time=stamp_ns * 1e-9, rgb=entry["rgb"], depth=entry["depth"],
                                instance_mask=mask, labels=labels, intrinsics=entry["info"],
                                camera_pose=entry["pose"], robot_pose=odom or entry["pose"],
                                confidences=confidences)
            self.complete.append(frame)
            return frame
        return None
