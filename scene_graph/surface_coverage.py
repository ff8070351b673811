"""Free-surface evidence: when each patch of floor and furniture top was last seen empty.

An object seen for the first time is a change in the world only if the memory has evidence its place
was empty before (the robot had looked there and seen the surface through where it now stands);
otherwise it is a discovery. Khronos-style, the evidence is kept on space rather than per frame: a
horizontal grid of cells, each with the height of the surface it holds (the floor inside a room,
the top of a remembered receptacle) and the last time that surface point was seen bare.

A cell counts as seen bare in a frame with depth when its surface point projects inside the image
within `max_range_m`, the depth there reaches the surface (nothing stands in front of it, within
`depth_margin_m`), and no movable detection of that frame covers it. Something standing on the cell
blocks the ray to the surface point whether the detector reported it or not, so a missed detection
does not make a cell look empty. Memory grows with the floor area, not with the number of frames.
"""

from __future__ import annotations

import base64
import math
import zlib

import numpy as np
import shapely

from scene_graph.spatial_index import RoomIndex
from scene_graph.types import Frame

NEVER = -np.inf
PROBE_HEIGHT_M = 0.05
CLEAR_HEIGHT_M = 0.08  # a ray seen through this point above a cell: anything taller standing there would show
PROBE_PASS_M = 0.02  # the ray through the probe point must go on at least this far (it is not inside a thing)
SAME_SURFACE_M = 0.05  # a surface height that moved less than this (a box refit) keeps its evidence


class SurfaceCoverage:
    """A grid over the floor plan: per cell the surface height and when it was last seen bare (or clear above).

    Two kinds of evidence per cell: `last_empty`, the surface point itself seen bare (nothing at all stands
    there), and `last_clear`, a ray seen through the point CLEAR_HEIGHT_M above it (nothing taller stands
    there; this one needs no view of the surface, which a table's near edge or a steep angle often hides).
    """

    def __init__(self, cell_m: float = 0.1, max_range_m: float = 3.5, depth_margin_m: float = 0.015,
                 edge_margin: float = 0.02, min_range_m: float = 0.2) -> None:
        if not cell_m > 0 or not max_range_m > 0 or depth_margin_m < 0:
            raise ValueError("cell_m and max_range_m must be > 0, depth_margin_m >= 0")
        self.cell = float(cell_m)
        self.max_range = float(max_range_m)
        self.depth_margin = float(depth_margin_m)
        self.edge_margin = float(edge_margin)
        self.min_range = float(min_range_m)
        self.origin = np.zeros(2)
        self.floor = np.zeros((0, 0), dtype=bool)  # cell centre inside a room of the floor plan
        self.height = np.zeros((0, 0))  # surface height per cell (NaN: no surface known)
        self.last_empty = np.zeros((0, 0))
        self.last_clear = np.zeros((0, 0))
        self.dirty = False

    @property
    def shape(self) -> tuple[int, int]:
        return self.floor.shape

    def set_rooms(self, rooms: RoomIndex) -> None:
        """Lay the grid over the floor plan's rooms (evidence already gathered is kept where cells coincide)."""
        if not rooms.names:
            self.floor = np.zeros((0, 0), dtype=bool)
            self.height = np.zeros((0, 0))
            self.last_empty = np.zeros((0, 0))
            self.last_clear = np.zeros((0, 0))
            return
        b = rooms.bounds
        lo = np.floor(b[:, :2].min(axis=0) / self.cell) * self.cell
        hi = b[:, 2:].max(axis=0)
        nx, ny = (int(math.ceil((hi[i] - lo[i]) / self.cell)) for i in range(2))
        xs = lo[0] + (np.arange(nx) + 0.5) * self.cell
        ys = lo[1] + (np.arange(ny) + 0.5) * self.cell
        floor = np.zeros((nx, ny), dtype=bool)
        for poly, (x0, y0, x1, y1) in zip(rooms.polygons, b):
            i0, i1 = np.searchsorted(xs, x0), np.searchsorted(xs, x1, side="right")
            j0, j1 = np.searchsorted(ys, y0), np.searchsorted(ys, y1, side="right")
            gx, gy = np.meshgrid(xs[i0:i1], ys[j0:j1], indexing="ij")
            floor[i0:i1, j0:j1] |= shapely.contains_xy(poly, gx, gy)
        if floor.shape == self.floor.shape and np.allclose(lo, self.origin) and np.array_equal(floor, self.floor):
            return  # the same grid: keep surfaces and evidence
        old = (self.origin.copy(), self.last_empty, self.last_clear)
        self.origin, self.floor = lo, floor
        self.height = np.where(floor, 0.0, np.nan)
        self.last_empty = np.full((nx, ny), NEVER)
        self.last_clear = np.full((nx, ny), NEVER)
        if old[1].size and np.allclose(old[0], lo):
            n0, n1 = min(nx, old[1].shape[0]), min(ny, old[1].shape[1])
            self.last_empty[:n0, :n1] = old[1][:n0, :n1]
            self.last_clear[:n0, :n1] = old[2][:n0, :n1]

    def set_surfaces(self, boxes_min: np.ndarray, boxes_max: np.ndarray) -> None:
        """Receptacle boxes (Kx3): their tops are the surfaces of the cells they cover; elsewhere the floor.

        A cell whose surface height changes loses its evidence (it was about another surface).
        """
        if self.floor.size:
            self.relay((-math.inf, -math.inf), (math.inf, math.inf), boxes_min, boxes_max)

    def relay(self, lo_xy, hi_xy, boxes_min: np.ndarray, boxes_max: np.ndarray) -> None:
        """Recompute the surfaces of the cells in a rectangle from the receptacle boxes that overlap it.

        Cells whose surface height changed by more than SAME_SURFACE_M lose their evidence.
        """
        if not self.floor.size:
            return
        i0, j0, i1, j1 = self._cell_window(lo_xy[0], lo_xy[1], hi_xy[0], hi_xy[1])
        if i0 >= i1 or j0 >= j1:
            return
        height = np.where(self.floor[i0:i1, j0:j1], 0.0, np.nan)
        for lo, hi in zip(np.asarray(boxes_min).reshape(-1, 3), np.asarray(boxes_max).reshape(-1, 3)):
            a0, b0, a1, b1 = self._cell_window(max(lo[0], lo_xy[0]), max(lo[1], lo_xy[1]),
                                               min(hi[0], hi_xy[0]), min(hi[1], hi_xy[1]))
            if a0 >= a1 or b0 >= b1:
                continue
            block = height[a0 - i0:a1 - i0, b0 - j0:b1 - j0]
            top = float(hi[2])
            height[a0 - i0:a1 - i0, b0 - j0:b1 - j0] = np.where(np.isnan(block) | (block < top), top, block)
        old = self.height[i0:i1, j0:j1]
        with np.errstate(invalid="ignore"):
            changed = (np.isnan(height) != np.isnan(old)) | (np.abs(height - old) > SAME_SURFACE_M)
        self.last_empty[i0:i1, j0:j1][changed] = NEVER
        self.last_clear[i0:i1, j0:j1][changed] = NEVER
        self.height[i0:i1, j0:j1] = height

    def _cell_window(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        """Index window [i0, i1) x [j0, j1) of the cells whose centres lie in the rectangle."""
        nx, ny = self.shape
        lo_x, lo_y = self.origin[0] - self.cell, self.origin[1] - self.cell
        hi_x, hi_y = self.origin[0] + (nx + 1) * self.cell, self.origin[1] + (ny + 1) * self.cell
        x0, x1 = min(max(x0, lo_x), hi_x), min(max(x1, lo_x), hi_x)
        y0, y1 = min(max(y0, lo_y), hi_y), min(max(y1, lo_y), hi_y)
        i0 = max(0, int(math.ceil((x0 - self.origin[0]) / self.cell - 0.5)))
        j0 = max(0, int(math.ceil((y0 - self.origin[1]) / self.cell - 0.5)))
        i1 = min(nx, int(math.floor((x1 - self.origin[0]) / self.cell - 0.5)) + 1)
        j1 = min(ny, int(math.floor((y1 - self.origin[1]) / self.cell - 0.5)) + 1)
        return i0, j0, i1, j1

    def observe(self, frame: Frame, movable_min: np.ndarray, movable_max: np.ndarray, furniture_min: np.ndarray,
                furniture_max: np.ndarray) -> int:
        """Mark the cells this frame saw bare; returns how many. Frames without depth say nothing.

        `movable_*` / `furniture_*`: (B,3) boxes of this frame's detections of movable things / furniture.
        """
        if frame.depth is None or not self.floor.size:
            return 0
        cp = frame.camera_pose
        r = min(self.max_range, frame.max_range_m)
        i0, j0, i1, j1 = self._cell_window(cp.x - r, cp.y - r, cp.x + r, cp.y + r)
        if i0 >= i1 or j0 >= j1:
            return 0
        k = frame.intrinsics
        height = self.height[i0:i1, j0:j1]
        cx = self.origin[0] + (np.arange(i0, i1) + 0.5) * self.cell - cp.x
        cy = self.origin[1] + (np.arange(j0, j1) + 0.5) * self.cell - cp.y
        # a cheap horizontal cut first: within range and inside the field of view's wedge (plus a margin)
        near = ~np.isnan(height) & (cx[:, None] ** 2 + cy[None, :] ** 2 <= r * r)
        forward = cp.rotation_matrix()[:, 2]
        flat = math.hypot(forward[0], forward[1])
        if flat > 0.5:  # not looking steeply down: the image spans a wedge of directions on the floor
            half = math.atan2(k.width / 2.0, k.fx) + math.radians(15.0)
            dist = np.sqrt(cx[:, None] ** 2 + cy[None, :] ** 2) + 1e-9
            near &= (cx[:, None] * forward[0] + cy[None, :] * forward[1]) / (dist * flat) >= math.cos(half)
        ii, jj = np.nonzero(near)
        if not len(ii):
            return 0
        pts = np.empty((len(ii), 3))
        pts[:, 0] = cx[ii] + cp.x
        pts[:, 1] = cy[jj] + cp.y
        pts[:, 2] = height[ii, jj]
        cam = cp.inverse_transform_points(pts)
        keep = (cam[:, 2] > self.min_range) & (np.einsum("ij,ij->i", cam, cam) <= r * r)
        if not keep.any():
            return 0
        pts, cam = pts[keep], cam[keep]
        marked = self._observe_clear(frame, pts, movable_min, movable_max, furniture_min, furniture_max)
        uv = k.project(cam)
        mu, mv = self.edge_margin * k.width, self.edge_margin * k.height
        inside = (uv[:, 0] >= mu) & (uv[:, 0] <= k.width - 1 - mu) & (uv[:, 1] >= mv) & (uv[:, 1] <= k.height - 1 - mv)
        if not inside.any():
            return marked
        pts, uv = pts[inside], uv[inside]
        u = np.clip(np.rint(uv[:, 0]).astype(int), 0, k.width - 1)
        v = np.clip(np.rint(uv[:, 1]).astype(int), 0, k.height - 1)
        depth = np.asarray(frame.depth)
        d = depth[v, u].astype(float)
        # where the pixel's own ray meets the surface's plane: at grazing angles half a pixel is several
        # centimetres along the surface, so the evidence goes to the cell that ray actually reached
        rays = np.stack([(u - k.cx) / k.fx, (v - k.cy) / k.fy, np.ones(len(u))], axis=1) @ cp.rotation_matrix().T
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = np.where(rays[:, 2] < -1e-6, (pts[:, 2] - cp.z) / rays[:, 2], np.nan)  # z-depth
            bare = np.isfinite(d) & (d > 0) & np.isfinite(expected) & (d >= expected - self.depth_margin)
        if not bare.any():
            return marked
        hit = cp.position + rays[bare] * expected[bare, None]
        fx, fy = (hit[:, 0] - self.origin[0]) / self.cell, (hit[:, 1] - self.origin[1]) / self.cell
        hi_, hj = np.floor(fx).astype(int), np.floor(fy).astype(int)
        nx, ny = self.shape
        # only hits on the middle half of a cell: a thing standing on most of a cell cannot leave it looking bare
        ok = (hi_ >= 0) & (hi_ < nx) & (hj >= 0) & (hj < ny) & (np.abs(fx - hi_ - 0.5) <= 0.25) \
            & (np.abs(fy - hj - 0.5) <= 0.25)
        hi_, hj, hit = hi_[ok], hj[ok], hit[ok]
        with np.errstate(invalid="ignore"):
            ok = np.abs(self.height[hi_, hj] - hit[:, 2]) <= SAME_SURFACE_M
        # at grazing angles a ray just misses the front edge of what stands there: the ray to a point
        # PROBE_HEIGHT_M above the hit must pass it as well (it meets anything taller standing on or before it)
        probe = cp.inverse_transform_points(hit + np.array([0.0, 0.0, PROBE_HEIGHT_M]))
        pz = np.maximum(probe[:, 2], 1e-6)
        pu = np.clip(np.rint(k.fx * probe[:, 0] / pz + k.cx).astype(int), 0, k.width - 1)
        pv = np.clip(np.rint(k.fy * probe[:, 1] / pz + k.cy).astype(int), 0, k.height - 1)
        pd = depth[pv, pu].astype(float)
        with np.errstate(invalid="ignore"):
            ok &= (probe[:, 2] > 0) & np.isfinite(pd) & (pd >= probe[:, 2] + PROBE_PASS_M)
        # what was detected there is not bare surface, whatever the depth says; nor is the floor under a
        # piece of furniture (its own top is a surface)
        ok &= ~_covered(hit, movable_min, movable_max, self.cell, False)
        ok &= ~_covered(hit, furniture_min, furniture_max, self.cell, True)
        if not ok.any():
            return marked
        self.last_empty[hi_[ok], hj[ok]] = float(frame.time)
        self.dirty = True
        return marked + int(ok.sum())

    def _observe_clear(self, frame: Frame, pts: np.ndarray, movable_min, movable_max, furniture_min,
                       furniture_max) -> int:
        """Cells whose point CLEAR_HEIGHT_M above the surface this frame's rays went through."""
        cp, k = frame.camera_pose, frame.intrinsics
        q = pts + np.array([0.0, 0.0, CLEAR_HEIGHT_M])
        cam = cp.inverse_transform_points(q)
        z = np.maximum(cam[:, 2], 1e-6)
        u, v = k.fx * cam[:, 0] / z + k.cx, k.fy * cam[:, 1] / z + k.cy
        mu, mv = self.edge_margin * k.width, self.edge_margin * k.height
        ok = (cam[:, 2] > self.min_range) & (u >= mu) & (u <= k.width - 1 - mu) & (v >= mv) & (v <= k.height - 1 - mv)
        if not ok.any():
            return 0
        q, z = q[ok], z[ok]
        d = np.asarray(frame.depth)[np.rint(v[ok]).astype(int), np.rint(u[ok]).astype(int)].astype(float)
        with np.errstate(invalid="ignore"):
            clear = np.isfinite(d) & (d >= z + PROBE_PASS_M)
        clear &= ~_covered(q, movable_min, movable_max, self.cell, False)
        clear &= ~_covered(q, furniture_min, furniture_max, self.cell, True)
        if not clear.any():
            return 0
        i = np.floor((q[clear, 0] - self.origin[0]) / self.cell).astype(int)
        j = np.floor((q[clear, 1] - self.origin[1]) / self.cell).astype(int)
        self.last_clear[i, j] = float(frame.time)
        self.dirty = True
        return int(clear.sum())

    def seen_empty(self, bbox_min, bbox_max, before: float, support_tolerance_m: float = 0.15) -> float | None:
        """The last time before `before` that the place of this box was seen empty, or None (no evidence).

        The cells under the box's footprint (at least the one under its centre) whose surface lies near
        the box's bottom are examined; at least half of them must have been seen empty before `before`:
        their surface bare, or - for a box standing more than CLEAR_HEIGHT_M above it - clear above it.
        """
        if not self.floor.size:
            return None
        lo, hi = np.asarray(bbox_min, dtype=float), np.asarray(bbox_max, dtype=float)
        i0, j0, i1, j1 = self._cell_window(lo[0], lo[1], hi[0], hi[1])
        if i0 >= i1 or j0 >= j1:
            c = self._cell_of((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0)
            if c is None:
                return None
            i0, j0, i1, j1 = c[0], c[1], c[0] + 1, c[1] + 1
        height = self.height[i0:i1, j0:j1]
        times = self.last_empty[i0:i1, j0:j1]
        with np.errstate(invalid="ignore"):
            under = ~np.isnan(height) & (height <= lo[2] + support_tolerance_m)
            tall = under & (hi[2] - height >= CLEAR_HEIGHT_M + PROBE_PASS_M)
        times = np.where(tall, np.maximum(times, self.last_clear[i0:i1, j0:j1]), times)
        if not under.any():
            return None
        seen = times[under]
        seen = seen[np.isfinite(seen) & (seen < before)]
        if len(seen) * 2 < int(under.sum()) or not len(seen):
            return None
        return float(seen.max())

    def _cell_of(self, x: float, y: float) -> tuple[int, int] | None:
        i = int(math.floor((x - self.origin[0]) / self.cell))
        j = int(math.floor((y - self.origin[1]) / self.cell))
        nx, ny = self.shape
        return (i, j) if 0 <= i < nx and 0 <= j < ny else None

    # ------------------------------------------------------------------ persistence (a row of the meta table)
    def to_text(self) -> str:
        """The evidence as text (grid geometry; the seen cells' indices and times, compressed)."""
        idx = np.flatnonzero(np.isfinite(self.last_empty.ravel()) | np.isfinite(self.last_clear.ravel()))
        data = b"".join((idx.astype(np.int64).tobytes(), self.last_empty.ravel()[idx].astype(np.float64).tobytes(),
                         self.last_clear.ravel()[idx].astype(np.float64).tobytes()))
        head = f"{self.cell!r},{float(self.origin[0])!r},{float(self.origin[1])!r},{self.shape[0]},{self.shape[1]}"
        return head + ";" + base64.b64encode(zlib.compress(data, 1)).decode("ascii")

    def load_text(self, text: str) -> None:
        """Restore evidence saved by `to_text` if it was saved for the same grid (else keep none)."""
        try:
            head, blob = text.split(";", 1)
            cell, ox, oy, nx, ny = head.split(",")
            raw = zlib.decompress(base64.b64decode(blob))
        except (ValueError, zlib.error):
            return
        n = len(raw) // 24
        if (float(cell), int(nx), int(ny)) != (self.cell, *self.shape) or len(raw) != 24 * n \
                or not np.allclose((float(ox), float(oy)), self.origin):
            return
        idx = np.frombuffer(raw[:8 * n], dtype=np.int64)
        if n and (idx.min() < 0 or idx.max() >= self.last_empty.size):
            return
        empty, clear = self.last_empty.ravel(), self.last_clear.ravel()  # views: writes go to the grids
        empty[idx] = np.frombuffer(raw[8 * n:16 * n], dtype=np.float64)
        clear[idx] = np.frombuffer(raw[16 * n:], dtype=np.float64)

def _covered(pts: np.ndarray, lo: np.ndarray, hi: np.ndarray, pad: float, below_top_only: bool) -> np.ndarray:
    """Per point: inside the footprint (grown by `pad`) of any box; with `below_top_only`, also under its top."""
    lo, hi = np.asarray(lo, dtype=float).reshape(-1, 3), np.asarray(hi, dtype=float).reshape(-1, 3)
    if not len(lo):
        return np.zeros(len(pts), dtype=bool)
    x, y = pts[:, 0:1], pts[:, 1:2]
    inside = (x >= lo[None, :, 0] - pad) & (x <= hi[None, :, 0] + pad) & (y >= lo[None, :, 1] - pad) \
        & (y <= hi[None, :, 1] + pad)
    if below_top_only:
        inside &= pts[:, 2:3] < hi[None, :, 2] - 0.1
    return inside.any(axis=1)
