"""The scene graph as a visualization_msgs/MarkerArray for RViz / Foxglove, one namespace per layer.

Namespaces and ids are stable: `rooms` (polygon outline, id = room index in the floor plan),
`room_names`, `places` (id = crc32 of the place id), `objects` (box, id = crc32 of the object id),
`labels` (text above each object, same id), `trajectory` (one line strip, id 0). An object that is no
longer believed present gets a DELETE for its ids, so RViz never shows stale boxes.

The trajectory of a robot that runs for weeks has tens of thousands of nodes; the line strip keeps at
most `max_trajectory_points` of them (see `decimated_indices`), so a build stays about a millisecond.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from builtin_interfaces.msg import Duration
from geometry_msgs.msg import Point
from std_msgs.msg import ColorRGBA, Header
from visualization_msgs.msg import Marker, MarkerArray

MAP_FRAME = "map"
LAYERS = ("rooms", "room_names", "places", "objects", "labels", "trajectory")


def stable_id(name: str) -> int:
    """A marker id that is the same for the same name in every run (31-bit, non-negative)."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def _color(r: float, g: float, b: float, a: float = 1.0) -> ColorRGBA:
    return ColorRGBA(r=r, g=g, b=b, a=a)


def _category_color(category: str) -> ColorRGBA:
    h = stable_id(category)
    return _color(0.3 + 0.7 * ((h & 0xFF) / 255.0), 0.3 + 0.7 * (((h >> 8) & 0xFF) / 255.0),
                  0.3 + 0.7 * (((h >> 16) & 0xFF) / 255.0), 0.8)


def _marker(header: Header, ns: str, marker_id: int, kind: int) -> Marker:
    m = Marker(header=header, ns=ns, id=marker_id, type=kind, action=Marker.ADD)
    m.pose.orientation.w = 1.0
    m.lifetime = Duration(sec=0, nanosec=0)
    return m


def decimated_indices(count: int, max_points: int) -> np.ndarray:
    """Which of `count` line points to draw: at most `max_points`, always the first and the last.

    The most recent half of the budget is drawn at full resolution, the older points at an even stride from
    the first. A stride (rather than evenly spaced indices) keeps the same old points drawn from one build
    to the next while the line grows, until the stride itself grows, so the drawn line does not flicker.
    """
    if count <= max_points:
        return np.arange(count)
    recent = max_points // 2
    older = count - recent
    stride = -(-older // (max_points - recent))  # ceil: at most max_points - recent older points
    return np.concatenate((np.arange(0, older, stride), np.arange(older, count)))


def trajectory_point(node: Any) -> tuple[float, float, float]:
    """A trajectory node as (x, y, z): an object with position/x,y,z, or a (time, x, y, z, ...) row."""
    if isinstance(node, tuple) and len(node) >= 4:
        return float(node[1]), float(node[2]), float(node[3])
    if hasattr(node, "position"):
        node = node.position
    if hasattr(node, "x"):
        return float(node.x), float(node.y), float(getattr(node, "z", 0.0))
    values = list(node)[:3]
    return float(values[0]), float(values[1]), float(values[2]) if len(values) > 2 else 0.0


class SceneGraphMarkers:
    """Builds MarkerArrays and remembers which object ids it published, to delete them later."""

    def __init__(self, frame_id: str = MAP_FRAME, max_trajectory_points: int = 2000) -> None:
        if max_trajectory_points < 2:
            raise ValueError(f"max_trajectory_points must be at least 2, got {max_trajectory_points}")
        self.frame_id = frame_id
        self.max_trajectory_points = max_trajectory_points
        self._published_objects: set[str] = set()

    def build(self, stamp: Any, floor_plan: Any, objects: Iterable[Any], places: Iterable[Any] = (),
              trajectory: Iterable[Any] = ()) -> MarkerArray:
        """The whole graph as markers; only the drawn `trajectory` nodes (see `trajectory_point`) are converted."""
        header = Header(stamp=stamp, frame_id=self.frame_id)
        markers: list[Marker] = []
        if floor_plan is not None:
            for index, room in enumerate(floor_plan.rooms):
                outline = _marker(header, "rooms", index, Marker.LINE_STRIP)
                outline.scale.x = 0.05
                outline.color = _color(0.6, 0.6, 0.6)
                outline.points = [Point(x=float(x), y=float(y), z=0.0) for x, y in list(room.polygon)
                                  + [room.polygon[0]]]
                markers.append(outline)
                name = _marker(header, "room_names", index, Marker.TEXT_VIEW_FACING)
                xs, ys = [p[0] for p in room.polygon], [p[1] for p in room.polygon]
                name.pose.position = Point(x=sum(xs) / len(xs), y=sum(ys) / len(ys), z=2.5)
                name.scale.z = 0.4
                name.color = _color(0.9, 0.9, 0.9)
                name.text = room.name
                markers.append(name)
        for place in places:
            m = _marker(header, "places", stable_id(place.id), Marker.SPHERE)
            m.pose.position = Point(x=float(place.position[0]), y=float(place.position[1]), z=float(place.position[2]))
            m.scale.x = m.scale.y = m.scale.z = 0.15
            m.color = _color(0.2, 0.5, 1.0, 0.7)
            markers.append(m)
        current: set[str] = set()
        for obj in objects:
            current.add(obj.id)
            box = _marker(header, "objects", stable_id(obj.id), Marker.CUBE)
            lo, hi = obj.bbox_min, obj.bbox_max
            box.pose.position = Point(x=(lo[0] + hi[0]) / 2.0, y=(lo[1] + hi[1]) / 2.0, z=(lo[2] + hi[2]) / 2.0)
            box.scale.x, box.scale.y, box.scale.z = (max(float(h - low), 0.02) for low, h in zip(lo, hi))
            box.color = _category_color(obj.category)
            markers.append(box)
            label = _marker(header, "labels", stable_id(obj.id), Marker.TEXT_VIEW_FACING)
            label.pose.position = Point(x=float(obj.position[0]), y=float(obj.position[1]), z=float(hi[2]) + 0.15)
            label.scale.z = 0.15
            label.color = _color(1.0, 1.0, 1.0)
            label.text = f"{obj.category}" + (f" ({obj.state})" if getattr(obj, "state", None) else "")
            markers.append(label)
        for gone in sorted(self._published_objects - current):
            for ns in ("objects", "labels"):
                markers.append(Marker(header=header, ns=ns, id=stable_id(gone), action=Marker.DELETE))
        self._published_objects = current
        path = trajectory if isinstance(trajectory, Sequence) else list(trajectory)
        points = [Point(x=x, y=y, z=z) for x, y, z in (
            trajectory_point(path[i]) for i in decimated_indices(len(path), self.max_trajectory_points).tolist())]
        if len(points) >= 2:
            line = _marker(header, "trajectory", 0, Marker.LINE_STRIP)
            line.scale.x = 0.04
            line.color = _color(1.0, 0.6, 0.0)
            line.points = points
            markers.append(line)
        return MarkerArray(markers=markers)
