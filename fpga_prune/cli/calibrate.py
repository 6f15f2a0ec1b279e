"""``fpga-prune calibrate REPORT_DIRS... --out cal.json``: fit the estimator's corrections to your own reports.

Each REPORT_DIR is an hls4ml project that was synthesized (its firmware plus
``<prj>/solution1/syn/report/<top>_csynth.rpt`` or ``csynth.xml``).  The file
written holds, per HLS tool family, LUT/FF factors and a latency offset (the
median over your designs) and your designs' leave-one-out ratios, which then
give the error bands; pass it to ``fpga-prune estimate --calibration``.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

HELP = "fit the estimator's corrections to csynth reports of your hls4ml projects"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dirs", type=Path, nargs="+", metavar="REPORT_DIR", help="synthesized hls4ml project directory")
    parser.add_argument("--out", type=Path, required=True, help="calibration JSON to write")


def run(args: argparse.Namespace) -> int:
    from fpga_prune.cli.app import emit  # noqa: PLC0415
    from fpga_prune.errors import InputError  # noqa: PLC0415
    from fpga_prune.hls.calibration import calibrate, leave_one_out, observe  # noqa: PLC0415
    from fpga_prune.outdir import write_bytes_atomic  # noqa: PLC0415

    if args.out.exists() and args.out.is_dir():
        raise InputError(args.out, None, "is a directory; --out names the calibration JSON file")
    cal = calibrate(args.dirs)
    write_bytes_atomic(args.out, cal.to_json().encode())
    errors = {}
    for _design, real, pred in leave_one_out([observe(d) for d in args.dirs]):
        for q in ("dsp", "lut", "ff", "latency_cycles"):
            if real[q]:
                errors.setdefault(q, []).append(abs(pred[q] / real[q] - 1))
    summary = {q: round(statistics.median(v), 3) for q, v in errors.items()}
    payload = {
        "out": str(args.out),
        "designs": list(cal.designs),
        "rules": [{"tool_family": f, "rule": k, "value": v} for f, k, v in cal.rules],
        "leave_one_out_median_abs_err": summary,
    }
    text = [f"calibrated on {len(cal.designs)} designs -> {args.out}"]
    text += [f"  {f}: {k} = {v}" for f, k, v in cal.rules]
    text.append("  leave-one-out median |estimate/real - 1|: " + ", ".join(f"{q} {v:.3f}" for q, v in summary.items()))
    emit(args, payload, "\n".join(text))
    return 0
