"""A loopback LLM server speaking the real wire formats (OpenAI Chat Completions, Anthropic Messages).

Answers are scripted: each request takes the next entry of ``script``; an entry
is the answer text, or a (status, body, headers) tuple, or ("sleep", seconds).
Every request is recorded with its headers and JSON body.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self, script: list) -> None:
        self.script = list(script)
        self.models = ["gpt-4o", "claude-sonnet-4-5", "my-local-model"]
        self.delay = 0.0  # seconds each answer takes, to observe calls in flight
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                with server.lock:
                    server.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": None})
                if self.path.startswith("/v1/models") and "anthropic-version" in {k.lower() for k in self.headers}:
                    payload = {"data": [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"} for m in server.models],
                               "has_more": False, "first_id": server.models[0], "last_id": server.models[-1]}
                else:
                    payload = {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in server.models]}
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                with server.lock:
                    server.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    step = server.script.pop(0) if server.script else server.default(body)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                time.sleep(server.delay)
                with server.lock:
                    server.in_flight -= 1
                if isinstance(step, tuple) and step[0] == "sleep":
                    time.sleep(step[1])
                    step = "late"
                if isinstance(step, tuple):
                    status, payload, headers = step
                else:
                    status, payload, headers = 200, server.answer(self.path, body, step), {}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:  # the client gave up (a timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def default(self, body: dict) -> str:
        """With the script used up: echo the function back (a refused, empty enrichment)."""
        content = body.get("messages", [{}])[-1].get("content", "") if body.get("messages") else ""
        return content.split("```python\n", 1)[-1].split("```", 1)[0] if "```python" in content else "OK"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str, body: dict, text: str) -> dict:
        words = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        if path.endswith("/messages"):  # Anthropic Messages API
            return {
                "id": "msg_fake", "type": "message", "role": "assistant", "model": body["model"],
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": words + 7, "output_tokens": len(text.split())},
            }
        return {  # OpenAI Chat Completions
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": words + 5, "completion_tokens": len(text.split()), "total_tokens": words + 5 + len(text.split())},
        }

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
