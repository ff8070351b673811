"""How the reading score's refusals carry over to wordings it was not fitted on: leave one split out.

For each development split S (dev .. dev5, heldout .. heldout5) the question probe and the reading score
are fitted, exactly as bench.reading_score_fit fits them, on the other splits plus the parser's intent
exemplars, and S's questions are then read as the parser reads them (its refusing rules on)
with that fold's score. Every
S is a separate draw with its own wordings, so the pooled numbers estimate what a fresh draw would see,
without spending a held-out split. What the estimate cannot remove: the parser's wording rules were
written on these splits' errors, so readings (not the score) are still optimistic; the refusing rules
can be switched off (`rules_off`) to see how the score alone refuses.

Reported per threshold: confident answers to inexpressible questions, expressible questions refused,
and expressible questions read with the right kind and target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.question_understanding import labelled_kind
from bench.reading_score_fit import DEV_SPLITS, exemplar_right, fit_score, held_out_splits, probe_logits

CV_SPLITS = DEV_SPLITS  # every development split is left out once


@dataclass
class Question:
    """One labelled question (or exemplar): its readings with the refusing rules off and on."""

    split: str | None            # None: an intent exemplar (in every training fold, never evaluated)
    expressible: bool
    vector: Any
    features_off: dict[str, float] | None
    right_off: bool
    kind_off: str
    confidence_off: float
    features_on: dict[str, float] | None = None
    right_on: bool = False
    kind_on: str = "unknown"
    confidence_on: float = 0.0
    label_kind: str = "unknown"  # the labelled kind (an exemplar's own), "unknown" for an inexpressible question


@dataclass
class Tally:
    """Counts pooled over the left-out splits at one threshold."""

    inexpressible: int = 0
    confident_on_inexpressible: int = 0
    expressible: int = 0
    refused_expressible: int = 0
    right_on_expressible: int = 0
    by_split: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    refused_by_split: dict[str, int] = field(default_factory=dict)

    def add(self, split: str, answered: Sequence[bool], right: Sequence[bool], expressible: Sequence[bool]) -> None:
        inexpressible_answered = sum(a for a, e in zip(answered, expressible) if not e)
        refused = sum(not a for a, e in zip(answered, expressible) if e)
        right_count = sum(r for r, e in zip(right, expressible) if e)
        n_expressible = sum(expressible)
        self.inexpressible += len(expressible) - n_expressible
        self.confident_on_inexpressible += inexpressible_answered
        self.expressible += n_expressible
        self.refused_expressible += refused
        self.right_on_expressible += right_count
        self.by_split[split] = (inexpressible_answered, len(expressible) - n_expressible, right_count, n_expressible)
        self.refused_by_split[split] = refused


def collect(parser: Any, pairs: list[tuple[dict, dict]], exemplars: list[tuple[str, str]], asked_at: float,
            reading_right: Any) -> list[Question]:
    """Every labelled question and exemplar, embedded and read both ways (refusing rules off and on)."""
    synonyms = parser.vocabulary().synonyms
    texts = [" ".join(q["question"].strip().split()) for _, q in pairs] + [t for t, _ in exemplars]
    vectors = parser.embedder.embed(texts)
    out = []
    for i, text in enumerate(texts):
        query, features = parser.read_without_refusals(text, asked_at)
        if i < len(pairs):
            label = pairs[i][0]
            item = Question(label["split"], bool(label["expressible"]), vectors[i], features,
                            reading_right(label, query, synonyms), query.kind, float(query.confidence))
            on, on_features = parser._read(text, asked_at, refusals=True)
            item.features_on, item.kind_on, item.confidence_on = on_features, on.kind, float(on.confidence)
            item.right_on = reading_right(label, on, synonyms)
            item.label_kind = labelled_kind(label)
        else:
            kind = exemplars[i - len(pairs)][1]
            right = exemplar_right(kind, query.kind)
            item = Question(None, kind != "unknown", vectors[i], features, right, query.kind,
                            float(query.confidence), label_kind=kind)
        out.append(item)
    return out


def fit_fold(train: list[Question], l2: float, probe_l2: float, keep_right: float) -> Any:
    """The probe and the reading score fitted on `train` as bench.reading_score_fit fits them."""
    import numpy as np

    logits, probe = probe_logits(np.asarray([q.vector for q in train]), [q.expressible for q in train], probe_l2)
    rows, right, openeqa = [], [], []
    for q, logit in zip(train, logits):
        if q.features_off is None:
            continue
        rows.append({**q.features_off, "question_expressible": float(logit)})
        right.append(q.right_off)
        openeqa.append(q.split is not None)
    return fit_score(rows, right, openeqa, probe, l2, keep_right)[0]


def answered(q: Question, score: Any, threshold: float, min_confidence: float, rules_off: bool) -> tuple[bool, bool]:
    """(answered confidently, read right and answered) for `q` under `score` at `threshold`, as the parser does."""
    features = q.features_off if rules_off else q.features_on
    kind = q.kind_off if rules_off else q.kind_on
    confidence = q.confidence_off if rules_off else q.confidence_on
    right = q.right_off if rules_off else q.right_on
    if kind == "unknown":
        return False, False
    if features is not None:
        probability = score.probability({**features, "question_expressible": score.question_logit(q.vector)})
        if probability < threshold:
            return False, False
        confidence = min(confidence, probability)
    ok = confidence >= min_confidence
    return ok, ok and right


def cross_validate(questions: list[Question], thresholds: Sequence[float | None], l2: float, probe_l2: float,
                   keep_right: float, min_confidence: float, rules_off: bool = False,
                   splits: Sequence[str] = CV_SPLITS) -> dict[float | None, Tally]:
    """Leave-one-split-out tallies per threshold (None: the threshold each fold's fit chose)."""
    held_out = held_out_splits(tuple(sorted({q.split for q in questions if q.split is not None} | set(splits))))
    if held_out:  # every question not left out is trained on: a held-out one must never be among them
        raise ValueError(f"cross-validation fits on every split it is given; held-out splits given: "
                         f"{', '.join(held_out)}")
    tallies: dict[float | None, Tally] = {t: Tally() for t in thresholds}
    for left_out in splits:
        train = [q for q in questions if q.split != left_out]
        test = [q for q in questions if q.split == left_out]
        score = fit_fold(train, l2, probe_l2, keep_right)
        for t in thresholds:
            results = [answered(q, score, score.threshold if t is None else t, min_confidence, rules_off)
                       for q in test]
            tallies[t].add(left_out, [a for a, _ in results], [r for _, r in results], [q.expressible for q in test])
    return tallies


def with_learned_kind(q: Question, score: Any, model: Any, learned: Any, min_confidence: float) -> tuple[bool, bool]:
    """(answered confidently, read right and answered) for `q` as the parser reads it with the learned kind on.

    The reading score decides first (`answered`); then planners.language.learned_kind.learned_decision keeps,
    refuses, or confirms the reading the rules refused, exactly as QuestionParser._learned_reading does.
    """
    from planners.language.learned_kind import kind_class, learned_decision

    answered_now, right_now = answered(q, score, score.threshold, min_confidence, False)
    read_kind = q.kind_on
    if read_kind != "unknown" and q.features_on is not None:
        probability = score.probability({**q.features_on, "question_expressible": score.question_logit(q.vector)})
        read_kind = read_kind if probability >= score.threshold else "unknown"
    probabilities = model.probabilities(q.vector)
    decision = learned_decision(read_kind, q.kind_off, probabilities, learned)
    if decision == "refuse":
        return False, False
    if decision == "confirm":
        ok = min(q.confidence_off, probabilities[kind_class(q.kind_off)]) >= min_confidence
        return ok, ok and q.right_off
    return answered_now, right_now


def cross_validate_reading(questions: list[Question], l2: float, probe_l2: float, keep_right: float,
                           min_confidence: float, kind_l2: float, learned: Sequence[Any],
                           splits: Sequence[str] = CV_SPLITS) -> tuple[Tally, list[Tally]]:
    """The whole reading left one split out: (rules and reading score alone, with the learned kind per setting).

    Per fold, the reading score (fit_fold) and the kind model (planners.language.learned_kind.KindModel, on the
    labelled kinds of the other splits' questions and the intent exemplars, L2 `kind_l2`) are fitted on the
    other splits only.
    """
    from planners.language.learned_kind import KindModel

    held_out = held_out_splits(tuple(sorted({q.split for q in questions if q.split is not None} | set(splits))))
    if held_out:
        raise ValueError(f"cross-validation fits on every split it is given; held-out splits given: "
                         f"{', '.join(held_out)}")
    alone, tallies = Tally(), [Tally() for _ in learned]
    for left_out in splits:
        train = [q for q in questions if q.split != left_out]
        test = [q for q in questions if q.split == left_out]
        score = fit_fold(train, l2, probe_l2, keep_right)
        model = KindModel.fit([q.vector for q in train], [q.label_kind for q in train], l2=kind_l2)
        results = [answered(q, score, score.threshold, min_confidence, False) for q in test]
        alone.add(left_out, [a for a, _ in results], [r for _, r in results], [q.expressible for q in test])
        for setting, tally in zip(learned, tallies):
            results = [with_learned_kind(q, score, model, setting, min_confidence) for q in test]
            tally.add(left_out, [a for a, _ in results], [r for _, r in results], [q.expressible for q in test])
    return alone, tallies


def stored_tally(questions: list[Question], score: Any, min_confidence: float, rules_off: bool,
                 splits: Sequence[str] = CV_SPLITS) -> Tally:
    """The same tallies for one fixed score (the stored one) at its own threshold: what a refit is compared with."""
    tally = Tally()
    for split in splits:
        test = [q for q in questions if q.split == split]
        results = [answered(q, score, score.threshold, min_confidence, rules_off) for q in test]
        tally.add(split, [a for a, _ in results], [r for _, r in results], [q.expressible for q in test])
    return tally


def table(tallies: dict[float | str | None, Tally]) -> list[str]:
    lines = ["| threshold | confident on inexpressible | expressible refused | kind+target right on expressible |",
             "|---|---|---|---|"]
    for t, tally in tallies.items():
        name = "fitted (keep-right rule)" if t is None else "stored score" if isinstance(t, str) else f"{t:.2f}"
        ci, ce = tally.inexpressible or 1, tally.expressible or 1
        lines.append(f"| {name} | {tally.confident_on_inexpressible / ci:.1%} "
                     f"({tally.confident_on_inexpressible}/{tally.inexpressible}) | "
                     f"{tally.refused_expressible / ce:.1%} ({tally.refused_expressible}/{tally.expressible}) | "
                     f"{tally.right_on_expressible / ce:.1%} ({tally.right_on_expressible}/{tally.expressible}) |")
    return lines
