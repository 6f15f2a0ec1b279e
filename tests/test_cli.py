"""CLI contract: --help everywhere, usage errors exit 2 in one line, registry errors list names."""

from __future__ import annotations

import shutil
import subprocess

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
    with pytest.raises(KeyError, match="valid: boards, data, generate, prune, run, sweep, train, verify"):
        cli._load("nope")
