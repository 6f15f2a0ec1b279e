"""``fpga-prune data``: load or download candles, validate, summarize, optionally write a clean CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from fpga_prune.cli import emit
from fpga_prune.data import add_source_arguments, format_summary, summarize, write_csv
from fpga_prune.data.source import from_args_with_report

HELP = "load, validate and summarize Bybit candles; optionally write a cleaned CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="CSV",
                        help="write the validated candles here (ISO UTC timestamps; atomic, "
                             "byte-identical for the same candles)")


def run(args: argparse.Namespace) -> int:
    candles, _report = from_args_with_report(args)
    summary = summarize(candles)
    text = format_summary(summary)
    if args.out is not None:
        write_csv(candles, args.out)
        summary["out"] = str(args.out)
        text += f"\n  wrote      {args.out}"
    emit(args, summary, text)
    return 0
