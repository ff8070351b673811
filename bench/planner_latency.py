"""Question-answering latency without exploration (parsing included): `run()` -> p50/p95 per question kind.

The memory is a real `MemoryStore` filled by ingesting frames of a synthetic house (rooms in a row,
receptacles along the walls, objects on them, some moved between days), as perception would hand
them over; the questions are the scenario forms of specs/scenario.md answered by
`QuestionAnswerer(memory).answer(question, now, planner="memory-only")` with the real parser
(MiniLM loaded once before timing). Target: p95 <= 100 ms.

    python -m bench.planner_latency --rooms 4 --days 3 --repeats 20
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from typing import Any

from scene_graph.types import CameraIntrinsics, FloorPlan, Frame, Observation, Pose, Room

ROOM_W, ROOM_H = 5.0, 4.0
RECEPTACLES = ("counter", "table", "shelf", "cabinet", "desk", "sofa")
OBJECTS = ("mug", "keys", "book", "bowl", "apple", "remote", "bottle", "phone", "glasses", "wallet", "plate", "laptop")
QUESTIONS = (
    "{lead}where is the {obj}?",
    "{lead}where was the {obj} at d1 {hh:02d}:{mm:02d}?",
    "{lead}which room is the {obj} in?",
    "{lead}what is on the {rec}?",
    "{lead}how many times was the {obj} moved since d1 {hh:02d}:{mm:02d}?",
    "{lead}when did you last see the {obj}?",
    "{lead}when did you first see the {obj}?",
    "{lead}what changed in the {room} between d1 {hh:02d}:{mm:02d} and d2 12:00?",
    "{lead}is the {obj} still in the house?",
    "{lead}where can I find my {obj}?",
)
# The forms docs/QUESTIONS.md adds (answered from memory by planners.memory_answers): `--forms new`.
NEW_FORM_QUESTIONS = (
    "{lead}what colour is the {obj}?",
    "{lead}what size is the {rec}?",
    "{lead}how many {obj}s are in the {room}?",
    "{lead}did you see a {obj}?",
    "{lead}what is next to the {rec}?",
    "{lead}what is the small object on the {rec}?",
    "{lead}where can I make some coffee?",
    "{lead}where were you at d1 {hh:02d}:{mm:02d}?",
    "{lead}when did you leave the {room}?",
    "{lead}is the {rec} clean?",
)
# Varied openings and times make (almost) every question new text, so caches of the parser's
# sentence embeddings do not flatter the numbers.
LEADS = ("", "hey, ", "robot, ", "tell me, ", "quick question: ", "please, ", "do you know ", "I wonder ")


def build_memory(rooms: int = 4, days: int = 3, objects_per_room: int = 4, seed: int = 0) -> tuple[Any, float]:
    """A house of `rooms` rooms patrolled twice a day for `days` days; returns (store, latest time)."""
    from scene_graph.store import MemoryStore

    rng = random.Random(seed)
    plan = FloorPlan(rooms=tuple(
        Room(f"room_{i}", ((i * ROOM_W, 0.0), ((i + 1) * ROOM_W, 0.0), ((i + 1) * ROOM_W, ROOM_H),
                           (i * ROOM_W, ROOM_H)))
        for i in range(rooms)))
    store = MemoryStore.open(None, floor_plan=plan)
    intrinsics = CameraIntrinsics.from_hfov(320, 240, 70.0)
    furniture = []
    for i in range(rooms):
        for j, x in enumerate((1.2, 3.8)):
            category = RECEPTACLES[(2 * i + j) % len(RECEPTACLES)]
            furniture.append((f"room_{i}", category, (i * ROOM_W + x, 0.6, 0.4), (1.2, 0.6, 0.8)))
    placed = {}
    for n in range(rooms * objects_per_room):
        placed[n] = rng.randrange(len(furniture))
    frame_id = 0
    latest = 0.0
    for day in range(days):
        for hour in (7.0, 19.0):
            if day or hour > 7.0:
                for n in rng.sample(sorted(placed), k=max(1, len(placed) // 6)):
                    placed[n] = rng.randrange(len(furniture))
            t = day * 86400.0 + hour * 3600.0
            for i in range(rooms):
                eye = (i * ROOM_W + 2.5, 3.6, 1.3)
                camera = Pose.looking_at(eye, (i * ROOM_W + 2.5, 0.6, 0.6))
                observations = []
                for k, (room, category, center, size) in enumerate(furniture):
                    if room != f"room_{i}":
                        continue
                    lo = tuple(c - s / 2 for c, s in zip(center, size))
                    hi = tuple(c + s / 2 for c, s in zip(center, size))
                    observations.append(Observation(category, center, lo, hi, 0.95, 500))
                    for n, where in placed.items():
                        if where == k:
                            obj_center = (center[0] - 0.4 + 0.1 * (n % 8), center[1], hi[2] + 0.05)
                            observations.append(Observation(
                                OBJECTS[n % len(OBJECTS)], obj_center,
                                tuple(c - 0.05 for c in obj_center), tuple(c + 0.05 for c in obj_center), 0.9, 80))
                for r in range(2):
                    latest = t + i * 60.0 + r * 2.0
                    store.ingest(Frame(frame_id, latest, Pose.from_xyz_yaw(eye[0], eye[1], 0.0, -1.57),
                                       camera, intrinsics, observations))
                    frame_id += 1
    return store, latest


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def _templates(forms: str) -> tuple[str, ...]:
    return {"spec": QUESTIONS, "new": NEW_FORM_QUESTIONS, "all": QUESTIONS + NEW_FORM_QUESTIONS}[forms]


def run(rooms: int = 4, days: int = 3, repeats: int = 10, seed: int = 0,
        torch_threads: int | None = 1, forms: str = "spec") -> dict[str, Any]:
    """Answer every question form `repeats` times over several targets; latencies in ms.

    `torch_threads`: intra-op threads for the sentence model (None: torch's default). One thread
    is much faster for one short sentence on a loaded 2-core machine (threads wait for each other).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from planners.question_answering import QuestionAnswerer

    threads = None
    if torch_threads is not None:
        import torch

        torch.set_num_threads(int(torch_threads))
        threads = torch.get_num_threads()

    started = time.perf_counter()
    store, now = build_memory(rooms, days, seed=seed)
    build_s = time.perf_counter() - started
    try:
        answerer = QuestionAnswerer(store)
        answerer.answer("Where is the mug?", now + 3600.0)  # loads the parser's model; not timed
        objects = sorted({o.category for o in store.objects() if not o.is_receptacle})
        receptacles = sorted({o.category for o in store.receptacles()})
        rng = random.Random(seed)
        by_kind: dict[str, list[float]] = {}
        first_ms: dict[str, float] = {}  # the first question of each kind pays for its tables (affordances)
        all_ms: list[float] = []
        asked: set[str] = set()
        for _ in range(repeats):
            for template in _templates(forms):
                question = template.format(obj=rng.choice(objects), rec=rng.choice(receptacles),
                                           room=f"room {rng.randrange(rooms)}", lead=rng.choice(LEADS),
                                           hh=rng.randrange(6, 12), mm=rng.randrange(60))
                question = question[0].upper() + question[1:]
                asked.add(question)
                report = answerer.answer(question, now + 3600.0, planner="memory-only")
                first_ms.setdefault(report.type, report.latency_ms)
                by_kind.setdefault(report.type, []).append(report.latency_ms)
                all_ms.append(report.latency_ms)
    finally:
        n_objects = len(store.objects(include_absent=True))
        store.close()
    return {
        "rooms": rooms, "days": days, "objects": n_objects, "questions": len(all_ms),
        "distinct_questions": len(asked), "torch_threads": threads,
        "memory_build_s": round(build_s, 2),
        "latency_ms": {"p50": round(_percentile(all_ms, 0.5), 2), "p95": round(_percentile(all_ms, 0.95), 2),
                       "max": round(max(all_ms), 2), "mean": round(statistics.fmean(all_ms), 2)},
        "by_kind": {k: {"n": len(v), "p50": round(_percentile(v, 0.5), 2), "p95": round(_percentile(v, 0.95), 2)}
                    for k, v in sorted(by_kind.items())},
        "first_ms_by_kind": {k: round(v, 2) for k, v in sorted(first_ms.items())},
        "target_p95_ms": 100.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=4)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--torch-threads", type=int, default=1, help="0 = torch's default")
    parser.add_argument("--forms", choices=("spec", "new", "all"), default="spec",
                        help="the spec's ten forms (default), docs/QUESTIONS.md's new ones, or both")
    args = parser.parse_args(argv)
    result = run(args.rooms, args.days, args.repeats, args.seed, args.torch_threads or None, forms=args.forms)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
