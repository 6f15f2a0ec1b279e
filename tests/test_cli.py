"""CLI contract: --help everywhere, usage errors exit 2 in one line, registry errors list names."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fpga_prune import cli

SCRIPT = shutil.which("fpga-prune")


def test_console_script_is_installed():
    assert SCRIPT is not None, "the fpga-prune entry point is not on PATH"


def test_top_level_help_lists_every_command():
    proc = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for name in cli.COMMANDS:
        assert name in proc.stdout


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: fpga-prune {name}")
    assert "--json" in out


def test_unknown_command_is_a_one_line_usage_error():
    proc = subprocess.run([SCRIPT, "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "invalid choice: 'frobnicate'" in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_registry_error_lists_valid_names():
    with pytest.raises(
        KeyError, match="valid: boards, calibrate, data, estimate, generate, prune, run, sweep, train, verify"
    ):
        cli.load_command("nope")


def test_run_options_become_a_typed_config_without_argparse_in_the_library(bybit_csv, tmp_path):
    from fpga_prune.boards import Board
    from fpga_prune.cli.run_options import config_from_args
    from fpga_prune.data import CandleSource

    args = cli.build_parser(only="run").parse_args(
        [
            "run",
            "--board",
            "pynq-z2",
            "--data",
            str(bybit_csv),
            "--out",
            str(tmp_path / "r"),
            "--allow-gaps",
            "--force",
            "prune",
            "--until",
            "generate",
        ]
    )
    cfg = config_from_args(args)
    assert cfg.source == CandleSource(data=bybit_csv, allow_gaps=True)
    assert len(cfg.boards) == 1 and isinstance(cfg.boards[0], Board) and cfg.boards[0].name == "pynq-z2"
    assert cfg.force == frozenset({"prune"}) and cfg.wants("generate") and not cfg.wants("verify")
    # the data package and the flow are usable without the command line
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, fpga_prune.data, fpga_prune.flow.run; print('argparse' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout.strip() == "False"


def test_run_and_sweep_clock_builds_every_board_at_that_period(bybit_csv, tmp_path):
    from fpga_prune.cli.run_options import config_from_args
    from fpga_prune.flow.grid import make_grid
    from fpga_prune.flow.run import layouts
    from fpga_prune.flow.sweep import expand

    common = ["--data", str(bybit_csv), "--out", str(tmp_path / "r")]
    plain = config_from_args(cli.build_parser(only="run").parse_args(["run", "--board", "pynq-z2", *common]))
    args = cli.build_parser(only="run").parse_args(["run", "--board", "pynq-z2", *common, "--clock", "3.33"])
    cfg = config_from_args(args)
    assert cfg.clock_ns == 3.33 and plain.clock_ns is None
    assert layouts(plain)[0].board.clock_period_ns == 10.0  # pynq-z2's own
    assert layouts(cfg)[0].board.clock_period_ns == 3.33 and layouts(cfg)[0].board.name == "pynq-z2"
    assert cfg.settings()["clock_ns"] == 3.33 and "clock_ns" not in plain.settings()
    # a sweep's points keep the clock: each board of the grid at 3.33 ns
    sargs = cli.build_parser(only="sweep").parse_args(["sweep", *common, "--clock", "3.33"])
    base = config_from_args(sargs)
    points = expand(make_grid({"board": ["pynq-z2", "zcu104"]}, "--board"), base, tmp_path / "s")
    assert [layouts(p.cfg)[0].board.clock_period_ns for p in points] == [3.33, 3.33]


@pytest.mark.slow
def test_prune_clock_prices_and_records_the_design_at_that_period(trained_model, bybit_csv, tmp_path):
    import json

    out = tmp_path / "p"
    argv = ["prune", "--model", str(trained_model), "--board", "pynq-z2", "--data", str(bybit_csv)]
    assert cli.main([*argv, "--out", str(out), "--clock", "4", "--quiet"]) == 0
    budget = json.loads((out / "budget.json").read_text())
    assert budget["clock_period_ns"] == 4.0  # pynq-z2's own is 10 ns
    assert budget["latency_ns"] == budget["latency_cycles"] * 4.0
    assert json.loads((out / "hls_config.json").read_text())["clock_period_ns"] == 4.0  # what generate builds at


def test_candle_source_errors_name_the_option(tmp_path):
    from fpga_prune.data import CandleSource
    from fpga_prune.errors import InputError

    with pytest.raises(InputError, match="give either --data FILE or --symbol"):
        CandleSource(data=tmp_path / "x.csv", symbol="BTCUSDT").validate()
    with pytest.raises(InputError, match="--start: only applies to --symbol"):
        CandleSource(data=tmp_path / "x.csv", start="2025-01-01").validate()
    with pytest.raises(InputError, match="--interval: required with --symbol"):
        CandleSource(symbol="BTCUSDT", start="2025-01-01").validate()
