"""Where a thing that left its remembered place may be now: a prior over the home's receptacles.

Three sources, each worth a number of placements (`BeliefConfig`), mixed per receptacle:

- the category's own prior (`memory.location_prior`: the ontology's typical places and every
  placement memory saw of the category), worth `category_prior_weight` when the ontology knows the
  category's places (itself or an is_a ancestor), plus one per placement memory saw;
- for a category the ontology gives no places for, the categories nearest it by name
  (`similarity`, e.g. sentence embeddings: a notebook is put where books are, a lemon where
  oranges are), among those the ontology or this home's memory knows places for, worth
  `neighbour_prior_weight`;
- where things are put in this home (`home_prior_weight`): each receptacle by the number of distinct
  movable things memory has seen on it, plus one. Counters and tables hold most things; a shelf
  memory never saw anything on holds few.

Without the last two, a category memory had seen on one place only (most of a generated home's ~100
categories) spread its moved mass evenly over every receptacle, and the search after a failed
remembered place went nearest-first through the house.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from planners.belief.config import BeliefConfig
from planners.memory_api import MemoryReader
from scene_graph.records import SceneObject

Similarity = Callable[[str, Sequence[str]], Sequence[float]]


class PlacePrior:
    """Receptacle weights for one category (made per question: memory may change between)."""

    def __init__(self, memory: MemoryReader, config: BeliefConfig, objects: Sequence[SceneObject],
                 similarity: Similarity | None = None) -> None:
        self.memory = memory
        self.config = config
        self.objects = objects
        self.similarity = similarity
        self._home: Counter[str] | None = None

    def home_counts(self) -> Counter[str]:
        """Per receptacle id: how many distinct movable things memory has seen resting on it."""
        if self._home is None:
            seen: dict[str, set[str]] = {}
            for o in self.objects:
                if not o.is_receptacle and o.rests_on:
                    seen.setdefault(o.rests_on, set()).add(o.id)
            for e in self.memory.events(kinds=["moved"]):
                for place in (e.from_place, e.to_place):
                    if place:
                        seen.setdefault(place, set()).add(e.object_id)
            self._home = Counter({place: len(ids) for place, ids in seen.items()})
        return self._home

    def _category_prior(self, category: str) -> dict[str, float]:
        try:
            return dict(self.memory.location_prior(category))
        except (KeyError, LookupError, ValueError):
            return {}

    def _placements(self, category: str) -> int:
        return sum(1 for o in self.objects if o.category == category and o.rests_on)

    def _knows_places(self, category: str) -> bool:
        try:
            return bool(self.memory.ontology.typical_receptacles(category))
        except (KeyError, LookupError, ValueError):
            return False

    def neighbours(self, category: str) -> list[tuple[str, float]]:
        """The categories nearest `category` by name whose places are known, with their similarity."""
        cfg = self.config
        if self.similarity is None or cfg.neighbour_prior_weight <= 0.0:
            return []
        ontology = self.memory.ontology
        known = set(getattr(ontology, "typical", {}) or {})
        known |= {o.category for o in self.objects if not o.is_receptacle and o.rests_on and o.category}
        known.discard(category)
        names = sorted(known)
        if not names:
            return []
        scores = self.similarity(category.replace("_", " "), [n.replace("_", " ") for n in names])
        ranked = sorted(((float(s), n) for s, n in zip(scores, names) if float(s) >= cfg.neighbour_min_similarity),
                        reverse=True)
        return [(n, s) for s, n in ranked[: cfg.neighbour_count]]

    def weights(self, category: str, receptacles: Sequence[SceneObject]) -> list[float]:
        """A weight per receptacle (summing to 1 over `receptacles`; empty in, empty out)."""
        cfg = self.config
        if not receptacles:
            return []
        sources: list[tuple[float, list[float]]] = []

        def by_category(prior: dict[str, float]) -> list[float]:
            raw = [max(float(prior.get(r.category, 0.0)), cfg.location_prior_floor) for r in receptacles]
            total = sum(raw)
            return [w / total for w in raw]

        strength = (cfg.category_prior_weight if self._knows_places(category) else 0.0) + self._placements(category)
        sources.append((max(strength, 1e-6), by_category(self._category_prior(category))))
        if not self._knows_places(category):
            near = self.neighbours(category)
            if near:
                mixed = [0.0] * len(receptacles)
                total_sim = sum(s for _, s in near)
                for name, s in near:
                    for i, w in enumerate(by_category(self._category_prior(name))):
                        mixed[i] += w * s / total_sim
                sources.append((cfg.neighbour_prior_weight, mixed))
        if cfg.home_prior_weight > 0.0:
            counts = self.home_counts()
            raw = [counts.get(r.id, 0) + 1.0 for r in receptacles]
            total = sum(raw)
            sources.append((cfg.home_prior_weight, [w / total for w in raw]))
        weight_sum = sum(s for s, _ in sources)
        return [sum(s * ws[i] for s, ws in sources) / weight_sum for i in range(len(receptacles))]
