"""Where candles come from: a file, a built-in sample or a Bybit range, as one typed value.

Why a dataclass and not the parsed command line: ``data``, ``train``,
``prune`` and the ``run`` flow read candles alike, and the flow keeps the
source in its typed configuration; the data package knows nothing of argparse
(the options live in ``fpga_prune.cli.candle_options``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fpga_prune.data.builtin import DEFAULT, PREFIX, get_sample
from fpga_prune.data.bybit import fetch
from fpga_prune.data.candles import Candles
from fpga_prune.data.files import load_with_report
from fpga_prune.data.validate import ValidationReport, validate
from fpga_prune.errors import InputError


@dataclass(frozen=True)
class CandleSource:
    """A candle file (``data``), a built-in sample (``sample``, a name in ``builtin.SAMPLES``) or a
    Bybit download (``symbol``, ``interval``, ``start`` [, ``end``])."""

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
    sample: str | None = None  # last, so the fields before it keep their positions

    @classmethod
    def builtin(cls, name: str = DEFAULT, **options: Any) -> CandleSource:
        """The built-in sample ``name`` (default: the one used when no source is given)."""
        return cls(sample=name, **options)

    def key(self) -> dict[str, str]:
        """Every field as text, for digests; ``sample`` only when set, so file and Bybit keys stay as they were."""
        return {k: str(v) for k, v in sorted(asdict(self).items()) if not (k == "sample" and v is None)}

    def validate(self) -> CandleSource:
        """InputError (exit 2) for a contradictory or incomplete source; nothing is read."""
        if (self.data is not None or self.sample is not None) and self.symbol:
            raise InputError("command line", "--data/--symbol", "give either --data FILE or --symbol, not both")
        if self.sample is not None:
            if self.data is not None:
                raise InputError("command line", "--data", "give a file or a sample, not both")
            for opt in ("start", "end"):
                if getattr(self, opt):
                    raise InputError("command line", f"--{opt}", "only applies to --symbol (Bybit downloads)")
            get_sample(self.sample)  # an unknown name lists the valid ones
            return self
        if self.data is not None:
            for opt in ("start", "end"):
                if getattr(self, opt):
                    raise InputError("command line", f"--{opt}", "only applies to --symbol (Bybit downloads)")
            return self
        if not self.symbol:
            raise InputError(
                "command line",
                "--data/--symbol",
                "no candles: give --data FILE, or --symbol SYMBOL --interval N --start DATE",
            )
        if not self.interval:
            raise InputError("command line", "--interval", "required with --symbol (e.g. --interval 5)")
        if not self.start:
            raise InputError("command line", "--start", "required with --symbol (e.g. --start 2025-04-03)")
        return self


def load_source(src: CandleSource) -> tuple[Candles, ValidationReport]:
    """The validated candles of ``src`` and their validation report."""
    src.validate()
    if src.sample is not None:
        return load_with_report(PREFIX + src.sample, allow_gaps=src.allow_gaps, interval=src.interval)
    if src.data is not None:
        return load_with_report(src.data, allow_gaps=src.allow_gaps, interval=src.interval)
    assert src.symbol and src.interval and src.start  # validate() checked them
    candles = fetch(
        src.symbol,
        src.interval,
        src.start,
        src.end,
        category=src.category,
        cache_dir=src.cache_dir,
        use_cache=src.use_cache,
        refresh=src.refresh,
    )
    return candles, validate(candles, allow_gaps=src.allow_gaps)
