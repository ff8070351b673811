"""YAML read within limits: file size, nesting depth, aliases and the size aliases expand to.

A YAML alias is a reference, so `safe_load` of an "alias bomb" (each level a list of aliases to the
level below) returns quickly, but every walk over the result (validation, conversion) visits the
expansion: nine levels of nine aliases are 387 million nodes. The PyYAML composer is also recursive,
so 50,000 nested `[` end in RecursionError. `check_yaml_limits` walks the event stream once, without
recursion, before anything is composed, and raises `YamlLimitError` naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class YamlLimits:
    max_bytes: int = 8_000_000
    max_depth: int = 64
    max_aliases: int = 10_000
    max_expanded_nodes: int = 2_000_000  # scalars and collections counted as if every alias were copied


DEFAULT_LIMITS = YamlLimits()


class YamlLimitError(ValueError):
    """The YAML text exceeds a limit; the message says which and where."""


def check_yaml_limits(text: str, limits: YamlLimits = DEFAULT_LIMITS) -> None:
    if len(text.encode("utf-8", errors="replace")) > limits.max_bytes:
        raise YamlLimitError(f"larger than {limits.max_bytes} bytes")
    anchors: dict[str, int] = {}
    # one open collection per level: [expanded size so far, anchor name]
    stack: list[list] = []
    aliases = 0
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([1, event.anchor])
            if len(stack) > limits.max_depth:
                raise YamlLimitError(f"nested deeper than {limits.max_depth} levels "
                                     f"(line {event.start_mark.line + 1})")
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            size, anchor = stack.pop()
            size_added = size
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size_added = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                raise YamlLimitError(f"more than {limits.max_aliases} aliases (line {event.start_mark.line + 1})")
            anchor, size_added = None, anchors.get(event.anchor, 1)
        else:
            continue
        if anchor is not None:
            anchors[anchor] = size_added
        if stack:
            stack[-1][0] += size_added
        else:
            total += size_added
        if total + sum(level[0] for level in stack) > limits.max_expanded_nodes:
            raise YamlLimitError(f"expands to more than {limits.max_expanded_nodes} nodes through aliases "
                                 f"(line {event.start_mark.line + 1})")
