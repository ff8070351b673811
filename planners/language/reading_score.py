"""How much of a question its typed query accounts for, as a calibrated probability that the reading is right.

The parser reads a question by rules and by the nearest template; either can read a question it cannot
represent as one it can ("What is at the back of the living room, behind the couches?" as the living
room's contents). Rules that refuse such wordings one by one did not lower the rate of confident answers
to unrepresentable questions (sessions 8 and 9), so each reading is scored instead by what it leaves
out: content words no field of the query explains, a relation the query drops, relations and places it
has no field for, clauses, names memory does not hold, how close the nearest template was, and a
linear probe on the question's sentence embedding (is a question worded like this representable at all:
free space, walls, advice, world knowledge are worded alike whatever the rules catch). A logistic
model turns these into P(reading right); its coefficients and threshold are fitted on labelled OpenEQA
development questions only (`python -m bench.reading_score_fit`, provenance stored with them in
planners/data/reading_score.json) and the parser refuses a reading below the threshold.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planners.language.entity_linking import Phrase, lemma
from planners.language.question_forms import ATTRIBUTE_WORDS, NON_HEAD_WORDS, ROOM_WORDS
from planners.language.typed_query import ATTRIBUTE_NAMES, TypedQuery

SCORE_PATH = Path(__file__).resolve().parents[1] / "data" / "reading_score.json"

# The ten forms of specs/scenario.md: the templates were written for them.
SPEC_KINDS = frozenset({"present_location", "past_location", "room_of", "contents", "object_state", "count",
                        "first_seen", "last_seen", "changes", "still_present"})
# Words that say how a question asks (projection, relation, state), never what it is about.
_FORM_WORDS = frozenset("""
where what which when who how many much often times is are was were did do does has have can could should would
see saw seen find found look located location put kept left leave place placed stored store get use used
colour color colours colors shape shaped size material made open opened closed shut ajar turned switched on off
left right above below under underneath beneath between next beside near nearest closest close top inside
there here anything something everything items objects things object thing item kind type
""".split()) | {"first", "last", "still", "now", "currently", "ever", "i", "you", "we", "me", "my"}
_RELATION_WORDS = re.compile(r"\b(left|right|above|below|under|underneath|beneath|between|next to|beside|near|"
                             r"nearest|closest|over)\b")
# Places and relations the typed query has no field for.
_UNHELD_PLACES = re.compile(r"\b(behind|in front|front of|across|opposite|facing|corner|side of|cent(er|re)|"
                            r"middle|back of|wall|walls|floor|ceiling)\b")
# The place words a relation of the query holds (it is then not an unheld place).
_HELD_PLACES: dict[str, re.Pattern] = {
    "behind": re.compile(r"\b(behind|back of)\b"),
    "in_front_of": re.compile(r"\b(in ?front|front of)\b"),
    "across_from": re.compile(r"\b(across|opposite)\b|\bwalls?\b"),
    "in_middle_of": re.compile(r"\b(cent(er|re)|middle)\b"),
    "on_wall": re.compile(r"\bwalls?\b"),
}
_CLAUSE_MARKS = re.compile(r"[,;:]|\b(if|but|because|so|when|while|then|and)\b")

FEATURES: tuple[str, ...] = (
    "rule_path",            # read by a wording rule (1) or by the nearest template (0)
    "uncovered_words",      # content words no field of the query and no form word explains (log1p)
    "uncovered_share",      # ... as a share of the question's content words
    "loose_words",          # the template reading's unaccounted words (question_parsing.unaccounted_words), log1p
    "unheld_names",         # names the query uses that memory/ontology does not hold
    "relation_dropped",     # a spatial relation word the query has no relation for
    "unheld_place",         # behind / in front / across / corner / centre / wall: no field of the query
    "clauses",              # commas, conditions, conjunctions (log1p)
    "content_words",        # log1p of the question's content words
    "template_similarity",  # the nearest template's similarity (0 on the rule path)
    "spec_kind",            # one of the scenario spec's ten forms
    "description_kind",     # identify / contents: a list of things read off a place
    "affordance_kind",      # read as "what is for <activity>"
    "activity_similarity",  # affordance: the activity's cosine to the nearest one the affordance table knows
    "question_expressible",  # the question probe's logit: is a question worded like this one representable at all
)
PROBE_LOGIT_LIMIT = 8.0
# The direction each feature can move the score, known before fitting: more left out never makes a
# reading likelier right, a nearer template or link never makes it less likely. A fitted coefficient of
# the wrong sign (collinear features, few examples) is fixed at 0 instead (ReadingScore.fit).
SIGNS: dict[str, int] = {"uncovered_words": -1, "uncovered_share": -1, "loose_words": -1, "unheld_names": -1,
                         "relation_dropped": -1, "unheld_place": -1, "clauses": -1, "template_similarity": 1,
                         "activity_similarity": 1, "question_expressible": 1}


def _words(value: Any) -> set[str]:
    if not value:
        return set()
    if isinstance(value, Mapping):
        return set().union(*(_words(v) for v in value.values())) if value else set()
    return {lemma(w) for w in re.findall(r"[a-z]+", str(value).lower().replace("_", " "))}


def reading_features(question: str, query: TypedQuery, phrases: Iterable[Phrase], loose_words: int,
                     known_name: Callable[[str], bool], thing_words: frozenset[str] = frozenset(),
                     time_span: tuple[int, int] | None = None) -> dict[str, float]:
    """The features of FEATURES for the reading `query` of `question` (its content-word runs `phrases`).

    The activity similarity and the probe's logit need the embedder and are added by the parser
    (QuestionParser._features).
    """
    lowered = question.lower()
    if time_span is not None:  # "between d1 08:00 and d1 20:30" is the time, not a relation or a clause
        lowered = lowered[:time_span[0]] + " " + lowered[time_span[1]:]
    fields = (query.mention, query.target, query.target_category, query.receptacle, query.room, query.anchor,
              query.anchor2, query.activity, query.attribute, query.state, query.attributes, query.visit,
              query.action)
    covered = set().union(*(_words(v) for v in fields)) | ROOM_WORDS
    form = (_FORM_WORDS | NON_HEAD_WORDS | ATTRIBUTE_WORDS | set(ATTRIBUTE_NAMES)) - thing_words
    content = [w for p in phrases for w in p.words]
    uncovered = [w for w in content if lemma(w) not in covered and w not in form and lemma(w) not in form
                 and not w.endswith("ly")]
    names = [n for n in (query.target, query.anchor, query.anchor2, query.receptacle) if n]
    scores = query.intent_scores or {}
    similarity = (max(scores.get("present_location", 0.0), scores.get("past_location", 0.0))
                  if query.kind.endswith("location") else scores.get(query.kind, 0.0))
    rule = query.source.startswith("rule")
    questions = lowered.count("?")
    return {
        "rule_path": 1.0 if rule else 0.0,
        "uncovered_words": math.log1p(len(uncovered)),
        "uncovered_share": len(uncovered) / max(1, len(content)),
        "loose_words": math.log1p(loose_words),
        "unheld_names": float(sum(not known_name(n) for n in names)),
        "relation_dropped": 1.0 if _RELATION_WORDS.search(lowered) and query.relation is None else 0.0,
        "unheld_place": 1.0 if _UNHELD_PLACES.search(_HELD_PLACES[query.relation].sub(" ", lowered)
                                                     if query.relation in _HELD_PLACES else lowered) else 0.0,
        "clauses": math.log1p(len(_CLAUSE_MARKS.findall(lowered)) + max(0, questions - 1)),
        "content_words": math.log1p(len(content)),
        "template_similarity": 0.0 if rule else float(similarity),
        "spec_kind": 1.0 if query.kind in SPEC_KINDS else 0.0,
        "description_kind": 1.0 if query.kind in ("identify", "contents") else 0.0,
        "affordance_kind": 1.0 if query.kind == "affordance" else 0.0,
    }


@dataclass
class ReadingScore:
    """A logistic model over FEATURES: P(the reading is the question's) and the threshold below which it is refused.

    `probe_weights` / `probe_bias`: the question probe, a logistic model of "expressible" on the question's
    MiniLM sentence embedding; its logit is the feature `question_expressible`.
    """

    coefficients: dict[str, float]
    intercept: float
    threshold: float
    provenance: dict[str, Any] = field(default_factory=dict)
    probe_weights: list[float] = field(default_factory=list)
    probe_bias: float = 0.0

    def question_logit(self, vector: Any) -> float:
        """The probe's logit for a question's (unit-length) sentence embedding, clipped to +-PROBE_LOGIT_LIMIT."""
        if not self.probe_weights:
            return 0.0
        z = self.probe_bias + sum(w * float(v) for w, v in zip(self.probe_weights, vector))
        return max(-PROBE_LOGIT_LIMIT, min(PROBE_LOGIT_LIMIT, z))

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(self.coefficients.get(name, 0.0) * float(features[name]) for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def load(cls, path: Path | None = None) -> ReadingScore:
        path = path or SCORE_PATH
        data = json.loads(path.read_text(encoding="utf-8"))
        missing = [name for name in FEATURES if name not in data["coefficients"]]
        if missing:
            raise ValueError(f"{path}: coefficients: no value for {', '.join(missing)} (re-fit: "
                             f"python -m bench.reading_score_fit)")
        probe = data.get("question_probe", {})
        return cls(dict(data["coefficients"]), float(data["intercept"]), float(data["threshold"]),
                   dict(data.get("provenance", {})), [float(w) for w in probe.get("weights", [])],
                   float(probe.get("bias", 0.0)))

    def save(self, path: Path | None = None) -> None:
        data = {"features": list(FEATURES), "coefficients": {k: round(self.coefficients[k], 6) for k in FEATURES},
                "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 4),
                "provenance": self.provenance,
                "question_probe": {"bias": round(self.probe_bias, 6),
                                   "weights": [round(w, 6) for w in self.probe_weights]}}
        (path or SCORE_PATH).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def fit(cls, rows: list[Mapping[str, float]], right: list[bool], l2: float = 1.0) -> ReadingScore:
        """Logistic regression over FEATURES (L2 penalty `l2` on the coefficients, not the intercept).

        Signs are kept (SIGNS): a coefficient fitted against its sign is fixed at 0 and the rest refitted,
        until none is.
        """
        active = list(FEATURES)
        while True:
            w = fit_logistic([[float(r[name]) for name in active] for r in rows], right, l2)
            coefficients = {name: float(w[i + 1]) for i, name in enumerate(active)}
            wrong = [n for n in active if SIGNS.get(n, 0) * coefficients[n] < 0]
            if not wrong:
                break
            worst = max(wrong, key=lambda n: abs(coefficients[n]))
            active.remove(worst)
        return cls({name: coefficients.get(name, 0.0) for name in FEATURES}, float(w[0]), 0.5)


def fit_logistic(rows: Any, labels: Iterable[bool], l2: float, iterations: int = 50) -> Any:
    """[intercept, coefficients...] of a logistic regression by Newton's method (L2 penalty, intercept free)."""
    import numpy as np

    x = np.hstack([np.ones((len(rows), 1)), np.asarray(rows, dtype=float)])
    y = np.asarray(list(labels), dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -40, 40)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w
