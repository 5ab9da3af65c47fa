"""Bounded HTTP GETs for feeds and pages: a byte cap on what is read and what it decompresses to,
and a deadline for the whole request, so no server can stall or exhaust the daemon.

The body is read raw and decompressed here with a bounded zlib stream (only gzip and deflate are
offered), so a compressed bomb stops at the cap instead of inflating a whole chunk in memory.
Every refusal is a ``TransientSourceError`` that names the case; the source is polled again later.
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass

import httpx

from .health import TransientSourceError

MAX_BYTES = 8 * 1024 * 1024  # largest body kept, compressed or decompressed
DEADLINE_SECONDS = 60.0  # the whole request, connection to last byte
ACCEPT_ENCODING = "gzip, deflate"


@dataclass
class Fetched:
    status_code: int
    reason_phrase: str
    headers: httpx.Headers
    url: httpx.URL
    content: bytes


class _Inflater:
    """Incremental gzip/deflate decoding that never produces more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int):
        self.encoding = encoding
        self.limit = limit
        self.size = 0
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._first = True

    def feed(self, data: bytes) -> bytes:
        out = []
        while data:
            try:
                chunk = self._zlib.decompress(data, self.limit - self.size + 1)
            except zlib.error:
                if self.encoding == "deflate" and self._first:  # raw deflate without the zlib header
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise
            self._first = False
            self.size += len(chunk)
            out.append(chunk)
            if self.size > self.limit:
                raise OverflowError
            if self._zlib.unconsumed_tail:
                data = self._zlib.unconsumed_tail
            elif self._zlib.eof and self._zlib.unused_data:  # a second gzip member
                data = self._zlib.unused_data
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                data = b""
        return b"".join(out)


async def fetch(client: httpx.AsyncClient, url: str, *, what: str, headers: dict[str, str] | None = None,
                max_bytes: int = MAX_BYTES, deadline: float = DEADLINE_SECONDS) -> Fetched:
    """GET ``url`` within ``deadline`` seconds and ``max_bytes`` bytes; ``what`` names the source in errors."""
    sent = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
    try:
        async with asyncio.timeout(deadline):
            return await _get(client, url, what=what, headers=sent, max_bytes=max_bytes)
    except TimeoutError:
        raise TransientSourceError(f"{what}: {url} did not answer completely within {deadline:g} s"
                                   " (a slow or stalled server); tried again at the next poll") from None
    except httpx.HTTPError as exc:
        raise TransientSourceError(f"{what}: {type(exc).__name__}: {exc}") from None


async def _get(client: httpx.AsyncClient, url: str, *, what: str, headers: dict[str, str], max_bytes: int) -> Fetched:
    async with client.stream("GET", url, headers=headers) as response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise TransientSourceError(f"{what}: {url} is too large ({int(declared):,} bytes; at most"
                                       f" {max_bytes:,} are read)")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", "deflate", ""):
            raise TransientSourceError(f"{what}: {url} sent an unsupported Content-Encoding {encoding!r}"
                                       f" (asked for {ACCEPT_ENCODING})")
        inflater = _Inflater("gzip" if encoding == "x-gzip" else encoding, max_bytes) \
            if encoding in ("gzip", "x-gzip", "deflate") else None
        parts: list[bytes] = []
        raw = size = 0
        try:
            async for chunk in response.aiter_raw():
                raw += len(chunk)
                if raw > max_bytes:
                    raise OverflowError
                data = inflater.feed(chunk) if inflater else chunk
                size += len(data)
                if size > max_bytes:
                    raise OverflowError
                parts.append(data)
        except OverflowError:
            kind = "decompresses to" if inflater and raw <= max_bytes else "is"
            raise TransientSourceError(f"{what}: {url} {kind} more than {max_bytes:,} bytes; not read further"
                                       ) from None
        except zlib.error as exc:
            raise TransientSourceError(f"{what}: {url} sent a broken {encoding} body: {exc}") from None
        return Fetched(response.status_code, response.reason_phrase, response.headers, response.url, b"".join(parts))


def retry_after(value: str | None, *, default: float | None = None, longest: float = 86400.0) -> float | None:
    """Seconds from a Retry-After header (digits only), capped at ``longest``: a huge value must not overflow."""
    digits = (value or "").strip()
    if not (digits.isascii() and digits.isdigit()):
        return default
    return longest if len(digits) > 9 else min(float(digits), longest)
