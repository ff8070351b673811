"""Fit the parser's learned question kind on every labelled OpenEQA question; measure it left one split out.

`python -m bench.learned_kind_fit --write`: planners/data/learned_kind.json (planners.language.learned_kind),
fitted on all eleven labelled splits (dev .. dev5, heldout .. heldout6: 1636 questions, every one development
data) and the parser's intent exemplars, with provenance.
`python -m bench.learned_kind_fit --cross-validate [--grid]`: the whole reading (rules, reading score, learned
kind) left one split out (bench.reading_score_cross_validation.cross_validate_reading): per split and pooled,
kind and target right on expressible, confident on inexpressible, expressible refused; without and with the
learned kind at the parser's settings (QuestionParserConfig().learned), `--grid`: at other settings too.

The model's input is the MiniLM sentence embedding of the question as asked (unit length, the reading score's
probe's input); its classes the labelled kinds (present and past location as one) and "unknown" for the
questions labelled inexpressible.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.question_understanding import ASKED_AT, LABELS, QUESTIONS, labelled_kind, load_labelled, reading_right
from bench.reading_score_fit import DEV_SPLITS

GRID = ((0.5, 1.0, None), (0.5, 0.2, 0.6), (1.01, 1.0, 0.6), (0.5, 0.1, 0.7), (0.5, 0.3, None), (0.4, 1.0, None))


def _rate(k: int, n: int) -> str:
    return f"{k / max(1, n):.1%} ({k}/{n})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.learned_kind_fit", description=__doc__.split("\n")[0])
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the kind model")
    ap.add_argument("--write", action="store_true", help="store the fit in planners/data/learned_kind.json")
    ap.add_argument("--cross-validate", action="store_true", help="leave each split out in turn")
    ap.add_argument("--grid", action="store_true", help="with --cross-validate: other confirm/refuse settings too")
    args = ap.parse_args(argv)
    from memory_stack.foundation.errors import BadInputError
    from planners.language.intent_exemplars import INTENT_EXEMPLARS
    from planners.language.learned_kind import KindModel, LearnedKindConfig
    from planners.language.question_parsing import QuestionParser, QuestionParserConfig

    if not (args.write or args.cross_validate):
        raise BadInputError("give --write and/or --cross-validate")
    if not QUESTIONS.is_file():
        raise BadInputError(f"{QUESTIONS}: no such file (OpenEQA questions, ../shared/data)")
    # collect() reads with the rules and the reading score only; the learned kind is applied per fold
    parser = QuestionParser(config=QuestionParserConfig(learned=LearnedKindConfig(enabled=False)))
    pairs = [(label, question) for label, question in load_labelled(LABELS, QUESTIONS) if label["split"] in DEV_SPLITS]
    exemplars = [(text, kind) for kind, examples in INTENT_EXEMPLARS.items() for text in examples]
    if args.cross_validate:
        _cross_validate(args, parser, pairs, exemplars)
    if args.write:
        texts = [" ".join(q["question"].strip().split()) for _, q in pairs] + [t for t, _ in exemplars]
        kinds = [labelled_kind(label) for label, _ in pairs]
        model = KindModel.fit(parser.embedder.embed(texts), kinds + [k for _, k in exemplars], l2=args.l2)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parent).stdout.strip()
        model.provenance = {
            "command": f"python -m bench.learned_kind_fit --l2 {args.l2} --write",
            "fitted_on": f"OpenEQA labelled splits {', '.join(DEV_SPLITS)} ({len(pairs)} questions, "
                         f"bench/data/openeqa_labels.jsonl: the labelled kind, 'unknown' when inexpressible) and "
                         f"the parser's {len(exemplars)} intent exemplars (planners/language/intent_exemplars.py)",
            "embedding": "all-MiniLM-L6-v2 (the parser's), unit length, of the question as asked",
            "model": "multinomial logistic regression, location kinds as one class",
            "code_commit": commit or "unknown",
        }
        model.save()
        print(f"written planners/data/learned_kind.json: {len(model.classes)} classes ({', '.join(model.classes)})")
    return 0


def _cross_validate(args: argparse.Namespace, parser: Any, pairs: list, exemplars: list) -> None:
    from bench.reading_score_cross_validation import collect, cross_validate_reading
    from planners.language.learned_kind import LearnedKindConfig
    from planners.language.question_parsing import QuestionParserConfig
    from planners.question_answering import QAConfig

    questions = collect(parser, pairs, exemplars, ASKED_AT, reading_right)
    shipped = dataclasses.replace(QuestionParserConfig().learned, enabled=True)  # its settings, switched on
    settings = [shipped] + ([LearnedKindConfig(True, None, *g) for g in GRID] if args.grid else [])
    alone, tallies = cross_validate_reading(questions, 1.0, 0.3, 0.95, QAConfig().min_parse_confidence, args.l2,
                                            settings)
    print(f"leave one split out over {', '.join(DEV_SPLITS)} ({len(pairs)} questions): reading score and kind "
          f"model fitted on the other splits (+ {len(exemplars)} exemplars) each time; kind model l2 {args.l2}")
    print("| reading | kind+target right on expressible | confident on inexpressible | expressible refused |")
    print("|---|---|---|---|")
    names = ["rules + reading score"] + [f"+ learned kind (confirm >= {s.confirm_min}, unknown <= "
                                         f"{s.confirm_max_unknown}; refuse unknown >= {s.refuse_min_unknown})"
                                         for s in settings]
    for name, tally in zip(names, [alone] + tallies):
        print(f"| {name} | {_rate(tally.right_on_expressible, tally.expressible)} | "
              f"{_rate(tally.confident_on_inexpressible, tally.inexpressible)} | "
              f"{_rate(tally.refused_expressible, tally.expressible)} |")
    print("per split (right / confident on inexpressible / refused), without -> with the learned kind:")
    for split in DEV_SPLITS:
        a, b = alone.by_split[split], tallies[0].by_split[split]
        print(f"  {split:9s} {a[2]}/{a[3]} {a[0]}/{a[1]} {alone.refused_by_split[split]}  ->  "
              f"{b[2]}/{b[3]} {b[0]}/{b[1]} {tallies[0].refused_by_split[split]}")


if __name__ == "__main__":
    sys.exit(main())
