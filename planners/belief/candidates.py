"""A belief: for one typed question, a probability distribution over hypotheses and the answers they imply.

A `Belief` holds hypotheses about the world (`AnswerCandidate`: "the mug is on the counter",
"the fridge is closed", "nothing was missed"), each with the answer it implies (`value`, compared by
`answer_key`) and, when a look could confirm or refute it now, the place to look (`reveal_target`).
The answer is the most probable answer key (summed over hypotheses); its mass is the confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

NOT_IN_HOUSE = "not_in_house"


@dataclass
class AnswerCandidate:
    """One hypothesis about the world and the answer it implies.

    `label` identifies the hypothesis (a receptacle id, a room, `not_in_house`, a state...);
    `value` is the answer in the shape of specs/scenario.md; `reveal_target` / `reveal_position`
    say where a look now would confirm or refute it (None: nothing to look at, e.g. the past).
    `speculative` hypotheses (events that may have been missed, places a moved object may have
    gone to by the prior) lower the confidence of the observed answer and are worth looking at, but
    are never reported as the answer until a look confirms them. `visibility`: how likely a look at
    `reveal_target` is to show the thing when this hypothesis is true (0 inside a shut wardrobe).
    """

    label: str
    value: Any
    probability: float
    position: tuple[float, float, float] | None = None
    room: str | None = None
    rests_on: str | None = None
    rests_on_category: str | None = None
    object_id: str | None = None
    last_seen: float | None = None
    reveal_target: str | None = None
    reveal_position: tuple[float, float, float] | None = None
    evidence: list[str] = field(default_factory=list)
    speculative: bool = False
    # P(a look at reveal_target would show the thing if it is there): below 1 inside furniture whose
    # door may be shut (planners.belief.interior_visibility)
    visibility: float = 1.0

    @property
    def answer_key(self) -> Any:
        return answer_key(self.value)


def answer_key(value: Any) -> Any:
    """A hashable key under which answers that say the same thing are pooled."""
    if isinstance(value, list):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((k, answer_key(v)) for k, v in value.items()))
    if isinstance(value, tuple) and value and all(isinstance(v, float) for v in value):
        return tuple(round(v, 1) for v in value)
    return value


@dataclass
class Belief:
    """A distribution over hypotheses for one question; probabilities sum to 1 (or it is empty)."""

    kind: str
    candidates: list[AnswerCandidate]
    query: Any = None
    time: float | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.normalize()

    def normalize(self) -> None:
        total = sum(max(0.0, c.probability) for c in self.candidates)
        if total <= 0.0:
            for c in self.candidates:
                c.probability = 1.0 / len(self.candidates)
            return
        for c in self.candidates:
            c.probability = max(0.0, c.probability) / total

    @property
    def probabilities(self) -> list[float]:
        return [c.probability for c in self.candidates]

    def answer_masses(self, probabilities: Sequence[float] | None = None) -> dict[Any, float]:
        """Probability per answer key (hypotheses that imply the same answer are pooled)."""
        probabilities = self.probabilities if probabilities is None else probabilities
        masses: dict[Any, float] = {}
        for c, p in zip(self.candidates, probabilities):
            masses[c.answer_key] = masses.get(c.answer_key, 0.0) + p
        return masses

    @property
    def map_candidate(self) -> AnswerCandidate | None:
        """The best non-speculative hypothesis of the most probable answer."""
        reportable = [c for c in self.candidates if not c.speculative]
        if not reportable:
            return None
        masses = self.answer_masses()
        best_key = max((c.answer_key for c in reportable), key=lambda k: masses[k])
        return max((c for c in reportable if c.answer_key == best_key), key=lambda c: c.probability)

    @property
    def confidence(self) -> float:
        best = self.map_candidate
        if best is None:
            return 0.0
        return self.answer_masses()[best.answer_key]

    @property
    def revealable(self) -> bool:
        return any(c.reveal_target for c in self.candidates)


@dataclass(frozen=True)
class LookRecord:
    """A look the robot made while answering: at `target`, at time `time`.

    `coverage`: the share of the place's top the look saw (planners.acting.viewpoints.top_coverage); a
    look that saw half of a shelf's top is half as strong evidence that nothing is on it.
    `also_seen`: (place, coverage) of the other places the same frames showed (the counter beside the
    oven looked at); a look there is evidence about them too.
    """

    target: str
    time: float
    coverage: float = 1.0
    also_seen: tuple[tuple[str, float], ...] = ()

    def coverage_of(self, place: str) -> float:
        """The share of `place`'s top this look saw (0 for a place it did not show)."""
        if place == self.target:
            return self.coverage
        return max((c for p, c in self.also_seen if p == place), default=0.0)
