"""The facade's lazily loaded modules can be first read from several threads at once
(the web desk serves its first requests from several threads): each thread waits for
the whole module, none sees it half-loaded (`importlib.util.LazyLoader` did, on
Python 3.11: AttributeError). In a fresh interpreter, where none is loaded yet."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys, threading
import curator.core as core
reads = {"drafting": "curate", "extraction": "extract_async", "publishing": "publish",
         "reading": "draft_queue", "reviewing": "approve", "users": "verify_login"}
errors = []
start = threading.Barrier(8)

def read():
    start.wait()
    for module, attribute in reads.items():
        try:
            getattr(getattr(core, module), attribute)
        except Exception as e:
            errors.append(f"{module}.{attribute}: {e!r}")

threads = [threading.Thread(target=read) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors, sorted(n for n in reads if f"curator.core.{n}" in sys.modules))
"""


def test_first_reads_from_several_threads_see_whole_modules() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == (
        "[] ['drafting', 'extraction', 'publishing', 'reading', 'reviewing', 'users']"
    )
