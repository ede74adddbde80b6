"""`curator web` as a real subprocess on a free loopback port, for tests and benches.

    from webserver import running_web

    with running_web(database_url=url, data_dir=tmp_path) as server:
        with closing(server.client()) as client:  # an httpx.Client, logged in
            page = client.get("/")

`running_web` migrates the database (`curator db upgrade`) unless told not to, adds the
user (`curator users add --password-stdin`), starts `curator web --port N`, waits for
``/healthz`` and stops the server (SIGTERM, then SIGKILL) on exit. Its stderr is kept in
``<data dir>/web-<port>.log`` and shown when it fails to start.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_USER = "editor"
DEFAULT_PASSWORD = "correct horse battery staple"
START_DEADLINE = 60.0  # seconds to wait for /healthz (a loaded CI machine is slow)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def curator_command(*args: str) -> list[str]:
    """`python -m curator ARGS` with this interpreter (the checkout's .venv)."""
    return [sys.executable, "-m", "curator", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def csrf_token(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = _CSRF.search(html)
    if found is None:
        raise AssertionError("no csrf_token in the page")
    return found.group(1)


def login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    """Log ``client`` in (GET /login for the token, POST /login); returns the POST's answer
    (303 on success, 401 on a wrong password, 429 when throttled)."""
    page = client.get("/login")
    page.raise_for_status()
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )


@dataclass
class WebServer:
    url: str  # http://127.0.0.1:PORT
    port: int
    user: str
    password: str
    database_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self, *, logged_in: bool = True) -> httpx.Client:
        """An httpx client on this server (cookies kept), logged in as ``user``; close it
        (``with contextlib.closing(server.client()) as client:``)."""
        client = httpx.Client(base_url=self.url, timeout=30)
        if logged_in:
            answer = login(client, self.user, self.password)
            if answer.status_code != 303:
                client.close()
                raise AssertionError(f"login failed: {answer.status_code} {answer.text[:200]}")
        return client

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_curator(
    args: Sequence[str], *, env: dict[str, str], input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        curator_command(*args),
        input=input_text,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"curator {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


def curator_env(database_url: str, data_dir: Path, sources: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["CURATOR_DATABASE_URL"] = database_url
    env["CURATOR_DATA_DIR"] = str(data_dir)
    if sources is None:
        sources = data_dir / "sources.yaml"
        if not sources.exists():
            sources.write_text("sources: []\n", encoding="utf-8")
    env["CURATOR_SOURCES"] = str(sources)
    return env


@contextmanager
def running_web(
    *,
    database_url: str,
    data_dir: Path,
    sources: Path | None = None,
    user: str | None = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    upgrade: bool = True,
    extra_args: Sequence[str] = (),
    port: int | None = None,
) -> Iterator[WebServer]:
    """`curator web` on ``database_url`` (with ``sources``, default an empty sources.yaml
    in ``data_dir``); ``user`` (unless None) is added with ``password`` first."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = curator_env(database_url, data_dir, sources)
    if upgrade:
        run_curator(["db", "upgrade"], env=env)
    if user is not None:
        run_curator(["users", "add", user, "--password-stdin"], env=env, input_text=password + "\n")
    port = port or free_port()
    log_path = data_dir / f"web-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            curator_command("web", "--port", str(port), *extra_args),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    server = WebServer(
        url=f"http://127.0.0.1:{port}",
        port=port,
        user=user or "",
        password=password,
        database_url=database_url,
        data_dir=data_dir,
        process=process,
        log_path=log_path,
    )
    try:
        _wait_until_up(server)
        yield server
    finally:
        server.stop()


def _wait_until_up(server: WebServer) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while True:
        if server.process.poll() is not None:
            raise AssertionError(f"curator web exited {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(
                f"curator web did not answer in {START_DEADLINE} s:\n{server.log()}"
            )
        time.sleep(0.1)
