"""A local transformers causal LM, loaded from a directory (no hub download), greedy decoding on CPU."""

from __future__ import annotations

import threading
from pathlib import Path

from planners.language.reasoning.base import Reasoner, ReasonerUnavailableError


class TransformersReasoner(Reasoner):
    """`AutoModelForCausalLM` + `AutoTokenizer` from `model_path`, loaded on first use.

    Uses the tokenizer's chat template when it has one (instruction-tuned models), else plain
    prompt continuation. The prompt is cut from the left to fit the model's context.
    """

    def __init__(self, model_path: str | Path, max_new_tokens: int = 256, device: str = "cpu") -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_dir():
            raise ReasonerUnavailableError(f"reasoner model path {self.model_path}: no such directory")
        if not (self.model_path / "config.json").is_file():
            raise ReasonerUnavailableError(f"reasoner model path {self.model_path}: no config.json (not a saved "
                                           "transformers model)")
        self.max_new_tokens = max_new_tokens
        self.device = device
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                try:
                    import torch  # noqa: F401
                    from transformers import AutoModelForCausalLM, AutoTokenizer
                except ImportError as exc:
                    raise ReasonerUnavailableError(
                        f"the transformers reasoner needs torch and transformers ({exc}): "
                        "pip install transformers (torch==2.13.0 CPU first)") from exc
                try:
                    tokenizer = AutoTokenizer.from_pretrained(str(self.model_path), local_files_only=True)
                    model = AutoModelForCausalLM.from_pretrained(str(self.model_path), local_files_only=True)
                except (OSError, ValueError) as exc:
                    raise ReasonerUnavailableError(
                        f"reasoner model path {self.model_path}: cannot load ({exc})") from exc
                model.to(self.device)
                model.eval()
                self._tokenizer, self._model = tokenizer, model
        return self._tokenizer, self._model

    def complete(self, prompt: str, max_tokens: int | None = None) -> str:
        import torch

        tokenizer, model = self._load()
        new_tokens = int(max_tokens or self.max_new_tokens)
        if getattr(tokenizer, "chat_template", None):
            ids = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                                return_tensors="pt", return_dict=True)["input_ids"]
        else:
            ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
        limit = getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)
        if limit is not None:
            new_tokens = max(1, min(new_tokens, limit // 2))
            ids = ids[:, -(limit - new_tokens):]
        ids = ids.to(self.device)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens,
                                 do_sample=False, pad_token_id=pad)
        return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
