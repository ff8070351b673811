"""The optional reasoner answering, from retrieved memory, what the typed query refuses (real HTTP to a stub)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from household_memory import HOUR, fridge_watch, two_room_memory

from planners.language.reasoning import OpenAICompatibleReasoner, ReasonerConfig
from planners.question_answering import QAConfig, QuestionAnswerer
from planners.reasoned_answers import parse_reply, rank_items, retrieve_memory_items

ROOT = Path(__file__).resolve().parents[2]
ASKED = 13 * HOUR
REFUSED = "Is the kitchen clean?"  # cleanliness is no state memory keeps: the typed query refuses it


@pytest.fixture(scope="module")
def memory():
    store, writer = two_room_memory()
    fridge_watch(writer)
    yield store
    store.close()


@pytest.fixture(scope="module")
def answerer(memory):
    return QuestionAnswerer(memory)


def _ids(memory, prefix):
    return [item.id for item in retrieve_memory_items(memory, ASKED) if item.id.startswith(prefix)]


def test_memory_items_carry_ids_times_and_what_memory_holds(memory):
    items = {item.id: item.text for item in retrieve_memory_items(memory, ASKED)}
    mug = next(o for o in memory.objects() if o.category == "mug")
    assert f"object:{mug.id}" in items
    assert "in the kitchen" in items[f"object:{mug.id}"] and "on the counter" in items[f"object:{mug.id}"]
    assert "last seen d1 12:05" in items[f"object:{mug.id}"]
    opened = [text for key, text in items.items() if key.startswith("event:") and "fridge" in text and "open" in text]
    assert opened and opened[0].startswith("at d1 12:00"), items
    # the question's words rank the items: the fridge's first when asked about the fridge
    ranked = rank_items(list(retrieve_memory_items(memory, ASKED)), "when was the fridge opened?", limit=3)
    assert all("fridge" in item.text for item in ranked), ranked


def test_the_reasoner_answers_a_refused_question_citing_memory(memory, chat_server):
    mug = next(o for o in memory.objects() if o.category == "mug")
    chat_server.content = json.dumps({"answer": "the counter has a mug on it, nothing else I know of",
                                      "cited": [f"object:{mug.id}"], "confidence": 0.9})
    answerer = QuestionAnswerer(memory, reasoner=OpenAICompatibleReasoner(chat_server.url, "m", timeout_s=5))
    assert answerer.answer("Where is the mug?", ASKED, planner="memory-only").type == "present_location"
    assert chat_server.requests == []  # what the typed query answers never reaches the model
    report = answerer.answer(REFUSED, ASKED, planner="memory-only")
    assert not report.refused and report.type == "reasoner"
    assert report.evidence == [f"object:{mug.id}"]
    assert report.confidence == pytest.approx(0.6)  # capped: the model's reading is not checked
    prompt = chat_server.requests[0]["body"]["messages"][-1]["content"]
    assert f"[object:{mug.id}]" in prompt and REFUSED in prompt and "d1 13:00" in prompt
    assert report.batch_record()["evidence"] == [f"object:{mug.id}"]


@pytest.mark.parametrize("content, reason", [
    ('{"answer": "the mug is clean", "cited": ["object:mug_99"]}', "not given: object:mug_99"),
    ('{"answer": "yes", "cited": []}', "cited no memory item"),
    ('{"answer": "yes"}', "cited no memory item"),
    ('{"answer": null, "reason": "memory says nothing about dirt"}', "no answer in memory (memory says nothing"),
    ("I think it is clean.", "holds no JSON object"),
    ('{"answer": ["a", "b"], "cited": ["event:1"]}', "not text"),
])
def test_replies_breaking_the_protocol_are_refused_with_the_reason(memory, chat_server, content, reason):
    chat_server.content = content
    answerer = QuestionAnswerer(memory, reasoner=OpenAICompatibleReasoner(chat_server.url, "m", timeout_s=5))
    report = answerer.answer(REFUSED, ASKED, planner="memory-only")
    assert report.refused and reason in report.reason, report.reason
    assert report.reason.startswith("I did not understand the question; ")


def test_timeouts_http_errors_and_malformed_bodies_are_refusals_not_tracebacks(memory, chat_server):
    answerer = QuestionAnswerer(memory, reasoner=OpenAICompatibleReasoner(chat_server.url, "m", timeout_s=0.5))
    chat_server.delay_s = 2.0
    report = answerer.answer(REFUSED, ASKED, planner="memory-only")
    assert report.refused and "no answer within 0.5 s" in report.reason, report.reason
    chat_server.delay_s = 0.0
    chat_server.status, chat_server.raw = 500, b'{"error": "overloaded"}'
    assert "HTTP 500" in answerer.answer(REFUSED, ASKED, planner="memory-only").reason
    chat_server.status, chat_server.raw = 200, b"<html>not json</html>"
    assert "malformed chat-completions response" in answerer.answer(REFUSED, ASKED, planner="memory-only").reason


def test_reply_parsing_keeps_only_cited_ids_it_gave():
    ok = parse_reply('```json\n{"answer": "at noon", "cited": ["event:3", "event:3"], "confidence": 7}\n```',
                     {"event:3"})
    assert (ok.text, ok.cited, ok.confidence, ok.refusal) == ("at noon", ["event:3"], 1.0, None)
    assert parse_reply('{"answer": "x", "cited": ["event:3"], "confidence": "high"}', {"event:3"}).refusal


def test_the_reasoner_comes_from_the_config_and_is_off_by_default(memory, chat_server):
    assert QuestionAnswerer(memory).reasoner is None
    assert QuestionAnswerer(memory).answer(REFUSED, ASKED, planner="memory-only").reason == \
        "I did not understand the question"
    config = QAConfig(reasoner=ReasonerConfig(type="openai", base_url=chat_server.url, model="local"))
    assert isinstance(QuestionAnswerer(memory, config=config).reasoner, OpenAICompatibleReasoner)


@pytest.mark.slow
def test_memstack_ask_with_a_reasoner_url_answers_and_cites(tmp_path, chat_server, memstack):
    db = tmp_path / "memory.db"
    store, writer = two_room_memory(db)
    fridge_watch(writer)
    event = next(e for e in store.events(kinds=["opened"]) if e.category == "fridge")
    store.close()
    chat_server.content = json.dumps({"answer": "the fridge was opened at noon", "cited": [f"event:{event.id}"]})
    questions = tmp_path / "q.txt"
    questions.write_text(f"{REFUSED}\nWhere is the mug?\n")
    done = memstack("ask", "--db", str(db), "--questions", str(questions), "--reasoner", chat_server.url,
                    "--reasoner-model", "tiny", cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = (json.loads(line) for line in done.stdout.strip().splitlines())
    assert first["refused"] is False and first["type"] == "reasoner" and first["evidence"] == [f"event:{event.id}"]
    assert second["typed_query"]["kind"] == "present_location"
    assert [r["body"]["model"] for r in chat_server.requests] == ["tiny"]
    bad = memstack("ask", "--db", str(db), "--reasoner", str(tmp_path / "no_model"), REFUSED, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "no_model: no such directory" in bad.stderr and "Traceback" not in bad.stderr
