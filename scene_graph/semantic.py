"""Semantic memory: facts with validity intervals, ontology links, location priors and move rates.

`SemanticMemory` keeps the bi-temporal facts (valid in the world from/to, recorded/retired in
memory); its writes run inside the caller's transaction. The functions below are the learned priors
(where things of a category are kept, how often an object moves) and `locate`, where memory last
placed each instance of a target. Turning those into the probability that a thing is still there is
the planners' one model (planners.belief.priors).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from memory_stack.foundation.errors import BadInputError
from scene_graph.persistence import MemoryFile
from scene_graph.records import Fact, LocationBelief
from scene_graph.temporal import object_at
from scene_graph.tracking.object_tracks import TENTATIVE
from scene_graph.view import (
    MemoryView,
    category_of,
    id_order,
    is_current,
    resolve,
    support_of_tentative,
)


class SemanticMemory:
    """Facts (subject, predicate, object) with when they held in the world and when memory believed them."""

    def __init__(self, file: MemoryFile) -> None:
        self.file = file
        self.fact_map: dict[int, Fact] = {}
        self.facts_by_subject: dict[str, list[int]] = defaultdict(list)

    def load(self) -> None:
        for row in self.file.fact_rows():
            self.fact_map[row[0]] = Fact(*row)
            self.facts_by_subject[row[1]].append(row[0])

    def add(self, subject: str, predicate: str, object: str, valid_from: float | None = None,
            valid_to: float | None = None, recorded_at: float = 0.0, confidence: float = 1.0,
            provenance: str = "user") -> int:
        recorded_at = float(recorded_at)
        fid = self.file.insert_fact(subject, predicate, object, valid_from, valid_to, recorded_at,
                                    float(confidence), provenance)
        self.facts_by_subject[subject].append(fid)
        self.fact_map[fid] = Fact(fid, subject, predicate, object, valid_from, valid_to, recorded_at, None,
                                  float(confidence), provenance)
        return fid

    def get(self, fact_id: int, caller: str) -> Fact:
        fact = self.fact_map.get(fact_id)
        if fact is None:
            raise BadInputError(f"{caller}: no fact with id {fact_id}")
        return fact

    def retire(self, fact_id: int, at: float) -> None:
        """The fact is no longer believed from `at` (the row stays for "as of" queries)."""
        self.file.retire_fact(fact_id, float(at))
        self.fact_map[fact_id].retired_at = float(at)

    def end(self, fact_id: int, valid_to: float) -> None:
        self.file.end_fact(fact_id, float(valid_to))
        self.fact_map[fact_id].valid_to = float(valid_to)

    def about(self, subject: str) -> list[Fact]:
        return [self.fact_map[i] for i in self.facts_by_subject.get(subject, ())]

    def retire_all_about(self, subject: str, at: float) -> None:
        """Retire every fact still believed about `subject` (an object folded into another)."""
        for fact in self.about(subject):
            if fact.subject == subject and fact.retired_at is None:
                self.retire(fact.id, at)

    def facts(self, subject: str | None = None, predicate: str | None = None, at: float | None = None,
              as_of: float | None = None, include_retired: bool = False) -> list[Fact]:
        """Facts valid in the world at `at`, as known at `as_of` (None: now, retired facts hidden)."""
        out = []
        pool = (self.fact_map[i] for i in self.facts_by_subject.get(subject, ())) if subject is not None \
            else self.fact_map.values()
        for f in pool:
            if subject is not None and f.subject != subject:
                continue
            if predicate is not None and f.predicate != predicate:
                continue
            if at is not None and ((f.valid_from is not None and at < f.valid_from)
                                   or (f.valid_to is not None and at >= f.valid_to)):
                continue
            if as_of is not None:
                if f.recorded_at > as_of or (f.retired_at is not None and f.retired_at <= as_of):
                    continue
            elif f.retired_at is not None and not include_retired:
                continue
            out.append(f)
        return out


# ---------------------------------------------------------------------- priors
def move_rate(view: MemoryView, target: str) -> float:
    """Moves per hour, Gamma-smoothed: (prior moves + observed moves) / (prior hours + observed hours)."""
    cfg = view.config
    ids = resolve(view, target)
    is_rec = (view.tracks[ids[0]].is_receptacle if ids else view.ontology.is_receptacle(target))
    a0 = cfg.receptacle_move_rate_prior_moves if is_rec else cfg.move_rate_prior_moves
    b0 = cfg.receptacle_move_rate_prior_hours if is_rec else cfg.move_rate_prior_hours
    moves, hours = 0, 0.0
    now = view.now
    for oid in ids:
        obj = view.tracks[oid]
        moves += sum(1 for ev in obj.events if ev.kind == "moved")
        hours += max(0.0, now - obj.first_seen) / 3600.0
    if len(ids) > 1:
        moves, hours = moves / len(ids), hours / len(ids)
    return (a0 + moves) / (b0 + hours)


def location_prior(view: MemoryView, category: str) -> dict[str, float]:
    """P(receptacle category | object category): ontology pseudo-counts plus every remembered placement."""
    cat = view.ontology.canonical(category)
    return dict(view.cache.get(("location_prior", cat), lambda: _location_prior(view, cat)))


def _location_prior(view: MemoryView, cat: str) -> dict[str, float]:
    cfg = view.config
    onto = view.ontology
    counts: Counter[str] = Counter()
    known = {c for c, members in view.by_category.items()
             if members and onto.is_receptacle(c) and any(view.tracks[m].status != TENTATIVE for m in members)}
    typical = onto.typical_receptacles(cat)
    for rc in known | set(typical):
        counts[rc] += cfg.location_prior_floor
    for rc in typical:
        # a typical place names a kind of furniture; memory may hold it only as its kinds (table: coffee_table, ...)
        kinds = ([rc] if rc in known else []) + sorted(k for k in known - {rc} if k not in typical and onto.is_a(k, rc))
        for kind in kinds or [rc]:
            counts[kind] += cfg.location_prior_strength / len(typical) / len(kinds or [rc])
    for oid in view.by_category.get(cat, ()):
        for loc in view.tracks[oid].locations:
            if loc.rests_on_category is not None:
                counts[loc.rests_on_category] += 1.0
    total = sum(counts.values())
    return {k: v / total for k, v in sorted(counts.items(), key=lambda kv: -kv[1])} if total > 0 else {}


def tentative_beliefs(view: MemoryView, target: str) -> list[LocationBelief]:
    """Objects of the target's categories seen but not yet confirmed, as `source="tentative"` beliefs.

    Unnormalised: the probability is the track's existence confidence.
    """
    onto = view.ontology
    cat = onto.canonical(target)
    out = []
    for c in [cat, *sorted(onto.descendants(cat))]:
        for oid in sorted(view.by_category.get(c, ()), key=id_order):
            obj = view.tracks[oid]
            if obj.status != TENTATIVE:
                continue
            support = support_of_tentative(view, obj)
            out.append(LocationBelief(obj.id, obj.category, tuple(map(float, obj.position)), obj.room, support,
                                      category_of(view, support), obj.confidence, obj.last_seen, True,
                                      "tentative"))
    return out


def locate(view: MemoryView, target: str, at: float | None, include_tentative: bool = False
           ) -> list[LocationBelief]:
    """Where memory last placed each instance of the target known at `at` (remembered facts, no model).

    One `source="memory"` row per instance: its position, room and support when last seen (as of
    `at`), `last_seen`, and `present` (False once memory saw it leave). How likely it is to still be
    there is the planners' model (planners.belief.priors), not memory's: the rows share the
    probability equally, in object id order. With
    include_tentative (current time only), objects seen once and not yet confirmed are added as
    `source="tentative"` rows weighted by their existence confidence; alone, they are the answer.
    """
    if include_tentative and is_current(view, at):
        extra = tentative_beliefs(view, target)
        beliefs = locate(view, target, at)
        if extra:
            weight = 1.0 if not beliefs else 0.5
            total = sum(b.probability for b in extra)
            for b in extra:
                b.probability = weight * b.probability / total
            for b in beliefs:
                b.probability *= 1.0 - weight
            beliefs = sorted(beliefs + extra, key=lambda b: (-b.probability, b.source != "memory"))
        return beliefs
    known = [so for so in (object_at(view, view.tracks[oid], at) for oid in resolve(view, target)) if so is not None]
    share = 1.0 / len(known) if known else 0.0
    return [LocationBelief(so.id, so.category, so.position, so.room, so.rests_on, so.rests_on_category, share,
                           so.last_seen, so.present, "memory") for so in known]
