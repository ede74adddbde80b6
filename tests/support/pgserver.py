"""Start and stop a throwaway PostgreSQL server on a private socket dir and port.

Stdlib only, so `.ci/run` can use it before the venv exists:

    python3 tests/support/pgserver.py start DIR   # prints the SQLAlchemy URL
    python3 tests/support/pgserver.py stop DIR

As root, initdb refuses to run, so the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path


def find_bindir() -> Path | None:
    """The folder holding initdb/pg_ctl, from PATH or Debian's versioned folders."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as(user: str | None, argv: list[str]) -> None:
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")


def start(base: Path) -> str:
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    user: str | None = None
    base.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = "postgres"
        pw = pwd.getpwnam(user)
        # The postgres user must be able to reach the folder (mkdtemp makes 0700 parents).
        for folder in (base, *base.parents):
            if folder.stat().st_mode & 0o005 != 0o005:
                os.chmod(folder, folder.stat().st_mode | 0o005)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    datadir = base / "data"
    port = _free_port()
    _run_as(
        user,
        [str(bindir / "initdb"), "-D", str(datadir), "-U", "curator", "--auth=trust", "-E", "UTF8"],
    )
    options = f"-k {base} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run_as(
        user,
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
    )
    (base / "port").write_text(str(port))
    _run_as(
        user,
        [
            str(bindir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "curator",
            "curator_test",
        ],
    )
    return f"postgresql+psycopg://curator@127.0.0.1:{port}/curator_test"


def stop(base: Path) -> None:
    bindir = find_bindir()
    datadir = base / "data"
    if bindir is None or not datadir.exists():
        return
    user = "postgres" if os.geteuid() == 0 else None
    _run_as(user, [str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"])


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(folder))
    elif command == "stop":
        stop(folder)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop DIR")
