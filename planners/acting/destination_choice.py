"""Which remembered receptacle a task's destination phrase means.

The ontology folds names into canonical categories ("dining table" and "coffee table" are both a
`table`), so when memory holds several receptacles of the destination's category the words the
canonical name dropped decide. A room named in the phrase ("the kitchen cabinet") picks that room;
otherwise the phrase is compared by MiniLM with "a <category> in a <room>" for each room that holds
a candidate, and a room wins only by a clear margin (MiniLM knows that dining tables belong in
kitchens and dining rooms; it does not reliably place coffee tables in living rooms). Without a
clear winner the candidate nearest the robot is chosen (the task planner asks again once it holds
the object, so that is the one nearest to where the object was picked up).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from memory_stack.foundation.errors import BadInputError
from scene_graph.records import SceneObject

log = logging.getLogger(__name__)

# The best room must lead the runner-up by this much (debiased cosine similarity). Measured on
# MiniLM: "dining table" leads by 0.12, "nightstand" by 0.08-0.12, "kitchen table" by 0.16-0.24,
# while "coffee table" and "side table" (no room cue MiniLM knows) stay under 0.05.
ROOM_MARGIN = 0.07


def _words(name: str | None) -> str:
    return (name or "").replace("_", " ").strip().lower()


def room_named_in(mention: str, rooms: Sequence[str]) -> str | None:
    """The room whose name appears in the mention ("the kitchen cabinet" -> kitchen), longest name first."""
    text = f" {_words(mention)} "
    for room in sorted(rooms, key=lambda r: -len(_words(r))):
        if f" {_words(room)} " in text:
            return room
    return None


def room_by_similarity(mention: str, category: str, rooms: Sequence[str], embedder: Any,
                       margin: float = ROOM_MARGIN) -> str | None:
    """The room the mention's extra words point to, by a clear margin, else None.

    Each room is scored by sim(mention, "a <category> in a <room>") minus sim(category, same text):
    the bare category's own similarity is subtracted so that a room every table resembles (MiniLM
    puts any table in a kitchen) does not win for a phrase whose modifier says nothing about rooms.
    """
    if len(rooms) < 2 or embedder is None:
        return None
    texts = [_words(mention), _words(category)] + [f"a {_words(category)} in a {_words(room)}" for room in rooms]
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)
    score = vectors[2:] @ vectors[0] - vectors[2:] @ vectors[1]
    order = np.argsort(-score)
    if float(score[order[0]] - score[order[1]]) < margin:
        return None
    return rooms[int(order[0])]


def sibling_names(category: str) -> list[str]:
    """Other names the project ontology folds into `category` ("dining_table", "coffee_table" for table)."""
    return sorted(name for name, canonical in _ontology_synonyms().items() if canonical == category)


@functools.lru_cache(maxsize=1)
def _ontology_synonyms() -> dict[str, str]:
    from planners.language.entity_linking import ontology_vocabulary

    try:
        return dict(ontology_vocabulary().synonyms)
    except (OSError, BadInputError) as exc:
        log.debug("ontology unavailable for receptacle names: %s", exc)
        return {}


def narrow_by_words(candidates: Sequence[SceneObject], mention: str, category: str,
                    embedder_factory: Callable[[], Any] | None = None, margin: float = ROOM_MARGIN,
                    siblings: Sequence[str] = ()) -> list[SceneObject]:
    """The candidates (same category) the mention's words can mean; all of them when the words do not decide.

    `siblings`: other names the ontology folds into the same category ("dining table" for "coffee
    table"). When the mention itself points to no room, a room that a sibling name clearly points to
    is left out: a different name for it means a different piece of furniture.
    """
    candidates = list(candidates)
    rooms = sorted({r.room for r in candidates if r.room})
    if len(candidates) <= 1 or len(rooms) < 2 or not mention or _words(mention) == _words(category):
        return candidates
    room = room_named_in(mention, rooms)
    embedder = None
    if room is None and embedder_factory is not None:
        embedder = embedder_factory()
        room = room_by_similarity(mention, category, rooms, embedder, margin)
    if room is not None:
        return [r for r in candidates if r.room == room] or candidates
    claimed = set()
    for sibling in siblings:
        if _words(sibling) in (_words(mention), _words(category)):
            continue
        other = room_named_in(sibling, rooms)
        if other is None and embedder is not None:
            other = room_by_similarity(sibling, category, rooms, embedder, margin)
        if other is not None:
            claimed.add(other)
    return [r for r in candidates if r.room not in claimed] or candidates


def choose_destination(candidates: Sequence[SceneObject], mention: str, category: str, robot_xy: tuple[float, float],
                       embedder_factory: Callable[[], Any] | None = None, margin: float = ROOM_MARGIN,
                       siblings: Sequence[str] = ()) -> SceneObject | None:
    """The receptacle among `candidates` (same category) that `mention` most likely means; None if empty.

    The words narrow the candidates (`narrow_by_words`); among those left the nearest to the robot wins.
    """
    if not candidates:
        return None
    options = narrow_by_words(candidates, mention, category, embedder_factory, margin, siblings)
    return min(options, key=lambda r: math.dist(robot_xy, (float(r.position[0]), float(r.position[1]))))
