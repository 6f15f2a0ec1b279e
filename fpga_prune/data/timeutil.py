"""Bybit interval codes and timestamps: parse what users type, print one canonical form.

Why one module: the CLI, the fetcher, the file loaders and the summary must
agree on what "5", "1h" or "2025-04-03" mean, and every timestamp a user sees is
printed the same way (ISO 8601, UTC), the form the shared CSV already uses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fpga_prune.errors import InputError

MINUTE_MS = 60_000
DAY_MS = 86_400_000
#: Nominal length of a Bybit "M" candle; calendar months are handled explicitly.
MONTH_MS = 30 * DAY_MS

#: Bybit v5 kline interval code -> candle length in ms (``M`` is nominal).
INTERVALS: dict[str, int] = {
    **{str(m): m * MINUTE_MS for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720)},
    "D": DAY_MS,
    "W": 7 * DAY_MS,
    "M": MONTH_MS,
}
_CODE_BY_MS = {ms: code for code, ms in INTERVALS.items()}

_ALIAS = re.compile(r"^(\d+)\s*(m|min|h|d|w|M)$")

# Smallest epoch-ms value we accept (1973-03-03): smaller integers are almost
# certainly epoch *seconds*, which would silently land in January 1970.
MIN_EPOCH_MS = 100_000_000_000


def parse_interval(text: str | int, *, source: str = "command line", field: str = "--interval") -> str:
    """Return the Bybit code for ``text`` ("5", "5m", "1h" -> "60", "D", "1d", "W", "M")."""
    raw = str(text).strip()
    if raw in INTERVALS:
        return raw
    if raw.upper() in ("D", "W"):
        return raw.upper()
    m = _ALIAS.match(raw)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        minutes = {"m": n, "min": n, "h": 60 * n, "d": 1440 * n, "w": 10080 * n}.get(unit)
        if unit == "M" and n == 1:
            return "M"
        if minutes is not None and minutes * MINUTE_MS in _CODE_BY_MS:
            return _CODE_BY_MS[minutes * MINUTE_MS]
    valid = ", ".join(INTERVALS)
    raise InputError(
        source,
        field,
        f"unknown interval {raw!r}; valid Bybit intervals: {valid} (aliases like 5m, 1h, 4h, 1d, 1w also work)",
    )


def interval_ms(code: str) -> int:
    return INTERVALS[code]


def interval_code(ms: int) -> str | None:
    """Bybit code for a candle length, or None when Bybit has no such interval."""
    return _CODE_BY_MS.get(int(ms))


def interval_label(ms: int) -> str:
    """Human length: '5 min', '4 h', '1 day', '1 week', '1 month'."""
    ms = int(ms)
    if ms == MONTH_MS:
        return "1 month"
    return duration_label(ms)


def duration_label(ms: int) -> str:
    """A duration in the largest unit that divides it: '35 min', '2 h 5 min', '3 days'."""
    ms = int(ms)
    if ms % MINUTE_MS:
        return f"{ms / 1000:g} s"
    minutes = ms // MINUTE_MS
    days, rem = divmod(minutes, 1440)
    hours, mins = divmod(rem, 60)
    parts = []
    if days:
        parts.append("1 week" if days == 7 and not rem else f"{days} day" + ("s" if days != 1 else ""))
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)


def parse_time(value: str | int | datetime, *, source: str = "command line", field: str = "time") -> int:
    """Epoch ms from an ISO date/datetime (naive means UTC) or an epoch-ms integer."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(round(dt.timestamp() * 1000))
    if isinstance(value, int) and not isinstance(value, bool):
        ms = value
    else:
        raw = str(value).strip()
        if re.fullmatch(r"-?\d+", raw):
            ms = int(raw)
        else:
            try:
                dt = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
            except ValueError:
                raise InputError(
                    source,
                    field,
                    f"cannot parse time {raw!r}: expected an ISO date "
                    "(2025-04-03), datetime (2025-04-03T17:05:00Z) or epoch milliseconds",
                ) from None
            return parse_time(dt)
    if ms < MIN_EPOCH_MS:
        raise InputError(
            source, field, f"{ms} is not epoch milliseconds (before 1973; epoch seconds? multiply by 1000)"
        )
    return ms


def format_ts(ms: int) -> str:
    """ISO 8601 UTC in the shared CSV's form: '2025-04-03 17:05:00+00:00'."""
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC).isoformat(sep=" ")


def month_index(ms: int) -> int:
    """Months since year 0 of a UTC timestamp (for calendar-month candles)."""
    dt = datetime.fromtimestamp(int(ms) / 1000, tz=UTC)
    return dt.year * 12 + dt.month - 1


def candle_close_ms(open_ms: int, length_ms: int) -> int:
    """When a candle that opened at ``open_ms`` closes (calendar-aware for months)."""
    if length_ms != MONTH_MS:
        return int(open_ms) + int(length_ms)
    dt = datetime.fromtimestamp(int(open_ms) / 1000, tz=UTC)
    year, month = (dt.year + 1, 1) if dt.month == 12 else (dt.year, dt.month + 1)
    return int(dt.replace(year=year, month=month).timestamp() * 1000)
