"""How the xdist workers of one test session know of each other (the conftest hooks write, tests wait).

Each worker leaves a file named after itself in ``$FPGA_PRUNE_TEST_DONE_DIR`` (made by the controller
before the workers start) when its share of the suite is done.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: the environment variable naming the directory of done-files
DONE_DIR = "FPGA_PRUNE_TEST_DONE_DIR"


def other_workers_done(limit_s: float = 900.0) -> None:
    """Wait until every other xdist worker has finished its share of the suite (at most ``limit_s``).

    Why: a test that starts a cluster of its own (test_sweep's two Ray nodes) needs the machine's cores;
    beside a worker compiling C++ and training models, Ray's second node failed to join in 2 of 3 CI
    runs.  xdist hands out test_sweep.py last (``LAST``), so the wait is the other worker's tail.
    """
    worker, done = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get(DONE_DIR)
    if not worker or not done:
        return
    others = {f"gw{i}" for i in range(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))} - {worker}
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and not all(Path(done, o).exists() for o in others):
        time.sleep(1)
