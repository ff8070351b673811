"""The tracker: folds each frame's observations into the object tracks (association, sightings, confirmation).

`Tracker.ingest_frame` runs inside the store's transaction for the frame: association of the
observations to the remembered objects, label fusion, new tentative tracks, confirmation,
re-identification, negative evidence, where the robot looked, and the frame's free-surface evidence.
"""

from __future__ import annotations

import math

import numpy as np

from scene_graph.attributes import COLOUR_PREDICATE, ColourSummary
from scene_graph.records import IngestResult, MemoryEvent
from scene_graph.tracking.association import assign, association_costs
from scene_graph.tracking.object_tracks import PRESENT, TENTATIVE, TrackedObject, as_xyz
from scene_graph.tracking.surface_evidence import SurfaceEvidence
from scene_graph.types import Frame, Observation


class Tracker(SurfaceEvidence):
    """Object tracking over the track set; built by the store on open (and again after a rollback)."""

    def load(self, next_object_number: int) -> None:
        self.load_objects(next_object_number)
        self._next_expiry_check = -math.inf
        self._pending_objects: list[tuple] = []
        self._pending_intervals: list[tuple] = []
        self._colour_seen: dict[int, TrackedObject] = {}  # objects whose colour summary this frame changed

    def ingest_frame(self, frame: Frame, observations: list[Observation], defer_surface_evidence: bool
                     ) -> IngestResult:
        """One frame's observations folded in; the caller holds the transaction and writes the frame's meta."""
        result = IngestResult(frame.frame_id)
        self._pending_objects, self._pending_intervals = [], []
        self.defer_surface_evidence = defer_surface_evidence
        self._colour_seen: dict[int, TrackedObject] = {}
        self._ingest(frame, observations, result)
        self._flush_sightings()
        self._write_colours(frame)
        if self.coverage.dirty and frame.time - self.coverage_saved_at >= self.config.surface_save_period_s:
            self.save_coverage()
            self.coverage_saved_at = float(frame.time)
        return result

    def _ingest(self, frame: Frame, observations: list[Observation], result: IngestResult) -> None:
        cfg = self.config
        onto = self.ontology
        t = float(frame.time)
        cats = [onto.canonical(o.category) for o in observations]
        n_obs = len(observations)
        matched_idx: set[int] = set()
        if n_obs:
            obs_pos = np.array([o.centroid for o in observations], dtype=float)
            obs_min = np.array([o.bbox_min for o in observations], dtype=float)
            obs_max = np.array([o.bbox_max for o in observations], dtype=float)
            obs_rec = np.array([onto.is_receptacle(c) for c in cats], dtype=bool)
            a = self.arrays
            gate_max = max(cfg.match_gate_m, cfg.receptacle_match_gate_m)
            lo, hi = obs_pos.min(axis=0) - gate_max, obs_pos.max(axis=0) + gate_max
            cand = a.near(lo[0], lo[1], hi[0], hi[1])
            if len(cand):
                cand = cand[(a.status[cand] == PRESENT) | (a.status[cand] == TENTATIVE)]
            if len(cand):
                p = a.pos[cand]
                near = np.all((p >= lo) & (p <= hi), axis=1)
                cand = cand[near]
            pairs: list[tuple[int, int]] = []
            if len(cand):
                d2 = ((obs_pos[:, None, :] - a.pos[cand][None, :, :]) ** 2).sum(axis=2)
                cand = cand[(d2 <= max(cfg.match_gate_m, cfg.receptacle_match_gate_m) ** 2).any(axis=0)]
            if len(cand):
                owners = [a.owner[i] for i in cand]
                gate = np.where(a.is_rec[cand], cfg.receptacle_match_gate_m, cfg.match_gate_m)
                cost = association_costs(obs_pos, obs_min, obs_max, cats, obs_rec,
                                         [o.embedding for o in observations],
                                         a.pos[cand], a.bmin[cand], a.bmax[cand], [o.category for o in owners],
                                         a.is_rec[cand], [o.embedding for o in owners],
                                         onto.compatibility, gate, 0.0)
                pairs = assign(cost)
            matched_obs = set()
            paired = {a.owner[int(cand[j])].idx for _, j in pairs}
            for i, j in pairs:
                obj = a.owner[int(cand[j])]
                if obj is None:
                    continue  # merged away by an earlier pair of this frame (re-identification): unmatched now
                if obj.status == PRESENT and not obj.is_receptacle and self._label_host(
                        obs_pos[i], obs_min[i], obs_max[i], cats[i], obj, cand, paired) is not None:
                    continue  # another thing under a flipped label, not this one moved: a vote (below)
                self.between_observations()
                matched_obs.add(i)
                matched_idx.add(obj.idx)
                obj.conflicts, obj.conflict_votes = 0, {}
                matched_idx.add(self._update_matched(obj, observations[i], cats[i], frame, result).idx)
            for i in range(n_obs):
                if i in matched_obs:
                    continue
                self.between_observations()
                if obs_rec[i]:
                    host = self._touching_receptacle(obs_min[i], obs_max[i], cats[i], matched_idx)
                    if host is not None:  # another part of furniture already remembered: extend it
                        matched_idx.add(host.idx)
                        host.conflicts, host.conflict_votes = 0, {}
                        self._update_matched(host, observations[i], cats[i], frame, result, extend=True)
                        continue
                voted, same_place = self._label_vote(observations[i], cats[i], obs_pos[i], obs_min[i], obs_max[i],
                                                     bool(obs_rec[i]), cand, matched_idx, frame, result)
                if voted is not None:
                    matched_idx.add(voted.idx)  # itself under another label: a vote (and maybe a sighting)
                    continue
                excused = self._label_conflict(obs_pos[i], bool(obs_rec[i]), cand, matched_idx) if same_place else None
                if excused is not None:
                    matched_idx.add(excused.idx)  # probably itself under a wrong label: no evidence either way
                    continue
                # a new track is tentative; when confirmed it is first matched against missing objects
                obj = self._create(observations[i], cats[i], bool(obs_rec[i]), obs_pos[i], obs_min[i],
                                   obs_max[i], frame, result)
                result.created.append(obj.id)
                if self.tracks.get(obj.id) is obj:
                    matched_idx.add(obj.idx)
                elif result.matched and result.matched[-1] in self.tracks:  # folded into a missing object
                    matched_idx.add(self.tracks[result.matched[-1]].idx)
        if n_obs:
            matched_idx |= self._furniture_in_sight(obs_min[obs_rec], obs_max[obs_rec],
                                                    [c for c, r in zip(cats, obs_rec) if r])
        self.between_observations()
        self._negative_evidence(frame, matched_idx, result)
        self._expire_tentative(t, result)
        self.temporal.record_coverage(frame, self.rooms)
        if self.defer_surface_evidence:
            self.deferred_surfaces.append((frame, observations, cats))
        else:
            self._observe_surfaces(frame, observations, cats)
        self.episodic.note_seen(result.matched)

    def _update_matched(self, obj: TrackedObject, ob: Observation, cat: str, frame: Frame,
                        result: IngestResult, extend: bool = False, flip_margin: float = 1.0) -> TrackedObject:
        """One sighting of `obj`; returns the track that took it (another one when `obj` was merged into it)."""
        cfg = self.config
        t = float(frame.time)
        pos = np.asarray(ob.centroid, dtype=float)
        bmin, bmax = np.asarray(ob.bbox_min, dtype=float), np.asarray(ob.bbox_max, dtype=float)
        obj.sightings += 1
        obj.last_seen = t
        obj.last_frame = frame.frame_id
        obj.misses = 0.0
        obj.first_miss = None
        obj.votes[cat] = obj.votes.get(cat, 0.0) + max(ob.confidence, 0.05)
        self._note_colour(obj, ob)
        if ob.embedding is not None:
            e = np.asarray(ob.embedding, dtype=np.float32).ravel()
            if obj.embedding is None or obj.embedding.shape != e.shape:
                obj.embedding = e
            else:
                obj.embedding = (obj.embedding * 0.8 + e * 0.2).astype(np.float32)
        moved = (obj.status == PRESENT and not obj.is_receptacle
                 and float(np.linalg.norm(pos - obj.position)) > cfg.move_threshold_m)
        if obj.is_receptacle and (extend or getattr(ob, "partial", False)):
            # a view cut by the image border (or of another part) shows only some of the furniture: grow the box
            obj.bbox_min, obj.bbox_max = np.minimum(obj.bbox_min, bmin), np.maximum(obj.bbox_max, bmax)
            obj.position = (obj.bbox_min + obj.bbox_max) / 2.0
        elif moved:
            obj.position, obj.bbox_min, obj.bbox_max = pos, bmin, bmax
            self._relocate(obj, t, "moved", frame, result)
        else:
            w = 1.0 / min(obj.sightings, 20)
            if float(np.linalg.norm(pos - obj.position)) > cfg.refit_distance_m:
                w = max(w, 0.5)  # a real small shift (nudged, not moved): follow it quickly
            obj.position = obj.position + (pos - obj.position) * w
            obj.bbox_min = obj.bbox_min + (bmin - obj.bbox_min) * w
            obj.bbox_max = obj.bbox_max + (bmax - obj.bbox_max) * w
        result.matched.append(obj.id)
        if obj.status == TENTATIVE:
            # confirmed as the vote winner, so a track begun under a flipped label is recognised as the missing object
            self._vote_category(obj, t, frame, flip_margin)
            if obj.sightings >= cfg.confirm_sightings:
                self._confirm(obj, frame, result)
                if self.tracks.get(obj.id) is not obj:
                    return obj  # it was a missing object seen again: folded into that one
        elif obj.intervals:
            iv = obj.intervals[-1]
            iv.last_seen = t
            iv.sightings += 1
        was = obj.category
        self._vote_category(obj, t, frame, flip_margin)
        if obj.category != was and obj.status == PRESENT and not obj.is_receptacle:
            # relabelled: it may be an object of its new category closed as gone meanwhile, moved here
            gone = self._recent_predecessor(obj)
            if gone is not None:
                self._merge_closed(gone, obj, frame, result)
                obj = gone
                result.matched.append(obj.id)
        if obj.is_receptacle and obj.status == PRESENT and (extend or getattr(ob, "partial", False)):
            obj = self._merge_touching_receptacles(obj, t)
        if obj.status == PRESENT and obj.rests_on is None and not obj.is_receptacle and not moved:
            self._attach_support(obj)
        if ob.state is not None and ob.state_confidence >= cfg.min_state_confidence:
            if obj.status == PRESENT:
                self._state_evidence(obj, str(ob.state), t, frame, result)
            elif obj.status == TENTATIVE:
                obj.state = str(ob.state)
        self.arrays.update(obj)
        self._pending_objects.append(self.file.sighting_row(obj, t))
        if obj.status == PRESENT and obj.interval_rows:
            self._pending_intervals.append((t, obj.intervals[-1].sightings, obj.interval_rows[-1]))
        return obj

    def _flush_sightings(self) -> None:
        """Write the frame's consolidated sightings (counters and last_seen, no row per sighting)."""
        self.file.save_sightings(self._pending_objects, self._pending_intervals)
        self._pending_objects, self._pending_intervals = [], []

    def _state_evidence(self, obj: TrackedObject, state: str, t: float, frame: Frame, result: IngestResult) -> None:
        """One sighting's state evidence; a new state is believed after `state_change_sightings` in a row.

        A single odd frame (a door seen edge-on reads "open") changes nothing; a real change is recorded
        at the time of its first consistent sighting, with the frames that showed it.
        """
        if obj.state is None or obj.state == state:
            obj.pending_state, obj.pending_frames = None, []
            if obj.state is None:
                self._set_state(obj, state, t, frame, result)
            return
        if obj.pending_state != state:
            obj.pending_state, obj.pending_time, obj.pending_frames = state, t, []
        obj.pending_frames.append(frame.frame_id)
        if len(obj.pending_frames) >= self.config.state_change_sightings:
            since, frames = obj.pending_time, tuple(obj.pending_frames)
            obj.pending_state, obj.pending_frames = None, []
            self._set_state(obj, state, since, frame, result, frame_ids=frames)

    def _set_state(self, obj: TrackedObject, state: str, t: float, frame: Frame, result: IngestResult,
                   frame_ids: tuple[int, ...] | None = None) -> None:
        state = str(state)
        obj.pending_state, obj.pending_frames = None, []
        if obj.state == state:
            return
        old = obj.state
        obj.state = state
        self.temporal.add_state(obj, t, state)
        self.file.save_state(obj)
        if old is not None:
            self.temporal.emit(MemoryEvent("state_changed", obj.id, obj.category, t, as_xyz(obj.position), obj.room,
                                           old_state=old, new_state=state, frame_ids=frame_ids or (frame.frame_id,)),
                               obj, result)

    def _create(self, ob: Observation, cat: str, is_rec: bool, pos, bmin, bmax, frame: Frame,
                result: IngestResult | None = None) -> TrackedObject:
        oid = f"{cat}_{self.next_object_number}"
        self.next_object_number += 1
        obj = TrackedObject(oid, cat, is_rec, pos.copy(), bmin.copy(), bmax.copy(), float(frame.time),
                            frame.frame_id)
        obj.votes = {cat: max(ob.confidence, 0.05)}
        self._note_colour(obj, ob)
        if ob.embedding is not None:
            obj.embedding = np.asarray(ob.embedding, dtype=np.float32).ravel()
        if ob.state is not None:
            obj.state = str(ob.state)
        obj.room = self.rooms.room_of(float(pos[0]), float(pos[1]))
        obj.seen_empty = self.coverage.seen_empty(bmin, bmax, float(frame.time))
        decisive = self._decisive_sighting(ob, cat, is_rec, pos, bmin, bmax)
        self._register(obj)
        self.file.insert_object(obj)
        if self.config.confirm_sightings <= 1 or decisive:
            self._confirm(obj, frame, result)
        return obj

    def _note_colour(self, obj: TrackedObject, ob: Observation) -> None:
        """Add a sighting's mean colour to the object's colour summary (scene_graph.attributes)."""
        if ob.mean_color is None:
            return
        if obj.colour is None:
            obj.colour = ColourSummary(self.config.colour_seen_share)
            known = self.semantic.facts(obj.id, COLOUR_PREDICATE)
            obj.colour.written = known[-1].object if known else None
        obj.colour.add(ob.mean_color)
        self._colour_seen[id(obj)] = obj

    def _write_colours(self, frame: Frame) -> None:
        """A confirmed object whose colour name changed gets a new colour fact; the old one ends now."""
        t = float(frame.time)
        for obj in self._colour_seen.values():
            name = obj.colour.name
            if obj.status != PRESENT or name is None or name == obj.colour.written:
                continue
            for old in self.semantic.facts(obj.id, COLOUR_PREDICATE):
                if old.valid_to is None:
                    self.semantic.end(old.id, t)
            self.semantic.add(obj.id, COLOUR_PREDICATE, name, valid_from=t, recorded_at=t, confidence=0.8,
                              provenance=f"frame:{frame.frame_id}")
            obj.colour.written = name

    def _confirm(self, obj: TrackedObject, frame: Frame, result: IngestResult | None) -> None:
        """A tentative object has been seen often enough: make it permanent (or recognise a missing one)."""
        self.tentative.discard(obj.id)
        missing = self._reidentify(obj.category, obj.is_receptacle, obj.position)
        if missing is None and not obj.is_receptacle:
            missing = self._being_missed(obj)
        if missing is not None:
            self._fold_into(obj, missing, frame, result)
            return
        obj.status = PRESENT
        t0 = obj.first_seen
        self.temporal.open_interval(obj, t0, obj.last_seen, obj.sightings)
        self.update_support(obj)
        self.add_location(obj, t0)
        if obj.state is not None:
            self.temporal.add_state(obj, t0, obj.state)
        self.file.save_confirmed(obj)
        self.arrays.update(obj)
        self.temporal.emit(MemoryEvent("appeared", obj.id, obj.category, t0, as_xyz(obj.position), obj.room,
                                       to_place=self.place_name(obj), frame_ids=tuple(dict.fromkeys((obj.created_frame,
                                                                                             frame.frame_id))),
                                       discovery=obj.seen_empty is None),
                           obj, result)
        self.semantic.add(obj.id, "is_a", obj.category, valid_from=t0, recorded_at=float(frame.time),
                          confidence=obj.confidence, provenance=f"frame:{frame.frame_id}")
        if obj.is_receptacle:
            self._attach_to_new_receptacle(obj)
