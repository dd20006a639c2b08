"""Drop Slack's retries of an event already being handled (middleware keyed on event_id)."""
from __future__ import annotations

import logging
from typing import Callable

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest

from bot.slack.dedupe import SeenEvents

log = logging.getLogger(__name__)


def register(app: App, seen: SeenEvents) -> None:
    @app.middleware
    def drop_repeated_events(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        # Slack retries (X-Slack-Retry-Num) when our first 200 was slow or lost; the event is already being
        # handled, so answer 200 and do nothing. Keyed on event_id, which is the same across retries.
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if event_id and not seen.first_time(event_id):
            retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("dropping repeated event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return next()
