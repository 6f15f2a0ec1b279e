"""``fpga-prune estimate DIR``: resources and latency of a pruned model or any hls4ml project, with bands.

DIR is either a model directory written by ``fpga-prune prune``/``train`` (the
network is rebuilt from the Keras model and ``hls_config.json``) or an hls4ml
output directory (read from its firmware by ``fpga_prune.hls.project``; no
Keras model needed).  The part, clock and clock uncertainty come from the
project unless ``--board``/``--part``/``--clock`` say otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fpga_prune.errors import InputError

HELP = "estimate resources and latency (with error bands) of a pruned model or any hls4ml project"

_COLUMNS = (
    ("dsp", "DSP"),
    ("bram18k", "BRAM_18K"),
    ("uram", "URAM"),
    ("lut", "LUT"),
    ("ff", "FF"),
    ("latency_cycles", "latency"),
    ("interval_cycles", "II"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fpga_prune.cli.prune import add_clock_argument  # noqa: PLC0415
    from fpga_prune.estimate.tools import DEFAULT_HLS_TOOL, HLS_TOOLS  # noqa: PLC0415

    parser.add_argument("dir", type=Path, help="pruned model directory or hls4ml project directory")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--board", help="board name or board .yaml (default: the project's part)")
    where.add_argument("--part", help="FPGA part, e.g. xcu250-figd2104-2L-e (default: the project's part)")
    parser.add_argument(
        "--hls-tool",
        metavar="T",
        help=f"HLS tool that builds it, e.g. {', '.join(HLS_TOOLS[:3])} "
        f"(default: from the project's reports, else {DEFAULT_HLS_TOOL})",
    )
    parser.add_argument("--confidence", type=float, default=0.9, help="two-sided confidence of the bands (0.9)")
    parser.add_argument("--calibration", type=Path, metavar="FILE", help="constants fitted by `fpga-prune calibrate`")
    add_clock_argument(parser, "the project's, else the board's")


def _load(args: argparse.Namespace):
    """(network, board, options, source description, (the project's wrapper top, io type, top glue)) for DIR."""
    from fpga_prune.boards import at_clock, board_for_part, load_board  # noqa: PLC0415
    from fpga_prune.cli.prune import clock_from_args  # noqa: PLC0415
    from fpga_prune.estimate.bands import Calibration  # noqa: PLC0415
    from fpga_prune.estimate.core import EstimateOptions  # noqa: PLC0415

    d: Path = args.dir
    given_clock = clock_from_args(args)
    cal = Calibration.read(args.calibration) if args.calibration else None
    if not d.is_dir():
        raise InputError(d, None, "not a directory")
    if (d / "firmware").is_dir() or (d / "design.json").is_file():
        from fpga_prune.hls.project import read_project  # noqa: PLC0415

        prj = read_project(d)
        clock = given_clock or prj.clock_period_ns
        opts = prj.estimate_options(args.hls_tool, clock_ns=clock, confidence=args.confidence, calibration=cal)
        if args.board:
            board = load_board(args.board)
        else:
            part = args.part or prj.part
            if not part:
                raise InputError(d, "part", "the project names no FPGA part; give --part or --board")
            board = board_for_part(part, clock)
        io = ", io_stream" if prj.io_type == "io_stream" else ""
        src = f"hls4ml project ({prj.source}{io})"
        return prj.network, at_clock(board, clock), opts, src, (prj.wrapper, prj.io_type, prj.glue)
    from fpga_prune import _keras_env  # noqa: PLC0415
    from fpga_prune.flow.bundles import check_model_dir, load_pruned  # noqa: PLC0415

    check_model_dir(d)
    _keras_env.import_tensorflow_quietly()  # a Keras bundle: the one estimate that needs TensorFlow
    from fpga_prune.hls.adapter import network_from_keras  # noqa: PLC0415

    pruned = load_pruned(d)
    opts = EstimateOptions(
        hls_tool=args.hls_tool or EstimateOptions().hls_tool, confidence=args.confidence, calibration=cal
    )
    if args.board:
        board = load_board(args.board)
    elif args.part:
        board = board_for_part(args.part, pruned.settings.clock_period_ns)
    elif pruned.budget and pruned.budget.get("board"):
        board = load_board(str(pruned.budget["board"]))
    else:
        board = board_for_part(pruned.settings.part, pruned.settings.clock_period_ns)
    net = network_from_keras(pruned.bundle.model, pruned.settings)
    return net, at_clock(board, given_clock), opts, "pruned model", (None, "io_parallel", None)


def _cell(value: int, band: tuple[int, int] | None) -> str:
    return f"{value}" if band is None or band == (value, value) else f"{value} [{band[0]}-{band[1]}]"


def run(args: argparse.Namespace) -> int:
    from fpga_prune.cli.app import emit  # noqa: PLC0415
    from fpga_prune.estimate.core import estimate  # noqa: PLC0415

    network, board, opts, source, (wrapper, io_type, glue) = _load(args)
    est = estimate(network, board, opts)
    known = board.lut > 0
    payload = est.to_dict(board if known else None)
    payload.update({"source": source, "dir": str(args.dir), "part": board.part, "device_resources_known": known})
    rows = [("layer", "kind") + tuple(h for _, h in _COLUMNS)]
    for le in est.layers:
        b = est.bounds(le)
        rows.append(
            (
                le.name,
                le.kind if le.kind == "dense" else le.strategy,
                *(_cell(getattr(le, k, 0), b.get(k)) for k, _ in _COLUMNS),
            )
        )
    b = est.bounds()
    rows.append(("total", "", *(_cell(getattr(est, k), b.get(k)) for k, _ in _COLUMNS)))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = [
        f"{network.name}: {source}, {board.part} at {board.clock_period_ns:g} ns, {opts.hls_tool}; "
        f"[lower-upper] at {opts.confidence:.0%} confidence"
    ]
    lines += [
        "  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in rows
    ]
    if known:
        util = est.utilization(board)
        lines.append("utilization: " + ", ".join(f"{k} {v:.1%}" for k, v in util.items()))
    if "band_note" in payload:
        lines.append(f"note: {payload['band_note']}")
    if wrapper is not None:
        cost = wrapper.estimate(network, io_type, board, opts)
        payload["wrapper"] = {**wrapper.to_dict(), "note": wrapper.describe(io_type, cost)}
        if cost is not None:
            payload["wrapper"]["estimate"] = cost.to_dict()
        lines.append(f"note: {wrapper.describe(io_type, cost)}")
    if glue is not None:
        payload["glue"] = {**glue.to_dict(), "note": glue.describe()}
        lines.append(f"note: {glue.describe()}")
    emit(args, payload, "\n".join(lines))
    return 0
