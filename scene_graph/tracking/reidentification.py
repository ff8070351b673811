"""Re-identification: the same object under two tracks is merged, and a moved object keeps its id.

A confirmed track may be a missing object seen elsewhere, a closed object seen again, a fragment of
furniture, or a duplicate of an object the robot itself placed; these fold one track into the other.
"""

from __future__ import annotations

import math

import numpy as np

from scene_graph.records import IngestResult
from scene_graph.tracking.association import boxes_touch
from scene_graph.tracking.label_fusion import LabelFusion
from scene_graph.tracking.object_tracks import ABSENT, PRESENT, TENTATIVE, TrackedObject
from scene_graph.types import Frame


class Reidentification(LabelFusion):
    """Finding the track an object already has, and merging two tracks of one object."""

    def _furniture_too_far(self, a: TrackedObject, position: np.ndarray) -> bool:
        """A receptacle (furniture) is never taken as moved beyond its association gate.

        Furniture is pushed, not carried about: a same-category piece seen farther off is another piece, or a
        mislabelled sighting where the remembered one was (issue 17, 12038: a kitchen "bookshelf" seen for
        0.1 s, closed as gone, became the living room's bookshelf "moved" there).
        """
        return a.is_receptacle and float(np.linalg.norm(a.position - position)) > self.config.receptacle_match_gate_m

    def _reidentify(self, cat: str, is_rec: bool, pos: np.ndarray) -> TrackedObject | None:
        """The nearest object of this category that the memory believes has left: the same object, moved."""
        best, best_d = None, math.inf
        for oid in self.absent_by_category.get(cat, ()):
            obj = self.tracks[oid]
            if obj.status != ABSENT or obj.is_receptacle != is_rec or self._furniture_too_far(obj, pos):
                continue
            d = float(np.linalg.norm(obj.position - pos))
            if d < best_d:
                best, best_d = obj, d
        return best

    def _being_missed(self, new: TrackedObject) -> TrackedObject | None:
        """A same-category object already missed where it was, since before `new` first appeared: `new` is it, moved.

        Half the miss evidence is weak: it is taken only when the object was last seen long enough before
        (`implausible_change_gap_s`) for someone to have carried it over; the robot's own carrying is told by
        record_manipulation.
        """
        half = self.config.miss_evidence_to_close / 2.0
        gap = self.config.implausible_change_gap_s
        best = None
        for oid in self.by_category.get(new.category, ()):
            other = self.tracks.get(oid)
            if other is None or other is new or other.status != PRESENT or other.is_receptacle:
                continue
            if other.misses < half or other.first_miss is None or other.first_miss > new.first_seen \
                    or new.first_seen - other.last_seen < gap:
                continue
            if best is None or other.misses > best.misses:
                best = other
        return best

    def _fold_into(self, new: TrackedObject, old: TrackedObject, frame: Frame, result: IngestResult | None) -> None:
        """`new` (never confirmed) is `old` seen somewhere else: `old` moved (or came back) to `new`'s place."""
        t = new.first_seen
        moved = float(np.linalg.norm(new.position - old.position)) > self.config.move_threshold_m
        retracted = False
        if old.status == ABSENT:
            retracted = not moved and t - old.last_seen < self.config.implausible_change_gap_s \
                and self._retract_disappearance(old)
            if not retracted:
                self.open_interval(old, max(t, old.intervals[-1].end or t) if old.intervals else t, new.last_seen,
                                   new.sightings)
        old.position, old.bbox_min, old.bbox_max = new.position, new.bbox_min, new.bbox_max
        old.sightings += new.sightings
        old.last_seen = max(old.last_seen, new.last_seen)
        old.misses, old.first_miss = 0.0, None
        self._drop(new)
        if retracted:
            self.arrays.update(old)
        else:
            self._relocate(old, t, "moved" if moved else "appeared", frame, result,
                           frame_ids=(new.created_frame, frame.frame_id))
        if new.state is not None:
            self._set_state(old, new.state, float(frame.time), frame, result or IngestResult(frame.frame_id))
        self.save_object(old)
        if result is not None:
            result.matched.append(old.id)

    def _retract_disappearance(self, obj: TrackedObject) -> bool:
        """`obj`, closed as gone, is seen again where it was moments later: the misses were wrong, not the world.

        Its last interval is re-opened and the disappeared event that closed it is forgotten. False when
        the last record is not such a disappearance (nothing changed then).
        """
        if not obj.intervals or obj.intervals[-1].end is None:
            return False
        iv = obj.intervals[-1]
        closing = [ev for ev in obj.events if ev.kind == "disappeared" and abs(ev.time - iv.end) < 1e-6]
        if not closing:
            return False
        ev = closing[-1]
        self.temporal.retract_event(ev, obj)
        self.temporal.reopen_interval(obj)
        obj.status = PRESENT
        self.absent_by_category[obj.category].discard(obj.id)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].add(obj.id)
        return True

    def _recent_newcomer(self, obj: TrackedObject) -> TrackedObject | None:
        """An object of the same category first seen after `obj` was last seen, never seen leaving: `obj` moved."""
        best = None
        for oid in self.by_category.get(obj.category, ()):
            other = self.tracks[oid]
            if other is obj or other.is_receptacle != obj.is_receptacle or other.status == ABSENT \
                    or self._furniture_too_far(obj, other.position):
                continue
            if other.first_seen <= obj.last_seen or len(other.intervals) > 1:
                continue
            if any(ev.kind == "disappeared" for ev in other.events):
                continue
            if best is None or other.first_seen < best.first_seen:
                best = other
        return best

    def _recent_predecessor(self, new: TrackedObject) -> TrackedObject | None:
        """The mirror of `_recent_newcomer` for a track that took its category late (label fusion).

        An object of `new`'s (new) category closed as gone, last seen before `new` was first seen, while `new`
        was never seen leaving: `_disappear` (or `_confirm`) would have made them one object that moved, had
        `new` carried this category then. The most recently seen such object.
        """
        if new.is_receptacle or len(new.intervals) > 1 or any(ev.kind == "disappeared" for ev in new.events):
            return None
        best = None
        for oid in self.absent_by_category.get(new.category, ()):
            old = self.tracks.get(oid)
            if old is None or old.status != ABSENT or old.is_receptacle or not old.intervals \
                    or old.last_seen >= new.first_seen:
                continue
            if best is None or old.last_seen > best.last_seen:
                best = old
        return best

    def _merge_closed(self, obj: TrackedObject, new: TrackedObject, frame: Frame, result: IngestResult) -> None:
        """`new` is `obj` (closed as gone) moved: `_merge_newcomer` after re-opening `obj`.

        Closed after `new` was first seen, `obj` is as `_disappear` would have merged it: the disappearance is
        taken back and its interval runs on. Closed before, the gap is real: a new interval from `new`'s start.
        """
        end = obj.intervals[-1].end
        if end is None or end < new.first_seen or not self._retract_disappearance(obj):
            self.open_interval(obj, new.first_seen, new.first_seen, 0)
        self._merge_newcomer(obj, new, frame, result)

    def _merge_newcomer(self, obj: TrackedObject, new: TrackedObject, frame: Frame, result: IngestResult) -> None:
        """`new` was `obj` all along: move its records over and turn its appearance into a move of `obj`."""
        if new.status == TENTATIVE:
            self._fold_into(new, obj, frame, result)
            return
        t = new.first_seen
        before = self.place_name(obj)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].discard(obj.id)
        if new.rests_on is not None:
            self.contents_index[new.rests_on].discard(new.id)
        self.temporal.move_history(new, obj)
        for loc in new.locations:
            loc.object_id = obj.id
            obj.locations.append(loc)
        obj.locations.sort(key=lambda r: r.time)
        for st in new.states:
            st.object_id = obj.id
        obj.states = sorted(obj.states + new.states, key=lambda r: r.time)
        for ev in new.events:
            ev.object_id = obj.id
            if ev.kind == "appeared" and abs(ev.time - t) < 1e-9:
                ev.kind, ev.from_place, ev.category, ev.discovery = "moved", before, obj.category, False
                self.temporal.event_became_move(ev)
            obj.events.append(ev)
        obj.events.sort(key=lambda e: e.time)
        self.semantic.retire_all_about(new.id, float(frame.time))
        iv_new = new.intervals[-1]
        iv = obj.intervals[-1]
        iv.last_seen = max(iv.last_seen, iv_new.last_seen)
        iv.sightings += iv_new.sightings
        self.temporal.save_last_interval(obj)
        self.temporal.drop_intervals(new)
        obj.position, obj.bbox_min, obj.bbox_max = new.position, new.bbox_min, new.bbox_max
        obj.room, obj.rests_on = new.room, new.rests_on
        if new.state is not None:
            obj.state = new.state
        obj.sightings += new.sightings
        obj.last_seen = max(obj.last_seen, new.last_seen)
        obj.misses, obj.first_miss = 0.0, None
        new.events = []
        self._drop(new)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].add(obj.id)
        self.save_object(obj)

    def _touching_receptacle(self, bmin: np.ndarray, bmax: np.ndarray, cat: str, taken: set[int]
                             ) -> TrackedObject | None:
        """A remembered receptacle of this category whose box overlaps or touches the observed box."""
        m = self.config.receptacle_touch_margin_m
        a = self.arrays
        cand = a.near(bmin[0] - m, bmin[1] - m, bmax[0] + m, bmax[1] + m)
        best, best_key = None, None
        for i in cand.tolist():
            obj = a.owner[i]
            if obj is None or i in taken or not obj.is_receptacle or obj.status == ABSENT or obj.category != cat:
                continue
            if not boxes_touch(obj.bbox_min, obj.bbox_max, bmin, bmax, m):
                continue
            key = (obj.status != PRESENT, obj.first_seen)
            if best_key is None or key < best_key:
                best, best_key = obj, key
        return best

    def _furniture_in_sight(self, bmin: np.ndarray, bmax: np.ndarray, cats: list[str]) -> set[int]:
        """Receptacles with a same-category detection on their box this frame: seen, whichever track it fed."""
        out: set[int] = set()
        m = self.config.receptacle_touch_margin_m
        a = self.arrays
        for lo, hi, cat in zip(bmin, bmax, cats):
            for i in a.near(lo[0] - m, lo[1] - m, hi[0] + m, hi[1] + m).tolist():
                obj = a.owner[i]
                if obj is not None and obj.is_receptacle and obj.category == cat \
                        and boxes_touch(obj.bbox_min, obj.bbox_max, lo, hi, m):
                    out.add(i)
        return out

    def _merge_touching_receptacles(self, keep: TrackedObject, t: float) -> TrackedObject:
        """Same-category furniture whose boxes overlap or touch is one piece: the oldest track keeps its id."""
        m = self.config.receptacle_touch_margin_m
        merged = True
        while merged:
            merged = False
            for oid in list(self.by_category.get(keep.category, ())):
                other = self.tracks.get(oid)
                if other is None or other is keep or not other.is_receptacle or other.status == ABSENT:
                    continue
                if not boxes_touch(keep.bbox_min, keep.bbox_max, other.bbox_min, other.bbox_max, m):
                    continue
                older, younger = sorted((keep, other), key=_track_age)
                self._absorb_receptacle(older, younger, t)
                keep, merged = older, True
                break
        return keep

    def _absorb_receptacle(self, keep: TrackedObject, gone: TrackedObject, t: float) -> None:
        """`gone` was a fragment of `keep`: union the boxes, move what rests on it, forget its own records."""
        keep.bbox_min = np.minimum(keep.bbox_min, gone.bbox_min)
        keep.bbox_max = np.maximum(keep.bbox_max, gone.bbox_max)
        keep.position = (keep.bbox_min + keep.bbox_max) / 2.0
        keep.sightings += gone.sightings
        keep.last_seen = max(keep.last_seen, gone.last_seen)
        for oid in list(self.contents_index.pop(gone.id, set())):
            self.contents_index[keep.id].add(oid)
        for obj in self.tracks.values():
            if obj.rests_on == gone.id:
                obj.rests_on = keep.id
            for loc in obj.locations:
                if loc.rests_on == gone.id:
                    loc.rests_on = keep.id
        self.file.replace_support(gone.id, keep.id)
        if gone.status != TENTATIVE:
            self._erase_history(gone, t)
            if keep.intervals:
                iv = keep.intervals[-1]
                iv.last_seen = max(iv.last_seen, keep.last_seen)
                iv.sightings += gone.sightings
                self.temporal.save_last_interval(keep)
        self._drop(gone)
        self.save_object(keep)

    def _erase_history(self, track: TrackedObject, t: float) -> None:
        """Forget a track folded into another: its rows, its events; its facts are retired at `t`."""
        self.temporal.erase_history(track)
        self.semantic.retire_all_about(track.id, t)

    def absorb_duplicate(self, obj: TrackedObject, dup: TrackedObject, t: float) -> None:
        """`dup` is `obj` seen at its new place before the manipulation was recorded: forget `dup`'s records."""
        obj.sightings += dup.sightings
        obj.last_seen = max(obj.last_seen, dup.last_seen)
        if dup.status == PRESENT:
            if dup.rests_on is not None:
                self.contents_index[dup.rests_on].discard(dup.id)
            self._erase_history(dup, t)
            iv = obj.intervals[-1]
            iv.last_seen = max(iv.last_seen, dup.last_seen)
            iv.sightings += dup.sightings
            self.temporal.save_last_interval(obj)
        self.episodic.replace_seen(dup.id, obj.id)
        self._drop(dup)


def _track_age(obj: TrackedObject) -> tuple:
    """Sort key: confirmed before tentative, then first seen, then created first (the id that stays)."""
    number = obj.id.rsplit("_", 1)[-1]
    return (obj.status != PRESENT, obj.first_seen, obj.created_frame, int(number) if number.isdigit() else 0)
