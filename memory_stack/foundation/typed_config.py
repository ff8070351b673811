"""Typed configuration: build dataclasses from YAML/dicts, rejecting unknown keys.

The pydrake `Scenario` pattern: every config is a dataclass; loading names the file and the
field path of anything wrong (`sim_configs/a.yaml: world.furniture[2].yaw: expected float`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.yaml_limits import DEFAULT_LIMITS, YamlLimitError, YamlLimits, check_yaml_limits

T = TypeVar("T")


class ConfigError(BadInputError):
    """A configuration value is wrong; the message names the source and field path."""

    def __init__(self, source: str, field_path: str, problem: str) -> None:
        self.source = source
        self.field_path = field_path
        self.problem = problem
        where = f"{source}: {field_path}" if field_path else source
        super().__init__(f"{where}: {problem}")


def load_yaml_file(path: str | Path, limits: YamlLimits = DEFAULT_LIMITS) -> Any:
    """Parse a YAML file within `limits` (size, depth, aliases); every problem is a ConfigError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise ConfigError(str(path), "", f"file too large ({size} bytes; the limit is {limits.max_bytes})")
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(str(path), "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line})") from exc
    try:
        check_yaml_limits(text, limits)
        return yaml.safe_load(text)
    except YamlLimitError as exc:
        raise ConfigError(str(path), "", f"YAML refused: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), "", f"not valid YAML ({' '.join(str(exc).split())})") from exc


def load_dataclass_file(cls: type[T], path: str | Path) -> T:
    return build_dataclass(cls, load_yaml_file(path), source=str(path))


def build_dataclass(cls: type[T], data: Any, source: str = "<config>", field_path: str = "") -> T:
    """Build dataclass `cls` from a mapping; unknown keys and wrong types raise ConfigError."""
    return _convert(cls, data, source, field_path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _convert(tp: Any, value: Any, source: str, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, source, path)
            except ConfigError as exc:
                errors.append(exc.problem)
        raise ConfigError(source, path, "; ".join(errors) or "no matching type")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(source, path, f"expected a mapping for {tp.__name__}, got {type(value).__name__}")
        hints = typing.get_type_hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
        unknown = [k for k in value if k not in fields]
        if unknown:
            raise ConfigError(source, _join(path, str(unknown[0])),
                              f"unknown key (allowed: {', '.join(sorted(fields))})")
        kwargs = {}
        for name, f in fields.items():
            if name in value:
                kwargs[name] = _convert(hints[name], value[name], source, _join(path, name))
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(source, _join(path, name), "required key is missing")
        try:
            return tp(**kwargs)
        except (TypeError, ValueError) as exc:
            raise ConfigError(source, path, str(exc)) from exc
    if origin in (list, tuple) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(source, path, f"expected a list, got {type(value).__name__}")
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(args) != len(value):
                raise ConfigError(source, path, f"expected {len(args)} items, got {len(value)}")
            return tuple(_convert(a, v, source, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
        item = args[0] if args else Any
        items = [_convert(item, v, source, f"{path}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if (origin is tuple or tp is tuple) else items
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(source, path, f"expected a mapping, got {type(value).__name__}")
        kt, vt = args if args else (Any, Any)
        return {_convert(kt, k, source, path): _convert(vt, v, source, _join(path, str(k))) for k, v in value.items()}
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(source, path, f"expected one of {list(args)}, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(source, path, f"expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(source, path, f"expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(source, path, f"expected true/false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(source, path, f"expected a string, got {value!r}")
        return value
    return value
