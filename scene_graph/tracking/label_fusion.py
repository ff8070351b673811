"""Label fusion: a detection under another label on a remembered object's own geometry is a vote on it.

Detectors flip labels (a book called "keys"); fusion keeps one track per physical object whose
category is the vote winner, and tells label noise from another object standing there.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from scene_graph.records import IngestResult
from scene_graph.tracking.association import boxes_touch, overlap_of_smaller
from scene_graph.tracking.object_tracks import ABSENT, PRESENT, TENTATIVE, TrackedObject
from scene_graph.tracking.track_set import TrackSet
from scene_graph.types import Frame, Observation


class LabelFusion(TrackSet):
    """Votes on categories, flipped labels, label conflicts and decisive single sightings."""

    def _within_label_gate(self, pos: np.ndarray, cand: np.ndarray) -> Iterator[TrackedObject]:
        """Remembered objects among `cand` within `label_noise_gate_m` of `pos`, nearest first (none if 0)."""
        gate = self.config.label_noise_gate_m
        if gate <= 0 or len(cand) == 0:
            return
        a = self.arrays
        d = np.linalg.norm(a.pos[cand] - pos, axis=1)
        for k in np.argsort(d).tolist():
            if d[k] > gate:
                return
            obj = a.owner[int(cand[k])]
            if obj is not None:
                yield obj

    def _label_vote(self, ob: Observation, cat: str, pos: np.ndarray, bmin: np.ndarray, bmax: np.ndarray,
                    is_rec: bool, cand: np.ndarray, taken: set[int], frame: Frame, result: IngestResult
                    ) -> tuple[TrackedObject | None, bool]:
        """Label fusion: a differently-labelled detection on a track's own geometry votes on that track.

        The nearest unmatched track within `label_noise_gate_m` whose box overlaps the detection's by
        `label_vote_min_overlap` of the smaller box is the same physical object seen under another label.
        A tentative track takes the detection as a sighting (its category is the vote winner, so two "keys"
        and two low-confidence "orange" frames make one keys track). A confirmed track takes the vote; the
        detection becomes a sighting under the new category only once that category's votes reach
        `label_flip_margin` times the current one's, else the conflict rule (`_label_conflict`) decides, and
        when it decides "another object" the streak's votes are taken back.

        Returns (the track that took the detection as a sighting or None, whether the detection may still be
        label noise on a track: False when the nearest one's box does not overlap it, e.g. keys lying on a book).
        """
        cfg = self.config
        for obj in self._within_label_gate(pos, cand):
            if obj.idx in taken or obj.status == ABSENT or obj.is_receptacle != is_rec or obj.category == cat:
                continue
            if overlap_of_smaller(obj.bbox_min, obj.bbox_max, bmin, bmax) < cfg.label_vote_min_overlap:
                return None, False
            weight = max(ob.confidence, 0.05)
            if obj.status == TENTATIVE:
                self._update_matched(obj, ob, cat, frame, result)
                return obj, True
            votes = dict(obj.votes)
            votes[cat] = votes.get(cat, 0.0) + weight
            if votes[cat] >= cfg.label_flip_margin * votes.get(obj.category, 0.0):
                obj.conflicts, obj.conflict_votes = 0, {}
                return self._update_matched(obj, ob, cat, frame, result, flip_margin=cfg.label_flip_margin), True
            if obj.conflicts >= cfg.label_conflicts_tolerated:
                for c, w in obj.conflict_votes.items():  # the streak was another object, not noise on this one
                    left = obj.votes.get(c, 0.0) - w
                    if left > 1e-9:
                        obj.votes[c] = left
                    else:
                        obj.votes.pop(c, None)
                obj.conflict_votes = {}
                self.file.save_votes(obj)
                return None, True
            obj.votes = votes
            obj.conflict_votes[cat] = obj.conflict_votes.get(cat, 0.0) + weight
            self.file.save_votes(obj)
            return None, True  # not clear yet: _label_conflict excuses it (or calls it another object)
        return None, True

    def _label_host(self, pos: np.ndarray, bmin: np.ndarray, bmax: np.ndarray, cat: str, matched: TrackedObject,
                    cand: np.ndarray, paired: set[int]) -> TrackedObject | None:
        """The object a detection sits on when matching it to `matched` would move that object.

        A detection of `cat` beyond `move_threshold_m` from a remembered `cat` but right on (within
        `label_noise_gate_m`, boxes overlapping) an unmatched remembered thing of another category is that
        thing under a flipped label (a book called "keys" half a metre from the keys), not the keys moved.
        """
        cfg = self.config
        if float(np.linalg.norm(pos - matched.position)) <= cfg.move_threshold_m:
            return None
        for other in self._within_label_gate(pos, cand):
            if other is matched or other.idx in paired or other.status == ABSENT or other.is_receptacle \
                    or other.category == cat:
                continue
            if overlap_of_smaller(other.bbox_min, other.bbox_max, bmin, bmax) >= cfg.label_vote_min_overlap:
                return other
            return None
        return None

    def _label_conflict(self, pos: np.ndarray, is_rec: bool, cand: np.ndarray, taken: set[int]
                        ) -> TrackedObject | None:
        """A confirmed object right where a differently-labelled detection is: label noise, for a while.

        The first `label_conflicts_tolerated` such frames in a row count neither as a sighting of a new
        thing nor as a miss of the old one; after that it is believed to be a different object.
        """
        cfg = self.config
        for obj in self._within_label_gate(pos, cand):
            if obj.idx in taken or obj.status != PRESENT or obj.is_receptacle != is_rec:
                continue
            if obj.conflicts >= cfg.label_conflicts_tolerated:
                return None
            obj.conflicts += 1
            return obj
        return None

    def _decisive_sighting(self, ob: Observation, cat: str, is_rec: bool, pos: np.ndarray, bmin: np.ndarray,
                           bmax: np.ndarray) -> bool:
        """One sighting good enough to believe: a confident label on enough depth points, not on another thing.

        A movable thing must be whole (a border-cut instance may be a sliver of something else); furniture is
        usually cut by the border and counts anyway. A flipped label lands on a real object, so a detection on a
        remembered object of another category (within `label_noise_gate_m`; for furniture, boxes overlapping)
        is not decisive.
        """
        cfg = self.config
        # confidences travel as float32 in ROS messages: 0.9 arrives as 0.89999998
        if cfg.single_sighting_min_confidence >= 1.0 or ob.confidence < cfg.single_sighting_min_confidence - 1e-6 \
                or ob.num_points < cfg.single_sighting_min_points or (getattr(ob, "partial", False) and not is_rec):
            return False
        a = self.arrays
        g = max(cfg.label_noise_gate_m, cfg.receptacle_touch_margin_m)
        lo, hi = (bmin, bmax) if is_rec else (pos, pos)
        near = a.near(lo[0] - g, lo[1] - g, hi[0] + g, hi[1] + g)
        for i in near.tolist():
            other = a.owner[i]
            if other is None or other.status == ABSENT or other.is_receptacle != is_rec or other.category == cat:
                continue
            if is_rec:
                if boxes_touch(other.bbox_min, other.bbox_max, bmin, bmax, 0.0):
                    return False
            elif float(np.linalg.norm(other.position - pos)) <= cfg.label_noise_gate_m:
                return False
        return True

    def _vote_category(self, obj: TrackedObject, t: float, frame: Frame, margin: float = 1.0) -> None:
        """The category is the vote winner (ahead by `margin` times the current category's votes)."""
        best = max(obj.votes, key=obj.votes.get)
        if best == obj.category or obj.votes[best] <= obj.votes.get(obj.category, 0.0) \
                or obj.votes[best] < margin * obj.votes.get(obj.category, 0.0):
            return
        self.by_category[obj.category].discard(obj.id)
        old = obj.category
        obj.category = best
        self.by_category[best].add(obj.id)
        if obj.status == PRESENT:
            for fact in self.semantic.about(obj.id):
                if fact.subject == obj.id and fact.predicate == "is_a" and fact.object == old \
                        and fact.retired_at is None:
                    self.semantic.retire(fact.id, t)
            self.semantic.add(obj.id, "is_a", best, valid_from=obj.first_seen, recorded_at=t, confidence=obj.confidence,
                              provenance=f"frame:{frame.frame_id}")
