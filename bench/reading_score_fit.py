"""Fit the parser's reading score on the labelled OpenEQA development splits (all eleven since session 15).

`python -m bench.reading_score_fit [--splits dev,...,heldout5] [--l2 1.0] [--write]`
`python -m bench.reading_score_fit --cross-validate [--splits dev,...,heldout5] [--rules-off]`: leave one
development split out (bench.reading_score_cross_validation): how the refusals carry over to wordings the fit
has not seen, beside the stored score read on the same splits.

Development splits: dev .. dev5 and heldout .. heldout5 (each held-out draw was measured once when fresh and
is development data since). heldout6, session 14's fresh draw, was measured once and is development data since
session 15 (every OpenEQA question is labelled); a later heldout* split would be refused.

First the question probe: a logistic model (L2 `--probe-l2`) of "expressible" on the MiniLM sentence
embedding of every labelled question of the splits, plus the parser's own exemplars
(planners/language/intent_exemplars.py: those of a kind expressible, those of "unknown" not; OpenEQA
asks almost none of the spec's forms, counts of events, changes, still-present, first/last seen); its
logit for each labelled question is taken from 5-fold cross-validation (fold = position % 5; the
exemplars are in every training fold), so the second stage sees it as it will be on unseen questions.
Then each development question is read with the refusing rules off (QuestionParser.read_without_refusals:
the reading it would get from a parser that had never seen its wording), and each reading that is not
"unknown" is one example: its features (planners.language.reading_score.FEATURES) and whether it is
right by the labels (kind and target, bench.question_understanding.reading_right; a reading of an
inexpressible question is never right). A logistic model is fitted by Newton's method with an L2
penalty (`--l2`). The threshold is the highest probability that still keeps `--keep-right` (95%) of the
right readings: refusing an expressible question costs the kind-and-target rate directly, so the
budget for that cost is fixed first and the threshold removes as many wrong readings as it allows.
`--write` stores the coefficients, probe, threshold and provenance in planners/data/reading_score.json.
Printed: the fit's reliability (readings by predicted probability, with the share right and its
Wilson interval).
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.question_understanding import ASKED_AT, LABELS, QUESTIONS, load_labelled, reading_right
from bench.statistics import wilson_interval
from planners.language.learned_kind import LOCATION_KINDS

DEV_SPLITS = ("dev", "dev2", "dev3", "dev4", "dev5", "heldout", "heldout2", "heldout3", "heldout4", "heldout5",
              "heldout6")
HELD_OUT: tuple[str, ...] = ()  # every OpenEQA question is labelled and development data since session 15
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001)


def held_out_splits(splits: tuple[str, ...]) -> list[str]:
    """The named splits the fit must never see: HELD_OUT, and any heldout* split not yet development (a later draw)."""
    return [s for s in splits if s in HELD_OUT or (s.startswith("heldout") and s not in DEV_SPLITS)]


def reliability_table(probabilities: list[float], right: list[bool]) -> list[str]:
    lines = ["| P(reading right) | readings | right | share right [95% CI] |", "|---|---|---|---|"]
    for low, high in zip(BINS, BINS[1:]):
        inside = [r for p, r in zip(probabilities, right) if low <= p < high]
        if not inside:
            continue
        k, n = sum(inside), len(inside)
        ci = wilson_interval(k, n)
        lines.append(f"| {low:.1f}-{min(high, 1.0):.1f} | {n} | {k} | {k / n:.1%} [{ci.low:.1%}, {ci.high:.1%}] |")
    return lines


def choose_threshold(probabilities: list[float], right: list[bool], keep_right: float) -> float:
    """The highest threshold that keeps at least `keep_right` of the right readings."""
    ranked = sorted((p for p, r in zip(probabilities, right) if r), reverse=True)
    if not ranked:
        return 0.5
    kept = max(1, math.ceil(keep_right * len(ranked)))
    return math.floor(ranked[kept - 1] * 1000) / 1000


def exemplar_right(kind: str, read_kind: str) -> bool:
    """An intent exemplar is read right when read as its own kind (either location kind for a location one)."""
    return kind != "unknown" and (read_kind == kind or {read_kind, kind} <= LOCATION_KINDS)


def fit_score(rows: list[dict[str, float]], right: list[bool], openeqa: list[bool], probe: Any, l2: float,
              keep_right: float) -> tuple[Any, list[float]]:
    """The reading score fitted on `rows` with the probe's weights, and its probability of each row.

    The threshold keeps `keep_right` of the right readings of OpenEQA questions (exemplars are the templates).
    """
    from planners.language.reading_score import ReadingScore

    score = ReadingScore.fit(rows, right, l2=l2)
    score.probe_bias, score.probe_weights = float(probe[0]), [float(w) for w in probe[1:]]
    probabilities = [score.probability(r) for r in rows]
    score.threshold = choose_threshold([p for p, o in zip(probabilities, openeqa) if o],
                                       [r for r, o in zip(right, openeqa) if o], keep_right)
    return score, probabilities


def probe_logits(vectors: Any, expressible: list[bool], l2: float, folds: int = 5) -> tuple[Any, Any]:
    """(cross-validated logits of every question, the probe fitted on all of them)."""
    import numpy as np

    from planners.language.reading_score import PROBE_LOGIT_LIMIT, fit_logistic

    x = np.asarray(vectors, dtype=float)
    y = np.asarray(expressible, dtype=bool)
    fold = np.arange(len(y)) % folds
    logits = np.zeros(len(y))
    for k in range(folds):
        w = fit_logistic(x[fold != k], y[fold != k], l2)
        logits[fold == k] = w[0] + x[fold == k] @ w[1:]
    return np.clip(logits, -PROBE_LOGIT_LIMIT, PROBE_LOGIT_LIMIT), fit_logistic(x, y, l2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.reading_score_fit", description=__doc__.split("\n")[0])
    ap.add_argument("--splits", default=None,
                    help="default: every development split, dev .. dev5 and heldout .. heldout6")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--probe-l2", type=float, default=0.3)
    ap.add_argument("--keep-right", type=float, default=0.95)
    ap.add_argument("--write", action="store_true", help="store the fit in planners/data/reading_score.json")
    ap.add_argument("--cross-validate", action="store_true",
                    help="leave each of --splits out in turn: its refusals at fixed thresholds and the fitted one")
    ap.add_argument("--rules-off", action="store_true",
                    help="with --cross-validate: read the left-out split with the parser's refusing rules off")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6,0.7,0.8",
                    help="with --cross-validate: the fixed thresholds to report besides the fitted one")
    args = ap.parse_args(argv)
    from memory_stack.foundation.errors import BadInputError
    from planners.language.intent_exemplars import INTENT_EXEMPLARS
    from planners.language.question_parsing import QuestionParser
    from planners.language.reading_score import FEATURES

    if args.splits is None:
        args.splits = ",".join(DEV_SPLITS)
    splits = tuple(s.strip() for s in args.splits.split(",") if s.strip())
    held_out = held_out_splits(splits)
    if held_out:
        raise BadInputError(f"--splits: the reading score is fitted on development splits only, not "
                            f"{', '.join(held_out)} (held out: {', '.join(HELD_OUT)} and any later heldout split)")
    if args.cross_validate:
        _thresholds(args.thresholds)
        if len(splits) < 2:
            raise BadInputError("--splits: cross-validation needs at least two splits")
    if not QUESTIONS.is_file():
        raise BadInputError(f"{QUESTIONS}: no such file (OpenEQA questions, ../shared/data)")
    parser = QuestionParser()
    synonyms = parser.vocabulary().synonyms
    pairs = [(label, question) for label, question in load_labelled(LABELS, QUESTIONS) if label["split"] in splits]
    if args.cross_validate:
        return _cross_validate(args, parser, pairs, splits)
    texts = [" ".join(question["question"].strip().split()) for _, question in pairs]
    exemplars = [(text, kind) for kind, examples in INTENT_EXEMPLARS.items() for text in examples]
    logits, probe = probe_logits(parser.embedder.embed(texts + [t for t, _ in exemplars]),
                                 [label["expressible"] for label, _ in pairs] + [k != "unknown" for _, k in exemplars],
                                 args.probe_l2)
    rows, right, inexpressible, openeqa = [], [], [], []
    items = [(label, question["question"]) for label, question in pairs] + [(kind, text) for text, kind in exemplars]
    for (label, text), logit in zip(items, logits):
        query, features = parser.read_without_refusals(text, ASKED_AT)
        if features is None:
            continue
        features["question_expressible"] = float(logit)
        rows.append(features)
        if isinstance(label, dict):
            right.append(reading_right(label, query, synonyms))
            inexpressible.append(not label["expressible"])
        else:  # an exemplar is right when read as its own kind
            right.append(exemplar_right(label, query.kind))
            inexpressible.append(label == "unknown")
        openeqa.append(isinstance(label, dict))
    score, probabilities = fit_score(rows, right, openeqa, probe, args.l2, args.keep_right)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent).stdout.strip()
    score.provenance = {
        "command": f"python -m bench.reading_score_fit --splits {','.join(splits)} --l2 {args.l2} "
                   f"--probe-l2 {args.probe_l2} --keep-right {args.keep_right} --write",
        "questions": len(pairs), "embedding": "all-MiniLM-L6-v2 (the parser's), unit length",
        "also_fitted_on": f"the parser's {len(exemplars)} intent exemplars (planners/language/intent_exemplars.py): "
                          "in the probe (expressible unless 'unknown') and as readings (right when read as "
                          "their own kind)",
        "fitted_on": f"OpenEQA labelled splits {', '.join(splits)} (bench/data/openeqa_labels.jsonl), "
                     f"read with the refusing rules off",
        "readings": len(rows), "openeqa_readings": int(sum(openeqa)), "right": int(sum(right)),
        "of_inexpressible": int(sum(inexpressible)),
        "parser_commit": commit or "unknown",
        "threshold_rule": f"highest probability keeping >= {args.keep_right:.0%} of the right readings",
    }
    print(f"{len(rows)} readings ({sum(openeqa)} of splits {', '.join(splits)}, the rest exemplars): {sum(right)} "
          f"right, {sum(inexpressible)} of inexpressible questions; threshold {score.threshold:.3f}")
    for name in FEATURES:
        print(f"  {name:22s} {score.coefficients[name]:+.3f}")
    print(f"  {'intercept':22s} {score.intercept:+.3f}")
    print("OpenEQA readings:")
    print("\n".join(reliability_table([p for p, o in zip(probabilities, openeqa) if o],
                                       [r for r, o in zip(right, openeqa) if o])))
    print("exemplar readings:")
    print("\n".join(reliability_table([p for p, o in zip(probabilities, openeqa) if not o],
                                       [r for r, o in zip(right, openeqa) if not o])))
    kept = [(r, i) for p, r, i, o in zip(probabilities, right, inexpressible, openeqa) if p >= score.threshold and o]
    print(f"OpenEQA readings kept {len(kept)}: right {sum(r for r, _ in kept)}/"
          f"{sum(r for r, o in zip(right, openeqa) if o)}, inexpressible {sum(i for _, i in kept)}/"
          f"{sum(i for i, o in zip(inexpressible, openeqa) if o)}")
    if args.write:
        score.save()
        print("written planners/data/reading_score.json")
    return 0


def _thresholds(text: str) -> list[float | None]:
    """None (the fitted threshold) then the --thresholds values."""
    from memory_stack.foundation.errors import BadInputError

    try:
        return [None] + [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise BadInputError(f"--thresholds {text!r}: expected numbers separated by commas") from None


def _cross_validate(args: argparse.Namespace, parser: Any, pairs: list[tuple[dict, dict]],
                    splits: tuple[str, ...]) -> int:
    from bench.reading_score_cross_validation import collect, cross_validate, stored_tally, table
    from planners.language.intent_exemplars import INTENT_EXEMPLARS
    from planners.language.reading_score import ReadingScore
    from planners.question_answering import QAConfig

    thresholds = _thresholds(args.thresholds)
    exemplars = [(text, kind) for kind, examples in INTENT_EXEMPLARS.items() for text in examples]
    questions = collect(parser, pairs, exemplars, ASKED_AT, reading_right)
    min_confidence = QAConfig().min_parse_confidence
    tallies = cross_validate(questions, thresholds, args.l2, args.probe_l2, args.keep_right,
                             min_confidence, rules_off=args.rules_off, splits=splits)
    stored = ReadingScore.load()
    tallies["stored"] = stored_tally(questions, stored, min_confidence, args.rules_off, splits)
    print(f"leave one split out over {', '.join(splits)} ({len(pairs)} questions; the other splits and "
          f"{len(exemplars)} exemplars fitted each time), l2 {args.l2}, probe l2 {args.probe_l2}, keep-right "
          f"{args.keep_right}, refusing rules {'off' if args.rules_off else 'on'}:")
    print("\n".join(table(tallies)))
    print(f"stored: planners/data/reading_score.json as it is (fitted on {stored.provenance.get('fitted_on', '?')}; "
          f"splits it was fitted on are read in-sample). Per split, fitted threshold then stored "
          f"(confident on inexpressible / right on expressible / expressible refused):")
    for split in splits:
        fold, kept = tallies[None].by_split[split], tallies["stored"].by_split[split]
        print(f"  {split:9s} {fold[0]}/{fold[1]} {fold[2]}/{fold[3]} {tallies[None].refused_by_split[split]}   "
              f"stored {kept[0]}/{kept[1]} {kept[2]}/{kept[3]} {tallies['stored'].refused_by_split[split]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
