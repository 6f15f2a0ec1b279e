"""``fpga-prune data``: load or download candles, validate, summarize, optionally write a clean CSV;
``--list`` shows the built-in samples."""

from __future__ import annotations

import argparse
from pathlib import Path

from fpga_prune.cli.app import emit
from fpga_prune.cli.candle_options import add_source_arguments, source_from_args
from fpga_prune.data import format_summary, get_sample, load_source, sample_names, summarize, write_csv
from fpga_prune.data.builtin import DEFAULT, PREFIX
from fpga_prune.data.timeutil import interval_label, interval_ms
from fpga_prune.errors import InputError

HELP = "load, validate and summarize Bybit candles; optionally write a cleaned CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="CSV",
        help="write the validated candles here (ISO UTC timestamps; atomic, byte-identical for the same candles)",
    )
    parser.add_argument(
        "--list", action="store_true", help=f"list the built-in samples (use one with --data {PREFIX}NAME)"
    )


def list_samples(args: argparse.Namespace) -> int:
    """The built-in samples: name, symbol, interval, rows, range, sha256 prefix of the CSV."""
    samples = [get_sample(n) for n in sample_names()]
    header = ("name", "symbol", "interval", "rows", "range", "sha256")
    rows = [
        (
            s.name,
            f"{s.symbol} {s.category}",
            interval_label(interval_ms(s.interval)),
            f"{s.rows:,}",
            f"{s.first_candle} .. {s.last_candle}",
            s.sha256_csv[:12],
        )
        for s in samples
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    lines.append(f"use one with --data {PREFIX}NAME; without --data and --symbol, commands use {DEFAULT}")
    emit(args, {"default": DEFAULT, "samples": [s.record() for s in samples]}, "\n".join(lines))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        given = [f"--{k}" for k in ("data", "symbol", "out") if getattr(args, k)]
        if given:
            raise InputError("command line", "--list", f"lists the built-in samples; drop {', '.join(given)}")
        return list_samples(args)
    candles, _report = load_source(source_from_args(args))
    summary = summarize(candles)
    text = format_summary(summary)
    if args.out is not None:
        write_csv(candles, args.out)
        summary["out"] = str(args.out)
        text += f"\n  wrote      {args.out}"
    emit(args, summary, text)
    return 0
