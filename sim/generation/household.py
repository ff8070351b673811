"""`generate_household(seed, knobs)`: a scenario (specs/scenario.md) nobody wrote by hand.

One seed and the knobs fix everything: the floor plan (sim.generation.floor_layout), furniture and
the objects on and in it (sim.generation.furnishing), days of what the household does (routine moves
at per-category rates, tidy-up bursts, removals, additions, doors opened and closed, and moves after
the robot's last look that it cannot have seen), the robot's schedule and noise, and questions of
every form with answers computed from that timeline (sim.generation.timeline_truth), worded by
sim.generation.question_grammar, and tasks. The result is validated by sim.scenario before it is
returned, so a generated file always passes `python -m sim.scenario_check`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time
from planners.acting.task_outcomes import CANNOT_FIND, CANNOT_GRASP, CANNOT_REACH
from sim.generation.floor_layout import generate_layout
from sim.generation.furnishing import Piece, furnish, robot_start, stock
from sim.generation.question_grammar import phrase, time_expression
from sim.generation.timeline_truth import TimelineTruth
from sim.generation.vocabulary import GROUP_OF, OBJECT_GROUPS, graspable, too_wide_to_grasp, top_within_reach
from sim.scenario import Scenario, scenario_from_dict
from sim.surface_packing import fits, surface_of_category

DAY = 86400.0
HOUR = 3600.0

NOISE_LEVELS: dict[str, dict[str, float]] = {
    "none": {"label_flip": 0.0, "miss_rate": 0.0, "depth_sigma_m": 0.0, "odom_drift_m_per_m": 0.0},
    "low": {"label_flip": 0.02, "miss_rate": 0.05, "depth_sigma_m": 0.005, "odom_drift_m_per_m": 0.002},
    "medium": {"label_flip": 0.05, "miss_rate": 0.1, "depth_sigma_m": 0.01, "odom_drift_m_per_m": 0.005},
    "high": {"label_flip": 0.1, "miss_rate": 0.2, "depth_sigma_m": 0.02, "odom_drift_m_per_m": 0.01},
}
SCHEDULES = ("sparse", "daily", "twice_daily", "watch")

# share of the questions per form (rounded; every form with a candidate gets at least one when there are enough)
FORM_SHARES: tuple[tuple[str, float], ...] = (
    ("present_location", 0.30), ("past_location", 0.12), ("room_of", 0.08), ("contents", 0.10),
    ("object_state", 0.07), ("count_opened", 0.06), ("count_moved", 0.05), ("still_present", 0.08),
    ("changes", 0.05), ("first_seen", 0.04), ("last_seen", 0.05), ("object_count", 0.06), ("attribute", 0.05),
    ("exists", 0.04), ("identify", 0.04), ("affordance", 0.04), ("robot_location", 0.04), ("relation", 0.05))


@dataclass(frozen=True)
class Knobs:
    """What a generated household may vary. `rooms` None: 3..6 drawn from the seed."""

    rooms: int | None = None
    days: int = 2
    clutter: float = 0.5  # fraction of each surface's real capacity filled at the start
    noise: str = "low"
    schedule: str = "daily"
    questions: int = 10
    tasks: int = 2
    impossible_tasks: int = 1  # fetch tasks that cannot be done (unreachable, not graspable, not found), last
    max_objects: int = 40
    activity: float = 1.0  # scales every group's moves per day
    unseen_moves: int = 3  # moves after the robot's last look before the questions
    layout: str | None = None  # "split" / "corridor" / None (drawn)

    def check(self) -> None:
        problems = []
        if self.rooms is not None and not 2 <= self.rooms <= 10:
            problems.append(f"--rooms: 2..10, got {self.rooms}")
        if not 1 <= self.days <= 14:
            problems.append(f"--days: 1..14, got {self.days}")
        if not 0.0 <= self.clutter <= 1.0:
            problems.append(f"--clutter: 0..1, got {self.clutter}")
        if self.noise not in NOISE_LEVELS:
            problems.append(f"--noise: one of {list(NOISE_LEVELS)}, got {self.noise!r}")
        if self.schedule not in SCHEDULES:
            problems.append(f"--schedule: one of {list(SCHEDULES)}, got {self.schedule!r}")
        if not 0 <= self.questions <= 200:
            problems.append(f"--questions: 0..200, got {self.questions}")
        if not 0 <= self.tasks <= 20:
            problems.append(f"--tasks: 0..20, got {self.tasks}")
        if not 0 <= self.impossible_tasks <= 20:
            problems.append(f"--impossible-tasks: 0..20, got {self.impossible_tasks}")
        if not 1 <= self.max_objects <= 500:
            problems.append(f"--max-objects: 1..500, got {self.max_objects}")
        if not 0.0 <= self.activity <= 10.0:
            problems.append(f"--activity: 0..10, got {self.activity}")
        if not 0 <= self.unseen_moves <= 50:
            problems.append(f"--unseen-moves: 0..50, got {self.unseen_moves}")
        if self.layout not in (None, "split", "corridor"):
            problems.append(f"--layout: split or corridor, got {self.layout!r}")
        if self.layout == "corridor" and self.rooms is not None and self.rooms < 4:
            problems.append("--layout corridor needs --rooms >= 4")
        if problems:
            raise BadInputError("generate: " + "; ".join(problems))


@dataclass
class _House:
    """The generator's running state while it writes the timeline."""

    pieces: dict[str, Piece]
    location: dict[str, str]
    category: dict[str, str]
    events: list[dict] = field(default_factory=list)
    next_id: dict[str, int] = field(default_factory=dict)

    def new_id(self, category: str) -> str:
        self.next_id[category] = self.next_id.get(category, 0) + 1
        return f"{category}_{self.next_id[category]}"

    def room_for(self, oid: str, fid: str) -> bool:
        held = [self.category[o] for o, f in self.location.items() if f == fid and o != oid]
        piece = self.pieces[fid]
        return fits(surface_of_category(piece.category, piece.openable), held + [self.category[oid]])


def generate_household(seed: int, knobs: Knobs = Knobs(), name: str | None = None) -> dict:
    """The scenario document (a dict ready for YAML) of household `seed`; validated before it is returned."""
    knobs.check()
    if not 0 <= seed <= 2**32 - 2:
        raise BadInputError(f"generate: --seed must be within 0..{2**32 - 2}, got {seed}")
    rng = np.random.default_rng(seed)
    n_rooms = knobs.rooms if knobs.rooms is not None else int(rng.integers(3, 7))
    layout = generate_layout(rng, n_rooms, knobs.layout if n_rooms >= 4 else "split")
    pieces = furnish(rng, layout)
    start = robot_start(layout)
    house = _House({p.id: p for p in pieces}, {}, {})
    objects = []
    for category, fid in stock(rng, pieces, knobs.clutter, knobs.max_objects):
        oid = house.new_id(category)
        house.location[oid], house.category[oid] = fid, category
        objects.append({"id": oid, "category": category, "rests_on": fid})
    observe = _schedule(rng, knobs, [b.name for b in layout.rooms])
    question_time = (knobs.days - 1) * DAY + 20 * HOUR
    _write_timeline(rng, knobs, house, observe, question_time)
    document = {
        "scenario": name or f"generated_{seed}",
        "seed": int(seed),
        "world": {
            "rooms": [{"name": b.name, "polygon": [[round(x, 2), round(y, 2)] for x, y in b.polygon()]}
                      for b in layout.rooms],
            "doors": [{"rooms": list(d.rooms), "at": list(d.at), "width": d.width} for d in layout.doors],
            "furniture": [{"id": p.id, "category": p.category, "room": p.room, "at": list(p.at), "yaw": p.yaw,
                           **({"openable": True} if p.openable else {})} for p in pieces],
            "objects": objects,
        },
        "robot": {"start": {"at": list(start), "yaw": 0.0}, "camera": {"width": 320, "height": 240, "hfov_deg": 70},
                  "noise": dict(NOISE_LEVELS[knobs.noise])},
        "timeline": house.events,
        "observe": observe,
    }
    scenario = scenario_from_dict(document, document["scenario"])
    truth = TimelineTruth(scenario)
    document["questions"] = _questions(rng, knobs, scenario, truth, question_time)
    document["tasks"] = _tasks(rng, knobs, scenario, truth, question_time)
    scenario_from_dict(document, document["scenario"])
    return document


# ------------------------------------------------------------------------------------------- the schedule
def _schedule(rng: np.random.Generator, knobs: Knobs, rooms: list[str]) -> list[dict]:
    observe: list[dict] = []
    kitchen = "kitchen" if "kitchen" in rooms else rooms[0]
    for day in range(knobs.days):
        if knobs.schedule == "sparse" and day % 2 == 1:
            continue
        observe.append({"at": format_time(day * DAY + 7 * HOUR), "patrol": "all"})
        if knobs.schedule == "watch":
            observe.append({"from": format_time(day * DAY + 7.5 * HOUR), "to": format_time(day * DAY + 8 * HOUR),
                            "watch": kitchen, "period_s": 1800})
        if knobs.schedule == "twice_daily":
            observe.append({"at": format_time(day * DAY + 18 * HOUR), "patrol": "all"})
        elif day > 0 and rng.random() < 0.5:
            some = sorted(rng.choice(rooms, size=max(1, len(rooms) // 2), replace=False).tolist(),
                          key=rooms.index)
            observe.append({"at": format_time(day * DAY + 13 * HOUR), "patrol": some})
    return observe


def _observed_times(observe: list[dict]) -> list[tuple[float, float]]:
    """(start, end) of each scheduled look, with half an hour for a patrol to go round."""
    from memory_stack.foundation.time_format import parse_time

    spans = []
    for entry in observe:
        if "at" in entry:
            t = parse_time(entry["at"])
            spans.append((t - 60.0, t + 0.5 * HOUR))
        else:
            spans.append((parse_time(entry["from"]) - 60.0, parse_time(entry["to"]) + 60.0))
    return spans


# ------------------------------------------------------------------------------------------- the timeline
def _write_timeline(rng: np.random.Generator, knobs: Knobs, house: _House, observe: list[dict],
                    question_time: float) -> None:
    """Events in time order; no event falls while the robot is looking (a look sees a still house)."""
    busy = _observed_times(observe)
    last_look = max((end for _, end in busy if end < question_time), default=0.0)
    planned: list[tuple[float, str, object]] = []
    for oid, category in house.category.items():
        rate = GROUP_OF[category].moves_per_day * knobs.activity
        for _ in range(int(rng.poisson(rate * knobs.days * 0.5))):
            planned.append((_daytime(rng, knobs.days), "move", oid))
    for day in range(knobs.days):
        if rng.random() < 0.5:
            t = day * DAY + float(rng.uniform(9, 17)) * HOUR
            planned.append((t, "burst", int(rng.integers(3, 6))))
        if rng.random() < 0.5:
            planned.append((day * DAY + float(rng.uniform(9, 19)) * HOUR, "remove", None))
        for _ in range(int(rng.integers(0, 3))):
            planned.append((day * DAY + float(rng.uniform(9, 19)) * HOUR, "add", None))
    for fid, piece in house.pieces.items():
        if piece.openable:
            rate = 1.5 if piece.category == "fridge" else 0.3
            for _ in range(int(rng.poisson(rate * knobs.days))):
                planned.append((_daytime(rng, knobs.days), "open", fid))
    # moves after the robot's last look: memory alone cannot know them
    for k in range(knobs.unseen_moves):
        t = last_look + (k + 1) * (question_time - 10 * 60.0 - last_look) / (knobs.unseen_moves + 1)
        planned.append((t, "move", None))
    if rng.random() < 0.4:
        planned.append((question_time - 5 * 60.0, "leave_open", None))
    planned = sorted(((_outside(_minute(t), busy), kind, what) for t, kind, what in planned), key=lambda item: item[0])
    for t, kind, what in planned:
        if t >= question_time - 60.0:
            continue
        if kind == "move":
            oid = what if what is not None else _any_object(rng, house)
            if oid in house.location:
                _move(rng, house, oid, t)
        elif kind == "burst":
            for k in range(int(what)):
                oid = _any_object(rng, house)
                if oid is not None and _outside(t + 60.0 * k, busy) == t + 60.0 * k:
                    _move(rng, house, oid, t + 60.0 * k, same_room=True)
        elif kind == "remove":
            # mostly the only one of its kind (then "the <category>" still names it when asked about)
            alone = sorted(o for o in house.location if list(house.category.values()).count(house.category[o]) == 1)
            oid = _pick(rng, alone) if alone and rng.random() < 0.7 else _any_object(rng, house)
            if oid is not None:
                house.events.append({"at": format_time(round(t)), "remove": oid})
                del house.location[oid]
        elif kind == "add":
            _add(rng, house, t)
        elif kind == "open":
            _open_close(rng, house, str(what), t, close=True)
        elif kind == "leave_open":
            openable = sorted(fid for fid, p in house.pieces.items() if p.openable)
            if openable:
                _open_close(rng, house, openable[int(rng.integers(len(openable)))], t, close=False)
    house.events.sort(key=lambda e: _event_time(e))


def _event_time(event: dict) -> float:
    from memory_stack.foundation.time_format import parse_time

    return parse_time(event["at"])


def _daytime(rng: np.random.Generator, days: int) -> float:
    return _minute(int(rng.integers(days)) * DAY + float(rng.uniform(7.6, 19.5)) * HOUR)


def _minute(t: float) -> float:
    return float(round(t / 60.0) * 60.0)


def _outside(t: float, busy: list[tuple[float, float]]) -> float:
    for start, end in busy:
        if start <= t <= end:
            return end + 60.0
    return t


def _any_object(rng: np.random.Generator, house: _House) -> str | None:
    ids = sorted(house.location)
    return ids[int(rng.integers(len(ids)))] if ids else None


def _homes(house: _House, category: str) -> list[str]:
    homes = GROUP_OF[category].homes
    return sorted(fid for fid, p in house.pieces.items() if p.category in homes and p.is_surface())


def _move(rng: np.random.Generator, house: _House, oid: str, t: float, same_room: bool = False) -> None:
    here = house.location[oid]
    options = [f for f in _homes(house, house.category[oid]) if f != here]
    if same_room:
        options = [f for f in options if house.pieces[f].room == house.pieces[here].room] or options
    rng.shuffle(options)
    for fid in options:
        if house.room_for(oid, fid):
            house.events.append({"at": format_time(round(t)), "move": oid, "to": fid})
            house.location[oid] = fid
            return


def _add(rng: np.random.Generator, house: _House, t: float) -> None:
    group = OBJECT_GROUPS[int(rng.integers(len(OBJECT_GROUPS)))]
    category = group.categories[int(rng.integers(len(group.categories)))]
    oid = house.new_id(category)
    house.category[oid] = category
    options = _homes(house, category)
    rng.shuffle(options)
    for fid in options:
        if house.room_for(oid, fid):
            house.events.append({"at": format_time(round(t)), "add": {"id": oid, "category": category,
                                                                        "rests_on": fid}})
            house.location[oid] = fid
            return
    del house.category[oid]


def _open_close(rng: np.random.Generator, house: _House, fid: str, t: float, close: bool) -> None:
    # an open door stays open until it is closed: never open what the timeline already left open
    opened = sum(1 for e in house.events if e.get("open") == fid)
    if opened > sum(1 for e in house.events if e.get("close") == fid):
        return
    if any(_event_time(e) > t for e in house.events if e.get("open") == fid or e.get("close") == fid):
        return
    house.events.append({"at": format_time(round(t)), "open": fid})
    if close:
        house.events.append({"at": format_time(t + 60.0 * int(rng.integers(1, 11))), "close": fid})


# ------------------------------------------------------------------------------------------- questions
def _questions(rng: np.random.Generator, knobs: Knobs, scenario: Scenario, truth: TimelineTruth,
               now: float) -> list[dict]:
    stamp = format_time(now)
    unique = _unique_objects(truth)
    present = [o for o in unique if truth.place_at(o, now) is not None]
    furniture = scenario.world.furniture
    counts: dict[str, int] = {}
    for f in furniture:
        counts[f.category] = counts.get(f.category, 0) + 1
    named_furniture = [f for f in furniture if counts[f.category] == 1]
    openable = [f for f in named_furniture if f.openable]
    surfaces = [f for f in named_furniture if not f.openable]
    looks = sorted(o.start for o in scenario.observe if o.kind == "patrol")
    makers = {
        "present_location": lambda: _present(rng, truth, present, now),
        "past_location": lambda: _past(rng, truth, present, now, looks),
        "room_of": lambda: _room_of(rng, truth, unique, now),
        "contents": lambda: _contents(rng, truth, surfaces, openable, now),
        "object_state": lambda: _state(rng, truth, openable, now),
        "count_opened": lambda: _count_opened(rng, truth, openable, now),
        "count_moved": lambda: _count_moved(rng, truth, present, now),
        "still_present": lambda: _still(rng, truth, unique, now),
        "changes": lambda: _changes(rng, truth, scenario, looks, now),
        "first_seen": lambda: _seen(rng, truth, unique, now, first=True),
        "last_seen": lambda: _seen(rng, truth, unique, now, first=False),
        "object_count": lambda: _object_count(rng, truth, scenario, now),
        "attribute": lambda: _colour(rng, truth, unique, now),
        "exists": lambda: _exists(rng, truth, unique, now),
        "identify": lambda: _identify(rng, truth, scenario, surfaces, now),
        "affordance": lambda: _affordance(rng, scenario),
        "robot_location": lambda: _robot_where(rng, scenario, now),
        "relation": lambda: _relation(rng, scenario, named_furniture),
    }
    forms = [f for f, _ in FORM_SHARES]
    shares = np.array([share for _, share in FORM_SHARES])
    every = forms if knobs.questions >= len(forms) else []  # each form once when there are enough, then by share
    drawn = rng.choice(forms, size=knobs.questions - len(every), p=shares / shares.sum()).tolist()
    wanted = sorted(every + drawn, key=forms.index)
    questions, asked = [], set()
    for form in wanted:
        for _ in range(8):
            made = makers[form]()
            if made is None:
                break
            ask, answer, subject = made
            if (form, subject) not in asked:
                asked.add((form, subject))
                questions.append({"id": f"q{len(questions) + 1}", "at": stamp, "ask": ask, "answer": answer})
                break
    for _ in range(8 * knobs.questions):  # forms with nothing to ask about here give their turn to others
        if len(questions) >= knobs.questions:
            break
        form = str(rng.choice(forms, p=shares / shares.sum()))
        made = makers[form]()
        if made is not None and (form, made[2]) not in asked:
            asked.add((form, made[2]))
            questions.append({"id": f"q{len(questions) + 1}", "at": stamp, "ask": made[0], "answer": made[1]})
    return questions


def _unique_objects(truth: TimelineTruth) -> list[str]:
    """Objects whose category no other object ever had: "the <category>" names exactly one thing."""
    by_category: dict[str, list[str]] = {}
    for oid in truth.objects():
        by_category.setdefault(truth.category[oid], []).append(oid)
    return sorted(ids[0] for ids in by_category.values() if len(ids) == 1)


def _pick(rng: np.random.Generator, items: list):
    return items[int(rng.integers(len(items)))] if items else None


def _present(rng, truth: TimelineTruth, present: list[str], now: float):
    present = [o for o in present if truth.patrol_sightings(o, now)]  # a thing the robot could have seen
    # prefer objects that moved since the last patrol that could show them (the benchmark's stale bucket)
    stale = [o for o in present if truth.patrol_sightings(o, now) and
             truth.last_change(o, now) > max(truth.patrol_sightings(o, now))]
    oid = _pick(rng, stale) if stale and rng.random() < 0.6 else _pick(rng, present)
    if oid is None:
        return None
    return phrase(rng, "present_location", thing=truth.category[oid]), {"rests_on": truth.place_at(oid, now)}, oid


def _past(rng, truth: TimelineTruth, present: list[str], now: float, looks: list[float]):
    candidates = []
    for look in looks:
        t = look + 2 * HOUR
        if t >= now - HOUR:
            continue
        for oid in present:
            place = truth.place_at(oid, t)
            if place is None or oid not in [o for o in present if look in truth.patrol_sightings(o, t)]:
                continue
            if truth.last_change(oid, t + HOUR) <= look:  # still there from the look until an hour after
                candidates.append((oid, t))
    if not candidates:
        return None
    oid, t = candidates[int(rng.integers(len(candidates)))]
    when = time_expression(rng, t, now)
    return (phrase(rng, "past_location", thing=truth.category[oid], when=when), {"rests_on": truth.place_at(oid, t)},
            (oid, t))


def _room_of(rng, truth: TimelineTruth, unique: list[str], now: float):
    oid = _pick(rng, [o for o in unique if truth.patrol_sightings(o, now)])
    if oid is None:
        return None
    return phrase(rng, "room_of", thing=truth.category[oid]), {"room": truth.room_at(oid, now) or "none"}, oid


def _contents(rng, truth: TimelineTruth, surfaces, openable, now: float):
    if openable and rng.random() < 0.25:
        f = _pick(rng, openable)
        return phrase(rng, "contents_in", place=f.category), truth.on(f.id, now), f.id
    # mostly surfaces holding a few things (a list of ten is scored all-or-nothing too)
    modest = [f for f in surfaces if 1 <= len(truth.on(f.id, now)) <= 6]
    f = _pick(rng, modest) if modest and rng.random() < 0.8 else _pick(rng, surfaces)
    if f is None:
        return None
    return phrase(rng, "contents_on", place=f.category), truth.on(f.id, now), f.id


def _state(rng, truth: TimelineTruth, openable, now: float):
    left_open = [f for f in openable if truth.is_open(f.id, now)]
    f = _pick(rng, left_open) if left_open and rng.random() < 0.5 else _pick(rng, openable)
    if f is None:
        return None
    return phrase(rng, "object_state", place=f.category), truth.is_open(f.id, now), f.id


def _count_opened(rng, truth: TimelineTruth, openable, now: float):
    # only furniture whose every opening in the window a patrol could show: a count is what memory can know
    today = rng.random() < 0.4
    t0 = math.floor(now / DAY) * DAY if today else -math.inf
    shown = [f for f in openable if truth.opened(f.id, t0, now) == truth.openings_a_patrol_shows(f.id, t0, now)]
    f = _pick(rng, shown)
    if f is None:
        return None
    form = "count_opened_today" if today else "count_opened"
    return phrase(rng, form, place=f.category), truth.opened(f.id, t0, now), f.id


def _count_moved(rng, truth: TimelineTruth, present: list[str], now: float):
    # only things whose every move a patrol showed (from and to): as for openings, a count is what memory can know
    shown = [o for o in present if truth.moves(o, -math.inf, now) == truth.moves_a_patrol_shows(o, -math.inf, now)]
    oid = _pick(rng, shown)
    if oid is None:
        return None
    return phrase(rng, "count_moved", thing=truth.category[oid]), truth.moves(oid, -math.inf, now), oid


def _still(rng, truth: TimelineTruth, unique: list[str], now: float):
    gone = [o for o in unique if truth.place_at(o, now) is None and truth.patrol_sightings(o, now)]
    here = [o for o in unique if truth.place_at(o, now) is not None and truth.patrol_sightings(o, now)]
    oid = _pick(rng, gone) if gone and rng.random() < 0.5 else _pick(rng, here)
    if oid is None:
        return None
    return phrase(rng, "still_present", thing=truth.category[oid]), truth.place_at(oid, now) is not None, oid


def _changes(rng, truth: TimelineTruth, scenario: Scenario, looks: list[float], now: float):
    # between two patrols of every room, so the schedule showed both ends
    full = sorted(o.start for o in scenario.observe if o.kind == "patrol" and o.patrol == "all")
    if len(full) < 2:
        return None
    k = int(rng.integers(len(full) - 1))
    t0, t1 = full[k], full[k + 1]
    room = _pick(rng, scenario.room_names())
    return (phrase(rng, "changes", room=room, t0=format_time(t0), t1=format_time(t1)),
            truth.changed_in_room(room, t0, t1), (room, t0))


def _seen(rng, truth: TimelineTruth, unique: list[str], now: float, first: bool):
    candidates = []
    for oid in unique:
        sightings = truth.patrol_sightings(oid, now)
        if not sightings:
            continue
        if first:
            candidates.append((oid, sightings[0]))  # the first look that showed it (from the start, or once added)
        elif not first and truth.place_at(oid, now) is None:
            candidates.append((oid, sightings[-1]))  # gone: the last look that showed it
    if not candidates:
        return None
    oid, t = candidates[int(rng.integers(len(candidates)))]
    form = "first_seen" if first else "last_seen"
    return phrase(rng, form, thing=truth.category[oid]), {"time": format_time(t), "tolerance_min": 60}, oid


def _object_count(rng, truth: TimelineTruth, scenario: Scenario, now: float):
    """How many of a category are in a room, for categories whose objects stayed put since the last full patrol."""
    full = [o.start for o in scenario.observe if o.kind == "patrol" and o.patrol == "all" and o.start <= now]
    if not full:
        return None
    settled: dict[str, list[str]] = {}
    for oid in truth.objects():
        settled.setdefault(truth.category[oid], []).append(oid)
    categories = [c for c, ids in sorted(settled.items())
                  if any(truth.place_at(o, now) is not None for o in ids)
                  and all(truth.last_change(o, now) <= max(full) for o in ids)
                  and not any(truth.place_at(o, now) is not None and truth.furniture[truth.place_at(o, now)].openable
                              for o in ids)]
    category = _pick(rng, categories)
    if category is None:
        return None
    room = _pick(rng, scenario.room_names())
    count = sum(1 for o in settled[category] if truth.room_at(o, now) == room)
    return phrase(rng, "object_count", thing=category, room=room), count, (category, room)


def _rendered_colour(category: str) -> str:
    """The name of the colour the simulator renders a category in (scene_graph.attributes.colour_name of its shape)."""
    from robot_model.category_shapes import object_shape
    from scene_graph.attributes import colour_name

    return colour_name([255.0 * c for c in object_shape(category).color[:3]])


def _colour(rng, truth: TimelineTruth, unique: list[str], now: float):
    """The rendered colour's name of a thing a patrol saw."""
    oid = _pick(rng, [o for o in unique if truth.patrol_sightings(o, now)])
    if oid is None:
        return None
    category = truth.category[oid]
    return phrase(rng, "attribute_colour", thing=category), {"colour": _rendered_colour(category)}, oid


def _exists(rng, truth: TimelineTruth, unique: list[str], now: float):
    """Did the robot see a category: one a patrol showed (yes) or one never in this house (no)."""
    from sim.generation.vocabulary import object_categories

    if rng.random() < 0.5:
        oid = _pick(rng, [o for o in unique if truth.patrol_sightings(o, now)])
        if oid is not None:
            return phrase(rng, "exists", thing=truth.category[oid]), True, truth.category[oid]
    never = sorted(set(object_categories()) - set(truth.category.values()))
    category = _pick(rng, never)
    if category is None:
        return None
    return phrase(rng, "exists", thing=category), False, category


def _identify(rng, truth: TimelineTruth, scenario: Scenario, surfaces, now: float):
    """'What is the red thing on the counter?': the one thing of that colour on a top a patrol last showed as it is now.

    The colour is the rendered one's name (`_rendered_colour`); a top whose things changed since a patrol last
    showed its room is not asked about (memory could not know).
    """
    options = []
    for f in surfaces:
        shown = [o.start for o in scenario.observe if o.kind == "patrol" and o.start <= now
                 and f.room in o.rooms(scenario.room_names())]
        on = truth.on(f.id, now)
        if not shown or not on or sorted(truth.on(f.id, max(shown))) != sorted(on):
            continue
        colours = [_rendered_colour(category) for category in on]
        options += [(f, category, colour) for category, colour in zip(on, colours) if colours.count(colour) == 1]
    chosen = _pick(rng, options)
    if chosen is None:
        return None
    f, category, colour = chosen
    return phrase(rng, "identify_colour", place=f.category, colour=colour), [category], (f.id, colour)


def _affordance(rng, scenario: Scenario):
    """'Where can I keep the milk cold?': the room of the furniture serving an activity, when only one room has it."""
    from sim.generation.vocabulary import ACTIVITIES

    options = []
    for activity, categories in ACTIVITIES:
        rooms = {f.room for f in scenario.world.furniture if f.category in categories}
        if len(rooms) == 1:
            options.append((activity, rooms.pop()))
    chosen = _pick(rng, options)
    if chosen is None:
        return None
    activity, room = chosen
    return phrase(rng, "affordance_where", activity=activity), {"room": room}, activity


def _robot_where(rng, scenario: Scenario, now: float):
    """'Where were you at d1 07:45?': a time the schedule alone says where the robot was.

    During a watch it stays in the watched room; a patrol ends in the last room it goes round and the
    robot waits there until its next scheduled look (from two hours after the patrol starts, so the patrol
    is over, to half an hour before the next look). Not asked about the time of questions and tasks,
    whose looks take the robot anywhere.
    """
    looks = sorted(scenario.observe, key=lambda o: o.start)
    options = []
    for i, look in enumerate(looks):
        if look.start >= now:
            break
        if look.kind == "watch":
            options.append((look.start, min(look.end, now), look.watch))
        elif look.kind == "patrol":
            following = looks[i + 1].start if i + 1 < len(looks) else now
            start, end = look.start + 2 * HOUR, min(following, now) - 0.5 * HOUR
            if end > start:
                options.append((start, end, look.rooms(scenario.room_names())[-1]))
    chosen = _pick(rng, options)
    if chosen is None:
        return None
    start, end, room = chosen
    t = math.floor((start + float(rng.uniform(0.25, 0.75)) * (end - start)) / 60.0) * 60.0
    return phrase(rng, "robot_where", when=time_expression(rng, t, now)), {"room": room}, ("robot", t)


def _relation(rng, scenario: Scenario, named_furniture):
    """'What is next to the sofa?', '... closest to ...', '... between the bed and the desk?' (true footprints).

    The anchors are pieces their category names alone; the answers are the pieces of the anchor's room in the
    relation (sim.generation.relation_truth: what rests on a piece is its content), asked only where no piece
    is doubtful. Mostly asked where something is in the relation (a list of nothing is asked too).
    """
    from sim.generation import relation_truth

    pieces = list(scenario.world.furniture)
    kind = ("next_to", "closest", "between")[int(rng.integers(3))]
    options: list[tuple[str, list[str], tuple]] = []
    for anchor in named_furniture:
        if kind == "between":
            for other in named_furniture:
                if other.id > anchor.id and other.room == anchor.room:
                    answer = relation_truth.between(anchor, other, pieces)
                    if answer is not None:
                        options.append((phrase(rng, "relation_between", place=anchor.category, place2=other.category),
                                        answer, ("between", anchor.id, other.id)))
            continue
        answer = (relation_truth.next_to if kind == "next_to" else relation_truth.closest_to)(anchor, pieces)
        if answer is not None:
            form = "relation_next_to" if kind == "next_to" else "relation_closest"
            options.append((phrase(rng, form, place=anchor.category), answer, (kind, anchor.id)))
    something = [o for o in options if o[1]]
    return _pick(rng, something) if something and rng.random() < 0.8 else _pick(rng, options)


# ------------------------------------------------------------------------------------------- tasks
def _tasks(rng: np.random.Generator, knobs: Knobs, scenario: Scenario, truth: TimelineTruth,
           now: float) -> list[dict]:
    """`knobs.tasks` fetch tasks the robot can do, then `knobs.impossible_tasks` it cannot (`_impossible_tasks`)."""
    furniture = scenario.furniture_by_id()
    counts: dict[str, int] = {}
    for f in furniture.values():
        counts[f.category] = counts.get(f.category, 0) + 1
    homes = {h for g in OBJECT_GROUPS for h in g.homes}
    # only tops the arm reaches: a thing cannot be taken from or set on a 1.4 m bookshelf by this robot
    targets = [f for f in furniture.values() if counts[f.category] == 1 and not f.openable
               and f.category in homes and top_within_reach(f.dimensions()[2])]
    movable = [o for o in _unique_objects(truth)
               if truth.place_at(o, now) is not None and graspable(truth.category[o])
               and not furniture[truth.place_at(o, now)].openable
               and top_within_reach(furniture[truth.place_at(o, now)].dimensions()[2])]
    rng.shuffle(movable)
    tasks: list[dict] = []
    used_targets: set[str] = set()
    for oid in movable:
        if len(tasks) >= knobs.tasks:
            break
        here = truth.place_at(oid, now)
        options = [f for f in targets if f.id != here and f.id not in used_targets and
                   fits(surface_of_category(f.category, False), truth.on(f.id, now) + [truth.category[oid]])]
        if not options:
            continue
        target = options[int(rng.integers(len(options)))]
        used_targets.add(target.id)
        t = now + (len(tasks) + 1) * 0.5 * HOUR
        tasks.append({"id": f"t{len(tasks) + 1}", "at": format_time(t),
                      "do": phrase(rng, "task_bring", thing=truth.category[oid], place=target.category),
                      "goal": {"category": truth.category[oid], "rests_on": target.id}})
    asked = {t["goal"]["category"] for t in tasks}
    all_targets = [f for f in furniture.values() if counts[f.category] == 1 and not f.openable and f.category in homes]
    return tasks + _impossible_tasks(rng, knobs, truth, furniture, all_targets, asked, used_targets, now, len(tasks))


def _impossible_tasks(rng: np.random.Generator, knobs: Knobs, truth: TimelineTruth, furniture: dict,
                      targets: list, asked: set[str], used_targets: set[str], now: float, first: int) -> list[dict]:
    """Fetch tasks that cannot be done, after the others; each goal names why (`cannot`, `_cannot`).

    Drawn from the household's unique things on open tops or gone from the house, to any open top: a thing
    too wide for the gripper (`too_wide_to_grasp`) is not graspable, a top above the arm's reach (`top_within_reach`) is
    unreachable (the target is drawn among those above it when the thing itself could be fetched), a thing
    gone from the house is not found. The runner scores such a task right when the robot ends it with
    that kind, or does it after all.
    """
    things = [o for o in _unique_objects(truth) if truth.category[o] not in asked
              and (truth.place_at(o, now) is None or not furniture[truth.place_at(o, now)].openable)]
    rng.shuffle(things)
    tasks: list[dict] = []
    for oid in things:
        if len(tasks) >= knobs.impossible_tasks:
            break
        t = now + (first + len(tasks) + 1) * 0.5 * HOUR
        here = truth.place_at(oid, now)
        if here != truth.place_at(oid, t):
            continue      # it comes back (or leaves) before the task: what to expect is not fixed
        from_top = None if here is None else furniture[here].dimensions()[2]
        options = [f for f in targets if f.id != here and f.id not in used_targets and
                   fits(surface_of_category(f.category, False), truth.on(f.id, now) + [truth.category[oid]])
                   and _cannot(truth.category[oid], from_top, f.dimensions()[2]) is not None]
        if not options:
            continue
        target = options[int(rng.integers(len(options)))]
        used_targets.add(target.id)
        tasks.append({"id": f"t{first + len(tasks) + 1}", "at": format_time(t),
                      "do": phrase(rng, "task_bring", thing=truth.category[oid], place=target.category),
                      "goal": {"category": truth.category[oid], "rests_on": target.id,
                               "cannot": _cannot(truth.category[oid], from_top, target.dimensions()[2])}})
    return tasks


def _cannot(category: str, from_top_m: float | None, to_top_m: float) -> str | None:
    """The kind of failure a fetch of `category` from a top `from_top_m` high (None: not in the house) ends in.

    In the order the robot meets them: it must find the thing, then grasp it (the gripper's width decides
    before the arm tries to reach), then reach where it is and where it goes. None also when the outcome is
    not fixed: a thing neither surely graspable nor surely too wide (the simulator may or may not hold it).
    """
    if from_top_m is None:
        return CANNOT_FIND
    if too_wide_to_grasp(category):
        return CANNOT_GRASP
    if graspable(category) and (not top_within_reach(from_top_m) or not top_within_reach(to_top_m)):
        return CANNOT_REACH
    return None


def write_households(seed: int, count: int, out: Path, knobs: Knobs = Knobs(),
                     on_written: Callable[[Path], None] | None = None) -> list[Path]:
    """Write `count` households (seeds seed..seed+count-1): to the file `out` when count is 1, else into dir `out`.

    `on_written(path)` is called after each file is written (the command's progress bar).
    """
    if count == 1 and out.suffix in (".yaml", ".yml"):
        targets = [(seed, out)]
    else:
        targets = [(seed + k, out / f"generated_{seed + k}.yaml") for k in range(count)]
    written = []
    for s, path in targets:
        document = generate_household(s, knobs)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_yaml(document))
        written.append(path)
        if on_written is not None:
            on_written(path)
    return written


def to_yaml(document: dict) -> str:
    """Block style at the top, one flow-style line per room, door, piece, object, event, look, question, task."""
    import yaml

    def line(item) -> str:
        return yaml.safe_dump(item, default_flow_style=True, sort_keys=False, width=10_000).strip()

    out = [f"# Generated by `memstack generate --seed {document['seed']}` (sim.generation); specs/scenario.md.",
           f"scenario: {document['scenario']}", f"seed: {document['seed']}", "world:"]
    for key in ("rooms", "doors", "furniture", "objects"):
        out.append(f"  {key}:")
        out += [f"    - {line(item)}" for item in document["world"][key]]
    out.append("robot:")
    out += [f"  {key}: {line(value)}" for key, value in document["robot"].items()]
    for key in ("timeline", "observe", "questions", "tasks"):
        out.append(f"{key}:" + ("" if document[key] else " []"))
        out += [f"  - {line(item)}" for item in document[key]]
    return "\n".join(out) + "\n"
