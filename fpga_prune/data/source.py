"""The shared ``--data FILE | --symbol ...`` options, so data/train/run read candles alike.

Why one helper: every command that consumes candles must accept the same
sources and validate them the same way; a second copy of these options
would drift.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fpga_prune.data.bybit import CATEGORIES, fetch
from fpga_prune.data.candles import Candles
from fpga_prune.data.files import load_with_report
from fpga_prune.data.validate import ValidationReport, validate
from fpga_prune.errors import InputError


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the candle-source options to ``parser`` (an argparse (sub)parser)."""
    g = parser.add_argument_group("candles", "a file (--data) or Bybit (--symbol --interval --start)")
    g.add_argument("--data", metavar="FILE", type=Path,
                   help="CSV (timestamp,open,high,low,close,volume[,turnover]), or saved Bybit v5 "
                        "kline JSON (.json: one response or a list; .jsonl: one per line)")
    g.add_argument("--symbol", help="fetch from Bybit, e.g. BTCUSDT")
    g.add_argument("--interval", help="Bybit interval 1,3,5,15,30,60,120,240,360,720,D,W,M "
                                      "(or 5m, 1h, 1d); inferred from a file when omitted")
    g.add_argument("--start", help="ISO date/datetime (UTC if no offset) or epoch ms; inclusive")
    g.add_argument("--end", help="ISO date/datetime or epoch ms; exclusive (default: now)")
    g.add_argument("--category", default="linear", choices=CATEGORIES,
                   help="Bybit product type (default linear)")
    g.add_argument("--allow-gaps", action="store_true",
                   help="accept missing candles (reported, not filled)")
    g.add_argument("--no-cache", action="store_true", help="neither read nor write the download cache")
    g.add_argument("--refresh", action="store_true", help="re-download and overwrite the cached range")
    g.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="download cache (default: the user cache dir, .../fpga-prune/bybit)")


def from_args_with_report(args: argparse.Namespace) -> tuple[Candles, ValidationReport]:
    """Candles and their validation report from parsed ``add_source_arguments`` options."""
    data, symbol = getattr(args, "data", None), getattr(args, "symbol", None)
    if data is not None and symbol:
        raise InputError("command line", "--data/--symbol", "give either --data FILE or --symbol, not both")
    if data is not None:
        for opt in ("start", "end"):
            if getattr(args, opt, None):
                raise InputError("command line", f"--{opt}", "only applies to --symbol (Bybit downloads)")
        return load_with_report(data, allow_gaps=args.allow_gaps, interval=args.interval)
    if not symbol:
        raise InputError("command line", "--data/--symbol",
                         "no candles: give --data FILE, or --symbol SYMBOL --interval N --start DATE")
    if not args.interval:
        raise InputError("command line", "--interval", "required with --symbol (e.g. --interval 5)")
    if not args.start:
        raise InputError("command line", "--start", "required with --symbol (e.g. --start 2025-04-03)")
    candles = fetch(symbol, args.interval, args.start, args.end, category=args.category,
                    cache_dir=args.cache_dir, use_cache=not args.no_cache, refresh=args.refresh)
    return candles, validate(candles, allow_gaps=args.allow_gaps)


def from_args(args: argparse.Namespace) -> Candles:
    """Validated candles from parsed ``add_source_arguments`` options."""
    return from_args_with_report(args)[0]
