"""How well the parser reads questions people wrote: OpenEQA questions against our labels.

`python -m bench.question_understanding
[--split heldout|heldout2|heldout3|heldout4|heldout5|heldout6|dev|dev2|dev3|dev4|dev5|devs|all]
[--json] [--errors] [--reliability]`

The questions are OpenEQA's (../shared/data/questions/openeqa.jsonl, never copied here); the labels
are ours (bench/data/openeqa_labels.jsonl, see bench/data/README.md: which questions, drawn how,
labelled by whom). Each question is parsed without a memory (the ontology's vocabulary only: the
scenes OpenEQA asks about are not available here), at d3 12:00. Reported, with n and Wilson 95%
intervals (bench.statistics):

- expressible share: labelled expressible / labelled (a property of the typed query, from labels);
- kind and target right on expressible questions: the parser's kind is the labelled one (or an
  accepted alternative) and its target is one of the labelled targets (or its head word is); for
  affordance and description-only questions only the kind is checked (the label has no target);
- confident answers to inexpressible questions: the parser gave a kind other than unknown with a
  confidence at or above the answerer's threshold (QAConfig.min_parse_confidence), so the answerer
  would have answered instead of saying "I don't know";
- refusals of expressible questions (the cost of refusing).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.statistics import wilson_interval

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "data" / "openeqa_labels.jsonl"
QUESTIONS = ROOT.parent / "shared" / "data" / "questions" / "openeqa.jsonl"
ASKED_AT = 2 * 86400.0 + 12 * 3600.0


@dataclass
class Outcome:
    qid: str
    question: str
    split: str
    expressible: bool
    label_kind: str | None
    label_targets: list[str]
    kind: str
    target: str | None
    confidence: float
    source: str
    kind_right: bool = False
    target_right: bool = False
    confident: bool = False
    reading_score: float | None = None


@dataclass
class Rate:
    k: int
    n: int
    low: float = field(init=False)
    high: float = field(init=False)

    def __post_init__(self) -> None:
        interval = wilson_interval(self.k, self.n)
        self.low, self.high = interval.low, interval.high

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else 0.0

    def text(self) -> str:
        return f"{self.value:.1%} ({self.k}/{self.n}, 95% CI {self.low:.1%}-{self.high:.1%})"

    def to_dict(self) -> dict[str, Any]:
        return {"rate": round(self.value, 4), "k": self.k, "n": self.n,
                "ci95": [round(self.low, 4), round(self.high, 4)]}


def load_labelled(labels: Path = LABELS, questions: Path = QUESTIONS) -> list[tuple[dict, dict]]:
    """(label, question) pairs joined by qid; a label whose question is missing is an error."""
    by_qid = {}
    with questions.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                q = json.loads(line)
                by_qid[q["qid"]] = q
    pairs = []
    with labels.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            label = json.loads(line)
            if label["qid"] not in by_qid:
                raise ValueError(f"{labels}:{number}: qid {label['qid']} is not in {questions}")
            pairs.append((label, by_qid[label["qid"]]))
    return pairs


def labelled_kind(label: dict) -> str:
    """The kind a label gives its question: "unknown" when labelled inexpressible (or given no kind)."""
    return (label.get("kind") or "unknown") if label["expressible"] else "unknown"


def _target_right(target: str | None, targets: list[str], synonyms: dict[str, str]) -> bool:
    """The parser's target is a labelled one, its head word is, or it is memory's name for one (couch -> sofa)."""
    from planners.language.entity_linking import lemma_name

    if not targets:
        return True
    if target is None:
        return False
    wanted = {lemma_name(t) for t in targets}
    wanted |= {lemma_name(synonyms[w]) for w in list(wanted) if w in synonyms}
    name = lemma_name(target)
    return name in wanted or name.split("_")[-1] in wanted


def _accepted_kinds(label: dict) -> set[str]:
    kinds = {label.get("kind")} | set(label.get("also_accepted_kinds", []))
    if "past_location" in kinds or "present_location" in kinds:
        kinds |= {"present_location", "past_location"}
    return kinds


def reading_right(label: dict, query: Any, synonyms: dict[str, str]) -> bool:
    """Whether `query` reads the labelled question as labelled: its kind and target (never for inexpressible ones)."""
    if not label["expressible"] or query.kind not in _accepted_kinds(label):
        return False
    if label.get("relabelled") and label.get("relation") and query.relation != label["relation"]:
        return False  # session 13b's relabelled questions are right only with the relation they ask for
    target = query.target if query.kind != "identify" else (query.anchor or query.target or query.room)
    if query.kind == "room_for":  # the surface asked about, not the thing to put down
        target = query.receptacle
    return _target_right(target, label.get("targets", []), synonyms)


def evaluate(pairs: list[tuple[dict, dict]], parser: Any, min_confidence: float) -> list[Outcome]:
    outcomes = []
    for label, question in pairs:
        query = parser.parse(question["question"], ASKED_AT)
        outcome = Outcome(label["qid"], question["question"], label["split"], label["expressible"], label.get("kind"),
                          label.get("targets", []), query.kind, query.target, query.confidence, query.source)
        outcome.confident = query.kind != "unknown" and query.confidence >= min_confidence
        outcome.reading_score = query.reading_score
        outcome.kind_right = query.kind in _accepted_kinds(label) and outcome.confident
        outcome.target_right = outcome.confident and reading_right(label, query, parser.vocabulary().synonyms)
        outcomes.append(outcome)
    return outcomes


def summarise(outcomes: list[Outcome]) -> dict[str, Rate]:
    expressible = [o for o in outcomes if o.expressible]
    inexpressible = [o for o in outcomes if not o.expressible]
    return {
        "expressible_share": Rate(len(expressible), len(outcomes)),
        "kind_right_on_expressible": Rate(sum(o.kind_right for o in expressible), len(expressible)),
        "kind_and_target_right_on_expressible": Rate(sum(o.target_right for o in expressible), len(expressible)),
        "confident_on_inexpressible": Rate(sum(o.confident for o in inexpressible), len(inexpressible)),
        "refused_expressible": Rate(sum(not o.confident for o in expressible), len(expressible)),
    }


SCORE_BINS = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0001)


def reliability(outcomes: list[Outcome]) -> list[str]:
    """Answered readings (confidence at or above the answerer's bar) by their reading score: how many were right.

    A reading of an inexpressible question is never right. The score is the calibrated probability
    (planners.language.reading_score); `confidence` is it capped by the reading's own (0.45 for a
    thing memory has no name for, which is every OpenEQA thing the ontology lacks here).
    """
    lines = ["| reading score | answered | right | wrong (of them inexpressible) | share right [95% CI] |",
             "|---|---|---|---|---|"]
    scored = [o for o in outcomes if o.confident and o.reading_score is not None]
    for low, high in zip(SCORE_BINS, SCORE_BINS[1:]):
        inside = [o for o in scored if low <= o.reading_score < high]
        if not inside:
            continue
        k, n = sum(o.target_right for o in inside), len(inside)
        ci = wilson_interval(k, n)
        wrong_inexpressible = sum(not o.expressible for o in inside)
        lines.append(f"| {low:.2f}-{min(high, 1.0):.2f} | {n} | {k} | {n - k} ({wrong_inexpressible}) | "
                     f"{k / n:.1%} [{ci.low:.1%}, {ci.high:.1%}] |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.question_understanding", description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=("heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "dev",
                                        "dev2", "dev3", "dev4", "dev5", "devs", "all"),
                    default="heldout",
                    help="heldout (default: what is reported), heldout2 and heldout3 (session 11's fresh held-out "
                         "draws), heldout4 (session 12's), heldout5 (session 13's), heldout6 (session 14's, the last "
                         "176), dev .. dev4 (what the parser was developed and the reading "
                         "score fitted on: the session-7, session-8 and two session-9 draws; devs: all four), dev5 "
                         "(session 10's draw: parser rules of session 11 and, since session 11b, the reading score) "
                         "or all")
    ap.add_argument("--labels", default=str(LABELS))
    ap.add_argument("--questions", default=str(QUESTIONS))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--errors", action="store_true", help="list the questions read wrongly")
    ap.add_argument("--reliability", action="store_true",
                    help="answered readings by confidence: how many were right (what confidence means)")
    args = ap.parse_args(argv)
    from memory_stack.foundation.errors import BadInputError

    if not Path(args.questions).is_file():
        raise BadInputError(f"--questions {args.questions}: no such file (OpenEQA questions, ../shared/data)")
    from planners.language.question_parsing import QuestionParser
    from planners.question_answering import QAConfig

    wanted = {"devs": {"dev", "dev2", "dev3", "dev4"}}.get(args.split, {args.split})
    pairs = [(lb, q) for lb, q in load_labelled(Path(args.labels), Path(args.questions))
             if args.split == "all" or lb["split"] in wanted]
    parser = QuestionParser()
    outcomes = evaluate(pairs, parser, QAConfig().min_parse_confidence)
    summary = summarise(outcomes)
    if args.json:
        json.dump({"split": args.split, "labels": str(args.labels),
                   **{k: v.to_dict() for k, v in summary.items()}}, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"OpenEQA questions, split {args.split}: {len(outcomes)} labelled")
        for name, rate in summary.items():
            print(f"  {name:40s} {rate.text()}")
    if args.reliability:
        print("\n".join(reliability(outcomes)))
    if args.errors:
        for o in outcomes:
            if (o.expressible and not o.target_right) or (not o.expressible and o.confident):
                print(f"  [{'expr' if o.expressible else 'inexpr'}] {o.question!r}: label {o.label_kind}/"
                      f"{','.join(o.label_targets)} got {o.kind}/{o.target} conf {o.confidence:.2f} ({o.source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
