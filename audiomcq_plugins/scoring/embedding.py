"""Embedding matchers: an output is read as the choice whose embedding is closest to its own
(MMAU-Pro's closed-form rule), with a pluggable embedder.

An *embedder* is ``embed(texts: list[str]) -> array (len(texts), dim)``, registered through
``register_embedders``. :class:`EmbeddingMatch` is the scorer: it embeds the stripped output and
the choices, L2-normalises, takes the choice of highest cosine similarity (the first on a tie)
and counts the item right when that choice, stripped and lower-cased, equals the answer
stripped and lower-cased. Every output picks a choice, an empty or off-topic one included, so
``parsed`` is always true (``acc`` stays the strict reading; ``unparsed`` is strict's).

Built-in embedders:

- ``nv-embed-v2`` (:mod:`audiomcq_plugins.models.embedders`): ``nvidia/NV-Embed-v2``, the
  official scorer's model (empty instruction, max length 4096). Not run by this project's
  tests (no download here).
- ``char-ngram``: a lexical embedder (character 3-grams of the lower-cased text, hashed into
  4,096 dimensions), deterministic and offline. It is *not* the official model: results
  scored with it say so in ``scorer_modes``.

``$AUDIOMCQ_EMBEDDER`` chooses the embedder of ``mmau-pro-official`` (default ``nv-embed-v2``);
an unknown name is an error listing the registered ones.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

EMBEDDER_ENV = "AUDIOMCQ_EMBEDDER"
DEFAULT_EMBEDDER = "nv-embed-v2"
NGRAM_DIM = 4096


def char_ngram(texts: Sequence[str]) -> np.ndarray:
    """Character 3-gram counts of each lower-cased text (padded with a space each side),
    hashed (CRC-32) into :data:`NGRAM_DIM` dimensions."""
    out = np.zeros((len(texts), NGRAM_DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        padded = f" {text.lower()} "
        for i in range(max(len(padded) - 2, 0)):
            out[row, zlib.crc32(padded[i : i + 3].encode()) % NGRAM_DIM] += 1.0
    return out


#: The core's embedders (``nv-embed-v2`` lives with the backends: models/embedders.py).
EMBEDDERS: dict[str, Callable[[Sequence[str]], np.ndarray]] = {"char-ngram": char_ngram}


def embedder_name() -> str:
    """The embedder ``mmau-pro-official`` uses: ``$AUDIOMCQ_EMBEDDER`` or the official one."""
    return os.environ.get(EMBEDDER_ENV) or DEFAULT_EMBEDDER


def _normalised(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms > 0, norms, 1.0)


class EmbeddingMatch:
    """The scorer (see the module docstring). ``embedder``: a registered name, or None for
    :func:`embedder_name` at each call. Choice embeddings are kept per embedder and choices."""

    def __init__(self, embedder: str | None = None) -> None:
        self.embedder = embedder
        self._choices: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def _embedder(self) -> tuple[str, Callable[[Sequence[str]], Any]]:
        """The embedder's name and function (an unknown name lists the registered ones)."""
        from audiomcq_plugins import plugins

        name = self.embedder or embedder_name()
        return name, plugins.get("embedders", name)

    def __call__(self, prediction: Any, choices: Sequence[str], answer: str) -> Any:
        from audiomcq_plugins.scoring.matchers import Verdict

        name, embed = self._embedder()
        key = (name, tuple(choices))
        if key not in self._choices:
            self._choices[key] = _normalised(embed(list(choices)))
        text = prediction.strip() if isinstance(prediction, str) else ""
        scores = self._choices[key] @ _normalised(embed([text]))[0]
        best = int(np.argmax(scores))  # the first on a tie
        correct = choices[best].strip().lower() == str(answer).strip().lower()
        return Verdict(correct=correct, parsed=True, choice=best)

    def ready(self, name: str) -> None:
        """Load the embedder now (one probe text), before a run generates anything: a model
        that cannot be loaded is an error naming what to do, not a crash at scoring time."""
        embedder, embed = self._embedder()
        try:
            embed(["ready"])
        except Exception as exc:  # a download refused, a missing package, an old library
            raise RuntimeError(
                f"scorer {name} (acc_official) cannot load its embedder {embedder!r}: "
                f"{type(exc).__name__}: {exc}. Make the model loadable (see "
                f"audiomcq_plugins.models.embedders), or set {EMBEDDER_ENV} to another "
                f"registered embedder (char-ngram: lexical, offline; results say which)"
            ) from exc

    def mode(self, name: str) -> str:
        """How results scored by this scorer (registered as ``name``) are labelled: with the
        embedder it uses, so a result scored without the official model says so."""
        return f"{name} (embedder {self.embedder or embedder_name()})"
