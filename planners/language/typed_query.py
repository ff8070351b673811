"""The typed query a natural-language question is parsed into.

Kinds map 1:1 to the question forms of specs/scenario.md, with the answer shapes they expect:

| kind              | example                                               | answer value              |
|-------------------|-------------------------------------------------------|---------------------------|
| present_location  | "Where is the mug?"                                   | location (rests_on)       |
| past_location     | "Where was the mug at d1 08:30?"                      | location at `time`        |
| room_of           | "Which room are the keys in?"                         | room name or none         |
| contents          | "What is on the coffee table?"                        | list of categories        |
| object_state      | "Is the fridge open?"                                 | bool (state == `state`)   |
| count             | "How many times was the fridge opened?"               | int                       |
| first_seen        | "When did you first see the book?"                    | time                      |
| last_seen         | "When did you last see the keys?"                     | time                      |
| changes           | "What changed in the kitchen between d1 08:00 and ..."| list of events/categories |
| still_present     | "Is the remote still in the house?"                   | bool                      |
| attribute         | "What colour is the mug?"                             | attribute value (text)    |
| object_count      | "How many mugs are in the kitchen?"                   | int (objects, not events) |
| identify          | "What is the red object on the table?"                | list of categories        |
| exists            | "Did you see a mug?" / "Is there a kettle?"           | bool                      |
| affordance        | "Where can I make coffee?"                            | categories + where        |
| robot_location    | "Where were you at d1 10:00?"                         | room of the robot         |
| robot_visit       | "When did you leave the kitchen?"                     | time                      |
| room_for          | "Is there room on the desk for a laptop?" /           | bool, or list of surfaces |
|                   | "Which table has room for the box?" (`receptacle`:    |                           |
|                   | the surface, `target`: the thing to put down)         |                           |
| robot_actions     | "What did you do after you opened the fridge?"        | list of actions in order  |
|                   | "What did you put the bowl on right after you picked  | what that action was on / |
|                   | it up?" (`action`: the one asked about)               | with (categories)         |
| unknown           | anything else                                         | an honest "don't know"    |

The query is compositional: a *selection* (`target` category or description, `attributes`
filters such as {"colour": "red"}, a `relation` to an `anchor` (and `anchor2` for "between"),
`room`, `receptacle`, a time point `time` or interval `t0`/`t1`) and a *projection*, the `kind`
(location, room, state, count, attribute named by `attribute`, first/last seen, list, yes/no, the
robot's own pose or visits). Each kind above is one projection; the selection fields apply to all
of them (docs/QUESTIONS.md draws the table of which kind reads which field).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from memory_stack.foundation.errors import BadInputError

QUERY_KINDS: tuple[str, ...] = (
    "present_location", "past_location", "room_of", "contents", "object_state", "count",
    "first_seen", "last_seen", "changes", "still_present",
    "attribute", "object_count", "identify", "exists", "affordance", "robot_location", "robot_visit",
    "robot_actions", "room_for", "unknown",
)
ATTRIBUTE_NAMES: tuple[str, ...] = ("colour", "size", "material", "shape")
RELATIONS: tuple[str, ...] = ("on", "in", "near", "next_to", "above", "below", "between", "closest_to",
                              "left_of", "right_of", "behind", "in_front_of", "across_from",
                              "in_middle_of", "on_wall",  # of a room (`room`, or any room), no anchor
                              "after", "before")  # in time, between the robot's own actions (robot_actions)
# The robot's own actions as its episodic memory keeps them (planners.acting.task_planning).
ROBOT_ACTIONS: tuple[str, ...] = ("pick", "place", "open", "close")
VISIT_EVENTS: tuple[str, ...] = ("entered", "left", "visited")
COUNT_KINDS: tuple[str, ...] = ("opened", "closed", "moved", "state_changed", "appeared", "disappeared")
STATES: tuple[str, ...] = ("open", "closed", "on", "off")

# Kinds that need an object (or receptacle) to be about; without one the question is unanswerable.
KINDS_NEEDING_TARGET: frozenset[str] = frozenset({
    "present_location", "past_location", "room_of", "object_state", "count", "first_seen", "last_seen",
    "still_present", "attribute", "object_count", "exists",
})


class TypedQueryError(BadInputError):
    """A typed query (e.g. one proposed by a language model) is not valid; the message names the field."""


@dataclass
class TypedQuery:
    """A question as the planner needs it.

    - `target`: the object/receptacle the question is about, linked against memory: an object or
      receptacle id when the question names one memory knows by id ("coffee_table"), otherwise a
      category ("mug"); `target_category` is its category; `mention` is the words used ("my cup").
    - `time`: a point (seconds since d1 00:00) for "at" questions; `t0`/`t1`: an interval. A period
      such as "yesterday morning" sets both (interval plus a conventional point estimate).
    - `room` / `receptacle`: where the question looks (contents, changes) or a place named in it;
      `receptacle` is an id or a category, as `MemoryStore.contents` accepts.
    - `confidence`: how sure the parse is (0..1); kind "unknown" always has a low one.
    """

    kind: str
    question: str = ""
    target: str | None = None
    target_category: str | None = None
    mention: str | None = None
    target_is_receptacle: bool = False
    state: str | None = None
    count_kind: str | None = None
    time: float | None = None
    t0: float | None = None
    t1: float | None = None
    room: str | None = None
    receptacle: str | None = None
    confidence: float = 0.0
    time_text: str | None = None
    intent_scores: dict[str, float] = field(default_factory=dict)
    source: str = "embedding"
    attribute: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    relation: str | None = None
    anchor: str | None = None
    anchor2: str | None = None
    activity: str | None = None
    visit: str | None = None
    # robot_actions: the action asked about ("what did you *put the bowl on* right before you opened the
    # fridge": place), nearest before/after the one named by `activity` and `anchor` (or `target`)
    action: str | None = None
    # The reading score's probability that this reading is the question's (planners.language.reading_score);
    # None when the reading was not scored (a reasoner's, one built by hand, or no reading at all).
    reading_score: float | None = None

    def __post_init__(self) -> None:
        validate_typed_query(self)

    @property
    def is_unknown(self) -> bool:
        return self.kind == "unknown"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, question: str = "", source: str = "dict") -> TypedQuery:
        """Build and validate from a mapping (e.g. JSON from a language model); unknown keys rejected."""
        if not isinstance(data, dict):
            raise TypedQueryError(f"typed query: expected a JSON object, got {type(data).__name__}")
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(k for k in data if k not in allowed)
        if unknown:
            raise TypedQueryError(f"typed query: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
        values = dict(data)
        values.setdefault("question", question)
        values.setdefault("source", source)
        for name in ("intent_scores", "attributes"):
            if name in values and values[name] is None:
                values[name] = {}
        return cls(**values)


def _check_optional_str(query: TypedQuery, name: str) -> None:
    value = getattr(query, name)
    if value is not None and not isinstance(value, str):
        raise TypedQueryError(f"typed query: field {name!r} must be a string or null, got {value!r}")


def _check_optional_time(query: TypedQuery, name: str) -> None:
    value = getattr(query, name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypedQueryError(f"typed query: field {name!r} must be seconds (a finite number) or null, got {value!r}")
    setattr(query, name, float(value))


def validate_typed_query(query: TypedQuery) -> None:
    """Raise TypedQueryError naming the first invalid field."""
    if query.kind not in QUERY_KINDS:
        raise TypedQueryError(f"typed query: field 'kind' must be one of {', '.join(QUERY_KINDS)}, got {query.kind!r}")
    for name in ("question", "target", "target_category", "mention", "room", "receptacle", "time_text", "source",
                 "anchor", "anchor2", "activity"):
        _check_optional_str(query, name)
    for name in ("time", "t0", "t1"):
        _check_optional_time(query, name)
    for name, allowed in (("state", STATES), ("count_kind", COUNT_KINDS), ("attribute", ATTRIBUTE_NAMES),
                          ("relation", RELATIONS), ("visit", VISIT_EVENTS), ("action", ROBOT_ACTIONS)):
        value = getattr(query, name)
        if value is not None and value not in allowed:
            raise TypedQueryError(f"typed query: field '{name}' must be one of {', '.join(allowed)} or null, "
                                  f"got {value!r}")
    if not isinstance(query.attributes, dict) or not all(
            k in ATTRIBUTE_NAMES and isinstance(v, str) for k, v in query.attributes.items()):
        raise TypedQueryError(f"typed query: field 'attributes' must map {', '.join(ATTRIBUTE_NAMES)} to text, "
                              f"got {query.attributes!r}")
    if query.t0 is not None and query.t1 is not None and query.t0 > query.t1:
        raise TypedQueryError(f"typed query: interval goes backwards (t0={query.t0} > t1={query.t1})")
    conf = query.confidence
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0.0 <= conf <= 1.0:
        raise TypedQueryError(f"typed query: field 'confidence' must be a number in [0, 1], got {conf!r}")
    query.confidence = float(conf)
    score = query.reading_score
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))
                              or not 0.0 <= score <= 1.0):
        raise TypedQueryError(f"typed query: field 'reading_score' must be a number in [0, 1] or null, got {score!r}")
    if not isinstance(query.target_is_receptacle, bool):
        raise TypedQueryError("typed query: field 'target_is_receptacle' must be true/false")
    if not isinstance(query.intent_scores, dict):
        raise TypedQueryError("typed query: field 'intent_scores' must be a mapping")
