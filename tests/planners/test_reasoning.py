"""Optional reasoners: a tiny randomly initialised causal LM saved and loaded back, and an OpenAI-style stub server."""

from __future__ import annotations

import pytest

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.typed_config import build_dataclass
from planners.language.reasoning import (
    OpenAICompatibleReasoner,
    Reasoner,
    ReasonerConfig,
    ReasonerError,
    ReasonerUnavailableError,
    TransformersReasoner,
    build_query_prompt,
    build_reasoner,
    extract_json_object,
    typed_query_from_json,
)
from planners.language.time_expressions import DAY_S, HOUR_S

NOW = DAY_S + 20 * HOUR_S


# ---------------------------------------------------------------- the tiny local model


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    """A 1-layer GPT-2 with random weights and a byte-level BPE tokenizer trained here (no hub download)."""
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    corpus = ["Where is the mug?", '{"kind": "present_location", "target": "mug"}', "Question: JSON:",
              "How many times was the fridge opened?", "What is on the coffee table?"] * 20
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    config = GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=256, n_embd=32, n_layer=1, n_head=2,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    import torch

    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    path = tmp_path_factory.mktemp("tiny_gpt2")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_transformers_reasoner_loads_a_saved_model_and_generates(tiny_model_dir):
    reasoner = TransformersReasoner(tiny_model_dir, max_new_tokens=12)
    text = reasoner.complete("Where is the mug?")
    assert isinstance(text, str) and text
    assert reasoner.complete("Where is the mug?") == text  # greedy decoding is deterministic
    long_prompt = build_query_prompt("Where is the mug?", NOW, {"categories": ["mug", "keys"] * 50})
    assert isinstance(reasoner.complete(long_prompt, max_tokens=8), str)  # cut to fit the 256-token context


def test_transformers_reasoner_uses_a_chat_template_when_the_tokenizer_has_one(tiny_model_dir, tmp_path):
    import shutil

    from transformers import AutoTokenizer

    chat_dir = tmp_path / "chat"
    shutil.copytree(tiny_model_dir, chat_dir)
    tokenizer = AutoTokenizer.from_pretrained(chat_dir)
    tokenizer.chat_template = "{% for m in messages %}Q: {{ m['content'] }}\n{% endfor %}A:"
    tokenizer.save_pretrained(chat_dir)
    text = TransformersReasoner(chat_dir, max_new_tokens=6).complete("Where is the mug?")
    assert isinstance(text, str) and text


def test_random_model_output_is_not_a_typed_query(tiny_model_dir):
    reasoner = TransformersReasoner(tiny_model_dir, max_new_tokens=16)
    assert reasoner.parse_question("Where is the mug?", NOW, {"categories": ["mug"]}) is None


@pytest.mark.slow
def test_a_tiny_model_taught_one_answer_goes_through_the_whole_local_path(tmp_path):
    """Train the tiny model here (a few dozen steps) to answer one prompt with a typed query, then parse with it."""
    pytest.importorskip("transformers")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    question, context = "Where did the jingly things go?", {"categories": ["mug", "keys"]}
    prompt = build_query_prompt(question, NOW, context)
    answer = '{"kind": "present_location", "target": "keys", "confidence": 0.7}'
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator([prompt, answer] * 5, trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    config = GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=128, n_embd=32, n_layer=1, n_head=2,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    new_tokens = 32  # the reasoner keeps the prompt's last 128 - 32 tokens
    context_ids = tokenizer(prompt)["input_ids"][-(128 - new_tokens):]
    sequence = torch.tensor([context_ids + tokenizer(answer)["input_ids"] + [tokenizer.eos_token_id]])
    labels = sequence.clone()
    labels[0, :len(context_ids)] = -100
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
    for _ in range(300):
        loss = model(input_ids=sequence, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if loss.item() < 0.05:
            break
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)

    reasoner = TransformersReasoner(tmp_path, max_new_tokens=new_tokens)
    assert reasoner.complete(prompt).strip() == answer
    query = reasoner.parse_question(question, NOW, context)
    assert (query.kind, query.target, query.confidence) == ("present_location", "keys", 0.7)
    assert query.source == "reasoner:TransformersReasoner"


def test_transformers_reasoner_names_a_bad_model_path(tmp_path):
    with pytest.raises(ReasonerUnavailableError, match="no such directory"):
        TransformersReasoner(tmp_path / "missing")
    with pytest.raises(ReasonerUnavailableError, match="config.json"):
        TransformersReasoner(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(BadInputError, match=str(tmp_path)):
        TransformersReasoner(tmp_path).complete("hi")


# ---------------------------------------------------------------- the OpenAI-compatible endpoint


def test_openai_reasoner_speaks_the_chat_completions_protocol(chat_server):
    chat_server.content = ('Sure! ```json\n{"kind": "past_location", "target": "mug", "time": "d1 08:30", '
                           '"confidence": 0.8, "why": "the user asks about a past time"}\n```')
    reasoner = OpenAICompatibleReasoner(chat_server.url, "local-model", api_key="secret-token", timeout_s=5)
    query = reasoner.parse_question("Where was the mug at d1 08:30?", NOW, {"categories": ["mug", "keys"]})
    (request,) = chat_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer secret-token"
    assert request["content_type"] == "application/json"
    body = request["body"]
    assert body["model"] == "local-model" and body["temperature"] == 0.0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Where was the mug at d1 08:30?" in body["messages"][1]["content"]
    assert "Known categories: mug, keys" in body["messages"][1]["content"]
    assert (query.kind, query.target, query.time, query.confidence) == ("past_location", "mug", 8.5 * HOUR_S, 0.8)
    assert query.source.startswith("reasoner:")


def test_base_url_ending_in_v1_is_not_doubled(chat_server):
    chat_server.content = "hello"
    assert OpenAICompatibleReasoner(chat_server.url + "/v1/", "m").complete("hi") == "hello"
    assert chat_server.requests[0]["path"] == "/v1/chat/completions"
    assert chat_server.requests[0]["auth"] is None


@pytest.mark.parametrize("content", [
    "I think it is on the table.",
    '{"kind": "where_is", "target": "mug"}',
    '{"kind": "count", "target": "fridge", "count_kind": "smashed"}',
    '{"kind": "past_location", "target": "mug", "time": "sometime"}',
    '{"kind": "changes", "t0": "d1 20:00", "t1": "d1 08:00"}',
    '{"kind": "object_state", "target": "fridge", "state": "purple"}',
    '{"kind": "present_location", "confidence": "very"}',
    '{"kind": "present_location", "target": 3}',
    '["present_location"]',
    '{"kind": "present_location", "target": "mug"',
])
def test_malformed_model_replies_give_none_not_a_crash(chat_server, content):
    chat_server.content = content
    assert OpenAICompatibleReasoner(chat_server.url, "m").parse_question("Where is the mug?", NOW) is None


def test_http_errors_and_bad_protocol_are_reported_clearly(chat_server):
    reasoner = OpenAICompatibleReasoner(chat_server.url, "m", timeout_s=5)
    chat_server.status = 500
    chat_server.raw = b'{"error": "model overloaded"}'
    with pytest.raises(ReasonerError, match="HTTP 500.*model overloaded"):
        reasoner.complete("hi")
    chat_server.status = 200
    chat_server.raw = b'{"choices": []}'
    with pytest.raises(ReasonerError, match="malformed chat-completions response"):
        reasoner.complete("hi")


def test_unreachable_endpoint_is_reported_with_its_url():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reasoner = OpenAICompatibleReasoner(f"http://127.0.0.1:{port}", "m", timeout_s=2)
    with pytest.raises(ReasonerError, match=f"127.0.0.1:{port}.*cannot connect"):
        reasoner.complete("hi")


def test_parser_falls_back_to_the_reasoner_only_for_questions_it_cannot_read(chat_server):
    from planners.language.question_parsing import QuestionParser
    from scene_graph.text_embedding import TextEmbedder

    chat_server.content = '{"kind": "present_location", "target": "keys", "confidence": 0.9}'
    reasoner = OpenAICompatibleReasoner(chat_server.url, "m", timeout_s=5)
    parser = QuestionParser(embedder=TextEmbedder.shared(), known_categories=["mug", "keys"], reasoner=reasoner)
    assert parser.parse("Where is the mug?", NOW).target == "mug"
    assert chat_server.requests == []
    proposed = parser.parse("Yo, the jingly metal things, any clue mate?", NOW)
    assert len(chat_server.requests) == 1
    assert (proposed.kind, proposed.target, proposed.target_category) == ("present_location", "keys", "keys")
    assert proposed.confidence <= 0.6  # a model's parse never outranks the embedding parser's certainty
    chat_server.status = 503
    assert parser.parse("Yo, the jingly metal things, any clue mate?", NOW).kind == "unknown"


def test_json_extraction_and_validation_directly():
    assert extract_json_object('noise {"a": 1} {"b": 2}') == {"a": 1}
    assert extract_json_object("{broken {\"a\": {\"b\": 1}}") == {"a": {"b": 1}}
    assert extract_json_object("no json here") is None
    q = typed_query_from_json('{"kind": "changes", "room": "Living Room", "t0": "d1 08:00", "t1": "d1 20:00"}',
                              "q", NOW)
    assert (q.kind, q.room, q.t0, q.t1) == ("changes", "living_room", 8 * HOUR_S, 20 * HOUR_S)
    q = typed_query_from_json('{"kind": "past_location", "target": "mug", "time": "3 hours ago"}', "q", NOW)
    assert q.time == NOW - 3 * HOUR_S


def test_registry_builds_backends_from_typed_config(tiny_model_dir, chat_server, monkeypatch):
    assert build_reasoner(ReasonerConfig()) is None
    local = build_reasoner(build_dataclass(ReasonerConfig, {"type": "transformers",
                                                            "model_path": str(tiny_model_dir)}))
    assert isinstance(local, TransformersReasoner) and isinstance(local, Reasoner)
    monkeypatch.setenv("MEMSTACK_TEST_KEY", "k123")
    remote = build_reasoner(ReasonerConfig(type="openai", base_url=chat_server.url, model="m",
                                           api_key_env="MEMSTACK_TEST_KEY"))
    chat_server.content = "ok"
    assert remote.complete("hi") == "ok" and chat_server.requests[0]["auth"] == "Bearer k123"
    with pytest.raises(BadInputError, match="unknown reasoner 'gpt'"):
        build_reasoner(ReasonerConfig(type="gpt"))
    with pytest.raises(BadInputError, match="model_path"):
        build_reasoner(ReasonerConfig(type="transformers"))
    with pytest.raises(BadInputError, match="MEMSTACK_MISSING_KEY"):
        build_reasoner(ReasonerConfig(type="openai", base_url=chat_server.url, model="m",
                                      api_key_env="MEMSTACK_MISSING_KEY"))
    with pytest.raises(BadInputError, match="base_url"):
        OpenAICompatibleReasoner("localhost:8000", "m")
    with pytest.raises(BadInputError, match="unknown key"):
        build_dataclass(ReasonerConfig, {"type": "openai", "temprature": 0.1})
    with pytest.raises(BadInputError, match="type: expected one of"):
        build_dataclass(ReasonerConfig, {"type": "gpt"}, source="planner.yaml")


def test_reasoner_registry_names_every_type_the_config_allows():
    from typing import get_args, get_type_hints

    from planners.language.reasoning import REASONERS

    allowed = set(get_args(get_type_hints(ReasonerConfig)["type"]))
    assert set(REASONERS.names()) == allowed == {"none", "transformers", "openai"}
    known = r"\(known: none, openai, transformers\)"
    with pytest.raises(BadInputError, match=r"reasoner.type: unknown reasoner 'gpt' " + known):
        build_reasoner(ReasonerConfig(type="gpt"))
