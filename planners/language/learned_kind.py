"""The question kind learned from labelled questions: a softmax model over the question's sentence embedding.

Classes are the kinds the labelled OpenEQA questions were given (the two location kinds as one, "location")
plus "unknown" for the questions labelled inexpressible, so the model also learns what to refuse. It reads
only the form of a question (which projection it asks for, or that it asks for none memory holds); the
rule parser still fills the slots (target, room, time). Fitted and stored by `python -m
bench.learned_kind_fit --write` (planners/data/learned_kind.json, with provenance).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KIND_MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "learned_kind.json"
LOCATION_KINDS = frozenset({"present_location", "past_location"})
LOCATION = "location"
UNKNOWN = "unknown"


def kind_class(kind: str) -> str:
    """The model's class of a query kind: both location kinds are one class (the time tells them apart)."""
    return LOCATION if kind in LOCATION_KINDS else kind


@dataclass
class KindModel:
    """P(kind | question) = softmax(bias + weights . embedding), one row of `weights` per class."""

    classes: list[str]
    bias: list[float]
    weights: list[list[float]]  # [class][embedding dimension]
    provenance: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, vector: Sequence[float]) -> dict[str, float]:
        import numpy as np

        z = np.asarray(self.bias) + np.asarray(self.weights) @ np.asarray(vector, dtype=float)
        z = np.exp(z - z.max())
        p = z / z.sum()
        return {c: float(v) for c, v in zip(self.classes, p)}

    @classmethod
    def fit(cls, vectors: Any, kinds: Iterable[str], l2: float = 1.0, iterations: int = 800) -> KindModel:
        """Multinomial logistic regression, L2 penalty `l2` on the weights (biases free), by accelerated gradient.

        `kinds` are query kinds or "unknown"; location kinds are merged (kind_class). Deterministic: a fixed
        step (the loss's curvature is at most 1 for unit-length embeddings) and a fixed number of iterations.
        """
        import numpy as np

        labels = [kind_class(k) for k in kinds]
        classes = sorted(set(labels))
        x = np.hstack([np.ones((len(labels), 1)), np.asarray(vectors, dtype=float)])
        y = np.eye(len(classes))[[classes.index(k) for k in labels]]
        n = len(labels)
        penalty = np.full((x.shape[1], 1), l2 / n)
        penalty[0] = 0.0
        step = 1.0 / (0.5 * float((x * x).sum(axis=1).max()) + l2 / n)
        w = np.zeros((x.shape[1], len(classes)))
        previous = w.copy()
        for t in range(1, iterations + 1):
            look = w + (t - 1) / (t + 2) * (w - previous)
            z = x @ look
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            gradient = x.T @ (p - y) / n + penalty * look
            previous, w = w, look - step * gradient
        return cls(classes, [float(b) for b in w[0]], [[float(v) for v in w[1:, c]] for c in range(len(classes))])

    @classmethod
    def load(cls, path: Path | None = None) -> KindModel:
        path = path or KIND_MODEL_PATH
        data = json.loads(path.read_text(encoding="utf-8"))
        for name in ("classes", "bias", "weights"):
            if name not in data:
                raise ValueError(f"{path}: {name}: missing (re-fit: python -m bench.learned_kind_fit --write)")
        if not (len(data["classes"]) == len(data["bias"]) == len(data["weights"])):
            raise ValueError(f"{path}: weights: one row and one bias per class expected")
        return cls(list(data["classes"]), [float(b) for b in data["bias"]],
                   [[float(v) for v in row] for row in data["weights"]], dict(data.get("provenance", {})))

    def save(self, path: Path | None = None) -> None:
        data = {"classes": self.classes, "bias": [round(b, 5) for b in self.bias],
                "weights": [[round(v, 5) for v in row] for row in self.weights], "provenance": self.provenance}
        (path or KIND_MODEL_PATH).write_text(json.dumps(data) + "\n", encoding="utf-8")


@dataclass
class LearnedKindConfig:
    """When the learned kind overrules the rules (planners.language.question_parsing.QuestionParserConfig.learned)."""

    # Off: confirming every refused reading also overrules the refusals that name their reason (a part of a
    # thing, a set difference, a superlative, a storey: tests/planners/test_question_parsing.py). Until it
    # confirms only readings no rule refused with a reason, it is opt-in.
    enabled: bool = False
    path: str | None = None             # None: planners/data/learned_kind.json
    confirm_min: float = 0.5            # a refused question is read as its rules-off reading when the model gives
    confirm_max_unknown: float = 0.2    # that reading's kind at least this and "unknown" at most this
    # A reading is refused when the model gives "unknown" at least this; None: never. Off: at 0.6 it gained
    # 3 confident-on-inexpressible of 468 left one split out but refused 3 of the 100 shipped questions
    # ("How many mugs are in the bathroom?": OpenEQA's counts are mostly inexpressible ones).
    refuse_min_unknown: float | None = None


def learned_decision(read_kind: str, unrefused_kind: str, probabilities: dict[str, float],
                     config: LearnedKindConfig) -> str:
    """"keep" the parser's reading, "refuse" it, or "confirm" the reading the rules refused.

    `read_kind`: the kind the parser read with its refusals ("unknown" when refused or unread);
    `unrefused_kind`: the kind of the reading with the refusing rules off (QuestionParser.read_without_refusals).
    """
    unknown = probabilities.get(UNKNOWN, 0.0)
    if read_kind != UNKNOWN:
        refuse = config.refuse_min_unknown is not None and unknown >= config.refuse_min_unknown
        return "refuse" if refuse else "keep"
    if unrefused_kind != UNKNOWN and probabilities.get(kind_class(unrefused_kind), 0.0) >= config.confirm_min \
            and unknown <= config.confirm_max_unknown:
        return "confirm"
    return "keep"
