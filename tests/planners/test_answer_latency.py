"""The answer's latency_ms is the answering time; the one-time model load is reported apart (startup_ms)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))

from household_memory import DAY, HOUR, two_room_memory  # noqa: E402

from planners.question_answering import QuestionAnswerer  # noqa: E402


def test_first_answer_pays_the_model_load_outside_its_latency():
    store, _ = two_room_memory(mug_moves_seen=True)
    try:
        answerer = QuestionAnswerer(store)
        started = time.perf_counter()
        first = answerer.answer("Where is the mug?", DAY + 20 * HOUR, planner="memory-only")
        wall_ms = (time.perf_counter() - started) * 1000.0
        assert first.rests_on_category == "table"
        assert first.startup_ms > 0.0
        assert first.latency_ms + first.startup_ms <= wall_ms + 1.0
        assert first.latency_ms >= 0.0 and first.to_dict()["startup_ms"] == round(first.startup_ms, 2)
        second = answerer.answer("Where was the mug at d1 08:30?", DAY + 20 * HOUR, planner="memory-only")
        assert second.startup_ms == 0.0 and second.rests_on_category == "counter"
    finally:
        store.close()
