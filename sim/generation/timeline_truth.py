"""What a validated scenario's timeline says happened: the facts generated questions are answered from.

Read from the Scenario alone (initial placements, timeline, observe schedule), like the world's truth
the simulator plays; no simulator needed. "Seen" is the schedule's view: a patrol shows the rooms it
visits at its start time, objects inside openable furniture excepted (the door is shut to a patrol).
"""

from __future__ import annotations

import math
from collections import Counter

from sim.scenario import Scenario


class TimelineTruth:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.furniture = scenario.furniture_by_id()
        self.category: dict[str, str] = {o.id: o.category for o in scenario.world.objects}
        self._steps: dict[str, list[tuple[float, str | None]]] = {
            o.id: [(-math.inf, o.rests_on)] for o in scenario.world.objects}
        self._doors: dict[str, list[tuple[float, bool]]] = {
            f.id: [(-math.inf, False)] for f in scenario.world.furniture if f.openable}
        for e in scenario.timeline:
            if e.kind == "move":
                self._steps[e.move].append((e.time, e.to))
            elif e.kind == "remove" and e.remove in self._steps:
                self._steps[e.remove].append((e.time, None))
            elif e.kind == "add":
                self.category[e.add.id] = e.add.category
                self._steps.setdefault(e.add.id, [(-math.inf, None)]).append((e.time, e.add.rests_on))
            elif e.kind in ("open", "close"):
                self._doors[getattr(e, e.kind)].append((e.time, e.kind == "open"))

    def objects(self) -> list[str]:
        return list(self._steps)

    def place_at(self, oid: str, t: float) -> str | None:
        """Furniture id the object rests on at `t` (events at exactly t have happened), None when not in the house."""
        place = None
        for time, where in self._steps[oid]:
            if time > t:
                break
            place = where
        return place

    def room_at(self, oid: str, t: float) -> str | None:
        place = self.place_at(oid, t)
        return self.furniture[place].room if place is not None else None

    def is_open(self, fid: str, t: float) -> bool:
        state = False
        for time, value in self._doors.get(fid, []):
            if time > t:
                break
            state = value
        return state

    def opened(self, fid: str, t0: float, t1: float) -> int:
        return sum(1 for time, value in self._doors.get(fid, []) if value and t0 < time <= t1)

    def moves(self, oid: str, t0: float, t1: float) -> int:
        """Moves by the timeline's `move` events (not additions or removals) in (t0, t1]."""
        return sum(1 for e in self.scenario.timeline if e.kind == "move" and e.move == oid and t0 < e.time <= t1)

    def last_change(self, oid: str, t: float) -> float:
        times = [time for time, _ in self._steps[oid] if time <= t]
        return times[-1] if times else -math.inf

    def on(self, fid: str, t: float) -> list[str]:
        return sorted(self.category[o] for o in self._steps if self.place_at(o, t) == fid)

    def in_room(self, room: str, t: float) -> list[str]:
        return sorted(self.category[o] for o in self._steps if self.room_at(o, t) == room)

    def changed_in_room(self, room: str, t0: float, t1: float) -> list[str]:
        """Categories of the objects whose place differs between t0 and t1 and that `room` showed at t0 or t1.

        What the two patrols at t0 and t1 can show: an object that arrived in, left or moved within the room
        and stood in it in view at one of the two looks. One that moved away and came back, only passed
        through the room between the looks, or was shut inside furniture at both is no change either look
        shows.
        """
        changed = []
        for oid in self._steps:
            before, after = self.place_at(oid, t0), self.place_at(oid, t1)
            if before != after and (self._shown_in(room, before, t0) or self._shown_in(room, after, t1)):
                changed.append(oid)
        return sorted(self.category[o] for o in changed)

    def _shown_in(self, room: str, place: str | None, t: float) -> bool:
        """Whether a thing on `place` at `t` stands in view in `room` (not shut inside openable furniture)."""
        if place is None or self.furniture[place].room != room:
            return False
        return not self.furniture[place].openable or self.is_open(place, t)

    def ever_in_house(self, category: str) -> list[str]:
        return [o for o, c in self.category.items() if c == category]

    def openings_a_patrol_shows(self, fid: str, t0: float, t1: float) -> int:
        """Closed-to-open changes of `fid` the patrols of its room could show in (t0, t1] (state at each look)."""
        room = self.furniture[fid].room
        looks = sorted(e.start for e in self.scenario.observe
                       if e.kind == "patrol" and e.start <= t1 and room in e.rooms(self.scenario.room_names()))
        shown, was_open = 0, self.is_open(fid, t0)
        for look in looks:
            state = self.is_open(fid, look)
            if look > t0 and state and not was_open:
                shown += 1
            was_open = state
        return shown

    def moves_a_patrol_shows(self, oid: str, t0: float, t1: float) -> int:
        """Moves of `oid` in (t0, t1] that patrols could show (memory cannot count a move its looks missed).

        A move is shown when a patrol saw the thing where it was after its step before and where it
        went before its step after.
        """
        sightings = self.patrol_sightings(oid, t1)
        steps = [time for time, _ in self._steps[oid]] + [math.inf]
        shown = 0
        for e in self.scenario.timeline:
            if e.kind != "move" or e.move != oid or not t0 < e.time <= t1:
                continue
            i = steps.index(e.time)
            before = any(steps[i - 1] <= t < e.time for t in sightings)
            after = any(e.time <= t < steps[i + 1] for t in sightings)
            shown += before and after
        return shown

    def patrol_sightings(self, oid: str, t: float) -> list[float]:
        """Start times of patrols up to `t` whose rooms held the object on an open surface (or an open door)."""
        seen = []
        for entry in self.scenario.observe:
            if entry.kind != "patrol" or entry.start > t:
                continue
            place = self.place_at(oid, entry.start)
            if place is None:
                continue
            spec = self.furniture[place]
            if spec.openable and not self.is_open(place, entry.start):
                continue
            if spec.room in entry.rooms(self.scenario.room_names()):
                seen.append(entry.start)
        return seen

    def category_counts(self, t: float) -> Counter:
        return Counter(self.category[o] for o in self._steps if self.place_at(o, t) is not None)
