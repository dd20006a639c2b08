"""The web channel: FastAPI app (JSON + SSE API, source pages, widget) built by `create_app(settings)`."""
