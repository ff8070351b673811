"""`memstack bench ask`: what a user waits for N questions, cold (one `memstack ask` each) vs warm.

Cold: one `memstack ask --db DB QUESTION --json` process per question, each importing the stack and
loading the sentence model. Warm: one `memstack ask --db DB --questions FILE` process for all of
them (the model loaded once), and the same fed line by line on stdin (`--questions -`, how an
interactive session or another program keeps one process warm). Answers must agree across paths.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.progress import progress_bar

# Questions any household memory can take (objects of the shipped scenarios; unknown ones are refused)
DEFAULT_QUESTIONS = (
    "where is the mug?", "where are my keys?", "which room is the remote in?", "what is on the counter?",
    "is the fridge open?", "how many bowls are there?", "where was the phone yesterday?",
    "when did you last see the glasses?", "is the apple still in the house?", "what is on the shelf?",
)


def _memstack() -> str:
    return str(Path(sys.executable).parent / "memstack")


def _environment() -> dict[str, str]:
    return dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MEMSTACK_PROGRESS="0")


def measure(db: Path, questions: list[str], json_output: bool = False) -> dict:
    env = _environment()
    cold_answers, cold_times = [], []
    with progress_bar("bench ask (cold)", total=len(questions), unit="question", json_output=json_output) as bar:
        for question in questions:
            started = time.monotonic()
            proc = subprocess.run([_memstack(), "ask", "--db", str(db), question, "--json"], capture_output=True,
                                  text=True, env=env, check=False)
            cold_times.append(time.monotonic() - started)
            if proc.returncode != 0:
                raise BadInputError(f"memstack ask {question!r} failed: {proc.stderr.strip()[-300:]}")
            cold_answers.append(json.loads(proc.stdout)["answer"]["text"])
            bar.advance()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(questions) + "\n")
    try:
        started = time.monotonic()
        batch = subprocess.run([_memstack(), "ask", "--db", str(db), "--questions", handle.name], capture_output=True,
                               text=True, env=env, check=True)
        batch_s = time.monotonic() - started
    finally:
        os.unlink(handle.name)
    started = time.monotonic()
    piped = subprocess.run([_memstack(), "ask", "--db", str(db), "--questions", "-"], input="\n".join(questions),
                           capture_output=True, text=True, env=env, check=True)
    stdin_s = time.monotonic() - started
    batch_answers = [json.loads(line)["answer"]["text"] for line in batch.stdout.splitlines()]
    stdin_answers = [json.loads(line)["answer"]["text"] for line in piped.stdout.splitlines()]
    n = len(questions)
    return {
        "db": str(db), "questions": n,
        "cold_total_s": round(sum(cold_times), 2), "cold_per_question_s": round(sum(cold_times) / n, 2),
        "warm_file_total_s": round(batch_s, 2), "warm_stdin_total_s": round(stdin_s, 2),
        "warm_per_question_s": round(batch_s / n, 2),
        "answers_agree": cold_answers == batch_answers == stdin_answers,
        "disagreements": [q for q, a, b, c in zip(questions, cold_answers, batch_answers, stdin_answers)
                          if not a == b == c],
    }


def run(args: argparse.Namespace) -> int:
    db = Path(args.db)
    if not db.is_file():
        raise BadInputError(f"--db {db}: no such memory file")
    questions = list(DEFAULT_QUESTIONS)
    if args.questions:
        path = Path(args.questions)
        if not path.is_file():
            raise BadInputError(f"--questions {path}: no such file")
        questions = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    result = measure(db, questions, json_output=args.json)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['questions']} questions on {db}: cold {result['cold_total_s']} s "
              f"({result['cold_per_question_s']} s each), warm {result['warm_file_total_s']} s (--questions FILE), "
              f"{result['warm_stdin_total_s']} s (--questions -); answers agree: {result['answers_agree']}")
    return 0 if result["answers_agree"] else 1
