"""Negative evidence: remembered objects the camera should have seen and did not, until they are gone."""

from __future__ import annotations

import numpy as np

from scene_graph.records import IngestResult, MemoryEvent
from scene_graph.tracking.object_tracks import ABSENT, PRESENT, TENTATIVE, TrackedObject, as_xyz
from scene_graph.tracking.reidentification import Reidentification
from scene_graph.types import Frame
from scene_graph.visibility import miss_weights


class NegativeEvidence(Reidentification):
    """Misses weighed by visibility; disappearance (or a move, when the object was seen elsewhere); expiry."""

    def _negative_evidence(self, frame: Frame, seen_idx: set[int], result: IngestResult) -> None:
        cfg = self.config
        a = self.arrays
        n = a.size
        if n == 0:
            return
        cam = np.array([frame.camera_pose.x, frame.camera_pose.y, frame.camera_pose.z])
        r = frame.max_range_m
        idx = a.near(cam[0] - r, cam[1] - r, cam[0] + r, cam[1] + r)
        if len(idx) == 0:
            return
        keep = ((a.status[idx] == PRESENT) | (a.status[idx] == TENTATIVE)) & (
            ((a.pos[idx] - cam) ** 2).sum(axis=1) <= r * r)
        if seen_idx:
            keep &= ~np.isin(idx, np.fromiter(seen_idx, dtype=np.int64))
        idx = idx[keep]
        if len(idx) == 0:
            return
        w = miss_weights(a.pos[idx], frame, cfg.min_view_range_m, cfg.image_edge_margin, cfg.occlusion_margin_m,
                         cfg.miss_weight_without_depth, a.bmin[idx], a.bmax[idx],
                         cfg.miss_pixels_for(frame.detector_min_pixels),
                         cfg.miss_max_range_m, cfg.small_object_occlusion_margin_m)
        t = float(frame.time)
        for i, weight in zip(idx[w > 0], w[w > 0]):
            obj = a.owner[int(i)]
            if obj is None:  # merged into another track or dropped earlier in this loop
                continue
            if self._shut_in(obj) or self._behind_a_wall(obj, frame):
                continue
            obj.misses += float(weight)
            if obj.first_miss is None:
                obj.first_miss = t
            if obj.status == TENTATIVE:
                if obj.misses >= 1.0:
                    self._drop(obj)
                    result.expired.append(obj.id)
                continue
            needed = cfg.receptacle_miss_evidence_to_close if obj.is_receptacle else cfg.miss_evidence_to_close
            if obj.misses >= needed:
                self._disappear(obj, frame, result)
            else:
                self.file.save_misses(obj)

    def _behind_a_wall(self, obj: TrackedObject, frame: Frame) -> bool:
        """In another room than the camera, and the line of sight goes through a wall of the floor plan.

        The depth image rarely says so for a thing standing against the far side of a wall: the wall is
        nearer than the object by less than the occlusion margin.
        """
        cp = frame.camera_pose
        camera_room = self.rooms.room_of(cp.x, cp.y, tolerance_m=0.0)
        if camera_room is None or obj.room is None or obj.room == camera_room:
            return False
        return self.rooms.sight_blocked((cp.x, cp.y), obj.position)

    def _shut_in(self, obj: TrackedObject) -> bool:
        """Inside furniture believed closed (its centre within the box, under the top): no camera sees it."""
        holder = self.tracks.get(obj.rests_on) if obj.rests_on is not None else None
        if holder is None or holder.state is None or holder.state == "open":
            return False
        lo, hi, p = holder.bbox_min, holder.bbox_max, obj.position
        return bool(lo[0] <= p[0] <= hi[0] and lo[1] <= p[1] <= hi[1] and lo[2] <= p[2] <= hi[2] - 0.02)

    def _disappear(self, obj: TrackedObject, frame: Frame, result: IngestResult) -> None:
        """Close the object's presence interval - unless it was already seen elsewhere (then it moved)."""
        newcomer = self._recent_newcomer(obj)
        if newcomer is not None:
            self._merge_newcomer(obj, newcomer, frame, result)
            return
        t_end = obj.first_miss if obj.first_miss is not None else float(frame.time)
        t_end = max(t_end, obj.last_seen)
        obj.status = ABSENT
        self.absent_by_category[obj.category].add(obj.id)
        if obj.intervals:
            self.temporal.close_interval(obj, t_end)
        if obj.rests_on is not None:
            self.contents_index[obj.rests_on].discard(obj.id)
        self.save_object(obj)
        self.temporal.emit(MemoryEvent("disappeared", obj.id, obj.category, t_end, as_xyz(obj.position), obj.room,
                                       from_place=self.place_name(obj), frame_ids=(frame.frame_id,)), obj, result)

    def _expire_tentative(self, t: float, result: IngestResult) -> None:
        if t < self._next_expiry_check:
            return
        self._next_expiry_check = t + self.config.tentative_expiry_s / 8.0
        limit = t - self.config.tentative_expiry_s
        for oid in [o for o in self.tentative if self.tracks[o].last_seen < limit]:
            self._drop(self.tracks[oid])
            result.expired.append(oid)
