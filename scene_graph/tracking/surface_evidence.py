"""Free-surface evidence: furniture tops laid on the coverage grid, and each frame's view of them."""

from __future__ import annotations

import math

import numpy as np

from scene_graph.surface_coverage import SurfaceCoverage
from scene_graph.tracking.negative_evidence import NegativeEvidence
from scene_graph.tracking.object_tracks import PRESENT
from scene_graph.types import Frame, Observation


class SurfaceEvidence(NegativeEvidence):
    """The surface coverage grid kept in step with the remembered furniture."""

    def init_surfaces(self, saved: str | None) -> None:
        cfg = self.config
        self.coverage = SurfaceCoverage(cfg.surface_cell_m, cfg.empty_evidence_range_m,
                                        cfg.empty_evidence_depth_margin_m, cfg.image_edge_margin / 2.0,
                                        cfg.min_view_range_m)
        self._laid_surfaces: dict[str, tuple[int, ...]] = {}  # receptacle id -> box (5 cm units) laid on the grid
        self.coverage_saved_at = -math.inf
        self.deferred_surfaces: list[tuple[Frame, list[Observation], list[str]]] = []
        self.lay_surfaces(saved)

    def surface_state(self) -> tuple:
        """The grid and what was laid on it, copied aside (a failed transaction puts it back)."""
        c = self.coverage
        grids = tuple(g.copy() for g in (c.origin, c.floor, c.height, c.last_empty, c.last_clear))
        return grids, c.dirty, dict(self._laid_surfaces), self.coverage_saved_at

    def restore_surface_state(self, state: tuple) -> None:
        c = self.coverage
        c.origin, c.floor, c.height, c.last_empty, c.last_clear = state[0]
        c.dirty, self._laid_surfaces, self.coverage_saved_at = state[1], dict(state[2]), state[3]

    def lay_surfaces(self, saved: str | None) -> None:
        """Lay the free-surface grid over the floor plan and the remembered furniture (plus saved evidence)."""
        self.coverage.set_rooms(self.rooms)
        self._laid_surfaces = {}
        self._update_surfaces()
        if saved:
            self.coverage.load_text(saved)
        self.coverage.dirty = False

    def _update_surfaces(self, near: tuple[float, float, float, float] | None = None) -> None:
        """Furniture tops are surfaces of the free-surface grid; re-laid where a box changed by > 5 cm.

        `near` (x0, y0, x1, y1): only furniture laid or remembered there is examined (None: all of it).
        """
        a = self.arrays
        n = a.size
        if near is None:
            rec = np.flatnonzero((a.status[:n] == PRESENT) & a.is_rec[:n])
        else:
            rec = a.near(*near)
            rec = rec[(a.status[rec] == PRESENT) & a.is_rec[rec]]
        current = {a.owner[i].id: tuple(np.round(np.concatenate([a.bmin[i], a.bmax[i]]) / 0.05).astype(int).tolist())
                   for i in rec.tolist()}
        if near is None:  # lay everything at once
            self._laid_surfaces = current
            self.coverage.set_surfaces(a.bmin[rec], a.bmax[rec])
            return
        laid = self._laid_surfaces
        stale = [oid for oid, box in laid.items() if oid not in current and (near is None or _key_overlaps(box, near))]
        stale += [oid for oid, box in current.items() if laid.get(oid) != box]
        if not stale:
            return
        windows = [np.array(b, dtype=float) * 0.05 for b in (laid.get(oid) for oid in stale) if b is not None]
        windows += [np.array(current[oid], dtype=float) * 0.05 for oid in stale if oid in current]
        for oid in stale:
            laid.pop(oid, None)
            if oid in current:
                laid[oid] = current[oid]
        m = 0.1
        for w in windows:
            lo, hi = (w[0] - m, w[1] - m), (w[3] + m, w[4] + m)
            around = a.near(lo[0] - 1.0, lo[1] - 1.0, hi[0] + 1.0, hi[1] + 1.0)
            around = around[(a.status[around] == PRESENT) & a.is_rec[around]]
            self.coverage.relay(lo, hi, a.bmin[around], a.bmax[around])

    def save_coverage(self) -> None:
        self.file.write_meta("surface_coverage", self.coverage.to_text())
        self.coverage.dirty = False

    def observe_deferred_surfaces(self) -> None:
        """Fold the deferred frames' free-surface evidence into the grid (see MemoryStore.observe_deferred_surfaces)."""
        while self.deferred_surfaces:
            frame, observations, cats = self.deferred_surfaces.pop(0)
            self._observe_surfaces(frame, observations, cats)

    def _observe_surfaces(self, frame: Frame, observations: list[Observation], cats: list[str]) -> None:
        """Free-surface evidence of this frame (after association, so new first sightings used the older evidence)."""
        if frame.depth is None or not self.coverage.floor.size:
            return
        cp, r = frame.camera_pose, self.coverage.max_range + 2.0
        self._update_surfaces((cp.x - r, cp.y - r, cp.x + r, cp.y + r))
        onto = self.ontology
        rec = np.array([onto.is_receptacle(c) for c in cats], dtype=bool)
        lo = np.array([o.bbox_min for o in observations], dtype=float).reshape(-1, 3)
        hi = np.array([o.bbox_max for o in observations], dtype=float).reshape(-1, 3)
        self.coverage.observe(frame, lo[~rec], hi[~rec], lo[rec], hi[rec])


def _key_overlaps(box: tuple[int, ...], rect: tuple[float, float, float, float]) -> bool:
    """A receptacle box in 5 cm units (min xyz, max xyz) overlaps the rectangle (x0, y0, x1, y1) in metres."""
    x0, y0, x1, y1 = (v * 0.05 for v in (box[0], box[1], box[3], box[4]))
    return x0 <= rect[2] and x1 >= rect[0] and y0 <= rect[3] and y1 >= rect[1]
