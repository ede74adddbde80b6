"""Bytes of an HTML page → str, the way a browser would pick the encoding (pure).

Order (WHATWG "encoding sniffing", simplified):

1. a byte-order mark (UTF-8, UTF-16 LE/BE): the HTML standard lets it win over
   everything, because a BOM that contradicts the header is always the header's
   mistake;
2. the ``charset`` parameter of the HTTP ``Content-Type``;
3. ``<meta charset>`` / ``<meta http-equiv="Content-Type" content="...; charset=">``
   or an XML declaration's ``encoding`` in the first :data:`PRESCAN_BYTES`;
4. strict UTF-8 if the bytes are valid UTF-8, else detection (charset-normalizer),
   else windows-1252.

Labels are mapped as browsers do (``iso-8859-1``/``ascii``/``latin1`` mean
windows-1252; a ``utf-16`` label found by an ASCII prescan means UTF-8).
Undecodable bytes become U+FFFD; NUL and other C0 control characters (except
tab, newline, carriage return and form feed) are removed. Never raises.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

PRESCAN_BYTES = 4096  # the standard says 1024; real pages put <meta charset> later too
DETECT_BYTES = 64 * 1024  # charset-normalizer looks at this much of an undeclared page
FALLBACK = "windows-1252"

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTENT_TYPE_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"'\s;,]+)""", re.IGNORECASE)
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""\bcharset\s*=\s*["']?\s*([^"'\s;/>]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([^"']+)["']""")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

# WHATWG Encoding Standard labels that Python spells differently or means otherwise.
_ALIASES = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-9": "windows-1254",
    "latin5": "windows-1254",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "x-user-defined": "windows-1252",
}


def normalize_label(label: str) -> str | None:
    """A Python codec name for an encoding label, or None when it is unknown."""
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CONTENT_TYPE_CHARSET.search(content_type)
    return normalize_label(match.group(1)) if match else None


def charset_from_bom(data: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when ``data`` starts with a byte-order mark."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def charset_from_markup(data: bytes) -> str | None:
    """The encoding declared by ``<meta>`` or an XML declaration near the start."""
    head = data[:PRESCAN_BYTES]
    declared: str | None = None
    xml = _XML_DECL.match(head)
    if xml:
        declared = normalize_label(xml.group(1).decode("ascii", "replace"))
    for meta in _META.finditer(head):
        match = _META_CHARSET.search(meta.group(0))
        if match:
            declared = normalize_label(match.group(1).decode("ascii", "replace")) or declared
            break
    if declared and declared.startswith("utf-16"):
        return "utf-8"  # an ASCII-compatible prescan found it, so it is not really UTF-16
    return declared


def detect_charset(data: bytes) -> str:
    """A best guess for undeclared bytes: UTF-8 when valid, else charset-normalizer."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = charset_normalizer.from_bytes(data[:DETECT_BYTES]).best()
    if best is not None:
        name = normalize_label(best.encoding)
        if name:
            return name
    return FALLBACK


def pick_charset(data: bytes, content_type: str | None = None) -> tuple[str, int]:
    """(encoding, number of leading BOM bytes to skip) for ``data``."""
    bom = charset_from_bom(data)
    if bom:
        return bom
    declared = charset_from_content_type(content_type) or charset_from_markup(data)
    return (declared or detect_charset(data)), 0


def clean_text(text: str) -> str:
    """Remove NUL and other C0 control characters that no HTML or text needs."""
    return _CONTROL.sub("", text)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode page bytes; undecodable bytes become U+FFFD, control characters go."""
    encoding, skip = pick_charset(data, content_type)
    try:
        text = data[skip:].decode(encoding, errors="replace")
    except (LookupError, ValueError):
        text = data[skip:].decode(FALLBACK, errors="replace")
    return clean_text(text)
