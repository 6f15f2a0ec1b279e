"""What a candle series contains, in numbers a user checks before training.

Why the file format: whatever the loader assumed about a CSV (column
aliases, epoch unit, UTC for zone-less times, newest-first order) is shown
here and kept in the run's data summary, so a wrong guess is visible.

Why the label balance: the model predicts close[t+1] > close[t]; a 50/50 split
means 'always up' is no baseline to beat, and a skewed one sets the accuracy
floor a pruned model must clear.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

import numpy as np

from fpga_prune.data.candles import Candles
from fpga_prune.data.layout import FileFormatDoc
from fpga_prune.data.timeutil import duration_label, format_ts, interval_code, interval_label
from fpga_prune.data.validate import find_gaps
from fpga_prune.outdir import JsonObject


class PriceSummary(TypedDict):
    low: float | None
    high: float | None
    first_open: float | None
    last_close: float | None


class VolumeSummary(TypedDict):
    total: float
    mean: float | None
    max: float | None


class LabelSummary(TypedDict):
    """The next-candle moves: ``pairs`` = rows - 1, split into up, down and flat."""

    pairs: int
    up: int
    down: int
    flat: int
    up_fraction: float | None


class Summary(TypedDict):
    """``summarize``: JSON-ready; the optional numbers are None only for an empty series."""

    symbol: str
    source: str
    rows: int
    interval: str
    interval_ms: int
    start: str | None
    end: str | None
    start_ms: int | None
    end_ms: int | None
    gaps: int
    missing_candles: int
    largest_gap_ms: int
    largest_gap_before: str | None
    price: PriceSummary
    volume: VolumeSummary
    labels: LabelSummary
    turnover_total: NotRequired[float]
    file_format: NotRequired[FileFormatDoc]
    # added by the run's data step (summary.json)
    source_sha256: NotRequired[str | None]
    sample: NotRequired[JsonObject]  # a built-in sample's name, hashes and provenance
    cleaned_csv: NotRequired[str]


def summarize(candles: Candles) -> Summary:
    """A JSON-ready summary; an analysis that changes nothing."""
    n = len(candles)
    ts = candles.timestamp_ms
    gaps = find_gaps(ts, candles.interval_ms)
    move = np.sign(np.diff(candles.close))
    pairs = max(n - 1, 0)
    up, down = int((move > 0).sum()), int((move < 0).sum())
    out: Summary = {
        "symbol": candles.symbol,
        "source": candles.source,
        "rows": n,
        "interval": interval_code(candles.interval_ms) or f"{candles.interval_ms}ms",
        "interval_ms": int(candles.interval_ms),
        "start": format_ts(ts[0]) if n else None,
        "end": format_ts(ts[-1]) if n else None,
        "start_ms": int(ts[0]) if n else None,
        "end_ms": int(ts[-1]) if n else None,
        "gaps": gaps.count,
        "missing_candles": gaps.missing,
        "largest_gap_ms": gaps.largest_ms,
        "largest_gap_before": (
            format_ts(ts[gaps.largest_after_index + 1]) if gaps.largest_after_index is not None else None
        ),
        "price": {
            "low": float(candles.low.min()) if n else None,
            "high": float(candles.high.max()) if n else None,
            "first_open": float(candles.open[0]) if n else None,
            "last_close": float(candles.close[-1]) if n else None,
        },
        "volume": {
            "total": float(candles.volume.sum()),
            "mean": float(candles.volume.mean()) if n else None,
            "max": float(candles.volume.max()) if n else None,
        },
        "labels": {
            "pairs": pairs,
            "up": up,
            "down": down,
            "flat": pairs - up - down,
            "up_fraction": up / pairs if pairs else None,
        },
    }
    if candles.turnover is not None:
        out["turnover_total"] = float(candles.turnover.sum())
    if candles.layout is not None:
        out["file_format"] = candles.layout.to_dict()
    return out


def format_summary(s: Summary) -> str:
    """The human text of ``summarize``."""
    lab, price, vol = s["labels"], s["price"], s["volume"]
    gaps = "none"
    if s["gaps"]:
        gaps = (
            f"{s['gaps']} ({s['missing_candles']} missing candle{'s' if s['missing_candles'] != 1 else ''}; largest "
            f"{duration_label(s['largest_gap_ms'])} before {s['largest_gap_before']})"
        )
    first, last = price["first_open"], price["last_close"]
    assert first is not None and last is not None  # the loaders never return an empty series
    change = (last / first - 1) * 100
    lines = [
        f"{s['symbol'] or '(unknown symbol)'}  from {s['source']}",
        f"  rows       {s['rows']:,}",
        f"  range      {s['start']} .. {s['end']}",
        f"  interval   {interval_label(s['interval_ms'])} (Bybit {s['interval']})",
        f"  gaps       {gaps}",
        f"  price      low {price['low']:,} high {price['high']:,}; "
        f"open {price['first_open']:,} -> close {price['last_close']:,} ({change:+.2f}%)",
        f"  volume     total {vol['total']:,.3f}, mean {vol['mean']:,.3f}, max {vol['max']:,.3f}",
    ]
    fmt = s.get("file_format")
    lines += [f"  assumed    {note}" for note in (fmt["notes"] if fmt else ())]
    if lab["pairs"]:
        lines.append(
            f"  labels     up {lab['up_fraction']:.4f} ({lab['up']:,} up, {lab['down']:,} down, "
            f"{lab['flat']:,} flat of {lab['pairs']:,} next-candle moves)"
        )
    return "\n".join(lines)
