"""Console sign-in: a signed session cookie derived from the coordinator token, and the CSRF token of every form.

The cookie holds only an expiry and a random nonce, signed with a key derived from the coordinator token:
no secret travels in it, and changing the token signs everyone out.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "console_session"
LOGIN_COOKIE = "console_login"  # a pre-session nonce, so the sign-in form has a CSRF token too
COOKIE_PATH = "/console"
LOGIN_SECONDS = 3600


@dataclass(frozen=True)
class ConsoleSession:
    nonce: str
    expires: int


class ConsoleKeys:
    def __init__(self, coordinator_token: str):
        self._key = hmac.new(coordinator_token.encode("utf-8"), b"export-bot console v1", hashlib.sha256).digest()
        self._token = coordinator_token.encode("utf-8")

    def token_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.strip().encode("utf-8"), self._token)

    def issue(self, purpose: str, seconds: int, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + seconds)
        payload = f"{expires}.{secrets.token_urlsafe(18)}"
        return f"{payload}.{self._sign(purpose, payload)}"

    def read(self, purpose: str, value: str | None, now: float | None = None) -> ConsoleSession | None:
        """The session the cookie value stands for, or None when it is missing, forged or expired."""
        if not value or value.count(".") != 2:
            return None
        expires, nonce, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(purpose, f"{expires}.{nonce}")):
            return None
        if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
            return None
        return ConsoleSession(nonce, int(expires))

    def csrf(self, session: ConsoleSession) -> str:
        return self._sign("csrf", session.nonce)

    def csrf_ok(self, session: ConsoleSession | None, candidate: str | None) -> bool:
        if session is None or not candidate:
            return False
        return hmac.compare_digest(candidate, self.csrf(session))

    def _sign(self, purpose: str, payload: str) -> str:
        return hmac.new(self._key, f"{purpose}|{payload}".encode("utf-8"), hashlib.sha256).hexdigest()


def cookie_options(seconds: int) -> dict:
    # Secure: browsers still keep it on http://127.0.0.1 and localhost, which count as secure contexts
    return {"max_age": seconds, "path": COOKIE_PATH, "secure": True, "httponly": True, "samesite": "strict"}
