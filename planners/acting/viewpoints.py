"""Where to stand and where to aim when looking at a place, and how much of a top a look saw.

`viewpoint_for` picks a free spot facing a target (inside its room, off the walls);
`plan_surface_look` plans one or more stand points and aims that together see a receptacle's top
past what stands on it; `top_coverage` measures the share of the top the frames of a look saw.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planners.acting.floor_plan_routes import polygon_centroid, room_at
from scene_graph.types import CameraIntrinsics, Frame, Pose

XYZ = tuple[float, float, float]
# a stand point (x, y, yaw of the base) and the points the head aims at from it
Stand = tuple[tuple[float, float, float], tuple[XYZ, ...]]
Box = tuple[Sequence[float], Sequence[float]]


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + math.pi) % (2.0 * math.pi) - math.pi)


def _wall_clearance(point: tuple[float, float], polygon: Any) -> float:
    """Distance from `point` to the nearest edge of `polygon` (a room's walls)."""
    best = math.inf
    n = len(polygon)
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i][:2], polygon[(i + 1) % n][:2]
        dx, dy = x2 - x1, y2 - y1
        length2 = dx * dx + dy * dy
        u = 0.0 if length2 <= 1e-12 else max(0.0, min(1.0, ((point[0] - x1) * dx + (point[1] - y1) * dy) / length2))
        best = min(best, math.hypot(point[0] - (x1 + u * dx), point[1] - (y1 + u * dy)))
    return best


def inside_footprint(point: Sequence[float], box: tuple[XYZ, XYZ]) -> bool:
    return box[0][0] <= point[0] <= box[1][0] and box[0][1] <= point[1] <= box[1][1]


def viewpoint_for(target_xy: tuple[float, float], robot_xy: tuple[float, float], floor_plan: Any,
                  standoff_m: float = 1.0, wall_clearance_m: float = 0.35,
                  robot_side_weight: float = 0.25, face_interior: bool = True) -> tuple[float, float, float]:
    """A spot `standoff_m` from the target inside its room, facing it from the room's interior.

    Furniture stands against walls with its open side towards the room, so a look comes from
    the direction of the room's centre (a shelf seen from the side hides what is on its top);
    among similar directions the robot's side wins (less travel). Spots closer than
    `wall_clearance_m` to a wall are used only when no other spot is inside the room.
    `face_interior=False`: the spot on the robot's side (the task planner's approach for the arm,
    whose own short approach works from there).
    """
    return _best_spot(target_xy, robot_xy, floor_plan, lambda angle: (standoff_m,), wall_clearance_m,
                      robot_side_weight, face_interior)[0]


def _best_spot(target_xy: tuple[float, float], robot_xy: tuple[float, float], floor_plan: Any,
               distances: Callable[[float], Sequence[float]], wall_clearance_m: float = 0.35,
               robot_side_weight: float = 0.25, face_interior: bool = True,
               near_wall_m: float = 1.2) -> tuple[tuple[float, float, float], float]:
    """`viewpoint_for` over 16 directions with, per direction, distances from the target in order of preference.

    Returns the spot (x, y, yaw facing the target) and the direction's angle. A later distance of a
    direction is used only when the earlier ones leave the room (a shorter standoff before a wall).
    """
    tx, ty = target_xy
    target_room = room_at(floor_plan, target_xy)
    to_robot = math.atan2(robot_xy[1] - ty, robot_xy[0] - tx) if math.dist(robot_xy, target_xy) > 1e-6 else None
    to_interior = None
    # only furniture near a wall has an open side towards the room (a table in the middle of the room
    # has none: the direction to the room's centre from about its centre is noise)
    if target_room is not None and _wall_clearance(target_xy, target_room.polygon) < near_wall_m:
        cx, cy = polygon_centroid(target_room.polygon)
        if math.dist((cx, cy), target_xy) > 1e-6:
            to_interior = math.atan2(cy - ty, cx - tx)
    if not face_interior:
        to_interior = None
    preferred = to_interior if to_interior is not None else (to_robot if to_robot is not None else 0.0)
    ranked: list[tuple[int, float, int, tuple[float, float], float]] = []
    for k in range(16):
        angle = k * math.pi / 8
        score = _angle_gap(angle, preferred)
        if to_robot is not None:
            score += robot_side_weight * _angle_gap(angle, to_robot)
        spots = []
        for rank, distance in enumerate(distances(angle)):
            x, y = tx + distance * math.cos(angle), ty + distance * math.sin(angle)
            if target_room is not None and room_at(floor_plan, (x, y)) is not target_room:
                continue
            cramped = target_room is not None and _wall_clearance((x, y), target_room.polygon) < wall_clearance_m
            spots.append((int(cramped), score, rank, (x, y), angle))
        if spots:
            ranked.append(min(spots))
    if not ranked:
        return (tx, ty, 0.0), 0.0
    _, _, _, best, angle = min(ranked)
    yaw = math.atan2(ty - best[1], tx - best[0])
    return (best[0], best[1], yaw), angle


@dataclass(frozen=True)
class CameraModel:
    """What a look can see: the head camera's height, field of view, and where it sits on the base.

    `behind_base_m`: how far behind the base's centre (away from what it faces) the lens is. The
    explorer learns all of it from the frames it ingests (`from_frame`); the defaults are the
    simulated robot's (sim.pybullet_robot: lens 1.45 m high, 0.12 m behind the centre; 70 x 55 deg).
    """

    height_m: float = 1.45
    hfov_rad: float = math.radians(70.0)
    vfov_rad: float = 2.0 * math.atan(math.tan(math.radians(35.0)) * 0.75)
    behind_base_m: float = 0.12

    @classmethod
    def from_frame(cls, frame: Frame) -> CameraModel:
        """The camera model of one frame (its pose, intrinsics and the robot pose it was taken at)."""
        cam, k, base = frame.camera_pose, frame.intrinsics, frame.robot_pose
        heading = float(base.yaw)
        dx, dy = float(cam.x) - float(base.x), float(cam.y) - float(base.y)
        behind = max(0.0, -(dx * math.cos(heading) + dy * math.sin(heading)))
        return cls(height_m=float(cam.z), hfov_rad=2.0 * math.atan2(k.width / 2.0, k.fx),
                   vfov_rad=2.0 * math.atan2(k.height / 2.0, k.fy), behind_base_m=behind)


@dataclass(frozen=True)
class SurfaceLook:
    """Where to stand and where to point the camera to see the top of a receptacle's box.

    `aims` are points on the top face (one per pan of the head, spread along the face when it is
    wider than the view); `sees_top` is False when the top is not below the camera (a fridge, a
    wardrobe: only its front can be seen, and the aim is the box's centre). `more_stands`: further
    stand points (each with its aims) the robot drives to after `viewpoint`, when one stand point
    cannot see the whole top (things standing on it hide what is behind them from one side);
    `coverage` is the share of the top the planned views are expected to see (`top_coverage` of
    them, with the things remembered on the top as occluders).
    """

    viewpoint: tuple[float, float, float]
    aims: tuple[XYZ, ...]
    face_distance_m: float
    sees_top: bool
    more_stands: tuple[Stand, ...] = ()
    coverage: float = 1.0

    @property
    def stands(self) -> tuple[Stand, ...]:
        return ((self.viewpoint, self.aims),) + self.more_stands


def _box_extent(half_x: float, half_y: float, angle: float) -> tuple[float, float, float]:
    """(centre-to-face distance, width across the view, depth along it) of an axis-aligned box.

    The box has these half extents; the view comes from direction `angle` (from its centre outwards).
    """
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    to_face = min(half_x / c if c > 1e-9 else math.inf, half_y / s if s > 1e-9 else math.inf)
    return to_face, 2.0 * (half_x * s + half_y * c), 2.0 * (half_x * c + half_y * s)


def _aims_along(centre: tuple[float, float], half: tuple[float, float], top: float, width: float, covered: float,
                angle: float) -> tuple[XYZ, ...]:
    """Aims on a top face (centre, half extents) seen from direction `angle`: one per `covered`-wide slice of `width`.

    The aims go along the box's axis that spans most of the view's width (a counter seen from an
    angle: along its length), at the points whose offset across the view is the slice's centre.
    """
    (cx, cy), (half_x, half_y) = centre, half
    n = max(1, math.ceil(width / max(covered, 1e-6) - 1e-9))
    across = (-math.sin(angle), math.cos(angle))
    offsets = [(i + 0.5) * width / n - width / 2.0 for i in range(n)]
    if half_x * abs(across[0]) >= half_y * abs(across[1]):
        return tuple((cx + max(-half_x, min(half_x, o / across[0])), cy, top) for o in offsets)
    return tuple((cx, cy + max(-half_y, min(half_y, o / across[1])), top) for o in offsets)


def aimed_camera_pose(viewpoint: Sequence[float], aim: Sequence[float], camera: CameraModel) -> Pose:
    """The optical frame of the head camera on a base at `viewpoint` (x, y, yaw), turned onto `aim`."""
    x, y, yaw = (float(v) for v in viewpoint[:3])
    lens = (x - camera.behind_base_m * math.cos(yaw), y - camera.behind_base_m * math.sin(yaw), camera.height_m)
    return Pose.looking_at(lens, tuple(float(v) for v in aim[:3]))


def _camera_intrinsics(camera: CameraModel, width: int = 320) -> CameraIntrinsics:
    height = max(2, round(width * math.tan(camera.vfov_rad / 2.0) / math.tan(camera.hfov_rad / 2.0)))
    return CameraIntrinsics(width, height, (width / 2.0) / math.tan(camera.hfov_rad / 2.0),
                            (height / 2.0) / math.tan(camera.vfov_rad / 2.0), width / 2.0, height / 2.0)


def planned_coverage(stands: Sequence[Stand], bbox_min: Sequence[float], bbox_max: Sequence[float],
                     camera: CameraModel | None = None, occluders: Sequence[Box] = ()) -> float:
    """`top_coverage` of the views a planned look would take (no depth: the occluders are the remembered things)."""
    camera = camera or CameraModel()
    k = _camera_intrinsics(camera)
    views = [(aimed_camera_pose(vp, aim, camera), k, None) for vp, aims in stands for aim in aims]
    return _top_coverage(views, bbox_min, bbox_max, camera.height_m, occluders=occluders)


def plan_surface_look(bbox_min: Sequence[float], bbox_max: Sequence[float], robot_xy: tuple[float, float],
                      floor_plan: Any, camera: CameraModel | None = None, *,
                      min_depression_rad: float = math.radians(15.0), field_margin_rad: float = math.radians(5.0),
                      base_clearance_m: float = 0.45,
                      max_face_distance_m: float = 1.2, min_top_drop_m: float = 0.05,
                      wall_clearance_m: float = 0.35, occluders: Sequence[Box] = (), max_stands: int = 3,
                      enough_coverage: float = 0.95, coverage_tolerance: float = 0.02) -> SurfaceLook:
    """A look at a receptacle planned from its box and the camera's geometry, so its top is in view.

    From each direction the camera stands `D` from the box's near face (horizontally):
    - far enough that the face's width fits the horizontal field of view (less a margin),
    - near enough that the far edge of the top is seen at least `min_depression_rad` below the
      horizon: a top only a little below the camera (a 1.2 m shelf under a 1.45 m camera) is seen
      at a grazing angle from afar, where small things on it are a few pixels high,
    - never nearer than the base's clearance (plus the lens's offset behind the base's centre), nor
      farther than `max_face_distance_m`.
    When the width does not fit at that distance, the head pans across the top: one aim per slice
    of the face the view covers at its near edge. The aims are on the top face, not the box's
    centre (a camera aimed at a shelf's middle sees its top at the edge of the image or not at all).
    Directions are ranked as in `viewpoint_for` (from the room's interior, the robot's side).

    When that one stand point is expected to see less than `enough_coverage` of the top
    (`planned_coverage`, with `occluders`, the boxes of the things remembered on it, hiding what is
    behind them), the look is also planned from 2 .. `max_stands` stand points along the front face
    (the face towards the chosen direction), each in front of its slice of the face and as near as
    that slice's width allows (a steeper view sees over what stands on the top, and the stand points
    see behind it from different sides). The fewest stand points that see `enough_coverage`, or
    within `coverage_tolerance` of the best plan's share, win; the stand points are in driving order
    from the end nearest the robot.
    """
    camera = camera or CameraModel()
    lo, hi = [float(v) for v in bbox_min[:3]], [float(v) for v in bbox_max[:3]]
    cx, cy = (lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0
    half_x, half_y = max(0.0, (hi[0] - lo[0]) / 2.0), max(0.0, (hi[1] - lo[1]) / 2.0)
    top = hi[2]
    drop = camera.height_m - top
    sees_top = drop >= min_top_drop_m
    half_field = max(math.radians(5.0), camera.hfov_rad / 2.0 - field_margin_rad)
    nearest = base_clearance_m + camera.behind_base_m

    def standoff(width: float, depth: float) -> float:
        fit = (width / 2.0) / math.tan(half_field)
        farthest = max_face_distance_m
        if sees_top:
            farthest = min(farthest, drop / math.tan(min_depression_rad) - depth)
        return max(nearest, min(fit, farthest))

    def steps_in(d: float) -> list[float]:
        # where the spot at `d` is outside the room or against a wall: nearer ones, down to the clearance
        return [d - k * (d - nearest) / 3.0 for k in range(4)] if d > nearest else [d]

    def distances(angle: float) -> list[float]:
        to_face, width, depth = _box_extent(half_x, half_y, angle)
        return [to_face + s - camera.behind_base_m for s in steps_in(standoff(width, depth))]

    viewpoint, angle = _best_spot((cx, cy), robot_xy, floor_plan, distances, wall_clearance_m)
    to_face, width, _ = _box_extent(half_x, half_y, angle)
    d = max(nearest, math.dist(viewpoint[:2], (cx, cy)) - to_face + camera.behind_base_m)
    if not sees_top:
        return SurfaceLook(viewpoint, ((cx, cy, (lo[2] + hi[2]) / 2.0),), d, False)
    aims = _aims_along((cx, cy), (half_x, half_y), top, width, 2.0 * d * math.tan(half_field), angle)
    coverage = planned_coverage(((viewpoint, aims),), lo, hi, camera, occluders)
    plans = [(coverage, SurfaceLook(viewpoint, aims, d, True, (), coverage))]
    if coverage < enough_coverage and max_stands > 1:
        room = room_at(floor_plan, (cx, cy))
        # the front face: the box's side whose outward normal is nearest the chosen direction
        side = round(angle / (math.pi / 2.0)) % 4
        normal = (math.cos(side * math.pi / 2.0), math.sin(side * math.pi / 2.0))
        along = 1 if side % 2 == 0 else 0                       # the axis the front face runs along
        face_lo, face_hi = lo[along], hi[along]
        depth = hi[1 - along] - lo[1 - along]
        face = (hi if normal[1 - along] > 0 else lo)[1 - along]
        yaw = math.atan2(-normal[1], -normal[0])
        for n in range(2, max_stands + 1):
            slice_w = (face_hi - face_lo) / n
            sd = standoff(slice_w, depth)
            stands = []
            for i in range(n):
                mid = face_lo + (i + 0.5) * slice_w
                for s in steps_in(sd):
                    spot = [0.0, 0.0]
                    spot[along], spot[1 - along] = mid, face + normal[1 - along] * (s - camera.behind_base_m)
                    if room is not None and (room_at(floor_plan, spot) is not room
                                             or _wall_clearance(spot, room.polygon) < wall_clearance_m):
                        continue
                    slice_lo, slice_hi = list(lo), list(hi)
                    slice_lo[along], slice_hi[along] = mid - slice_w / 2.0, mid + slice_w / 2.0
                    half = ((slice_hi[0] - slice_lo[0]) / 2.0, (slice_hi[1] - slice_lo[1]) / 2.0)
                    centre = ((slice_lo[0] + slice_hi[0]) / 2.0, (slice_lo[1] + slice_hi[1]) / 2.0)
                    covered = 2.0 * s * math.tan(half_field)
                    stands.append(((spot[0], spot[1], yaw),
                                   _aims_along(centre, half, top, slice_w, covered, side * math.pi / 2.0)))
                    break
            if len(stands) < 2:
                continue
            if math.dist(stands[-1][0][:2], robot_xy) < math.dist(stands[0][0][:2], robot_xy):
                stands.reverse()
            coverage = planned_coverage(stands, lo, hi, camera, occluders)
            plans.append((coverage, SurfaceLook(stands[0][0], stands[0][1], sd, True, tuple(stands[1:]), coverage)))
    best = max(c for c, _ in plans)
    return next(p for c, p in plans if c >= min(enough_coverage, best - coverage_tolerance))


def _box_arrays(boxes: Sequence[Box]) -> tuple[np.ndarray, np.ndarray]:
    if not boxes:
        return np.zeros((0, 3)), np.zeros((0, 3))
    return (np.array([[float(v) for v in b[0][:3]] for b in boxes]),
            np.array([[float(v) for v in b[1][:3]] for b in boxes]))


def occluded(origin: Sequence[float], points: np.ndarray, box_min: np.ndarray, box_max: np.ndarray) -> np.ndarray:
    """Which of `points` (N x 3) are hidden from `origin` by one of the boxes (M x 3 corners): slab test, vectorised.

    A point is hidden when the segment from `origin` to it enters a box before reaching the point.
    """
    points = np.asarray(points, dtype=float)
    if not len(box_min) or not len(points):
        return np.zeros(len(points), dtype=bool)
    o = np.asarray(origin, dtype=float)[:3]
    ray = points - o
    ray = np.where(np.abs(ray) < 1e-9, 1e-9, ray)[:, None, :]            # N x 1 x 3
    t1, t2 = (box_min[None] - o) / ray, (box_max[None] - o) / ray           # N x M x 3
    enter, leave = np.minimum(t1, t2).max(axis=2), np.maximum(t1, t2).min(axis=2)
    return ((enter <= leave) & (leave > 0.0) & (enter < 1.0)).any(axis=1)


def _top_coverage(views: Sequence[tuple[Pose, Any, Any]], bbox_min: Sequence[float], bbox_max: Sequence[float],
                  camera_height_m: float, grid: int = 5, occlusion_margin_m: float = 0.3, edge_margin: float = 0.02,
                  min_range_m: float = 0.2, occluders: Sequence[Box] = (), cell_m: float = 0.1,
                  max_range_m: float = math.inf) -> float:
    """`top_coverage` over views given as (camera pose, intrinsics, depth or None)."""
    lo, hi = np.asarray(bbox_min, dtype=float)[:3], np.asarray(bbox_max, dtype=float)[:3]
    if not views:
        return 0.0
    z = hi[2] + 0.02 if camera_height_m > hi[2] + 0.02 else (lo[2] + hi[2]) / 2.0
    inset = (hi[:2] - lo[:2]) * 0.05
    occ_lo, occ_hi = _box_arrays(occluders)
    # the shadows of small things are narrower than a coarse grid's cells: sample every `cell_m`
    nx, ny = grid, grid
    if len(occ_lo):
        nx, ny = (max(grid, min(40, math.ceil(float(e) / cell_m) + 1)) for e in hi[:2] - lo[:2])
    xs = np.linspace(lo[0] + inset[0], hi[0] - inset[0], nx)
    ys = np.linspace(lo[1] + inset[1], hi[1] - inset[1], ny)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    points = np.stack([gx.ravel(), gy.ravel(), np.full(gx.size, z)], axis=1)
    if len(occ_lo):
        # where a remembered thing stands, nothing else can: those points are neither seen nor missed
        free = ~((points[:, None, :] >= occ_lo[None]) & (points[:, None, :] <= occ_hi[None])).all(axis=2).any(axis=1)
        if free.any():
            points = points[free]
    seen = np.zeros(len(points), dtype=bool)
    for pose, k, depth in views:
        cam = pose.inverse_transform_points(points)
        ahead = cam[:, 2] > min_range_m
        if math.isfinite(max_range_m):
            ahead &= np.linalg.norm(cam, axis=1) <= max_range_m
        if not ahead.any():
            continue
        uv = np.full((len(points), 2), -1.0)
        uv[ahead] = k.project(cam[ahead])
        mu, mv = edge_margin * k.width, edge_margin * k.height
        ok = ahead & (uv[:, 0] >= mu) & (uv[:, 0] <= k.width - 1 - mu)
        ok &= (uv[:, 1] >= mv) & (uv[:, 1] <= k.height - 1 - mv)
        if depth is not None and ok.any():
            u = np.clip(np.rint(uv[ok, 0]).astype(int), 0, k.width - 1)
            v = np.clip(np.rint(uv[ok, 1]).astype(int), 0, k.height - 1)
            d = np.asarray(depth, dtype=float)[v, u]
            clear = np.isfinite(d) & (d > 0) & (d >= cam[ok, 2] - occlusion_margin_m)
            idx = np.flatnonzero(ok)
            ok[idx[~clear]] = False
        if len(occ_lo) and ok.any():
            idx = np.flatnonzero(ok)
            ok[idx[occluded(pose.position, points[idx], occ_lo, occ_hi)]] = False
        seen |= ok
    return float(seen.mean())


def top_coverage(frames: Sequence[Frame], bbox_min: Sequence[float], bbox_max: Sequence[float],
                 camera_height_m: float | None = None, grid: int = 5, occlusion_margin_m: float = 0.3,
                 edge_margin: float = 0.02, min_range_m: float = 0.2, occluders: Sequence[Box] = (),
                 cell_m: float = 0.1, max_range_m: float = math.inf) -> float:
    """The share of a receptacle's top face (a `grid` x `grid` sample, just above it) that some frame saw.

    A sample point counts when it is in front of a frame's camera, projects inside its image and,
    with depth, nothing stands more than `occlusion_margin_m` in front of it. A top that is not below
    the camera cannot be seen at all; then the samples are on the box's middle height (what a look
    at a tall cupboard's front can see). Frames are the look's own (`SimExplorer.look`).

    `occluders`: boxes (min, max) of the things remembered standing on the top. A sample point behind
    one of them from a frame's camera (the line of sight passes through the box) was not seen by that
    frame, and the points inside one (where it stands) are left out; the samples are then every
    `cell_m` (at least `grid` per side), since what a mug hides is narrower than a 5 x 5 grid's cells.
    A sample point farther than `max_range_m` from a frame's camera was not seen by it.
    The depth test alone does not catch that: what hides a thing lying on a desk stands a few
    centimetres in front of it, well inside `occlusion_margin_m` (the depth's and the box's slack).
    """
    if not frames:
        return 0.0
    height = camera_height_m if camera_height_m is not None else max(f.camera_pose.z for f in frames)
    return _top_coverage([(f.camera_pose, f.intrinsics, f.depth) for f in frames], bbox_min, bbox_max, height, grid,
                         occlusion_margin_m, edge_margin, min_range_m, occluders, cell_m, max_range_m)
