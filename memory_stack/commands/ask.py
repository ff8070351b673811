"""Answer natural-language questions from a stored memory alone (no robot).

`memstack ask --db DB "QUESTION"` answers one question; `memstack ask --db DB --questions FILE`
(or `--questions -`: standard input, each line answered as it arrives: a warm session)
answers one question per line of FILE (blank lines skipped) in one process, with the parser's model
loaded once, printing one JSON object per line (specs/cli.md: question, answer, confidence, refused,
reason, typed_query). `--reasoner URL_OR_DIR` lets a language model answer, from retrieved memory and
citing the memory items it used (`evidence`), the questions the typed query refuses
(planners.reasoned_answers). The memory file is opened as it is and never created: a missing file is an
error naming it (exit 2). Without --at the questions are asked at the latest time the memory knows of.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from memory_stack.commands.stack_option import stack_config
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time_value, parse_time_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="SQLite memory file")
    parser.add_argument("question", nargs="?", help="the question (or use --questions FILE)")
    parser.add_argument("--questions", help="file with one question per line ('-': standard input, each answered as "
                                            "it arrives, the model loaded once); one JSON object per line on stdout")
    parser.add_argument("--at", help="time of asking: \"dN HH:MM\" or seconds since d1 00:00")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--reasoner", metavar="URL_OR_DIR",
                        help="answer what the typed query refuses with a language model over retrieved memory: an "
                             "OpenAI-compatible base URL (http://host:port[/v1]) or a local transformers model "
                             "directory; overrides question_answering.reasoner of --config (default: off)")
    parser.add_argument("--reasoner-model", default="default", help="model name sent to the --reasoner endpoint")
    parser.add_argument("--reasoner-timeout", type=float, default=30.0, help="seconds to wait for the reasoner")


def read_questions(path: Path) -> list[str]:
    """The non-blank lines of a questions file; a missing or undecodable file is a BadInputError naming it."""
    if not path.is_file():
        raise BadInputError(f"--questions {path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"--questions {path}: cannot read it as UTF-8 text ({exc})") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]


def answer_batch(answerer: Any, questions: Iterable[str], now: float) -> Iterator[dict[str, Any]]:
    """One `memstack ask --questions` record per question, answered from memory alone at `now`.

    Reusable by anything that keeps an answerer (and its loaded model) alive between batches.
    """
    for question in questions:
        record = answerer.answer(question, now, planner="memory-only").batch_record()
        record["at"] = now
        yield record


def with_reasoner(config: Any, args: argparse.Namespace) -> Any:
    """`config` with the reasoner `--reasoner` names (an http(s) URL: an endpoint; otherwise a model directory)."""
    if getattr(args, "reasoner", None) is None:
        return config
    from planners.language.reasoning.registry import ReasonerConfig, build_reasoner

    if not math.isfinite(args.reasoner_timeout) or args.reasoner_timeout <= 0:
        raise BadInputError(f"--reasoner-timeout: expected a positive number of seconds, got {args.reasoner_timeout}")
    if args.reasoner.startswith(("http://", "https://")):
        reasoner = ReasonerConfig(type="openai", base_url=args.reasoner, model=args.reasoner_model,
                                  timeout_s=args.reasoner_timeout)
    else:
        reasoner = ReasonerConfig(type="transformers", model_path=args.reasoner)
    build_reasoner(reasoner)  # a wrong URL or directory is a one-line error now, not at the first question
    qa = dataclasses.replace(config.question_answering, reasoner=reasoner)
    return dataclasses.replace(config, question_answering=qa)


def run(args: argparse.Namespace) -> int:
    db = Path(args.db)
    if (args.question is None) == (args.questions is None):
        raise BadInputError("ask: give either a QUESTION or --questions FILE (exactly one)")
    if args.questions == "-":  # a warm session: one process, answers as the lines arrive
        questions = (line.strip() for line in sys.stdin if line.strip())
    else:
        questions = read_questions(Path(args.questions)) if args.questions is not None else None
    at = parse_time_argument(args.at, "--at")
    config = with_reasoner(stack_config(args), args)
    from memory_stack.commands.query import open_stored_memory
    from memory_stack.composition.assembly import build_answerer
    from planners.question_answering import latest_memory_time

    with open_stored_memory(db, config) as memory:  # read-only; never creates or changes the file
        now = at if at is not None else latest_memory_time(memory)
        answerer = build_answerer(memory, None, config)
        if questions is not None:
            for record in answer_batch(answerer, questions, now):
                json.dump(record, sys.stdout)
                sys.stdout.write("\n")
                sys.stdout.flush()
            return 0
        report = answerer.answer(args.question, now, planner="memory-only")
    document = report.to_dict()
    document["refused"], document["reason"] = report.refused, report.reason
    document["at"] = now
    document["at_text"] = format_time_value(now)
    document["db"] = str(db)
    if args.json:
        json.dump(document, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{report.text}  (confidence {report.confidence:.2f}, {report.type}, {report.latency_ms:.0f} ms)")
    return 0
