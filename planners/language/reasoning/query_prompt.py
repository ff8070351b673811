"""The JSON prompt for question -> typed query, and strict validation of what a model answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from planners.language.time_expressions import format_time, parse_time_expression
from planners.language.typed_query import COUNT_KINDS, QUERY_KINDS, STATES, TypedQuery, TypedQueryError

# The keys a model may fill in; anything else it adds (explanations, ...) is ignored.
MODEL_KEYS = ("kind", "target", "state", "count_kind", "time", "t0", "t1", "room", "receptacle", "confidence")

_INSTRUCTIONS = """You turn a question to a home robot about its memory into one JSON object.
Keys:
- "kind": one of {kinds}
- "target": the object or furniture the question is about (a category such as "mug"), or null
- "state": one of {states} for questions about an object's state, else null
- "count_kind": one of {count_kinds} for "how many times" questions, else null
- "time": the time asked about as "dN HH:MM" (day N from 1, 24-hour clock), or null
- "t0", "t1": start and end of the period asked about, as "dN HH:MM", or null
- "room": a room name if the question names one, else null
- "receptacle": the furniture whose contents are asked about, else null
- "confidence": your confidence from 0 to 1
Use "unknown" for questions that are not about where things are or were, what changed, states or counts.
Answer with the JSON object only."""


def build_query_prompt(question: str, now: float, context: Mapping[str, Any] | None = None) -> str:
    lines = [_INSTRUCTIONS.format(kinds=", ".join(QUERY_KINDS), states=", ".join(STATES),
                                  count_kinds=", ".join(COUNT_KINDS))]
    context = context or {}
    for key in ("categories", "receptacles", "rooms"):
        values = context.get(key)
        if values:
            lines.append(f"Known {key}: {', '.join(map(str, values))}")
    lines.append(f"The question is asked at {format_time(now)}.")
    lines.append(f"Question: {question}")
    lines.append("JSON:")
    return "\n".join(lines)


def extract_json_object(text: str) -> dict | None:
    """The first JSON object in `text` (models wrap JSON in prose or ``` fences), or None."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def _time_value(value: Any, now: float, key: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypedQueryError(f"typed query: field {key!r} must be a time, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        ref = parse_time_expression(value, now)
        if ref is not None:
            return ref.time if ref.time is not None else (ref.t0 if key == "t0" else ref.t1)
    raise TypedQueryError(f"typed query: field {key!r}: not a time: {value!r}")


def typed_query_from_json(reply: str, question: str, now: float, source: str = "reasoner") -> TypedQuery | None:
    """Validate a model's reply into a TypedQuery; None if it holds no valid typed query."""
    data = extract_json_object(reply)
    if data is None:
        return None
    try:
        fields: dict[str, Any] = {k: data.get(k) for k in MODEL_KEYS if data.get(k) is not None}
        for key in ("time", "t0", "t1"):
            if key in fields:
                fields[key] = _time_value(fields[key], now, key)
        for key in ("target", "room", "receptacle", "state", "count_kind", "kind"):
            if isinstance(fields.get(key), str):
                fields[key] = fields[key].strip().lower().replace(" ", "_") if key != "kind" else fields[key].strip()
        if fields.get("state") is not None and fields["state"] not in STATES:
            return None
        confidence = fields.get("confidence", 0.5)
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            return None
        fields["confidence"] = min(max(float(confidence), 0.0), 1.0)
        if "target" in fields:
            fields["mention"] = fields["target"]
        return TypedQuery.from_dict(fields, question=question, source=source)
    except TypedQueryError:
        return None
