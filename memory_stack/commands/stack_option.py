"""`--config FILE`: the StackConfig YAML (memory_stack.composition) a command assembles its stack from.

Accepted before the command (`memstack --config stack.yaml run ...`) and after it
(`memstack run ... --config stack.yaml`); given in both places, the later one wins.
"""

from __future__ import annotations

import argparse
from typing import Any

HELP = ("StackConfig YAML: sections memory, perception, question_answering, tasks, skills, sim, paths "
        "(example: config/stack.yaml); default: built-in settings")


def add_config_option(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    """Add --config to `parser`; below the top level it keeps what the top level parsed when absent."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument("--config", metavar="FILE", default=default, help=HELP)


def stack_config(args: argparse.Namespace) -> Any:
    """The StackConfig named by --config (the built-in defaults without one); a bad file exits 2 naming it."""
    from memory_stack.composition.stack_config import load_stack_config

    return load_stack_config(args.config)
