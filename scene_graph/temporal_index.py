"""Packed, sorted arrays of every object's presence intervals, locations and states for "as of t" lookups.

Rebuilt lazily from the tracked objects when the temporal memory changed; answers "where was each
object at time t" for all objects at once with one vectorised binary search per table.
"""

from __future__ import annotations

import numpy as np

from scene_graph.tracking.object_tracks import TENTATIVE, TrackedObject


class TemporalIndex:
    def __init__(self, objects: list[TrackedObject]) -> None:
        self.objects = [o for o in objects if o.status != TENTATIVE]
        n = len(self.objects)
        iv_obj, iv_start, iv_end, iv_last = [], [], [], []
        loc_obj, loc_time, loc_ref = [], [], []
        st_obj, st_time, st_ref = [], [], []
        for i, o in enumerate(self.objects):
            for iv in o.intervals:
                iv_obj.append(i)
                iv_start.append(iv.start)
                iv_end.append(np.inf if iv.end is None else iv.end)
                iv_last.append(iv.last_seen)
            for loc in o.locations:
                loc_obj.append(i)
                loc_time.append(loc.time)
                loc_ref.append(loc)
            for st in o.states:
                st_obj.append(i)
                st_time.append(st.time)
                st_ref.append(st.state)
        self.n = n
        # keys are (object row, rank of the time among all record times) packed into one exact int64
        self.times = np.unique(np.asarray([*iv_start, *loc_time, *st_time], dtype=float))
        self.span = len(self.times) + 1
        self.iv_key, order = self._keys(iv_obj, iv_start)
        self.iv_obj = np.asarray(iv_obj, dtype=np.int64)[order]
        self.iv_end = np.asarray(iv_end, dtype=float)[order]
        self.iv_last = np.asarray(iv_last, dtype=float)[order]
        self.iv_start = np.asarray(iv_start, dtype=float)[order]
        self.loc_key, order = self._keys(loc_obj, loc_time)
        self.loc_obj = np.asarray(loc_obj, dtype=np.int64)[order]
        self.loc_ref = [loc_ref[i] for i in order]
        # per-object constants and per-location boxes, pre-extracted for fast snapshot materialisation
        self.ids = [o.id for o in self.objects]
        self.categories = [o.category for o in self.objects]
        self.confidence = [o.confidence for o in self.objects]
        self.first_seen = [o.first_seen for o in self.objects]
        self.is_receptacle = [o.is_receptacle for o in self.objects]
        if self.loc_ref:
            xyz = np.array([loc.position for loc in self.loc_ref], dtype=float)
            off_min = np.array([o.bbox_min - o.position for o in self.objects])[self.loc_obj]
            off_max = np.array([o.bbox_max - o.position for o in self.objects])[self.loc_obj]
            self.loc_bmin = [tuple(r) for r in (xyz + off_min).tolist()]
            self.loc_bmax = [tuple(r) for r in (xyz + off_max).tolist()]
        else:
            self.loc_bmin, self.loc_bmax = [], []
        # object arrays (numpy dtype=object) so a snapshot gathers every field with one fancy index each
        self.obj_cols = {name: _objects_array(values) for name, values in (
            ("id", self.ids), ("category", self.categories), ("confidence", self.confidence),
            ("first_seen", self.first_seen), ("is_receptacle", self.is_receptacle))}
        self.loc_cols = {name: _objects_array(values) for name, values in (
            ("position", [loc.position for loc in self.loc_ref]), ("bbox_min", self.loc_bmin),
            ("bbox_max", self.loc_bmax), ("room", [loc.room for loc in self.loc_ref]),
            ("rests_on", [loc.rests_on for loc in self.loc_ref]),
            ("rests_on_category", [loc.rests_on_category for loc in self.loc_ref]))}
        self.by_receptacle: dict[str, set[int]] = {}
        for loc, i in zip(self.loc_ref, self.loc_obj.tolist()):
            if loc.rests_on is not None:
                self.by_receptacle.setdefault(loc.rests_on, set()).add(i)
        self.st_key, order = self._keys(st_obj, st_time)
        self.st_obj = np.asarray(st_obj, dtype=np.int64)[order]
        self.st_ref = [st_ref[i] for i in order]
        self.st_col = _objects_array([*self.st_ref, None])  # index -1 (no state record yet) -> None

    def _keys(self, owner: list[int], time: list[float]) -> tuple[np.ndarray, np.ndarray]:
        if not owner:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        rank = np.searchsorted(self.times, np.asarray(time, dtype=float))
        key = np.asarray(owner, dtype=np.int64) * self.span + rank
        order = np.argsort(key, kind="stable")
        return key[order], order

    def _last_before(self, keys: np.ndarray, owners: np.ndarray, rows: np.ndarray, t: float) -> np.ndarray:
        """Per object row, the index of its last record with time <= t, or -1."""
        if len(rows) == 0 or len(keys) == 0:
            return np.full(len(rows), -1, dtype=np.int64)
        rank = int(np.searchsorted(self.times, t, side="right")) - 1  # of the last record time <= t
        idx = np.searchsorted(keys, rows.astype(np.int64) * self.span + rank, side="right") - 1
        ok = idx >= 0
        ok[ok] = owners[idx[ok]] == rows[ok]
        return np.where(ok, idx, -1)

    def at_rows(self, rows: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(present mask, location index, state index, interval index) of the given object rows at time t."""
        iv = self._last_before(self.iv_key, self.iv_obj, rows, t)
        present = iv >= 0
        present[present] = self.iv_end[iv[present]] > t
        loc = self._last_before(self.loc_key, self.loc_obj, rows, t)
        st = self._last_before(self.st_key, self.st_obj, rows, t)
        return present & (loc >= 0), loc, st, iv

    def at(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(present mask, location index, state index, interval index) per object at time t."""
        return self.at_rows(np.arange(self.n, dtype=np.int64), t)


def _objects_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
