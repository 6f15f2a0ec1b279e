"""The shared ``--data FILE | --symbol ...`` options, so data/train/prune/run read candles alike.

Why one helper: every command that consumes candles must accept the same
sources and validate them the same way; a second copy of these options
would drift.  They parse into ``fpga_prune.data.CandleSource``.

With neither ``--data`` nor ``--symbol`` the built-in sample is used, and the
first line on stderr says so (once per command, even when a sweep resolves
the options once per point).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fpga_prune.data.builtin import DEFAULT, PREFIX, get_sample, sample_ref
from fpga_prune.data.bybit import CATEGORIES
from fpga_prune.data.source import CandleSource


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the candle-source options to ``parser`` (an argparse (sub)parser)."""
    g = parser.add_argument_group(
        "candles",
        "a file or built-in sample (--data) or Bybit (--symbol --interval --start); default: the built-in sample",
    )
    g.add_argument(
        "--data",
        metavar="FILE",
        type=Path,
        help="CSV (timestamp,open,high,low,close,volume[,turnover]), or saved Bybit v5 "
        "kline JSON (.json: one response or a list; .jsonl: one per line), each optionally "
        f"gzipped (.csv.gz); or a built-in sample, {PREFIX}NAME (see `fpga-prune data --list`; "
        f"default without --data and --symbol: {PREFIX}{DEFAULT})",
    )
    g.add_argument("--symbol", help="fetch from Bybit, e.g. BTCUSDT")
    g.add_argument(
        "--interval",
        help="Bybit interval 1,3,5,15,30,60,120,240,360,720,D,W,M (or 5m, 1h, 1d); inferred from a file when omitted",
    )
    g.add_argument("--start", help="ISO date/datetime (UTC if no offset) or epoch ms; inclusive")
    g.add_argument("--end", help="ISO date/datetime or epoch ms; exclusive (default: now)")
    g.add_argument("--category", default="linear", choices=CATEGORIES, help="Bybit product type (default linear)")
    g.add_argument("--allow-gaps", action="store_true", help="accept missing candles (reported, not filled)")
    g.add_argument("--no-cache", action="store_true", help="neither read nor write the download cache")
    g.add_argument("--refresh", action="store_true", help="re-download and overwrite the cached range")
    g.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="download cache (default: the user cache dir, .../fpga-prune/bybit)",
    )
    parser.set_defaults(default_sample=DefaultSample(DEFAULT))


class DefaultSample:
    """The sample a parse falls back to, and whether the user was told.

    Why mutable: the notice must be printed once per command, but a sweep
    resolves copies of one parsed namespace once per point; the copies share
    this object (each parse makes a new one).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.told = False

    def notice(self) -> str:
        s = get_sample(self.name)
        return f"no --data or --symbol: using the built-in sample {s.name} ({s.describe()})"


def source_from_args(args: argparse.Namespace) -> CandleSource:
    """The validated ``CandleSource`` of parsed ``add_source_arguments`` options.

    ``--data sample:NAME`` is a built-in sample; with neither ``--data`` nor
    ``--symbol`` the default sample, announced on stderr (unless ``--quiet``).
    """
    data, sample = args.data, None
    default: DefaultSample | None = None
    if data is not None and sample_ref(data) is not None:
        data, sample = None, sample_ref(data)
    elif data is None and not args.symbol and getattr(args, "default_sample", None) is not None:
        default = args.default_sample
        sample = default.name
    source = CandleSource(
        data=data,
        symbol=args.symbol,
        interval=args.interval,
        start=args.start,
        end=args.end,
        category=args.category,
        allow_gaps=args.allow_gaps,
        use_cache=not args.no_cache,
        refresh=args.refresh,
        cache_dir=args.cache_dir,
        sample=sample,
    ).validate()
    if default is not None and not default.told:
        default.told = True
        if not getattr(args, "quiet", False):
            print(default.notice(), file=sys.stderr, flush=True)
    return source
