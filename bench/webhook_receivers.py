"""How long one webhook target holds `curator publish` (#10): 100 posts against a slow
receiver (answers after --latency seconds), a dripping one (a byte every 0.5 s, never
done) and a hanging one (never answers), on 127.0.0.1.

    .venv/bin/python bench/webhook_receivers.py [--posts 100] [--latency 0.5]

Wall-clock seconds per case, for concurrency 1 and the default; deadline cases use a
short timeout and budget so the bench ends (the figures scale with them).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import threading
import time
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from curator.config import TargetSettings
from curator.model import Post
from curator.publish.webhook import WebhookLimits
from curator.publish.webhook import deliver_webhooks

SECRET = "bench-secret"
ENV = {"CURATOR_WEBHOOK_SECRET": SECRET}


def make_posts(count: int) -> list[Post]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Post(
            draft_id=n,
            slug=f"curator-{n}",
            title=f"Post {n}",
            html="<p>body</p>",
            summary="s",
            source_url="https://example.org/",
            outlet="Outlet",
            published_at=at,
            updated_at=at,
            content_hash=f"h{n}",
        )
        for n in range(1, count + 1)
    ]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def slow_server(latency: float) -> _Server:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(latency)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return _Server(("127.0.0.1", 0), Handler)


def raw_server(drip: bool) -> tuple[socket.socket, threading.Event]:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                if drip:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                    while not stop.wait(0.5):
                        conn.sendall(b" ")
                else:
                    stop.wait()
            except OSError:
                pass

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener, stop


def run(url: str, posts: list[Post], limits: WebhookLimits) -> tuple[float, int]:
    target = TargetSettings(name="hook", type="webhook", options=(("url", url),))
    started = time.perf_counter()
    results = asyncio.run(deliver_webhooks(posts, target=target, env=ENV, limits=limits))
    return time.perf_counter() - started, sum(r.error is None for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    posts = make_posts(args.posts)
    default = WebhookLimits()

    server = slow_server(args.latency)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    for concurrency in (1, default.concurrency):
        seconds, ok = run(url, posts, replace(default, concurrency=concurrency))
        print(
            f"slow receiver ({args.latency}s/post), concurrency {concurrency}: "
            f"{seconds:.1f}s, {ok}/{len(posts)} delivered"
        )
    server.shutdown()

    short = replace(default, timeout=2.0, budget=10.0)
    for name, drip in (("dripping", True), ("hanging", False)):
        listener, stop = raw_server(drip)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        seconds, ok = run(url, posts, short)
        print(
            f"{name} receiver, timeout {short.timeout:g}s, budget {short.budget:g}s: "
            f"{seconds:.1f}s, {ok}/{len(posts)} delivered"
        )
        stop.set()
        listener.close()


if __name__ == "__main__":
    main()
