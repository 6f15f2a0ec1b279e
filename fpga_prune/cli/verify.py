"""``fpga-prune verify PROJECT``: bit-accurate model == hls4ml C simulation == RTL simulation.

PROJECT is a project ``fpga-prune generate`` wrote, or any hls4ml project
directory with ``--rtl`` pointing at the Verilog Vitis exported from it.

Exit 0 only when every check saw 0 mismatches; 1 otherwise (with the first
mismatches listed); 2 for a bad project or option.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "prove bit-accurate model == C simulation == RTL simulation"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project",
        type=Path,
        help="project directory written by `fpga-prune generate`, or any "
        "hls4ml project directory (its own C simulation is then the reference)",
    )
    parser.add_argument("--sim", default="all", help="verilator, icarus or all (default all)")
    parser.add_argument(
        "--rtl",
        type=Path,
        metavar="DIR",
        help="verify this RTL instead of the project's rtl/ (e.g. Verilog exported by Vitis)",
    )
    parser.add_argument(
        "--ports",
        type=Path,
        metavar="FILE",
        help="port map JSON overriding the ports read from the RTL's top module (see rtl/ports.json)",
    )
    parser.add_argument(
        "--top",
        metavar="NAME",
        help="top module of --rtl (and top function of an hls4ml project); "
        "default: the project's / the one module nothing instantiates",
    )
    parser.add_argument(
        "--vectors",
        type=int,
        metavar="N",
        help="use the first N vectors (default all; for an "
        "hls4ml project: draw N inputs over its input type, default 3000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs drawn for an hls4ml project")
    parser.add_argument("--waves", action="store_true", help="dump VCD (Verilator) / FST (Icarus) waveforms")
    parser.add_argument("--no-csim", action="store_true", help="skip the C simulation (seconds; default on)")


def run(args: argparse.Namespace) -> int:
    from fpga_prune.cli.app import emit  # noqa: PLC0415
    from fpga_prune.errors import EXIT_CHECK_FAILED  # noqa: PLC0415
    from fpga_prune.verify.checks import VerifyOptions, parse_sims  # noqa: PLC0415
    from fpga_prune.verify.project import summary_lines, verify  # noqa: PLC0415

    opts = VerifyOptions(
        sims=parse_sims(args.sim),
        rtl_dir=args.rtl,
        ports=args.ports,
        vectors=args.vectors,
        waves=args.waves,
        csim=not args.no_csim,
        rtl_top=args.top,
        seed=args.seed,
    )
    quiet = getattr(args, "quiet", False) or getattr(args, "json", False)
    result = verify(
        args.project, opts, progress=None if quiet else (lambda m: print(f"[verify] {m}", file=sys.stderr, flush=True))
    )
    emit(args, result.to_dict(), "\n".join(summary_lines(result)))
    return 0 if result.ok else EXIT_CHECK_FAILED
