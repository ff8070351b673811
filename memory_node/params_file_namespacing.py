"""Parameter files that apply under any namespace: bare node-name keys become `/**/NAME` (as nav2 rewrites).

A ROS params file keyed `memory_server:` matches only the node `/memory_server`; started as
`/robot1/memory_server` the node would get none of it. `namespaced_params_file` writes a copy whose
bare keys are `/**/memory_server:` (matching that node name in every namespace), leaving keys that
already start with `/` (`/**:`, `/robot1/memory_server:`) as they are. The launch files and
`memstack up --namespace` pass that copy to the nodes; a node started by hand under a namespace
with a file that does not reach it refuses to run on defaults
(`memory_node.parameter_declaration.require_parameters_under_namespace`).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import yaml

from memory_stack.foundation.errors import BadInputError


def any_namespace_keys(content: dict) -> dict:
    """The sections of a params file with each bare node-name key widened to `/**/NAME`."""
    if not isinstance(content, dict):
        raise BadInputError("parameter file: expected a mapping of node names to `ros__parameters`")
    return {(key if str(key).startswith("/") else f"/**/{key}"): section for key, section in content.items()}


def namespaced_params_file(path: str | Path, directory: str | Path | None = None) -> Path:
    """A copy of `path` with bare node keys widened to every namespace (written once per content)."""
    source = Path(path)
    try:
        content = yaml.safe_load(source.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise BadInputError(f"{source}: cannot read the parameter file: {exc}") from exc
    try:
        text = yaml.safe_dump(any_namespace_keys(content), sort_keys=False)
    except BadInputError as exc:
        raise BadInputError(f"{source}: {exc}") from exc
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    out_dir = Path(directory) if directory else Path(tempfile.gettempdir()) / "memory_stack_params"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.any_namespace.{digest}.yaml"
    if not target.exists():
        target.write_text(text)
    return target
