"""``fpga-prune data``: load or download candles, validate, summarize, optionally write a clean CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from fpga_prune.cli.app import emit
from fpga_prune.cli.candle_options import add_source_arguments, source_from_args
from fpga_prune.data import format_summary, load_source, summarize, write_csv

HELP = "load, validate and summarize Bybit candles; optionally write a cleaned CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="CSV",
                        help="write the validated candles here (ISO UTC timestamps; atomic, "
                             "byte-identical for the same candles)")


def run(args: argparse.Namespace) -> int:
    candles, _report = load_source(source_from_args(args))
    summary = summarize(candles)
    text = format_summary(summary)
    if args.out is not None:
        write_csv(candles, args.out)
        summary["out"] = str(args.out)
        text += f"\n  wrote      {args.out}"
    emit(args, summary, text)
    return 0
