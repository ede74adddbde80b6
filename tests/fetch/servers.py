"""Real HTTP servers on 127.0.0.1 for fetch tests: no mocks, no internet.

- `FeedServer`: a `ThreadingHTTPServer` whose paths map to a `Reply` or to a function
  of the request; it records requests and the most requests it served at once.
- `RawServer`: a bare socket server running one function per connection, for what
  an HTTP server will not do (drip a byte a second, reset the connection).
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Self

HOST = "127.0.0.1"


def rss(title: str = "Test feed", entries: int = 3, base: str = "http://example.org") -> bytes:
    """A small valid RSS 2.0 document with `entries` items."""
    items = "".join(
        f"<item><title>Entry {i}</title><link>{base}/{i}.html</link>"
        f"<guid>{base}/guid/{i}</guid>"
        f"<pubDate>Tue, 0{i % 9 + 1} Jan 2024 10:00:00 GMT</pubDate>"
        f"<description>Body of entry {i}</description></item>"
        for i in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>{base}/</link><description>d</description>"
        f"{items}</channel></rss>\n"
    ).encode()


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it (header names lowercased)."""

    path: str
    headers: dict[str, str]
    peer: tuple[str, int] = ("", 0)  # the client's address: one per connection


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


Route = Reply | Callable[[Seen], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up early (timeouts, cancelled fetches) are expected


class FeedServer:
    """``with FeedServer({"/feed.xml": Reply(body=rss())}) as server: server.url("/feed.xml")``."""

    def __init__(self, routes: Mapping[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Seen] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._httpd = _QuietServer((HOST, 0), self._handler_class())
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return self.base_url + path

    def paths(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.requests]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _answer(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            route = self.routes.get(seen.path.split("?")[0])
            if route is None:
                return Reply(404, b"not found")
            reply = route if isinstance(route, Reply) else route(seen)
            if reply.delay:
                time.sleep(reply.delay)
            return reply
        finally:
            with self._lock:
                self.active -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = Seen(self.path, headers, self.client_address[:2])
                reply = server._answer(seen)
                if "Date" in reply.headers:  # the test's own Date (e.g. to pin Expires)
                    self.send_response_only(reply.status)
                else:
                    self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.status not in (204, 304):
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status not in (204, 304):
                    self.wfile.write(reply.body)

        return Handler


class RawServer:
    """Runs ``behaviour(connection, stop_event)`` in a thread for each connection."""

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]) -> None:
        self._behaviour = behaviour
        self._stop = threading.Event()
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._behaviour(conn, self._stop)
            except OSError:
                pass  # the client went away: expected in these tests


def read_request(conn: socket.socket) -> bytes:
    """Read up to the end of the request headers."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drip(conn: socket.socket, stop: threading.Event) -> None:
    """Send headers promising 1000 bytes, then one byte a second."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n")
    conn.sendall(b"Content-Length: 1000\r\n\r\n<")
    while not stop.wait(1.0):
        conn.sendall(b" ")


def reset(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then close with RST instead of FIN."""
    read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def unused_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


class Unresponsive:
    """A port that accepts no connection: its backlog is full, so SYNs are dropped."""

    def __init__(self) -> None:
        self._listener = socket.create_server((HOST, 0), backlog=0)
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._fillers: list[socket.socket] = []

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> Self:
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex((HOST, self.port))
            self._fillers.append(filler)
        time.sleep(0.05)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for filler in self._fillers:
            filler.close()
        self._listener.close()


# --- article pages and the SSRF guard (#4) ------------------------------------------------


class BoundFeedServer(FeedServer):
    """A `FeedServer` on another loopback address: ``127.0.0.2`` or ``::1``."""

    def __init__(self, host: str, routes: Mapping[str, Route] | None = None) -> None:
        super().__init__(routes)
        self._httpd.server_close()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(_QuietServer):
            address_family = family

        self._httpd = Server((host, 0), self._handler_class())
        self.port = self._httpd.server_address[1]
        self.base_url = (
            f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )


def can_bind(host: str) -> bool:
    """Whether this machine has the loopback address ``host`` (IPv6 may be off)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family) as sock:
            sock.bind((host, 0))
    except OSError:
        return False
    return True


class TlsFeedServer(FeedServer):
    """A `FeedServer` speaking HTTPS with ``certfile``; records the SNI names it was sent."""

    def __init__(
        self, certfile: str, keyfile: str, routes: Mapping[str, Route] | None = None
    ) -> None:
        super().__init__(routes)
        self.server_names: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)

        def record(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, ctx: object) -> None:
            self.server_names.append(name)

        context.sni_callback = record
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.base_url = f"https://localhost:{self.port}"


def html(title: str = "A page", text: str = "Some words.") -> bytes:
    """A small HTML article page."""
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
    ).encode()
