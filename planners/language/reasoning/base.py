"""The Reasoner interface: text completion, and question -> typed query through a JSON prompt."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from memory_stack.foundation.errors import BadInputError
from planners.language.typed_query import TypedQuery


class ReasonerError(RuntimeError):
    """A reasoner backend failed (unreachable endpoint, HTTP error, malformed protocol response)."""


class ReasonerUnavailableError(BadInputError):
    """A reasoner cannot be built: its package is missing or its model path/URL is wrong (user-fixable)."""


class Reasoner(ABC):
    """A language model behind one method, `complete`; `parse_question` is built on it."""

    max_new_tokens: int = 256

    @abstractmethod
    def complete(self, prompt: str, max_tokens: int | None = None) -> str:
        """The model's continuation of / answer to `prompt` (raises ReasonerError on backend failure)."""

    def parse_question(self, question: str, now: float, context: Mapping[str, Any] | None = None) -> TypedQuery | None:
        """Ask the model for the question's typed query as JSON; None when its reply is not a valid one.

        Backend failures (network, HTTP status) raise ReasonerError; a model that answers with
        malformed or invalid JSON is not an error, it just yields None.
        """
        from planners.language.reasoning.query_prompt import build_query_prompt, typed_query_from_json

        reply = self.complete(build_query_prompt(question, now, context))
        return typed_query_from_json(reply, question, now, source=f"reasoner:{type(self).__name__}")
