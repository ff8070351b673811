"""BeliefBuilder: for one typed question, a `Belief` built from memory alone.

Each question kind has its model (location_beliefs, state_beliefs, contents_beliefs,
event_beliefs), all reading memory through one `LocationModel` (planners.belief.priors) made for
the question; looks the robot already made while answering are applied last, as negative evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from planners.belief import contents_beliefs, event_beliefs, location_beliefs, state_beliefs
from planners.belief.candidates import Belief, LookRecord
from planners.belief.config import BeliefConfig
from planners.belief.interior_visibility import visibility
from planners.belief.place_prior import Similarity
from planners.belief.priors import LocationModel
from planners.language.typed_query import TypedQuery
from planners.memory_api import MemoryReader

PRESENT_KINDS = {"present_location", "room_of", "still_present"}

BeliefModel = Callable[[LocationModel, TypedQuery, float], Belief]

MODELS: dict[str, BeliefModel] = {
    "present_location": location_beliefs.present_location,
    "room_of": location_beliefs.room_of,
    "still_present": location_beliefs.still_present,
    "past_location": location_beliefs.past_location,
    "object_state": state_beliefs.object_state,
    "contents": contents_beliefs.contents,
    "count": event_beliefs.count,
    "changes": event_beliefs.changes,
    "first_seen": event_beliefs.first_or_last_seen,
    "last_seen": event_beliefs.first_or_last_seen,
}


class BeliefBuilder:
    """Builds a `Belief` for a typed query from the memory's public query API."""

    def __init__(self, memory: MemoryReader, config: BeliefConfig | None = None,
                 similarity: Similarity | None = None) -> None:
        """`similarity(name, names)`: how alike category names are (cosine); None: no back-off by name."""
        self.memory = memory
        self.config = config or BeliefConfig()
        self.similarity = similarity

    def location_model(self, now: float, looks_from: float | None = None) -> LocationModel:
        """The model of where things are at `now` (rates learned from memory as it is now).

        `looks_from`: when this question's own looks began (they are applied per place by `build`).
        """
        return LocationModel(self.memory, self.config, now, looks_from, self.similarity)

    def build(self, query: TypedQuery, now: float, looks: Sequence[LookRecord] = ()) -> Belief:
        kind = query.kind or "unknown"
        if kind in PRESENT_KINDS and not query.target:
            return Belief(kind, [], query, now, ["no target object in the question"])
        model = MODELS.get(kind)
        if model is None:
            return Belief(kind, [], query, now, [f"question kind {kind!r} has no belief model"])
        location_model = self.location_model(now, min((look.time for look in looks), default=None))
        belief = model(location_model, query, now)
        if looks:
            self._apply_looks(belief, looks, location_model)
        return belief

    def _apply_looks(self, belief: Belief, looks: Sequence[LookRecord], model: LocationModel) -> None:
        """A look that showed a place and did not re-sight a hypothesis there is negative evidence for it.

        The place looked at and the others its frames showed (`LookRecord.also_seen`) alike, each by
        the share of its top the frames saw.

        A look sees into furniture only while its door is open (`interior_visibility`, by the door state
        memory read at the look): a look at a shut fridge is no evidence about what is inside.

        The memory applies its own negative evidence when it ingests the frames; this covers
        hypotheses the memory has no record to update for (prior-only places, "elsewhere").
        """
        if belief.kind in ("object_state", "contents"):
            belief.normalize()
            return
        for look in looks:
            for c in belief.candidates:
                coverage = look.coverage_of(c.reveal_target) if c.reveal_target else 0.0
                if coverage <= 0.0:
                    continue
                if c.last_seen is not None and c.last_seen >= look.time:
                    continue
                seen = min(1.0, float(coverage)) * visibility(model, c.reveal_target, look.time)
                c.probability *= 1.0 - self.config.detection_probability * seen
        belief.normalize()
