"""Content-Encoding decoding that never makes more output than is asked for.

httpx decodes a response chunk by chunk, but each raw chunk is decompressed in one
call: a 3 kB ``Content-Encoding: br`` body that expands to 2 GiB became 2 GiB of
memory before the size cap could see it (#10). So the Fetcher reads the raw bytes
(``aiter_raw``) and decodes them here, where every decoder is a generator yielding
pieces of at most about `PIECE` bytes and decompresses the next piece only when it
is asked for. The caller counts the pieces against its cap and stops asking: the
memory used is the cap plus a piece per decoder, whatever the ratio.

- gzip (``x-gzip``) and deflate: zlib's ``decompressobj().decompress(data, max_length)``;
  deflate is zlib-wrapped, or raw when the first bytes are not (as httpx, browsers).
- br: brotli's ``Decompressor.process(data, output_buffer_limit=…)`` with
  ``can_accept_more_data()`` (brotli ≥ 1.2; brotlicffi ≥ 1.2 on PyPy). Without that
  API ``br`` is not offered in Accept-Encoding and a ``br`` body is refused.
- zstd is not offered: no decoder bounded this way is locked.
- ``identity`` and unknown codings are passed through (as httpx does; servers send
  ``Content-Encoding: utf-8``); they are plain bytes, counted against the cap as such.

Decoding errors raise `FetchError` ("could not decode the response body (gzip): …").
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any
from typing import Protocol

from curator.errors import FetchError

#: The most output one decoder call makes (brotli may round it up to its block size).
PIECE = 64 * 1024
#: More Content-Encodings than this on one response are refused (each is a decoder).
MAX_CODINGS = 4


def _bounded_brotli() -> Any:
    """The brotli module, if its decompressor can bound its output; else None."""
    for name in ("brotli", "brotlicffi"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        if hasattr(module.Decompressor(), "can_accept_more_data"):
            return module
    return None


_brotli = _bounded_brotli()

#: The codings curator decodes, in the order they are offered.
CODINGS: tuple[str, ...] = ("gzip", "deflate", "br") if _brotli is not None else ("gzip", "deflate")
#: The Accept-Encoding header of every request.
ACCEPT_ENCODING = ", ".join(CODINGS)


class Decoder(Protocol):
    name: str

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The output for ``data``, in pieces of at most about `PIECE` bytes."""
        ...

    def finish(self) -> Iterator[bytes]:
        """The output still held once the input has ended."""
        ...


class _Zlib:
    """gzip (wbits 31) or deflate: zlib-wrapped (15), falling back to raw (-15)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._first = name == "deflate"
        self._inflate = zlib.decompressobj(
            zlib.MAX_WBITS | 16 if name == "gzip" else zlib.MAX_WBITS
        )

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self._inflate.decompress(data, PIECE)
            except zlib.error as e:
                if not self._first:
                    raise _failed(self.name, e) from e
                # "deflate" sent as a raw stream (no zlib header), as some servers do
                self._first = False
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._first = False
            if out:
                yield out
            data = self._inflate.unconsumed_tail
            # Input used up and less than a full piece made: nothing is pending.
            if not data and len(out) < PIECE:
                return

    def finish(self) -> Iterator[bytes]:
        yield from self.feed(b"")
        try:
            rest = self._inflate.flush(PIECE)
        except zlib.error as e:
            raise _failed(self.name, e) from e
        if rest:  # at most a few bytes: the pending output was drained by feed(b"")
            yield rest


class _Brotli:
    def __init__(self) -> None:
        self.name = "br"
        self._decompressor = _brotli.Decompressor()
        # brotli names it process, brotlicffi decompress; both take output_buffer_limit.
        decompressor = self._decompressor
        self._process = getattr(decompressor, "process", None) or decompressor.decompress

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        if self._decompressor.is_finished():
            return  # bytes after the end of the stream: ignored, as by httpx
        try:
            out = self._process(data, output_buffer_limit=PIECE)
            # More output may wait inside (input not taken yet, or decoded data not
            # given out yet): ask with empty input, a piece at a time, until none is left.
            while out:
                yield out
                out = self._process(b"", output_buffer_limit=PIECE)
        except _brotli.error as e:
            raise _failed(self.name, e) from e

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Identity:
    def __init__(self, name: str) -> None:
        self.name = name

    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), PIECE):
            yield data[start : start + PIECE]

    def finish(self) -> Iterator[bytes]:
        return iter(())


def _failed(name: str, error: Exception) -> FetchError:
    return FetchError(f"could not decode the response body ({name}): {error}")


class BodyDecoder:
    """Decodes a body sent with the given Content-Encoding values, bounded piece by piece.

    ``codings`` are as in the header, in the order they were applied (so decoded in
    reverse). Use `feed` for each raw chunk and `finish` at the end; both yield pieces
    of at most about `PIECE` bytes, made only when the caller asks for the next one.
    """

    def __init__(self, codings: Sequence[str]) -> None:
        names = [c.strip().lower() for c in codings if c.strip()]
        names = [n for n in names if n != "identity"]
        if len(names) > MAX_CODINGS:
            raise FetchError(f"too many Content-Encodings ({len(names)})")
        self._decoders: list[Decoder] = [_decoder(name) for name in reversed(names)]

    @property
    def codings(self) -> tuple[str, ...]:
        return tuple(d.name for d in self._decoders)

    def feed(self, data: bytes) -> Iterator[bytes]:
        return _through(self._decoders, data)

    def finish(self) -> Iterator[bytes]:
        for index, decoder in enumerate(self._decoders):
            for piece in decoder.finish():
                yield from _through(self._decoders[index + 1 :], piece)


def _decoder(name: str) -> Decoder:
    if name in ("gzip", "x-gzip"):
        return _Zlib("gzip")
    if name == "deflate":
        return _Zlib("deflate")
    if name == "br":
        if _brotli is None:
            raise FetchError("could not decode the response body: br is not supported here")
        return _Brotli()
    if name in ("zstd", "compress", "x-compress"):
        raise FetchError(f"could not decode the response body: {name} is not supported")
    return _Identity(name)  # unknown: passed through, as httpx does


def _through(decoders: Sequence[Decoder], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    first, rest = decoders[0], decoders[1:]
    for piece in first.feed(data):
        yield from _through(rest, piece)
