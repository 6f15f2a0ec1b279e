"""Checks that a candle series is fit to train on; an analysis that changes nothing.

Why strict: a single high < close row or a silent two-hour hole shifts every
feature window and label after it, and the model then learns the defect.  Each
problem is reported as one line naming the source, the row and the value, so a
user can open the file at that line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from fpga_prune.data.candles import Candles
from fpga_prune.data.timeutil import MONTH_MS, duration_label, format_ts, interval_label, month_index
from fpga_prune.errors import InputError

#: ``locate(i)`` names row ``i`` (0-based) for an error: "line 18", "response 2 row 5".
Locator = Callable[[int], str]


def data_row(i: int) -> str:
    """Default locator: the 1-based data row of the (ascending) series."""
    return f"row {i + 1}"


@dataclass(frozen=True)
class ValidationReport:
    """What validation found; ``gaps`` are holes of one or more missing candles."""

    rows: int
    interval_ms: int
    start_ms: int
    end_ms: int  # open time of the last candle
    gaps: int
    largest_gap_ms: int  # missing time in the largest hole (0 without gaps)
    largest_gap_after_ms: int | None  # open time of the candle before that hole
    missing_candles: int


@dataclass(frozen=True)
class Gaps:
    count: int
    largest_ms: int
    largest_after_index: int | None
    missing: int


def steps_in_candles(ts: np.ndarray, length_ms: int) -> np.ndarray:
    """Each row's distance from the previous one, in candles (calendar months for 'M')."""
    if length_ms == MONTH_MS:
        months = np.array([month_index(t) for t in ts], dtype=np.int64)
        return np.diff(months)
    return np.diff(ts) // length_ms


def find_gaps(ts: np.ndarray, length_ms: int) -> Gaps:
    """Holes in an ascending, interval-aligned series."""
    if len(ts) < 2:
        return Gaps(0, 0, None, 0)
    steps = steps_in_candles(ts, length_ms)
    holes = np.nonzero(steps > 1)[0]
    if holes.size == 0:
        return Gaps(0, 0, None, 0)
    missing = int((steps[holes] - 1).sum())
    if length_ms == MONTH_MS:
        widths = steps[holes] - 1
        k = int(holes[int(np.argmax(widths))])
        return Gaps(int(holes.size), int(widths.max()) * MONTH_MS, k, missing)
    widths = np.diff(ts)[holes] - length_ms
    k = int(holes[int(np.argmax(widths))])
    return Gaps(int(holes.size), int(widths.max()), k, missing)


def infer_interval_ms(ts: np.ndarray) -> int | None:
    """The most common positive step (calendar month when steps are 28-31 days on month starts)."""
    if len(ts) < 2:
        return None
    d = np.diff(ts)
    d = d[d > 0]
    if d.size == 0:
        return None
    values, counts = np.unique(d, return_counts=True)
    step = int(values[int(np.argmax(counts))])  # ties: the smallest step wins
    if 28 <= step // 86_400_000 <= 31 and step % 86_400_000 == 0:
        if np.all(np.diff([month_index(t) for t in ts]) >= 1) and all(
            format_ts(t).endswith("-01 00:00:00+00:00") for t in ts[:3]
        ):
            return MONTH_MS
    return step


def _v(x: float) -> str:
    """A value as the user wrote it (numpy 2's repr would say np.float64(...))."""
    return repr(float(x))


def _more(n: int) -> str:
    return f" (and {n} more row{'s' if n != 1 else ''})" if n > 0 else ""


def _first_bad(mask: np.ndarray) -> tuple[int, int] | None:
    """Index of the first True and how many more there are."""
    bad = np.flatnonzero(mask)
    if bad.size == 0:
        return None
    return int(bad[0]), int(bad.size - 1)


def validate(
    candles: Candles, *, allow_gaps: bool = False, locate: Locator | None = None, names: Mapping[str, str] | None = None
) -> ValidationReport:
    """Raise InputError on the first defect; return a report for a clean series.

    Checked in this order so the message points at the root cause: values
    (finite, positive prices, high/low envelope, volume), then time (strictly
    ascending, one interval), then gaps (errors unless ``allow_gaps``).
    ``names`` maps a field to the header the user wrote (``open_time``), so
    the message names the column as it appears in the file.
    """
    where = locate or data_row

    def fld(i: int, name: str) -> str:
        return f"{where(i)} field {(names or {}).get(name, name)}"

    src = candles.source or candles.symbol or "candles"
    n = len(candles)
    if n == 0:
        raise InputError(src, None, "no candles")
    cols = {
        "open": candles.open,
        "high": candles.high,
        "low": candles.low,
        "close": candles.close,
        "volume": candles.volume,
    }
    if candles.turnover is not None:
        cols["turnover"] = candles.turnover
    for name, col in cols.items():
        if col.shape != (n,):
            raise InputError(src, f"field {name}", f"has {col.shape} values for {n} timestamps")
        hit = _first_bad(~np.isfinite(col))
        if hit:
            i, more = hit
            raise InputError(src, fld(i, name), f"value {_v(col[i])} is not finite{_more(more)}")
    for name in ("open", "high", "low", "close"):
        col = cols[name]
        hit = _first_bad(col <= 0)
        if hit:
            i, more = hit
            raise InputError(src, fld(i, name), f"price {_v(col[i])} is not positive{_more(more)}")
    o, h, lo, c = candles.open, candles.high, candles.low, candles.close
    top, bottom = np.maximum(o, c), np.minimum(o, c)
    hit = _first_bad(h < top)
    if hit:
        i, more = hit
        raise InputError(src, fld(i, "high"), f"high {_v(h[i])} is below max(open, close) = {_v(top[i])}{_more(more)}")
    hit = _first_bad(lo > bottom)
    if hit:
        i, more = hit
        raise InputError(
            src, fld(i, "low"), f"low {_v(lo[i])} is above min(open, close) = {_v(bottom[i])}{_more(more)}"
        )
    for name in ("volume", "turnover"):
        if name in cols:
            hit = _first_bad(cols[name] < 0)
            if hit:
                i, more = hit
                raise InputError(src, fld(i, name), f"{name} {_v(cols[name][i])} is negative{_more(more)}")

    ts = candles.timestamp_ms
    d = np.diff(ts)
    hit = _first_bad(d == 0)
    if hit:
        i, more = hit
        raise InputError(
            src,
            fld(i + 1, "timestamp"),
            f"duplicate timestamp {format_ts(ts[i + 1])} (same as {where(i)}){_more(more)}",
        )
    hit = _first_bad(d < 0)
    if hit:
        i, more = hit
        raise InputError(
            src,
            fld(i + 1, "timestamp"),
            f"{format_ts(ts[i + 1])} is earlier than {format_ts(ts[i])} on {where(i)}; "
            f"rows must be in ascending time order{_more(more)}",
        )
    length = int(candles.interval_ms)
    if length <= 0:
        raise InputError(src, "interval", f"interval must be positive, got {length} ms")
    if n >= 2:
        if length == MONTH_MS:
            bad = np.zeros(n - 1, dtype=bool)  # calendar steps are whole months by construction
        else:
            bad = (d % length) != 0
        hit = _first_bad(bad)
        if hit:
            i, more = hit
            raise InputError(
                src,
                fld(i + 1, "timestamp"),
                f"{format_ts(ts[i + 1])} is {duration_label(int(d[i]))} after the previous "
                f"row, not a multiple of the {interval_label(length)} interval "
                f"(mixed intervals){_more(more)}",
            )
    gaps = find_gaps(ts, length)
    if gaps.count and not allow_gaps:
        k = gaps.largest_after_index
        assert k is not None
        raise InputError(
            src,
            fld(k + 1, "timestamp"),
            f"{gaps.count} gap{'s' if gaps.count != 1 else ''} ({gaps.missing} missing "
            f"candle{'s' if gaps.missing != 1 else ''}); largest {duration_label(gaps.largest_ms)} missing before "
            f"{format_ts(ts[k + 1])}; pass --allow-gaps to proceed",
        )
    return ValidationReport(
        rows=n,
        interval_ms=length,
        start_ms=int(ts[0]),
        end_ms=int(ts[-1]),
        gaps=gaps.count,
        largest_gap_ms=gaps.largest_ms,
        largest_gap_after_ms=None if gaps.largest_after_index is None else int(ts[gaps.largest_after_index]),
        missing_candles=gaps.missing,
    )
