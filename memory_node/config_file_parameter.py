"""The `config_file` parameter every stack node declares: the StackConfig YAML its parts are built from.

A node reads the sections it uses (memory for memory_server and ingest_node, perception for
ingest_node, question_answering / tasks / paths for planner_server); where a node also declares a
parameter for one of those values (planner_server's cost_weight, budget_m, max_replans,
case_db_path), the file's value is that parameter's default, so a parameter set on the node wins.
"""

from __future__ import annotations

from typing import Any

from memory_node.parameter_declaration import declare
from memory_stack.composition.stack_config import StackConfig, load_stack_config
from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.typed_config import ConfigError

DESCRIPTION = ("StackConfig YAML (memory_stack.composition.stack_config; '' = built-in settings); "
               "parameters of this node that set the same values win over it")


def declare_config_file(node: Any) -> StackConfig:
    """Declare `config_file` on `node` and load it; a bad file raises BadInputError naming the node, file and field."""
    path = declare(node, "config_file", "", DESCRIPTION)
    try:
        return load_stack_config(path or None)
    except ConfigError as exc:
        raise BadInputError(f"node {node.get_name()}: parameter 'config_file': {exc}") from exc
