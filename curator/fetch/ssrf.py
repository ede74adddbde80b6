"""The SSRF guard's address classifier: which IP addresses article links (and a feed's
redirects away from its configured origin, #10) may not reach.

Article links come from third parties, so a link (or a redirect, or a DNS answer)
could point curator at the machine itself, the LAN, or a cloud metadata service.
`blocked_reason` says why an address is refused, or None for a public one; the
network backend (`transport.PacedBackend`) calls it on every resolved address at
connect time. It is a pure function, so every range is a plain unit test.

The explicit tables come first, so the message is specific and does not depend
on the Python version's idea of ``is_global`` (which changed in 3.11.x, 3.12.x and
3.13). IPv6 addresses that embed an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by the IPv4 address they reach.
Anything else that ``ipaddress`` does not call global is refused too.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address
from ipaddress import IPv4Network
from ipaddress import IPv6Address
from ipaddress import IPv6Network

IPAddress = IPv4Address | IPv6Address

#: How the refusal ends: what was refused and which setting opts out.
REFUSAL_HINT = "article links may not reach private networks; see fetch.allow_private_networks"
#: The same for a feed's redirects (its configured URL is trusted; #10).
FEED_REFUSAL_HINT = "a feed's redirects may not reach private networks; see allow_private_networks"

_PRIVATE = "a private address"
_RESERVED = "a reserved address"
_DOCUMENTATION = "a documentation address"
_PROTOCOL = "an IETF protocol assignment address"

_IPV4_RANGES: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(network), reason)
    for network, reason in (
        ("0.0.0.0/8", "a 'this network' address"),
        ("10.0.0.0/8", _PRIVATE),
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.169.254/32", "the link-local cloud metadata address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", _PRIVATE),
        ("192.0.0.0/24", _PROTOCOL),
        ("192.0.2.0/24", _DOCUMENTATION),
        ("192.88.99.0/24", "a 6to4 relay anycast address"),
        ("192.168.0.0/16", _PRIVATE),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", _DOCUMENTATION),
        ("203.0.113.0/24", _DOCUMENTATION),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", _RESERVED),  # 255.255.255.255 (broadcast) included
    )
)

_IPV6_RANGES: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), reason)
    for network, reason in (
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("::/8", _RESERVED),  # IPv4-compatible (deprecated) and other reserved forms
        ("100::/64", "a discard-only address"),
        ("2001::/23", _PROTOCOL),  # Teredo (2001::/32) included
        ("2001:db8::/32", _DOCUMENTATION),
        ("3fff::/20", _DOCUMENTATION),
        ("5f00::/16", "a segment routing (SRv6) address"),
        ("fc00::/7", "a private address (unique local)"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address (deprecated)"),
        ("ff00::/8", "a multicast address"),
    )
)

_NAT64 = IPv6Network("64:ff9b::/96")


def blocked_reason(address: IPAddress) -> str | None:
    """Why article links may not connect to ``address`` ("a private address"), or None."""
    if isinstance(address, IPv4Address):
        return _ipv4_reason(address)
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = _ipv4_reason(embedded)
        return None if reason is None else f"{reason} ({embedded} inside IPv6)"
    plain = IPv6Address(address.packed)  # without a zone (%eth0)
    for network, reason in _IPV6_RANGES:
        if plain in network:
            return reason
    if not plain.is_global:
        return "a non-public address"
    return None


def refusal_message(host: str, address: IPAddress, reason: str) -> str:
    """The one error line for a refused connection."""
    if _same_address(host, address):
        return f"refused: {address} is {reason} ({REFUSAL_HINT})"
    return f"refused: {host} resolves to {address}, {reason} ({REFUSAL_HINT})"


def allow_all(address: IPAddress) -> str | None:
    """The guard when ``fetch.allow_private_networks`` is true: nothing is refused."""
    return None


def _ipv4_reason(address: IPv4Address) -> str | None:
    for network, reason in _IPV4_RANGES:
        if address in network:
            return reason
    if not address.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 or 6to4 address reaches, if it is one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(address.packed[-4:])
    return None


def _same_address(host: str, address: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == address
    except ValueError:
        return False
