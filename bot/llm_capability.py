"""Before LLM mode starts: does the server drive this model through a chat template the model knows?"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

# a template's turn marker as rendered: <start_of_turn>, <|im_start|>, <|eot_id|>
_TURN_MARKER = re.compile(r"<\|?[A-Za-z_][A-Za-z0-9_]*\|?>")


@dataclass(frozen=True)
class TemplateReport:
    usable: bool
    reason: str  # what was found (logged either way)
    checked: bool  # False when the server does not say which template it applies (OpenAI, Azure, vLLM, Ollama)


def server_root(base_url: str) -> str:
    """http://host:port/v1 → http://host:port (llama.cpp's own endpoints sit beside the OpenAI ones)."""
    return re.sub(r"/v1/?$", "", base_url.rstrip("/"))


def check_chat_template(base_url: str, timeout: float = 5.0) -> TemplateReport:
    """On a llama.cpp server: render a message through the template the server applies, and tokenize each turn
    marker; a marker that is not one token of the model's vocabulary means the template is not the model's
    (a GGUF without `tokenizer.chat_template` falls back to ChatML). Servers without /props are not judged."""
    root = server_root(base_url)
    try:
        with httpx.Client(timeout=timeout) as client:
            props = client.get(f"{root}/props")
            if props.status_code != 200 or "chat_template" not in props.json():
                return TemplateReport(True, "the server does not report its chat template", checked=False)
            if not str(props.json().get("chat_template") or "").strip():
                return TemplateReport(False, "the server applies no chat template", checked=True)
            rendered = client.post(f"{root}/apply-template",
                                   json={"messages": [{"role": "user", "content": "確認"}]}).json()["prompt"]
            markers = sorted(set(_TURN_MARKER.findall(rendered)))
            if not markers:
                return TemplateReport(False, f"the template renders no turn markers: {rendered[:60]!r}", checked=True)
            unknown = [m for m in markers
                       if len(client.post(f"{root}/tokenize", json={"content": m}).json().get("tokens", [])) != 1]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return TemplateReport(True, f"the template could not be checked ({exc})", checked=False)
    if unknown:
        return TemplateReport(
            False, f"the chat template's turn markers {unknown} are not tokens of the model (no template of its "
                   "own? start llama-server with --chat-template-file)", checked=True)
    return TemplateReport(True, f"chat template turn markers {markers} are tokens of the model", checked=True)
