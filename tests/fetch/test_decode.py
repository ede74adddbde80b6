"""Content-Encoding decoding (#10): every decoder makes its output a bounded piece at a time.

Pure tests of `curator.fetch.decode`; the Fetcher's use of it (the size cap, and the
memory a bomb costs) is tested against loopback servers in test_client.py and
tests/test_hostile_input.py.
"""

from __future__ import annotations

import gzip
import itertools
import zlib

import brotli
import pytest

from curator.errors import FetchError
from curator.fetch.decode import ACCEPT_ENCODING
from curator.fetch.decode import PIECE
from curator.fetch.decode import BodyDecoder

TEXT = b"".join(b"<item><title>Entry %d</title></item>\n" % i for i in range(20_000))
ZEROS = 64 * 1024 * 1024  # 64 MiB of zeros: a small bomb


def deflate_raw(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def zeros(coding: str, size: int = ZEROS) -> bytes:
    """``size`` zero bytes, compressed as a stream (the input is never held whole)."""
    block = bytes(1024 * 1024)
    if coding == "br":
        packer = brotli.Compressor(quality=4, lgwin=24)
        return b"".join(packer.process(block) for _ in range(size // len(block))) + packer.finish()
    wbits = {"gzip": 31, "deflate": 15}[coding]
    zpacker = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(zpacker.compress(block) for _ in range(size // len(block))) + zpacker.flush()


COMPRESS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
}


def decode(codings: list[str], body: bytes, chunk: int = 1500) -> list[bytes]:
    """Every piece the decoder makes, fed ``chunk`` bytes at a time (like a socket)."""
    decoder = BodyDecoder(codings)
    pieces: list[bytes] = []
    for start in range(0, len(body), chunk):
        pieces += decoder.feed(body[start : start + chunk])
    pieces += decoder.finish()
    return pieces


def test_accept_encoding_offers_what_is_bounded() -> None:
    assert ACCEPT_ENCODING == "gzip, deflate, br"  # brotli 1.2 is locked: br is offered


@pytest.mark.parametrize("coding", sorted(COMPRESS))
@pytest.mark.parametrize("chunk", [1, 1500, 1 << 20])
def test_round_trip(coding: str, chunk: int) -> None:
    body = COMPRESS[coding](TEXT)
    assert b"".join(decode([coding], body, chunk)) == TEXT


def test_raw_deflate_is_accepted_too() -> None:
    """Some servers send "deflate" without the zlib header, as browsers accept."""
    assert b"".join(decode(["deflate"], deflate_raw(TEXT))) == TEXT


def test_identity_and_unknown_codings_pass_through() -> None:
    assert b"".join(decode([], TEXT)) == TEXT
    assert b"".join(decode(["identity"], TEXT)) == TEXT
    assert b"".join(decode(["utf-8"], TEXT)) == TEXT  # sent by misconfigured servers


def test_several_codings_are_undone_in_reverse_order() -> None:
    body = brotli.compress(gzip.compress(TEXT))  # gzip applied first, then br
    assert b"".join(decode(["gzip", "br"], body)) == TEXT
    assert BodyDecoder(["gzip", " BR "]).codings == ("br", "gzip")


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_bomb_is_made_one_piece_at_a_time(coding: str) -> None:
    """64 MiB of zeros in a few kB: each piece is at most about PIECE bytes, and none is
    made before it is asked for, so stopping early stops the decompression."""
    body = zeros(coding)
    assert len(body) < 100_000
    decoder = BodyDecoder([coding])
    pieces = decoder.feed(body)  # the whole bomb in one chunk: the worst case
    first = list(itertools.islice(pieces, 3))
    assert [len(p) for p in first] and all(0 < len(p) <= 2 * PIECE for p in first)
    pieces.close()  # the caller's cap was reached: nothing more is decompressed
    total = sum(len(p) for p in decode([coding], body, chunk=len(body)))
    assert total == ZEROS
    assert max(len(p) for p in decode([coding], body, chunk=len(body))) <= 2 * PIECE


def test_a_bomb_inside_a_bomb_is_bounded_too() -> None:
    body = brotli.compress(zeros("gzip"))  # "Content-Encoding: gzip, br"
    decoder = BodyDecoder(["gzip", "br"])
    first = list(itertools.islice(decoder.feed(body), 5))
    assert all(0 < len(p) <= 2 * PIECE for p in first)


@pytest.mark.parametrize(
    ("codings", "body", "message"),
    [
        (["gzip"], b"not gzip at all", "could not decode the response body (gzip): "),
        (["deflate"], b"\xff" * 40, "could not decode the response body (deflate): "),
        (["br"], b"\xff" * 40, "could not decode the response body (br): "),
        (["zstd"], b"(\xb5/\xfd", "could not decode the response body: zstd is not supported"),
        (["gzip"] * 5, b"", "too many Content-Encodings (5)"),
    ],
)
def test_decoding_errors(codings: list[str], body: bytes, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        decode(codings, body)
    assert caught.value.message.startswith(message), caught.value.message


def test_trailing_bytes_after_the_stream_are_ignored() -> None:
    """As httpx did: a server padding its body after the end of the stream does not fail
    the fetch (brotli refuses junk in the same chunk as the end, as with httpx)."""
    assert b"".join(decode(["gzip"], gzip.compress(TEXT) + b"\0\0junk")) == TEXT
    decoder = BodyDecoder(["br"])
    pieces = [*decoder.feed(brotli.compress(TEXT)), *decoder.feed(b"junk"), *decoder.finish()]
    assert b"".join(pieces) == TEXT
