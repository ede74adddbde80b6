"""How long a feed response says it stays fresh: Cache-Control max-age, else Expires.

Pure parsing (RFC 9111 §4.2.1): the client passes the response's header values and the
time, the policy decides what to do with the answer (never fetch before it, capped).
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\b", re.IGNORECASE)
# Past any cap the policy applies; keeps timedelta far from its overflow.
_LONGEST = timedelta(days=365)


def freshness_lifetime(
    *,
    cache_control: str | None,
    expires: str | None,
    date: str | None,
    age: str | None,
    now: datetime,
) -> timedelta | None:
    """What is left of the response's freshness; None when it gives none (or forbids caching).

    max-age wins over Expires; Expires counts from the response's Date (so a server
    whose clock is off still means what it says), else from `now`. Age is subtracted.
    """
    lifetime: timedelta | None = None
    if cache_control and _NO_CACHE.search(cache_control):
        return None
    match = _MAX_AGE.search(cache_control or "")
    if match is not None:
        lifetime = min(timedelta(seconds=min(int(match.group(1)), 10**9)), _LONGEST)
    elif expires:
        when = _http_date(expires)
        if when is None:
            return None  # an invalid Expires means "already expired"
        lifetime = min(when - (_http_date(date or "") or now), _LONGEST)
    if lifetime is None:
        return None
    if age and age.strip().isdigit():
        lifetime -= timedelta(seconds=min(int(age.strip()), 10**9))
    return lifetime if lifetime > timedelta(0) else None


def _http_date(value: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
