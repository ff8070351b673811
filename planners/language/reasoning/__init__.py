"""Optional language-model reasoners: a local transformers causal LM, or an OpenAI-compatible endpoint.

Neither is required: the question parser works on sentence embeddings alone and consults a
reasoner only for questions it cannot read. Backends import their heavy dependencies lazily.
"""

from planners.language.reasoning.base import Reasoner, ReasonerError, ReasonerUnavailableError
from planners.language.reasoning.openai_compatible import OpenAICompatibleReasoner
from planners.language.reasoning.query_prompt import build_query_prompt, extract_json_object, typed_query_from_json
from planners.language.reasoning.registry import REASONERS, ReasonerConfig, build_reasoner
from planners.language.reasoning.transformers_backend import TransformersReasoner

__all__ = [
    "REASONERS",
    "OpenAICompatibleReasoner",
    "Reasoner",
    "ReasonerConfig",
    "ReasonerError",
    "ReasonerUnavailableError",
    "TransformersReasoner",
    "build_query_prompt",
    "build_reasoner",
    "extract_json_object",
    "typed_query_from_json",
]
