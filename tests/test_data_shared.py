"""The shared-data lookup that tests and benchmarks use."""

from __future__ import annotations

import pytest

from fpga_prune.data import shared_csv


def test_env_points_at_a_file_or_a_directory(tmp_path, monkeypatch):
    d = tmp_path / "data"
    d.mkdir()
    (d / "b.csv").write_text("x")
    (d / "a.csv").write_text("x")
    monkeypatch.setenv("FPGA_PRUNE_DATA", str(d))
    assert shared_csv(tmp_path / "checkout") == d / "a.csv"  # first by name
    monkeypatch.setenv("FPGA_PRUNE_DATA", str(d / "b.csv"))
    assert shared_csv(tmp_path / "checkout") == d / "b.csv"


def test_default_is_shared_beside_the_checkout(tmp_path, monkeypatch):
    monkeypatch.delenv("FPGA_PRUNE_DATA", raising=False)
    bybit = tmp_path / "shared" / "data" / "bybit"
    bybit.mkdir(parents=True)
    (bybit / "BTCUSDT.csv").write_text("x")
    assert shared_csv(tmp_path / "main") == bybit / "BTCUSDT.csv"
    with pytest.raises(FileNotFoundError, match="set FPGA_PRUNE_DATA"):
        shared_csv(tmp_path / "elsewhere" / "main")


def test_the_real_data_is_found(bybit_csv):
    assert bybit_csv.name == "BTCUSDT-linear-5m-2025-04-03_2025-07-02.csv"
