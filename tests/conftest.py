"""Shared fixtures: where the real Bybit candles are, and a small slice of them.

The data are never copied into the repository: ``FPGA_PRUNE_DATA`` points at
a directory or CSV file, default ``../shared/data/bybit`` beside the checkout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fpga_prune  # noqa: F401  (selects legacy Keras before any test imports TF)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def bybit_csv() -> Path:
    """The real BTCUSDT 5-minute candles (``$FPGA_PRUNE_DATA`` or ../shared/data/bybit)."""
    from fpga_prune.data import shared_csv

    return shared_csv(REPO)


def _cli_ok(*args: str) -> None:
    """Run one ``fpga-prune`` command in-process; the fixtures below need it to succeed."""
    from fpga_prune import cli

    assert cli.main([*args, "--quiet"]) == 0


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, bybit_csv) -> Path:
    """The default dense MLP trained on the real candles (short training for speed)."""
    out = tmp_path_factory.mktemp("trained") / "model"
    _cli_ok("train", "--data", str(bybit_csv), "--out", str(out), "--epochs", "12",
            "--patience", "3", "--n-boot", "200")
    return out


@pytest.fixture(scope="session")
def pruned_pynq(tmp_path_factory, bybit_csv, trained_model) -> Path:
    """``trained_model`` pruned to fit the PYNQ-Z2 (the product's main path)."""
    out = tmp_path_factory.mktemp("pruned") / "pynq-z2"
    _cli_ok("prune", "--model", str(trained_model), "--board", "pynq-z2", "--out", str(out),
            "--data", str(bybit_csv))
    return out


@pytest.fixture(scope="session")
def project_pynq(tmp_path_factory, bybit_csv, pruned_pynq) -> Path:
    """The Vitis HLS project generated for ``pruned_pynq`` (C simulation checked)."""
    out = tmp_path_factory.mktemp("project") / "pynq-z2"
    _cli_ok("generate", "--model", str(pruned_pynq), "--board", "pynq-z2", "--out", str(out),
            "--data", str(bybit_csv), "--vectors", "1500")
    return out
