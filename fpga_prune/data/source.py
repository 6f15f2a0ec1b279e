"""Where candles come from: a file or a Bybit range, as one typed value.

Why a dataclass and not the parsed command line: ``data``, ``train``,
``prune`` and the ``run`` flow read candles alike, and the flow keeps the
source in its typed configuration; the data package knows nothing of argparse
(the options live in ``fpga_prune.cli.candle_options``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpga_prune.data.bybit import fetch
from fpga_prune.data.candles import Candles
from fpga_prune.data.files import load_with_report
from fpga_prune.data.validate import ValidationReport, validate
from fpga_prune.errors import InputError


@dataclass(frozen=True)
class CandleSource:
    """A candle file (``data``) or a Bybit download (``symbol``, ``interval``, ``start`` [, ``end``])."""

    data: Path | None = None
    symbol: str | None = None
    interval: str | None = None
    start: str | None = None
    end: str | None = None
    category: str = "linear"
    allow_gaps: bool = False
    use_cache: bool = True
    refresh: bool = False
    cache_dir: Path | None = None

    def validate(self) -> CandleSource:
        """InputError (exit 2) for a contradictory or incomplete source; nothing is read."""
        if self.data is not None and self.symbol:
            raise InputError("command line", "--data/--symbol", "give either --data FILE or --symbol, not both")
        if self.data is not None:
            for opt in ("start", "end"):
                if getattr(self, opt):
                    raise InputError("command line", f"--{opt}", "only applies to --symbol (Bybit downloads)")
            return self
        if not self.symbol:
            raise InputError("command line", "--data/--symbol",
                             "no candles: give --data FILE, or --symbol SYMBOL --interval N --start DATE")
        if not self.interval:
            raise InputError("command line", "--interval", "required with --symbol (e.g. --interval 5)")
        if not self.start:
            raise InputError("command line", "--start", "required with --symbol (e.g. --start 2025-04-03)")
        return self


def load_source(src: CandleSource) -> tuple[Candles, ValidationReport]:
    """The validated candles of ``src`` and their validation report."""
    src.validate()
    if src.data is not None:
        return load_with_report(src.data, allow_gaps=src.allow_gaps, interval=src.interval)
    assert src.symbol and src.interval and src.start  # validate() checked them
    candles = fetch(src.symbol, src.interval, src.start, src.end, category=src.category,
                    cache_dir=src.cache_dir, use_cache=src.use_cache, refresh=src.refresh)
    return candles, validate(candles, allow_gaps=src.allow_gaps)
