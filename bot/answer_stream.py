"""The chain's answer as a plain iterator of text pieces, for channels that show tokens as they arrive."""
from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator

from bot.models import Answer

_DONE = object()


class StreamClosed(Exception):
    """Raised into the model's token loop once the reader has gone: the request to the model is dropped."""


class AnswerStream:
    """Iterate it for the text pieces in order; afterwards `answer` is the checked Answer.

    In LLM mode the pieces are the model's tokens as they arrive. The answer check runs when the model has
    finished, so the streamed text can still be rejected: then `replaced` is True and `answer.text` (the
    extractive answer) must replace what was shown. Without the LLM, the pieces are the finished answer text.
    Errors of the chain (BadQuestion, IndexUnavailable) are raised from the iteration.
    """

    def __init__(self, run: Callable[[Callable[[str], None]], Answer]):
        self._run = run
        self._pieces: queue.Queue = queue.Queue()
        self._answer: Answer | None = None
        self._error: BaseException | None = None
        self.streamed = ""  # what the iteration has given so far
        self._tokens = False  # whether pieces came from the model (rather than the finished text)
        self._started = False
        self._closed = threading.Event()
        self._finished = threading.Event()

    def _sink(self, piece: str) -> None:
        if self._closed.is_set():
            raise StreamClosed("the reader closed the stream")
        self._pieces.put(piece)

    def _work(self) -> None:
        try:
            self._answer = self._run(self._sink)
        except BaseException as exc:  # re-raised on the iterating thread
            self._error = exc
        finally:
            self._finished.set()
            self._pieces.put(_DONE)

    def close(self) -> None:
        """The reader has gone (a client disconnected): stop asking the model for more tokens."""
        self._closed.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the chain's thread to end (after close(), or for tests)."""
        return self._finished.wait(timeout)

    def __iter__(self) -> Iterator[str]:
        if self._started:
            raise RuntimeError("an AnswerStream can be iterated once")
        self._started = True
        threading.Thread(target=self._work, name="answer-stream", daemon=True).start()
        while (piece := self._pieces.get()) is not _DONE:
            self.streamed += piece
            self._tokens = True
            yield piece
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        if not self.streamed:  # nothing was streamed (no LLM, curated, abstained, clarify): the text itself
            self.streamed = self._answer.text
            yield self._answer.text

    @property
    def answer(self) -> Answer:
        if self._answer is None:
            raise RuntimeError("iterate the stream to the end first")
        return self._answer

    @property
    def replaced(self) -> bool:
        """The model's streamed text was not served (rejected, cut, timed out): show `answer.text` instead.
        An accepted one is served as checked (【結論】 lead added, citations renumbered): render `answer.text` too."""
        return self._tokens and self.answer.mode != "llm"
