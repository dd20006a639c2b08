"""Server mode: each generation is a versioned collection on a `chroma run` server, an alias names the live one.

The alias is a tiny collection `{prefix}__alias` whose metadata says which generation is live. The writer
changes it only after the new collection is complete and the generation's local files (manifest last) are
on disk, so every app server that follows the alias switches within about a second of the others and never
to a half-built collection. Our embedding function is passed to every get/create so Chroma never loads its default model.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings

from ingest.config import IndexConfig
from ingest.embed.embedders import ChromaEmbeddingAdapter, Embedder
from ingest.index.generations import generation_dirs, generation_name, generation_number, read_current
from ingest.index.manifest import MANIFEST_FILE, IndexOpenError
from ingest.index.store import CHROMA_DIR, COLLECTION, HNSW_CONFIGURATION, ChromaStore

logger = logging.getLogger(__name__)

ALIAS_KEY = "live"
# How long a reader trusts the alias it last read: one small HTTP call per second per server at most.
ALIAS_TTL_SECONDS = 1.0
# chromadb's HttpClient waits forever by default (httpx timeout=None): a hung server would hold every request
# thread of the API. Bounded, a hung server becomes a 503 like a stopped one. (The whole 281-chunk knowledge
# build, every add included, took about 1 s against a local server.)
CONNECT_TIMEOUT_SECONDS = 3.0
REQUEST_TIMEOUT_SECONDS = 15.0


class StoreUnreachableError(IndexOpenError):
    """The Chroma server did not answer (stopped, wrong host/port); the CLIs print it like any index error."""


def collection_name(prefix: str, generation: str) -> str:
    number = generation_number(generation)
    if number is None:
        raise ValueError(f"not a generation name: {generation!r}")
    return f"{prefix}_gen_{number:06d}"


def alias_name(prefix: str) -> str:
    return f"{prefix}__alias"


def generation_of_collection(prefix: str, name: str) -> str | None:
    match = re.fullmatch(re.escape(prefix) + r"_gen_(\d{6,})", name)
    return generation_name(int(match.group(1))) if match else None


def http_client(config: IndexConfig) -> Any:
    # constructing the client already calls the server, without a timeout: a bounded heartbeat goes first
    response = httpx.get(f"http://{config.chroma_host}:{config.chroma_port}/api/v2/heartbeat",
                         timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS))
    response.raise_for_status()
    client = chromadb.HttpClient(
        host=config.chroma_host,
        port=config.chroma_port,
        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
    )
    # chromadb exposes no timeout setting; its httpx session is the one place to bound requests
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(REQUEST_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    return client


def connect(config: IndexConfig) -> Any:
    """An HttpClient that has answered a heartbeat; StoreUnreachableError otherwise."""
    try:
        client = http_client(config)
        client.heartbeat()
    except Exception as error:  # chromadb raises httpx/ValueError/ConnectionError depending on where it failed
        raise StoreUnreachableError(
            f"Chroma サーバー {config.chroma_host}:{config.chroma_port} に接続できません / "
            f"cannot reach the Chroma server at {config.chroma_host}:{config.chroma_port}: {error}"
        ) from error
    return client


class ServerChromaStore(ChromaStore):
    """ChromaStore on one versioned collection of a Chroma server (same add/delete/query/count)."""

    def __init__(self, client: Any, name: str, embedder: Embedder, create: bool) -> None:
        self.chroma_dir = None  # type: ignore[assignment]  # nothing local: the vectors live on the server
        self.embedder = embedder
        self.name = name
        self._client = client
        adapter = ChromaEmbeddingAdapter(embedder)
        if create:
            self.collection = client.create_collection(
                name,
                embedding_function=adapter,
                configuration=HNSW_CONFIGURATION,
                metadata={"embedder": embedder.name, "dim": embedder.dim},
            )
        else:
            self.collection = client.get_collection(name, embedding_function=adapter)

    def close(self) -> None:
        pass  # the HttpClient holds no file; its connection pool goes with it


def read_alias(client: Any, prefix: str, embedder: Embedder) -> str | None:
    """The live generation according to the server, or None when no alias was ever written."""
    try:
        collection = client.get_collection(alias_name(prefix), embedding_function=ChromaEmbeddingAdapter(embedder))
    except chromadb.errors.NotFoundError:
        return None
    value = (collection.metadata or {}).get(ALIAS_KEY)
    return value if isinstance(value, str) and generation_number(value) is not None else None


def write_alias(client: Any, prefix: str, generation: str, embedder: Embedder) -> None:
    """Point the alias at `generation`; one metadata update, so readers see the old or the new name."""
    collection = client.get_or_create_collection(alias_name(prefix), embedding_function=ChromaEmbeddingAdapter(embedder))
    collection.modify(metadata={ALIAS_KEY: generation, "collection": collection_name(prefix, generation)})


def collection_names(config: IndexConfig, page: int = 100) -> list[str]:
    """Names of all collections on the server, read from Chroma's REST API.

    client.list_collections() would build a Collection object, with Chroma's default embedding function,
    for every collection; names are all we need.
    """
    url = (f"http://{config.chroma_host}:{config.chroma_port}/api/v2/tenants/default_tenant/databases/"
           "default_database/collections")
    names: list[str] = []
    with httpx.Client(timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)) as session:
        while True:
            response = session.get(url, params={"limit": page, "offset": len(names)})
            response.raise_for_status()
            batch = [str(row["name"]) for row in response.json()]
            names.extend(batch)
            if len(batch) < page:
                return names


def generation_collections(config: IndexConfig) -> dict[str, str]:
    """generation → collection name, for every versioned collection of this prefix on the server."""
    found: dict[str, str] = {}
    for name in collection_names(config):
        generation = generation_of_collection(config.collection_prefix, name)
        if generation is not None:
            found[generation] = name
    return found


def remove_stale_collections(client: Any, config: IndexConfig, keep: set[str]) -> list[str]:
    """Delete every versioned collection whose generation is not in `keep` (the live one and the one before)."""
    removed = []
    for generation, name in sorted(generation_collections(config).items()):
        if generation not in keep:
            client.delete_collection(name)
            removed.append(name)
    return removed


def create_generation_store(config: IndexConfig, generation_dir: Path, embedder: Embedder) -> ChromaStore:
    """A new, empty store for the generation being written, embedded or on the server."""
    if config.store == "embedded":
        return ChromaStore.create(generation_dir / CHROMA_DIR, embedder)
    client = connect(config)
    name = collection_name(config.collection_prefix, generation_dir.name)
    try:
        client.delete_collection(name)  # left by a run that died before making it live: never served, safe to drop
    except chromadb.errors.NotFoundError:
        pass
    return ServerChromaStore(client, name, embedder, create=True)


def open_generation_store(config: IndexConfig, generation_dir: Path, embedder: Embedder) -> ChromaStore:
    if config.store == "embedded":
        return ChromaStore.open(generation_dir / CHROMA_DIR, embedder)
    return ServerChromaStore(connect(config), collection_name(config.collection_prefix, generation_dir.name),
                             embedder, create=False)


class AliasWatcher:
    """What a server-mode reader polls: the alias, re-read at most once per ALIAS_TTL_SECONDS.

    When the server cannot be reached the last known value stands: the queries themselves then fail and
    become 503s, and the reader is not swapped for nothing.
    """

    def __init__(self, config: IndexConfig, embedder: Embedder) -> None:
        self.config = config
        self.embedder = embedder
        self._client: Any = None
        self._value: str | None = None
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def live(self) -> str | None:
        now = time.monotonic()
        if now - self._read_at < ALIAS_TTL_SECONDS:
            return self._value
        with self._lock:
            if now - self._read_at < ALIAS_TTL_SECONDS:
                return self._value
            try:
                if self._client is None:
                    self._client = http_client(self.config)
                self._value = read_alias(self._client, self.config.collection_prefix, self.embedder)
            except Exception as error:
                logger.warning("could not read the Chroma alias, keeping %s: %s", self._value, error)
            self._read_at = time.monotonic()
            return self._value


def store_record(config: IndexConfig, generation: str) -> dict[str, str]:
    """What the manifest says about where this generation's vectors are."""
    if config.store == "embedded":
        return {"mode": "embedded", "collection": f"{CHROMA_DIR}/{COLLECTION}"}
    return {"mode": "server", "collection": collection_name(config.collection_prefix, generation)}


def publish_generation(config: IndexConfig, generation: str, embedder: Embedder) -> None:
    """Server mode: move the alias to a generation whose collection and local files are complete."""
    if config.store == "server":
        write_alias(connect(config), config.collection_prefix, generation, embedder)


def tidy_server(config: IndexConfig, index_dir: Path, embedder: Embedder) -> list[str]:
    """Server mode, writer side: the alias follows CURRENT; collections without a kept generation dir go.

    Run after remove_stale_generations, so the generation dirs left are the live one and the one before.
    A writer killed between switching CURRENT and moving the alias is repaired here by the next run.
    """
    if config.store != "server":
        return []
    client = connect(config)
    prefix = config.collection_prefix
    current = read_current(index_dir)
    if current is not None and read_alias(client, prefix, embedder) != current:
        write_alias(client, prefix, current, embedder)
    keep = {path.name for path in generation_dirs(index_dir) if (path / MANIFEST_FILE).is_file()}
    return remove_stale_collections(client, config, keep)


@contextmanager
def store_errors(config: IndexConfig) -> Iterator[None]:
    """Server mode: a connection lost in the middle of a build becomes StoreUnreachableError (a clear CLI
    message, exit 2) instead of an httpx traceback. The alias only moves at the very end, so readers that
    follow it never see the unfinished generation; the next run cleans it up."""
    try:
        yield
    except httpx.TransportError as error:
        if config.store != "server":
            raise
        raise StoreUnreachableError(
            f"Chroma サーバー {config.chroma_host}:{config.chroma_port} との接続が取り込みの途中で切れました。"
            f"サーバーを確認して取り込みを再実行してください（それまで各サーバーは今の世代で回答します）。 / "
            f"lost the Chroma server at {config.chroma_host}:{config.chroma_port} during the build "
            f"({type(error).__name__}: {error}); run the ingest again (servers keep their generation until then)."
        ) from error
