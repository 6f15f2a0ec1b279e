"""What a candle series contains, in numbers a user checks before training.

Why the file format: whatever the loader assumed about a CSV (column
aliases, epoch unit, UTC for zone-less times, newest-first order) is shown
here and kept in the run's data summary, so a wrong guess is visible.

Why the label balance: the model predicts close[t+1] > close[t]; a 50/50 split
means 'always up' is no baseline to beat, and a skewed one sets the accuracy
floor a pruned model must clear.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fpga_prune.data.candles import Candles
from fpga_prune.data.timeutil import duration_label, format_ts, interval_code, interval_label
from fpga_prune.data.validate import find_gaps


def summarize(candles: Candles) -> dict[str, Any]:
    """A JSON-ready summary; an analysis that changes nothing."""
    n = len(candles)
    ts = candles.timestamp_ms
    gaps = find_gaps(ts, candles.interval_ms)
    move = np.sign(np.diff(candles.close))
    pairs = max(n - 1, 0)
    up, down = int((move > 0).sum()), int((move < 0).sum())
    out: dict[str, Any] = {
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
        "largest_gap_before": (format_ts(ts[gaps.largest_after_index + 1])
                               if gaps.largest_after_index is not None else None),
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


def format_summary(s: dict[str, Any]) -> str:
    """The human text of ``summarize``."""
    lab, price, vol = s["labels"], s["price"], s["volume"]
    gaps = "none"
    if s["gaps"]:
        gaps = (f"{s['gaps']} ({s['missing_candles']} missing candle{'s' if s['missing_candles'] != 1 else ''}; largest "
                f"{duration_label(s['largest_gap_ms'])} before {s['largest_gap_before']})")
    change = (price["last_close"] / price["first_open"] - 1) * 100
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
    lines += [f"  assumed    {note}" for note in (s.get("file_format") or {}).get("notes", ())]
    if lab["pairs"]:
        lines.append(f"  labels     up {lab['up_fraction']:.4f} ({lab['up']:,} up, {lab['down']:,} down, "
                     f"{lab['flat']:,} flat of {lab['pairs']:,} next-candle moves)")
    return "\n".join(lines)
