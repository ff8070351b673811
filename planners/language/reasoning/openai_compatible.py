"""An OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, Ollama, ...), over plain urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from planners.language.reasoning.base import Reasoner, ReasonerError, ReasonerUnavailableError

SYSTEM_PROMPT = "You are the question-understanding module of a home robot. Follow the format exactly."


class OpenAICompatibleReasoner(Reasoner):
    """POST {base_url}/v1/chat/completions; `base_url` may or may not already end in /v1."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 30.0,
                 max_tokens: int = 256, temperature: float = 0.0, system_prompt: str = SYSTEM_PROMPT) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ReasonerUnavailableError(f"reasoner base_url {base_url!r}: expected an http:// or https:// URL")
        base = base_url.rstrip("/")
        self.url = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_new_tokens = max_tokens
        self.temperature = temperature
        self.system_prompt = system_prompt

    def request_body(self, prompt: str, max_tokens: int | None = None) -> dict:
        return {
            "model": self.model,
            "messages": [{"role": "system", "content": self.system_prompt}, {"role": "user", "content": prompt}],
            "max_tokens": int(max_tokens or self.max_new_tokens),
            "temperature": self.temperature,
        }

    def complete(self, prompt: str, max_tokens: int | None = None) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(self.request_body(prompt, max_tokens)).encode("utf-8")
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace") if exc.fp is not None else ""
            raise ReasonerError(f"{self.url}: HTTP {exc.code} {exc.reason}: {detail}".rstrip(": ")) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise ReasonerError(f"{self.url}: no answer within {self.timeout_s} s") from exc
            raise ReasonerError(f"{self.url}: cannot connect ({exc.reason})") from exc
        except TimeoutError as exc:
            raise ReasonerError(f"{self.url}: no answer within {self.timeout_s} s") from exc
        try:
            body = json.loads(payload)
            content = body["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ReasonerError(f"{self.url}: malformed chat-completions response: {payload[:200]!r}") from exc
        if not isinstance(content, str):
            raise ReasonerError(f"{self.url}: message content is not text: {content!r}")
        return content
