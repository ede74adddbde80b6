"""Hostile input (#10): what a feed, a page, a redirect or a file can do to curator.

Every case is the real `curator` command against real loopback servers (no mocks).
Compression bombs are measured, not timed: the peak resident memory of the curator
process (``os.wait4``) must stay within a small multiple of ``fetch.max_bytes``,
where a 2 GiB bomb used to take 4.3 GB.

The fetch/input half of the issue; the publish and terminal half is tested in
tests/publish/ and tests/test_terminal_escapes.py.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
from fetch.servers import FeedServer
from fetch.servers import Reply
from fetch.servers import rss

from curator import make_curator
from curator.config import load_settings
from curator.extract.pipeline import extract_page

CURATOR_BIN = Path(sys.executable).parent / "curator"
PAGE = (Path(__file__).resolve().parent / "data" / "pages" / "depot-detentions.html").read_bytes()
MiB = 1024 * 1024
#: fetch.max_bytes in these tests; a bomb run may use at most this much more memory
#: than the same command on a small page (the body, a copy when joined, the pieces).
CAP = 4 * MiB
BOMB_ALLOWANCE = 8 * CAP
HINT = "(a feed's redirects may not reach private networks; see allow_private_networks)"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    env.pop("COLUMNS", None)
    return {**env, **extra}


def run(args: list[str], cwd: Path, timeout: float = 120, **env: str) -> tuple[int, str, str, int]:
    """Run `curator ARGS`; (exit code, stdout, stderr, peak RSS in bytes) of that process.

    A `fetch` is preceded by `db upgrade` in a process of its own (only `db upgrade`
    creates a database), as a user does; its memory is not counted."""
    if "fetch" in args:
        prefix = args[: args.index("fetch")]
        subprocess.run(
            [str(CURATOR_BIN), *prefix, "db", "upgrade"],
            cwd=cwd,
            env=clean_env(**env),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [str(CURATOR_BIN), *args], cwd=cwd, env=clean_env(**env), stdout=out, stderr=err
        )
        deadline = time.monotonic() + timeout
        while True:  # os.wait4, not Popen.wait: it gives the process's resource usage
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise TimeoutError(f"curator {' '.join(args)} took over {timeout}s")
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes there, KiB here
    return process.returncode, stdout, stderr, usage.ru_maxrss * scale


def json_lines(text: str) -> dict[str, dict[str, Any]]:
    lines = [json.loads(line) for line in text.splitlines()]
    return {line.get("source") or line.get("input"): line for line in lines}


def write_sources(folder: Path, sources: dict[str, str], *, articles: bool = True) -> Path:
    """A sources.yaml for loopback servers, with the small cap of these tests."""
    lines = [
        "fetch:",
        "  allow_private_networks: true  # the article pages are on loopback",
        f"  max_bytes: {CAP}",
        "  timeout: 20s",
        "  per_host_concurrency: 8",
        f"defaults: {{fetch_articles: {'true' if articles else 'false'}}}",
        "sources:",
    ]
    for source_id, url in sources.items():
        lines += [f"  - id: {source_id}", f"    url: {url}"]
    path = folder / "sources.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


# --- compression bombs ------------------------------------------------------------------


def make_bomb(coding: str, size: int) -> bytes:
    """``size`` zero bytes compressed, made a MiB at a time (never held whole)."""
    block = bytes(MiB)
    if coding == "br":
        packer = brotli.Compressor(quality=4, lgwin=24)
        return b"".join(packer.process(block) for _ in range(size // MiB)) + packer.finish()
    zpacker = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    return b"".join(zpacker.compress(block) for _ in range(size // MiB)) + zpacker.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """A 2 GiB brotli bomb (about 1.6 kB) and a 1 GiB gzip bomb (about 1 MB, deflate's
    best ratio is ~1000:1); both far under the cap on the wire."""
    made = {"br": make_bomb("br", 2048 * MiB), "gzip": make_bomb("gzip", 1024 * MiB)}
    assert len(made["br"]) < 4000 and len(made["gzip"]) < CAP // 2
    return made


def compressed(coding: str, body: bytes) -> bytes:
    return brotli.compress(body) if coding == "br" else gzip.compress(body)


def article(link: str) -> bytes:
    return rss(entries=1, base="http://unused.example").replace(
        b"http://unused.example/0.html", link.encode()
    )


@pytest.fixture
def served(bombs: dict[str, bytes]) -> Iterator[FeedServer]:
    """Each bomb as a feed and as an HTML page, plus small compressed ones for control."""
    page = PAGE
    routes: dict[str, Reply] = {}
    for coding, bomb in bombs.items():
        encoded = {"Content-Encoding": coding}
        routes[f"/bomb-{coding}.xml"] = Reply(body=bomb, headers=encoded)
        routes[f"/bomb-{coding}.html"] = Reply(
            body=bomb, headers={**encoded, "Content-Type": "text/html"}
        )
        routes[f"/small-{coding}.html"] = Reply(
            body=compressed(coding, page), headers={**encoded, "Content-Type": "text/html"}
        )
        routes[f"/small-{coding}.xml"] = Reply(body=compressed(coding, rss()), headers=encoded)
    with FeedServer(routes) as server:
        for coding in bombs:
            # Feeds whose one entry links to a bomb (or a small page).
            for kind in ("bomb", "small"):
                server.routes[f"/links-{kind}-{coding}.xml"] = Reply(
                    body=article(server.url(f"/{kind}-{coding}.html"))
                )
        yield server


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_fetch_of_a_bomb_feed_and_a_bomb_page_stays_within_the_cap(
    coding: str, served: FeedServer, tmp_path: Path
) -> None:
    control_dir, bomb_dir = tmp_path / "control", tmp_path / "bomb"
    for folder, kind in ((control_dir, "small"), (bomb_dir, "bomb")):
        folder.mkdir()
        write_sources(
            folder,
            {
                "feed": served.url(f"/{kind}-{coding}.xml"),
                "page": served.url(f"/links-{kind}-{coding}.xml"),
            },
        )
    control = run(["fetch", "--json"], control_dir)
    code, out, err, peak = run(["fetch", "--json"], bomb_dir)
    lines = json_lines(out)
    # the control's feed links to pages on hosts that do not exist (exit 1 for those);
    # what matters is that both of its sources were read in full
    small = json_lines(control[1])
    assert small["feed"]["outcome"] == "ok" and small["feed"]["new"] == 3, control[2]
    assert (small["page"]["articles"], small["page"]["article_errors"]) == (1, 0), control[2]
    assert code == 1, err
    assert lines["feed"]["error"] == "response body over 4.2 MB cap"
    assert (lines["page"]["outcome"], lines["page"]["article_errors"]) == ("ok", 1)
    assert peak < control[3] + BOMB_ALLOWANCE, (peak, control[3])


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_extract_of_a_bomb_url_stays_within_the_cap(
    coding: str, served: FeedServer, tmp_path: Path
) -> None:
    write_sources(tmp_path, {})
    control = run(["extract", "--json", served.url(f"/small-{coding}.html")], tmp_path)
    url = served.url(f"/bomb-{coding}.html")
    code, out, err, peak = run(["extract", "--json", url], tmp_path)
    assert control[0] == 0, control[2]
    assert code == 1, err
    assert json_lines(out)[url]["error"] == "response body over 4.2 MB cap"
    assert peak < control[3] + BOMB_ALLOWANCE, (peak, control[3])


def test_extract_of_a_local_gz_bomb_stays_within_the_cap(
    bombs: dict[str, bytes], tmp_path: Path
) -> None:
    write_sources(tmp_path, {})
    (tmp_path / "bomb.html.gz").write_bytes(bombs["gzip"])
    (tmp_path / "small.html.gz").write_bytes(gzip.compress(PAGE))
    control = run(["extract", "--json", "small.html.gz"], tmp_path)
    code, out, err, peak = run(["extract", "--json", "bomb.html.gz"], tmp_path)
    assert control[0] == 0, control[2]
    assert code == 1, err
    assert json_lines(out)["bomb.html.gz"]["error"] == (
        f"file is over the {CAP:,}-byte cap once gunzipped"
    )
    assert peak < control[3] + BOMB_ALLOWANCE, (peak, control[3])


# --- redirects: a feed's and an article page's -----------------------------------------


def test_a_feeds_redirect_to_a_private_address_is_refused(tmp_path: Path) -> None:
    """The feed's own URL is trusted (it is on loopback here); where it redirects is not,
    unless the source says so. (An article page's redirects: tests/fetch/test_ssrf.py,
    where 127.0.0.1 can play a public server.)"""
    with FeedServer({"/inside.xml": Reply(body=rss())}) as inside:
        target = inside.url("/inside.xml")
        with FeedServer({"/feed.xml": Reply(302, headers={"Location": target})}) as server:
            (tmp_path / "sources.yaml").write_text(
                textwrap.dedent(f"""\
                    defaults: {{fetch_articles: false}}
                    sources:
                      - id: moved
                        url: {server.url("/feed.xml")}
                      - id: intranet
                        url: {server.url("/feed.xml?intranet")}
                        allow_private_networks: true
                      - id: metadata
                        url: {server.url("/metadata.xml")}
                    """)
            )
            server.routes["/metadata.xml"] = Reply(
                301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
            )
            code, out, err, _ = run(["fetch", "--json"], tmp_path)
            inside_seen = inside.paths()
    lines = json_lines(out)
    assert code == 1, err
    assert lines["moved"]["error"] == (
        f"redirect to {target}: refused: 127.0.0.1 is a loopback address {HINT}"
    )
    assert lines["metadata"]["error"] == (
        "redirect to http://169.254.169.254/latest/meta-data/: refused: 169.254.169.254"
        f" is the link-local cloud metadata address {HINT}"
    )
    assert (lines["intranet"]["outcome"], lines["intranet"]["new"]) == ("ok", 3)
    assert inside_seen == ["/inside.xml"]  # only the source that allows it got there


# --- configuration and input ------------------------------------------------------------

ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
sources: []
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ALIAS_BOMB, "sources.yaml:5: aliases expand to more than 10,000 values"),
        (
            "defaults:\n  interval: &x 1h\nsources:\n"
            + "".join(
                f"  - {{id: s{i}, url: 'http://e.org/{i}', interval: *x}}\n" for i in range(101)
            ),
            "sources.yaml:104: more than 100 aliases",
        ),
        ("sources:\n  ? [a, b]\n  : 1\n", "sources.yaml:2: a key must be a plain value"),
    ],
    ids=["billion-laughs", "too-many-aliases", "complex-key"],
)
def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "sources.yaml").write_text(text)
    (tmp_path / "feeds.opml").write_text(
        '<opml version="2.0"><body><outline text="x" xmlUrl="https://x.example/feed"/>'
        "</body></opml>"
    )
    # run()'s timeout (30 s) is the guard: it was minutes (and 5 GB)
    check = run(["sources", "check"], tmp_path, timeout=30)
    imported = run(["sources", "import", "feeds.opml"], tmp_path, timeout=30)
    # A child's ru_maxrss starts at this (pytest) process's RSS when it was spawned
    # (Linux keeps the high-water mark across exec), so compare with a control run.
    (tmp_path / "control").mkdir()
    (tmp_path / "control" / "sources.yaml").write_text("sources: []\n")
    control = run(["sources", "check"], tmp_path / "control", timeout=30)
    for code, _, err, peak in (check, imported):
        assert code == 2, err
        assert message in " ".join(err.split()), err
        assert peak < control[3] + 100 * MiB, (peak, control[3])


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite:///file::memory:?cache=shared&uri=true"],
)
def test_an_in_memory_database_is_refused(tmp_path: Path, url: str) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    by_flag = run(["--database-url", url, "status"], tmp_path)
    by_env = run(["fetch"], tmp_path, CURATOR_DATABASE_URL=url)
    for code, _, err, _ in (by_flag, by_env):
        assert code == 2, err
        assert f"{url} is an in-memory SQLite database" in " ".join(err.split())


def test_an_octal_looking_address_is_not_a_valid_url(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources:\n  - id: a\n    url: http://0177.0.0.1/feed\n")
    code, _, err, _ = run(["sources", "check"], tmp_path)
    assert code == 2
    assert (
        "sources.yaml:3: sources[0].url: not a valid URL 'http://0177.0.0.1/feed':"
        " '0177.0.0.1' is not a valid IPv4 address"
    ) in " ".join(err.split())
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    code, out, err, _ = run(["extract", "--json", "http://0177.0.0.1/a.html"], tmp_path)
    assert code == 1, err
    assert json_lines(out)["http://0177.0.0.1/a.html"]["error"] == (
        "not a valid URL: http://0177.0.0.1/a.html (Invalid IPv4 address: '0177.0.0.1')"
    )


def test_entity_bombs_in_article_pages_are_not_expanded() -> None:
    """As in feeds (tests/fetch/test_parse.py): the HTML and XHTML parsers never expand
    entities a page declares."""
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    page = (
        f'<!DOCTYPE html [<!ENTITY lol0 "lol">{laughs}]>'
        "<html><head><title>Laughs &lol9;</title></head><body><article>"
        "<p>“It is fine &lol9;,” said Ada Byron, who then spoke at length.</p>"
        "</article></body></html>"
    ).encode()
    for content_type in ("text/html", "application/xhtml+xml"):  # pytest-timeout guards
        result = extract_page(page, url="https://example.org/a", content_type=content_type)
        assert result.article is not None, result.error
        assert len(result.article.text) < 1000 and "lollol" not in result.article.text


_SMALL_DISK = """
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv(sys.argv[2], sys.argv[2:])
"""


def test_a_full_disk_fails_each_source_with_a_line_and_loses_nothing(tmp_path: Path) -> None:
    """The database cannot grow (RLIMIT_FSIZE: writes fail as on a full disk): each source
    gets one error line, the run goes on, and once there is room again all is stored."""
    body = rss(entries=300)
    routes = {f"/{i}.xml": Reply(body=body.replace(b"Entry", b"E%d" % i)) for i in range(3)}
    with FeedServer(routes) as server:
        write_sources(
            tmp_path, {f"s{i}": server.url(f"/{i}.xml") for i in range(3)}, articles=False
        )
        assert run(["db", "upgrade"], tmp_path)[0] == 0
        size = (tmp_path / "data" / "curator.db").stat().st_size

        full = subprocess.run(
            [sys.executable, "-c", _SMALL_DISK, str(size + 64 * 1024), str(CURATOR_BIN)]
            + ["fetch", "--json"],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        # the failed sources are paused (backoff) until --force: there is room again
        later = run(["fetch", "--json", "--force"], tmp_path)
    lines = json_lines(full.stdout)
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    failed = [line for line in lines.values() if line["outcome"] == "error"]
    assert failed and all(line["error"].startswith("not stored: ") for line in failed)
    assert later[0] == 0, later[2]
    assert sum(line["new"] for line in json_lines(later[1]).values()) == 900 - sum(
        line["new"] for line in lines.values()
    )


def test_fetch_reports_each_source_once_as_soon_as_it_is_done(tmp_path: Path) -> None:
    """`on_done` (what `fetch --json` prints): each source once, with its articles
    counted, right after its last article page is stored, not at the end of the run."""
    with FeedServer({"/a.html": Reply(body=PAGE, headers={"Content-Type": "text/html"})}) as server:
        server.routes |= {
            "/plain.xml": Reply(body=rss()),
            "/none.xml": Reply(body=rss(entries=0)),
            "/pages.xml": Reply(
                body=article(server.url("/a.html")).replace(
                    b"</channel>",
                    f"<item><title>Gone</title><link>{server.url('/gone.html')}</link>"
                    "<guid>gone</guid></item></channel>".encode(),
                )
            ),
        }
        path = write_sources(
            tmp_path, {name: server.url(f"/{name}.xml") for name in ("plain", "none", "pages")}
        )
        path.write_text(
            path.read_text().replace(
                "  - id: plain\n", "  - id: plain\n    fetch_articles: false\n"
            )
        )
        events: list[tuple[str, str, int]] = []
        settings = load_settings(path, data_dir=tmp_path / "data", env={})
        with make_curator(settings, parse_workers=0) as facade:
            facade.upgrade()
            reports = facade.fetch(
                on_article=lambda a: events.append(("article", a.source_id, 0)),
                on_done=lambda r: events.append(
                    ("done", r.source_id, r.articles + r.article_errors)
                ),
            )
    done = [(source, pages) for kind, source, pages in events if kind == "done"]
    assert sorted(done) == [("none", 0), ("pages", 2), ("plain", 0)]
    finals = {r.source_id: r.articles + r.article_errors for r in reports}
    assert dict(done) == finals
    # "pages" is reported after its two article pages, the others before any page
    assert [kind for kind, source, _ in events if source == "pages"] == [
        "article",
        "article",
        "done",
    ]
    first_article = next(i for i, event in enumerate(events) if event[0] == "article")
    assert {source for kind, source, _ in events[:first_article]} == {"plain", "none"}


# --- a killed run ------------------------------------------------------------------------

_SUBREAPER = """
import ctypes, json, os, signal, subprocess, sys, time

# Orphans of the curator process (its parse workers, if it left them) become ours, so
# they can be seen: a zombie the curator did not reap, or a worker still running.
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER

def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append((int(entry), fields[0]))
    return found

mode = sys.argv[1]
curator = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
first = curator.stdout.readline()  # the fast source is done: the slow ones are not
workers = [pid for pid, _ in children(curator.pid)]
killed = None
if mode == "kill-a-worker" and workers:
    os.kill(workers[0], signal.SIGKILL)  # a parse worker dies (the OOM killer, say)
    time.sleep(1.0)
    killed = [state for pid, state in children(curator.pid) if pid == workers[0]]
started = time.monotonic()
curator.send_signal(signal.SIGTERM)
out, err = curator.communicate(timeout=30)
took = time.monotonic() - started
time.sleep(1.0)  # a worker killed by PR_SET_PDEATHSIG would be ours by now
print(json.dumps({
    "first": first.decode(), "rest": out.decode(), "err": err.decode()[-2000:],
    "code": curator.returncode, "took": took, "workers": workers,
    "killed": killed, "left": children(os.getpid()),
}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_CHILD_SUBREAPER is Linux only")
@pytest.mark.parametrize("mode", ["terminate", "kill-a-worker"])
def test_a_terminated_fetch_reported_what_it_did_and_leaves_no_workers(
    tmp_path: Path, mode: str
) -> None:
    """SIGTERM mid-run (kill, systemd, docker stop): the finished source was already
    reported (fetch --json prints each as it finishes), the slow ones are not waited
    for, and every parse worker is reaped by curator, whether it was alive or killed
    before: none is left as a zombie, nor as an orphan for init to reap."""
    routes = {"/fast.xml": Reply(body=rss())}
    routes |= {f"/slow{i}.xml": Reply(body=rss(), delay=8) for i in range(3)}
    with FeedServer(routes) as server:
        slow = {f"slow{i}": server.url(f"/slow{i}.xml") for i in range(3)}
        write_sources(tmp_path, {"fast": server.url("/fast.xml"), **slow}, articles=False)
        assert run(["db", "upgrade"], tmp_path)[0] == 0
        done = subprocess.run(
            [sys.executable, "-c", _SUBREAPER, mode, str(CURATOR_BIN), "fetch", "--json"],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert json.loads(report["first"])["source"] == "fast"
    assert report["rest"] == ""  # the slow feeds (8 s) were not waited for, nor reported
    assert report["code"] != 0
    assert len(report["workers"]) >= 1, report
    if mode == "kill-a-worker":
        assert report["killed"] == [], report  # reaped at once, not left a zombie ("Z")
    assert report["left"] == [], report  # no worker outlived curator
