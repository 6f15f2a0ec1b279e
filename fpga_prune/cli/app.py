"""The ``fpga-prune`` command line: one registry of subcommands over the Python API.

Each subcommand lives in ``fpga_prune.cli.<name>`` and exposes
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Modules are imported only for the subcommand that runs, so ``--help`` and
light commands never pay for TensorFlow.

Exit codes: 0 ok, 1 a check failed, 2 bad input or usage.  Errors are one
line on stderr, never a traceback (set ``FPGA_PRUNE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from fpga_prune import _keras_env
from fpga_prune.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, FpgaPruneError

DESCRIPTION = (
    "Prune a Keras trading model until its hls4ml design fits an AMD/Xilinx board, "
    "generate the Vitis HLS project, and prove it bit for bit."
)

#: subcommands whose parser and usual work need no TensorFlow (everything else imports it quietly first). Why
#: verify, estimate and calibrate: they read hls4ml projects and reports as C++ and text, and importing
#: TensorFlow costs a CI pipeline's verify 7 s of CPU before anything runs; ``estimate`` of a pruned Keras
#: bundle imports it quietly itself.
LIGHT_COMMANDS = frozenset({"data", "boards", "verify", "estimate", "calibrate"})

#: subcommand name -> module under fpga_prune.cli (a plain dict registry)
COMMANDS: dict[str, str] = {
    "data": "data",
    "train": "train",
    "boards": "boards",
    "prune": "prune",
    "generate": "generate",
    "verify": "verify",
    "run": "run",
    "estimate": "estimate",
    "calibrate": "calibrate",
    "sweep": "sweep",
}

_HELP: dict[str, str] = {
    "data": "load, validate and summarize Bybit candles; optionally write a cleaned CSV",
    "train": "train the dense or QKeras trading MLP on candles",
    "boards": "list the boards and their resources",
    "prune": "prune a trained model until its hls4ml design fits a board",
    "generate": "write the Vitis HLS project, RTL and test vectors for a pruned model",
    "verify": "prove bit-accurate model == C simulation == RTL simulation",
    "run": "candles -> train -> prune -> generate -> verify -> report, resumable",
    "estimate": "estimate resources and latency (with error bands) of a pruned model or any hls4ml project",
    "calibrate": "fit the estimator's corrections to csynth reports of your hls4ml projects",
    "sweep": "a grid of runs (boards x targets x seeds x strategies x caps), parallel locally or on a Ray cluster",
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default prints usage + message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"fpga-prune: error: {message} (see {self.prog} --help)\n")


def load_command(name: str):
    if name not in COMMANDS:
        raise KeyError(f"unknown command {name!r}; valid: {', '.join(sorted(COMMANDS))}")
    return importlib.import_module(f"fpga_prune.cli.{COMMANDS[name]}")


def build_parser(only: str | None = None, *, load_all: bool = False) -> argparse.ArgumentParser:
    """The parser with every subcommand; the arguments of ``only`` (or of all,
    with ``load_all``) are loaded.  Why not always all: loading a command's
    arguments imports its module, and some import TensorFlow; top-level help
    and usage errors must stay instant and quiet."""
    parser = _Parser(
        prog="fpga-prune",
        description=DESCRIPTION,
        epilog="Exit codes: 0 ok, 1 a check failed (budget not met, mismatches), 2 bad input or usage.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        p = sub.add_parser(name, help=_HELP.get(name, ""), description=_HELP.get(name, ""))
        # Global flags are also accepted after the subcommand.
        p.add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output on stdout"
        )
        p.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress output")
        if load_all or only == name:
            load_command(name).add_arguments(p)
    return parser


def emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    """Print ``payload`` as JSON with ``--json``, else the human ``text``."""
    if getattr(args, "json", False):
        json.dump(payload, sys.stdout, indent=2, sort_keys=True, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")


def _which(argv: Sequence[str]) -> str | None:
    for token in argv:
        if token in COMMANDS:
            return token
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    which = _which(argv)
    if which is not None and which not in LIGHT_COMMANDS:
        # Before the parser: some commands' options come from modules that import TensorFlow.
        _keras_env.import_tensorflow_quietly()
    parser = build_parser(only=which)
    args = parser.parse_args(argv)
    try:
        return int(load_command(args.command).run(args) or 0)
    except FpgaPruneError as exc:
        if os.environ.get("FPGA_PRUNE_DEBUG"):
            raise
        print(f"fpga-prune: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fpga-prune: interrupted", file=sys.stderr)
        return EXIT_CHECK_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
