"""Reasoner backends by name, built from a typed config (`type: transformers | openai | none`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from memory_stack.foundation.registry import Registry
from planners.language.reasoning.base import Reasoner, ReasonerUnavailableError


@dataclass
class ReasonerConfig:
    """Which reasoner to use. `api_key_env` names the environment variable holding the key, if any."""

    type: Literal["none", "transformers", "openai"] = "none"
    model_path: str | None = None
    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    timeout_s: float = 30.0
    max_new_tokens: int = 256


def _transformers(config: ReasonerConfig) -> Reasoner:
    from planners.language.reasoning.transformers_backend import TransformersReasoner

    if not config.model_path:
        raise ReasonerUnavailableError("reasoner.model_path: required for type 'transformers'")
    return TransformersReasoner(config.model_path, max_new_tokens=config.max_new_tokens)


def _openai(config: ReasonerConfig) -> Reasoner:
    from planners.language.reasoning.openai_compatible import OpenAICompatibleReasoner

    if not config.base_url or not config.model:
        raise ReasonerUnavailableError("reasoner.base_url and reasoner.model: required for type 'openai'")
    api_key = None
    if config.api_key_env:
        api_key = os.environ.get(config.api_key_env)
        if not api_key:
            raise ReasonerUnavailableError(f"reasoner.api_key_env: environment variable {config.api_key_env} "
                                           "is not set")
    return OpenAICompatibleReasoner(config.base_url, config.model, api_key=api_key, timeout_s=config.timeout_s,
                                    max_tokens=config.max_new_tokens)


# Each entry builds its backend from the config (checking the fields that backend needs); `none` builds nothing.
REASONERS: Registry[Callable[[ReasonerConfig], Reasoner | None]] = Registry(
    "reasoner", unknown_error=ReasonerUnavailableError, field="reasoner.type")
REASONERS.register("none", lambda config: None)
REASONERS.register("transformers", _transformers)
REASONERS.register("openai", _openai)


def build_reasoner(config: ReasonerConfig) -> Reasoner | None:
    """The configured reasoner, or None for `type: none`; a wrong config raises ReasonerUnavailableError."""
    return REASONERS.get(config.type)(config)
