"""A real OpenAI-compatible HTTP server on loopback whose replies the test picks (plain or SSE-streamed),
with llama.cpp's /props, /apply-template and /tokenize when a chat template is set."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = "いいえ、香港は2023年8月以降、宮城県の水産物の輸入を止めています。[1]"
CONDENSED = "いちごを香港に輸出するときの注意点は?"
GEMMA_TEMPLATE = "{{ bos_token }}{% for m in messages %}<start_of_turn>user\n{{ m.content }}<end_of_turn>\n{% endfor %}"
GEMMA_RENDERED = "<bos><start_of_turn>user\n確認<end_of_turn>\n<start_of_turn>model\n"
CHATML_RENDERED = "<|im_start|>user\n確認<|im_end|>\n<|im_start|>assistant\n"


class FakeOpenAI:
    """`content` / `finish_reason` / `condensed` choose the replies; `gate` (an Event) holds a stream after its
    first token until the test sets it, and `gate_was_set` records whether it did before the wait gave up."""

    def __init__(self):
        self.reset()
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, payload: object) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/props" and server.template is not None:
                    self._json(200, {"chat_template": server.template})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/apply-template" and server.template is not None:
                    return self._json(200, {"prompt": server.rendered})
                if self.path == "/tokenize" and server.template is not None:
                    marker = body["content"]
                    return self._json(200, {"tokens": [7] if marker in server.vocabulary else [1, 2, 3, 4]})
                server.requests.append(body)
                try:
                    self.reply(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a stream (the timeout test): nothing more to send

            def reply(self, body: dict) -> None:
                prompt = body["messages"][-1]["content"]
                condensing = "最後の質問" in prompt
                behaviour = server.behaviour
                if behaviour == "slow":
                    time.sleep(3)
                if behaviour == "error":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"internal error")
                    return
                if behaviour == "garbage":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b"{not json")
                    return
                content = server.condensed if condensing else server.content
                finish = "stop" if condensing else server.finish_reason
                if not body.get("stream"):
                    return self._json(200, {
                        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body["model"],
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                     "finish_reason": finish}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    })
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [content[i : i + 4] for i in range(0, len(content), 4)]
                for number, piece in enumerate(pieces):
                    self.chunk(body, {"content": piece}, None)
                    if number == 0 and server.gate is not None:
                        server.gate_was_set = server.gate.wait(timeout=10)
                    if behaviour == "trickle":
                        time.sleep(0.5)
                self.chunk(body, {}, finish)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def chunk(self, body: dict, delta: dict, finish: str | None) -> None:
                payload = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                self.wfile.write(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.behaviour = "normal"
        self.content = GOOD
        self.finish_reason = "stop"
        self.condensed = CONDENSED
        self.gate: threading.Event | None = None
        self.gate_was_set: bool | None = None
        self.template: str | None = None  # None: no llama.cpp endpoints (like OpenAI, Azure, vLLM)
        self.rendered = GEMMA_RENDERED
        self.vocabulary = {"<bos>", "<start_of_turn>", "<end_of_turn>"}

    def close(self):
        self.httpd.shutdown()
