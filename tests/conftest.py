"""Shared fixtures and the suite's two tiers.

Candles: the built-in sample of real Bybit candles that ships in the package
(``fpga_prune.data``'s ``sample:btcusdt-5m``), so the suite runs in a bare
clone; ``FPGA_PRUNE_DATA`` (a CSV file or a directory of them) overrides it.

Tiers (``tests/tiers.py``): tests marked ``calibration`` read other people's
public hls4ml designs, which stay outside the repository; where that set is
absent they are reported as not run, with how to point at one.

Under pytest-xdist each worker builds the session fixtures it needs in its own
temporary directories; nothing is shared between workers but read-only files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import fpga_prune  # noqa: F401  (selects legacy Keras before any test imports TF)
import tiers

REPO = Path(__file__).resolve().parents[1]


#: test files by their cost on 2 cores, heaviest first (``--durations`` in CI shows them): xdist hands out
#: whole files in collection order, so the long ones start first and the short ones fill in around them
#: (longest-processing-time-first); otherwise the alphabetically late test_run/test_sweep/test_verify form
#: the tail of the run
HEAVY_FIRST = (
    "test_run.py",
    "test_sweep.py",
    "test_kernel.py",
    "test_keras_env.py",
    "test_axis.py",
    "test_fuzz_bitexact.py",
    "test_verify.py",
    "test_golden.py",
    "test_emulate_hls.py",
    "test_verify_foreign.py",
    "test_axil.py",
    "test_wrapped_mm.py",
    "test_fit.py",
    "test_hgq.py",
)


#: files that need da4ml's solver go after the heavy ones: ``.ci/setup`` compiles it beside the first minutes of
#: the tests (about 3 minutes of one busy core), and a test that needs it sooner waits idle for its lock
AFTER_SOLVER = ("test_objective.py", "test_da.py")


#: files that go last: test_yosys's synthesis runs YoWASP's yosys, whose first run compiles it (about 90 s of
#: CPU); ``.ci/setup`` compiles it in the background beside the install, so it is cached by then
LAST: tuple[str, ...] = ("test_yosys.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    n = len(HEAVY_FIRST) + len(AFTER_SOLVER)
    rank = {name: i for i, name in enumerate(HEAVY_FIRST + AFTER_SOLVER)} | {name: n + 1 for name in LAST}
    items.sort(key=lambda item: rank.get(item.path.name, n))  # stable: a file keeps its order
    if tiers.CALIBRATION is not None:
        return
    skip = pytest.mark.skip(reason=tiers.ABSENT)
    for item in items:
        if item.get_closest_marker("calibration") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if tiers.CALIBRATION is not None:
        return
    n = sum(1 for r in terminalreporter.stats.get("skipped", ()) if tiers.ABSENT in str(r.longrepr))
    if n:
        terminalreporter.write_sep("-", f"calibration tier: {n} tests not run: the calibration set is absent")
        terminalreporter.write_line(
            "to run them: FPGA_PRUNE_CALIBRATION=/path/to/vitis-calibration python -m pytest -q -m calibration"
        )


@pytest.fixture(scope="session")
def bybit_csv() -> Path:
    """Real BTCUSDT 5-minute candles: ``$FPGA_PRUNE_DATA``, else the package's built-in sample."""
    if os.environ.get("FPGA_PRUNE_DATA"):
        from fpga_prune.data import shared_csv

        return shared_csv(REPO)
    from fpga_prune.data import sample_path

    return sample_path("btcusdt-5m")


def _cli_ok(*args: str) -> None:
    """Run one ``fpga-prune`` command in-process; the fixtures below need it to succeed."""
    from fpga_prune import cli

    assert cli.main([*args, "--quiet"]) == 0


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """A dense MLP bundle trained on the built-in sample: a copy of the committed golden model, which this
    project's own ``train`` made (tests/golden/README.md), so no worker spends time training it again;
    training itself is tested in test_model.py and test_run.py."""
    out = tmp_path_factory.mktemp("trained") / "model"
    shutil.copytree(REPO / "tests" / "golden" / "model", out)
    return out


@pytest.fixture(scope="session")
def pruned_pynq(tmp_path_factory, bybit_csv, trained_model) -> Path:
    """``trained_model`` pruned to fit the PYNQ-Z2 (the product's main path)."""
    out = tmp_path_factory.mktemp("pruned") / "pynq-z2"
    _cli_ok("prune", "--model", str(trained_model), "--board", "pynq-z2", "--out", str(out), "--data", str(bybit_csv))
    return out


@pytest.fixture(scope="session")
def project_pynq(tmp_path_factory, bybit_csv, pruned_pynq) -> Path:
    """The Vitis HLS project generated for ``pruned_pynq`` (C simulation checked): the bare IP (``--interface
    none``), whose checks the verify tests count; the AXI-Stream wrapper's are test_axis.py's."""
    out = tmp_path_factory.mktemp("project") / "pynq-z2"
    _cli_ok(
        "generate",
        "--model",
        str(pruned_pynq),
        "--board",
        "pynq-z2",
        "--out",
        str(out),
        "--data",
        str(bybit_csv),
        "--vectors",
        "500",
        "--interface",
        "none",
    )
    return out
