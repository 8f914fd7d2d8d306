"""A small real HTTP server that speaks enough of the OpenAI protocol for litellm / dspy.LM / lm15.

It runs `http.server` in a daemon thread on 127.0.0.1 with an ephemeral port (loopback only) and answers
`POST /v1/chat/completions`, `POST /v1/completions` and `GET /v1/models` (what `vllm serve` exposes), with
`n` choices and token usage. Replies come from a Python callable, so a test scripts them:

    with OpenAIStubServer(reply=lambda call: "[[ ## answer ## ]]\\n4\\n\\n[[ ## completed ## ]]") as server:
        lm = dspy.LM("openai/stub", api_base=server.base_url, api_key="x")

Every request body is kept in `server.calls` (as `StubCall`) for assertions. A reply that raises `StubHTTPError`
answers that request with its HTTP status (a failing server); `port=` binds a fixed port, so a test can stop the
server mid-run and start another where the client expects it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StubHTTPError(Exception):
    """Raised by a reply function: the request is answered with `status` and an OpenAI-style error body."""

    def __init__(self, status: int = 500, message: str = "stub server error") -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StubCall:
    """One request the server received: its path, body, chat messages (or prompt) and which choice it is."""

    path: str
    body: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    prompt: str | None = None
    choice_index: int = 0

    @property
    def last_user_text(self) -> str:
        """Text of the last user message (or the prompt), handy for keyed replies."""
        if self.prompt is not None:
            return self.prompt
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return _content_text(message.get("content"))
        return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _count_tokens(text: str) -> int:
    return max(1, len(text.split()))


class _Handler(BaseHTTPRequestHandler):
    server: _StubHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [
                {"id": name, "object": "model", "created": 0, "owned_by": "stub"} for name in self.server.models]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError as exc:
            self._send(400, {"error": {"message": f"bad JSON: {exc}", "type": "invalid_request_error"}})
            return
        path = self.path.split("?")[0].rstrip("/")
        try:
            if path.endswith("/chat/completions"):
                self._send(200, self._chat(body, path))
            elif path.endswith("/completions"):
                self._send(200, self._text(body, path))
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
        except StubHTTPError as exc:
            self._send(exc.status, {"error": {"message": str(exc), "type": "server_error"}})

    def _replies(self, path: str, body: dict[str, Any], messages: list, prompt: str | None) -> list[str]:
        replies = []
        for index in range(int(body.get("n") or 1)):
            call = StubCall(path=path, body=body, messages=messages, prompt=prompt, choice_index=index)
            with self.server.lock:
                self.server.calls.append(call)
            replies.append(self.server.reply(call))
        return replies

    def _usage(self, prompt_text: str, replies: list[str]) -> dict[str, int]:
        prompt_tokens = _count_tokens(prompt_text)
        completion_tokens = sum(_count_tokens(r) for r in replies)
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens}

    def _chat(self, body: dict[str, Any], path: str) -> dict[str, Any]:
        messages = list(body.get("messages") or [])
        replies = self._replies(path, body, messages, None)
        prompt_text = " ".join(_content_text(m.get("content")) for m in messages)
        return {
            "id": f"chatcmpl-stub-{len(self.server.calls)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", "stub"),
            "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop",
                         "logprobs": None} for i, text in enumerate(replies)],
            "usage": self._usage(prompt_text, replies),
        }

    def _text(self, body: dict[str, Any], path: str) -> dict[str, Any]:
        prompt = body.get("prompt") or ""
        prompt = prompt if isinstance(prompt, str) else "".join(prompt)
        replies = self._replies(path, body, [], prompt)
        return {
            "id": f"cmpl-stub-{len(self.server.calls)}", "object": "text_completion",
            "created": int(time.time()), "model": body.get("model", "stub"),
            "choices": [{"index": i, "text": text, "finish_reason": "stop", "logprobs": None}
                        for i, text in enumerate(replies)],
            "usage": self._usage(prompt, replies),
        }


class _StubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, reply: Callable[[StubCall], str], models: list[str], port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.reply = reply
        self.models = models
        self.calls: list[StubCall] = []
        self.lock = threading.Lock()


class OpenAIStubServer:
    """Start/stop wrapper: `with OpenAIStubServer(reply) as s: ... s.base_url ... s.calls`."""

    def __init__(self, reply: Callable[[StubCall], str], models: list[str] | None = None, port: int = 0) -> None:
        self._server = _StubHTTPServer(reply, models or ["stub"], port)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="openai-stub", daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on (pass it as `port=` to start a replacement at the same address)."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1`, the `api_base` a client needs."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def calls(self) -> list[StubCall]:
        """Every request (one entry per choice) received so far."""
        return self._server.calls

    def start(self) -> OpenAIStubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
