"""The read models (#12) at 10,000 drafts, through the facade (no HTTP): the queue
(first page, a later page, filters), search, the draft page, voices, source health.

The drafts are written by the store directly (an entry, an article with three quotes by
speakers from a pool of 400, and a draft each), which takes a minute, not the hour a
fetch of 10,000 pages would; `bench/web_load.py` measures the pages served over HTTP.
The database is kept (default /tmp/curator-read-models-bench/curator.db) and reused.
Prints p50/p95 per call in milliseconds; asserts nothing.

    .venv/bin/python bench/read_models.py [--drafts 10000] [--runs 50] [--database-url URL]
"""

from __future__ import annotations

import argparse
import inspect
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from curator import Curator
from curator.config import default_settings
from curator.model import Article
from curator.model import DraftContent
from curator.model import DraftFlag
from curator.model import DraftQuote
from curator.model import DraftState
from curator.model import Extraction
from curator.model import FeedEntry
from curator.model import FetchAttempt
from curator.model import FetchOutcome
from curator.model import PageFetch
from curator.model import Quote
from curator.model import QuoteKind
from curator.model import Source
from curator.model import SpeakerKind
from curator.readmodels import DraftQuery
from curator.store import Store

DEFAULT_URL = "sqlite:////tmp/curator-read-models-bench/curator.db"
T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
SOURCES = 40
WORDS = (
    "harbour council bridge ferry budget election port museum storm workers permit school"
    " hospital river railway housing festival court police mayor energy water library"
).split()
SPEAKERS = [f"Speaker {i:03d}" for i in range(400)]


def _populate(store: Store, drafts: int) -> None:
    rng = random.Random(12)
    sources = [
        Source(id=f"s{i:02d}", url=f"https://s{i:02d}.example/feed", name=f"S{i}", outlet=f"O{i}")
        for i in range(SOURCES)
    ]
    store.sync_sources(sources, now=T0)
    per_source = drafts // SOURCES
    save: Any = store.save_article  # #11 drops its source argument: either signature works
    takes_source = "source_id" in inspect.signature(save).parameters
    for n, source in enumerate(sources):
        keys = [f"{source.id}-{i}" for i in range(per_source)]
        attempt = FetchAttempt(
            source_id=source.id, started_at=T0, duration=timedelta(0), outcome=FetchOutcome.OK
        )
        entries = [FeedEntry(key=k, link=f"https://{source.id}.example/{k}") for k in keys]
        store.apply_fetch(store.get_source_state(source.id), attempt, entries, now=T0)
        stored = {e.key: e.id for e in store.list_entries(source_id=source.id, limit=per_source)}
        for i, key in enumerate(keys):
            words = rng.sample(WORDS, 6)
            said = [f"the {w} {rng.choice(WORDS)} matters" for w in words[:3]]
            text = " ".join(
                f"{s} said “{q}”." for s, q in zip(rng.sample(SPEAKERS, 3), said, strict=True)
            )
            quotes = []
            for q in said:
                start = text.index(q)
                speaker = text[:start].rsplit(".", 1)[-1].replace(" said “", "").strip()
                quotes.append(
                    Quote(
                        text=q,
                        speaker=speaker or None,
                        speaker_kind=SpeakerKind.PERSON,
                        cue="said",
                        kind=QuoteKind.DIRECT,
                        start=start,
                        end=start + len(q),
                        confidence=0.9,
                    )
                )
            page = PageFetch(
                url=f"https://{source.id}.example/{key}", entry_id=stored[key], body=b"x"
            )
            extraction = Extraction(article=Article(text=text), quotes=tuple(quotes), version="b")
            args = (source.id, page, extraction) if takes_source else (page, extraction)
            article_id = save(*args, now=T0)
            content = DraftContent(
                headline=" ".join(words[:4]).capitalize(),
                summary=f"The {words[4]} and the {words[5]} were discussed.",
                attribution="",
                excerpt=said[0],
                quotes=tuple(DraftQuote(text=q.text, speaker=q.speaker) for q in quotes),
                tags=(words[0],),
            )
            flags = (DraftFlag.BUDGET,) if i % 7 == 0 else ()
            store.create_draft(
                content=content,
                source_id=source.id,
                entry_id=stored[key],
                article_id=article_id,
                story_url=f"https://{source.id}.example/{key}",
                flags=flags,
                now=T0 + timedelta(hours=n * per_source + i),
            )
        print(f"  {(n + 1) * per_source} drafts", flush=True)


def _time(label: str, runs: int, call: Callable[[], object]) -> None:
    call()  # warm the caches once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"{label:<44} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if args.database_url == DEFAULT_URL:
        Path("/tmp/curator-read-models-bench").mkdir(exist_ok=True)
    with Store(args.database_url) as store:
        store.upgrade()
        if store.count_entries() == 0:
            print(f"writing {args.drafts} drafts …", flush=True)
            _populate(store, args.drafts)
        facade = Curator(default_settings(database_url=args.database_url, env={}), store)
        first = facade.draft_queue()
        total = sum(first.counts.values())
        print(f"{total} drafts in {args.database_url}")
        middle = facade.draft_queue(starting_after=first.items[0].draft.id - total // 2)
        some = [item.draft.id for item in middle.items]
        runs = args.runs
        _time("queue: first page (50)", runs, facade.draft_queue)
        _time(
            "queue: a page in the middle",
            runs,
            lambda: facade.draft_queue(starting_after=middle.next_after),
        )
        _time(
            "queue: state new",
            runs,
            lambda: facade.draft_queue(DraftQuery(states=(DraftState.NEW,))),
        )
        _time(
            "queue: flag budget",
            runs,
            lambda: facade.draft_queue(DraftQuery(flags=(DraftFlag.BUDGET,))),
        )
        _time(
            "queue: tag + source",
            runs,
            lambda: facade.draft_queue(DraftQuery(tags=("ferry",), source_ids=("s03",))),
        )
        _time("queue: speaker", runs, lambda: facade.draft_queue(DraftQuery(speaker="Speaker 123")))
        _time("search: one word", runs, lambda: facade.draft_queue(DraftQuery(search="ferry")))
        _time(
            "search: two words, a prefix",
            runs,
            lambda: facade.draft_queue(DraftQuery(search="harbour bri")),
        )
        _time(
            "search: a speaker + state",
            runs,
            lambda: facade.draft_queue(DraftQuery(search="speaker 042", states=(DraftState.NEW,))),
        )
        _time("draft page", runs, lambda: facade.draft_page(random.choice(some)))
        _time("voices (all time)", runs, facade.voices)
        _time(
            "voices (one source, a month)",
            runs,
            lambda: facade.voices(source_id="s05", since=T0, until=T0 + timedelta(days=30)),
        )
        _time("speaker quotes", runs, lambda: facade.speaker_quotes("Speaker 123"))
        _time("source health (all)", runs, facade.source_health)


if __name__ == "__main__":
    main()
