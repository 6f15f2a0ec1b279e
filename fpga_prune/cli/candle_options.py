"""The shared ``--data FILE | --symbol ...`` options, so data/train/prune/run read candles alike.

Why one helper: every command that consumes candles must accept the same
sources and validate them the same way; a second copy of these options
would drift.  They parse into ``fpga_prune.data.CandleSource``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fpga_prune.data.bybit import CATEGORIES
from fpga_prune.data.source import CandleSource


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


def source_from_args(args: argparse.Namespace) -> CandleSource:
    """The validated ``CandleSource`` of parsed ``add_source_arguments`` options."""
    return CandleSource(data=args.data, symbol=args.symbol, interval=args.interval, start=args.start,
                        end=args.end, category=args.category, allow_gaps=args.allow_gaps,
                        use_cache=not args.no_cache, refresh=args.refresh, cache_dir=args.cache_dir).validate()
