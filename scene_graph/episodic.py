"""Episodic memory: episodes (what the robot was doing, from when to when), their events and summaries.

`EpisodicMemory` keeps the episodes and, for each open one, the objects seen during it; its writes
run inside the caller's transaction. What the world looked like at a time t is the temporal memory's
`snapshot`; an episode's events are the temporal memory's events within it.
"""

from __future__ import annotations

import json
import math
from collections import Counter

from memory_stack.foundation.errors import BadInputError
from scene_graph.persistence import MemoryFile
from scene_graph.records import Episode, MemoryEvent
from scene_graph.temporal import events, observed_intervals
from scene_graph.view import MemoryView


class EpisodicMemory:
    """The episodes, and the objects seen during each open one."""

    def __init__(self, file: MemoryFile) -> None:
        self.file = file
        self.episode_map: dict[int, Episode] = {}
        self.open_episode_objects: dict[int, set[str]] = {}

    def load(self) -> None:
        for row in self.file.episode_rows():
            self.episode_map[row[0]] = Episode(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))
            if row[4] is None:
                self.open_episode_objects[row[0]] = set()

    @staticmethod
    def check_begin(kind: str) -> None:
        if not isinstance(kind, str) or not kind:
            raise BadInputError("begin_episode: kind must be a non-empty string")

    def begin(self, kind: str, name: str, time: float) -> int:
        eid = self.file.insert_episode(kind, name, float(time))
        self.episode_map[eid] = Episode(eid, kind, name, float(time), None, {})
        self.open_episode_objects[eid] = set()
        return eid

    def get(self, episode_id: int, caller: str) -> Episode:
        ep = self.episode_map.get(episode_id)
        if ep is None:
            raise BadInputError(f"{caller}: no episode with id {episode_id}")
        return ep

    def check_end(self, episode_id: int, time: float) -> None:
        ep = self.get(episode_id, "end_episode")
        if float(time) < ep.start:
            raise BadInputError(f"end_episode: episode {episode_id} ends ({time}) before it starts ({ep.start})")

    def end(self, view: MemoryView, episode_id: int, time: float) -> Episode:
        """End a checked episode (`check_end`) with its summary; inside the caller's transaction."""
        ep = self.episode_map[episode_id]
        seen = self.open_episode_objects.pop(episode_id, set())
        summary = episode_summary(view, ep.start, float(time), seen)
        self.file.end_episode(episode_id, float(time), summary)
        ep.end, ep.summary = float(time), summary
        return ep

    def note_seen(self, object_ids: list[str]) -> None:
        """Objects seen in a frame count as seen during every open episode."""
        for seen in self.open_episode_objects.values():
            seen.update(object_ids)

    def replace_seen(self, old: str, new: str) -> None:
        """`old` turned out to be `new` (a duplicate track forgotten)."""
        for seen in self.open_episode_objects.values():
            if old in seen:
                seen.discard(old)
                seen.add(new)

    def episodes(self, t0: float | None, t1: float | None, kind: str | None) -> list[Episode]:
        """Episodes overlapping [t0, t1] (coarse recall); follow with `episode_events` for the detail."""
        out = []
        for ep in self.episode_map.values():
            end = ep.end if ep.end is not None else math.inf
            if (t0 is None or end >= t0) and (t1 is None or ep.start <= t1) and (kind is None or ep.kind == kind):
                out.append(ep)
        return sorted(out, key=lambda e: e.start)


def episode_events(view: MemoryView, episode: Episode) -> list[MemoryEvent]:
    return events(view, episode.start, episode.end if episode.end is not None else None, None, None)


def episode_summary(view: MemoryView, t0: float, t1: float, seen: set[str]) -> dict:
    rooms = sorted({room for start, end, room in observed_intervals(view, t0, t1)})
    evs = events(view, t0, t1, None, None)
    by_kind = Counter(ev.kind for ev in evs)
    return {"rooms_visited": rooms, "objects_seen": len(seen),
            "categories_seen": sorted({view.tracks[o].category for o in seen if o in view.tracks}),
            "event_counts": dict(by_kind), "first_event_id": evs[0].id if evs else None,
            "last_event_id": evs[-1].id if evs else None, "t0": t0, "t1": t1}
