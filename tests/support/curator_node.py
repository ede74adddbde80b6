"""One curator task worker (a "node") on PostgreSQL, for the multi-node tests and bench.

    python tests/support/curator_node.py --sources S --database-url URL [--tick 1] ...

Runs `Curator.run_worker` until SIGTERM/SIGINT (then the running jobs finish). Logs go
to stderr; "retrying stalled job" lines say which jobs it took over from a dead node.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import timedelta

from curator import make_curator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--node", default=None)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--tick", type=float, default=1.0, help="seconds")
    parser.add_argument("--heartbeat", type=float, default=10.0, help="seconds")
    parser.add_argument("--stalled-after", type=float, default=30.0, help="seconds")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    logging.getLogger("procrastinate").setLevel(logging.WARNING)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        with make_curator(sources_path=args.sources, database_url=args.database_url) as facade:
            await facade.run_worker(
                concurrency=args.concurrency,
                stop=stop,
                node=args.node,
                tick=timedelta(seconds=args.tick),
                heartbeat=timedelta(seconds=args.heartbeat),
                stalled_after=timedelta(seconds=args.stalled_after),
            )

    asyncio.run(run())


if __name__ == "__main__":
    main()
