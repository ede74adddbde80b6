"""freshness_lifetime: Cache-Control max-age / Expires parsing (pure)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from curator.fetch.freshness import freshness_lifetime

NOW = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
DATE = "Mon, 01 Jan 2024 00:00:00 GMT"


@pytest.mark.parametrize(
    ("cache_control", "expires", "date", "age", "expected"),
    [
        ("max-age=300", None, None, None, timedelta(minutes=5)),
        ("public, MAX-AGE = 300 , must-revalidate", None, None, None, timedelta(minutes=5)),
        ('max-age="300"', None, None, None, timedelta(minutes=5)),
        ("s-maxage=600", None, None, None, None),  # for shared caches only
        ("max-age=0", None, None, None, None),
        ("max-age=300", None, None, "100", timedelta(seconds=200)),
        ("max-age=300", None, None, "400", None),
        ("max-age=99999999999999999999", None, None, None, timedelta(days=365)),
        ("no-cache", "Mon, 01 Jan 2024 02:00:00 GMT", DATE, None, None),
        ("private, max-age=60", "Mon, 01 Jan 2024 02:00:00 GMT", DATE, None, timedelta(minutes=1)),
        (None, "Mon, 01 Jan 2024 02:00:00 GMT", DATE, None, timedelta(hours=2)),
        # Expires counts from the server's Date, whatever our clock says
        (
            None,
            "Sun, 01 Jan 2023 02:00:00 GMT",
            "Sun, 01 Jan 2023 00:00:00 GMT",
            None,
            timedelta(hours=2),
        ),
        (None, "Mon, 01 Jan 2024 03:00:00 GMT", None, None, timedelta(hours=3)),  # else from now
        (None, "Mon, 01 Jan 2024 03:00:00 GMT", "garbage", None, timedelta(hours=3)),
        (None, "Sun, 31 Dec 2023 00:00:00 GMT", DATE, None, None),  # already expired
        (None, "0", DATE, None, None),
        (None, "Fri, 01 Jan 9999 00:00:00 GMT", DATE, None, timedelta(days=365)),
        (None, None, DATE, None, None),
    ],
)
def test_freshness_lifetime(
    cache_control: str | None,
    expires: str | None,
    date: str | None,
    age: str | None,
    expected: timedelta | None,
) -> None:
    got = freshness_lifetime(
        cache_control=cache_control, expires=expires, date=date, age=age, now=NOW
    )
    assert got == expected
