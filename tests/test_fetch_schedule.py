"""When the facade makes a source due next: Cache-Control and <ttl> through a real fetch,
and the adaptive interval from the entries stored over the last week (#11)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import rss

import curator
from curator import Curator
from curator.config import load_settings
from curator.fetch.policy import jitter

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=30)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def open_curator(tmp_path: Path, url: str, clock: Clock, *, adaptive: bool) -> Iterator[Curator]:
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"defaults: {{interval: 30m, fetch_articles: false, adaptive_interval: {str(adaptive).lower()}}}\n"
        f"sources:\n  - id: a\n    url: {url}\n",
        encoding="utf-8",
    )
    settings = load_settings(
        path,
        database_url=f"sqlite:///{tmp_path / 'curator.db'}",
        data_dir=tmp_path / "data",
        env={},
    )
    with curator.make_curator(settings, parse_workers=0, clock=clock) as facade:
        facade.upgrade()
        yield facade


def next_due(facade: Curator) -> datetime | None:
    (row,) = facade.status()
    return row.next_due_at


def test_cache_control_pushes_the_next_fetch_out(tmp_path: Path) -> None:
    clock = Clock()
    reply = Reply(body=rss(entries=2), headers={"Cache-Control": "max-age=7200"})
    with FeedServer({"/a.xml": reply}) as server:
        with open_curator(tmp_path, server.url("/a.xml"), clock, adaptive=False) as facade:
            facade.fetch()
            assert next_due(facade) == T0 + timedelta(hours=2)
            clock.now = T0 + timedelta(minutes=119)
            assert facade.fetch(only_due=True) == []
            assert server.paths() == ["/a.xml"]


def test_rss_ttl_pushes_the_next_fetch_out(tmp_path: Path) -> None:
    clock = Clock()
    body = rss(entries=2).replace(b"<channel>", b"<channel><ttl>180</ttl>", 1)
    with FeedServer({"/a.xml": Reply(body=body)}) as server:
        with open_curator(tmp_path, server.url("/a.xml"), clock, adaptive=False) as facade:
            facade.fetch()
            assert next_due(facade) == T0 + timedelta(hours=3)


def test_adaptive_interval_follows_the_entries_of_the_last_week(tmp_path: Path) -> None:
    clock = Clock()
    with FeedServer({"/a.xml": Reply(body=rss(entries=28))}) as server:
        with open_curator(tmp_path, server.url("/a.xml"), clock, adaptive=True) as facade:
            # First fetch: nothing stored yet, so the rate is 0 a day: once a day.
            facade.fetch()
            day = timedelta(hours=24)
            assert next_due(facade) == T0 + day + jitter("a", T0, day)
            # 28 entries first seen within the week: 4 a day, every 6 h.
            clock.now = T0 + timedelta(days=1)
            facade.fetch()
            six_hours = timedelta(hours=6)
            assert next_due(facade) == clock.now + six_hours + jitter("a", clock.now, six_hours)
            # A week and a bit later they no longer count: once a day again.
            clock.now = T0 + timedelta(days=7, minutes=1)
            facade.fetch()
            assert next_due(facade) == clock.now + day + jitter("a", clock.now, day)


def test_without_adaptive_interval_the_configured_one_applies(tmp_path: Path) -> None:
    clock = Clock()
    with FeedServer({"/a.xml": Reply(body=rss(entries=28))}) as server:
        with open_curator(tmp_path, server.url("/a.xml"), clock, adaptive=False) as facade:
            facade.fetch()
            assert next_due(facade) == T0 + INTERVAL + jitter("a", T0, INTERVAL)
