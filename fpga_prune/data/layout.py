"""How a user's candle CSV is read: which header cell is which field, what its times mean.

Why a record of what was assumed: exports name columns differently
(``open_time``, ``Open``, ``o``, ``vol``) and write time as ISO text with or
without a zone, or as epoch seconds, milliseconds or microseconds.  Each guess
is kept in a ``FileLayout``, printed by ``fpga-prune data`` and stored with the
run's data summary, so a wrong guess is visible.  Guesses that could corrupt
the series without any visible sign -- two candidate time columns, mixed epoch
units in one column -- are errors that name both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict

import numpy as np

from fpga_prune.errors import InputError


class FileFormatDoc(TypedDict):
    """``FileLayout.to_dict``: what the loader assumed, as kept in summaries and ``metrics.json``."""

    columns: dict[str, str]
    time_format: str
    utc_assumed: bool
    reordered: bool
    ignored: list[str]
    notes: list[str]


#: field -> accepted header names (compared case-, space-, '_'- and '-'-insensitively)
ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "open_time", "start", "startTime", "time", "date", "datetime"),
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c"),
    "volume": ("volume", "v", "vol"),
    "turnover": ("turnover", "quote_volume"),  # quote-currency volume, kept as turnover
}
REQUIRED = ("timestamp", "open", "high", "low", "close", "volume")
OPTIONAL = ("turnover",)
EXPECTED = "timestamp,open,high,low,close,volume[,turnover]"

#: epoch unit -> (ms per unit as a divisor/multiplier, smallest value, label).
#: Basis of the bounds: every unit covers 1973-03-03 .. 5138-11-16, i.e. the
#: values 1e8..1e11 s, 1e11..1e14 ms, 1e14..1e17 us; the ranges do not overlap,
#: so the magnitude of a present-day timestamp names its unit unambiguously.
EPOCH_UNITS: tuple[tuple[str, float, str], ...] = (
    ("epoch_s", 1e8, "epoch seconds"),
    ("epoch_ms", 1e11, "epoch milliseconds"),
    ("epoch_us", 1e14, "epoch microseconds"),
)
_EPOCH_TOP = 1e17
_TO_MS = {"epoch_s": (1000, 1), "epoch_ms": (1, 1), "epoch_us": (1, 1000)}  # (multiply, divide)
TIME_FORMATS = {"iso": "ISO 8601 text", **{key: label for key, _, label in EPOCH_UNITS}}

_UTC_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?")
_ZONED_UTC = ("+00:00", "Z")


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.strip().lower())


_LOOKUP = {_norm(alias): field for field, names in ALIASES.items() for alias in names}


@dataclass(frozen=True)
class FileLayout:
    """What a CSV looked like and what the loader assumed about it."""

    columns: tuple[tuple[str, str], ...]  # (field, header cell as written), in file order
    time_format: str  # a key of TIME_FORMATS
    utc_assumed: bool  # some ISO times had no zone; read as UTC
    reordered: bool  # rows were newest first and were sorted ascending
    ignored: tuple[str, ...]  # header cells that are no candle field

    def header_of(self, field: str) -> str:
        """The header cell the user wrote for ``field`` (the field name if absent)."""
        return dict(self.columns).get(field, field)

    def notes(self) -> tuple[str, ...]:
        """One line per assumption, empty for our own canonical CSV."""
        out = []
        renamed = [f"{cell} -> {field}" for field, cell in self.columns if cell != field]
        if renamed:
            out.append("columns " + ", ".join(renamed))
        if self.time_format != "iso":
            out.append(f"timestamps are {TIME_FORMATS[self.time_format]} (inferred from their magnitude)")
        if self.utc_assumed:
            out.append("timestamps have no time zone: UTC assumed")
        if self.reordered:
            out.append("rows were newest first: sorted ascending")
        if self.ignored:
            out.append("ignored columns " + ", ".join(self.ignored))
        return tuple(out)

    def to_dict(self) -> FileFormatDoc:
        return {
            "columns": dict(self.columns),
            "time_format": self.time_format,
            "utc_assumed": self.utc_assumed,
            "reordered": self.reordered,
            "ignored": list(self.ignored),
            "notes": list(self.notes()),
        }


def map_header(header: Sequence[str], src: str, where: str) -> tuple[dict[str, int], tuple[str, ...]]:
    """Field -> column index for a header row, and the ignored cells.

    Two cells that could both be one field (``timestamp`` and ``open_time``)
    are an error naming both: picking one would be a silent guess.
    """
    found: dict[str, list[int]] = {}
    ignored = []
    for k, cell in enumerate(header):
        field = _LOOKUP.get(_norm(cell))
        if field is None:
            ignored.append(cell.strip() or f"(unnamed column {k + 1})")
        else:
            found.setdefault(field, []).append(k)
    for field, ks in found.items():
        if len(ks) > 1:
            what = "time" if field == "timestamp" else field
            a, b = (header[k].strip() for k in ks[:2])
            raise InputError(
                src,
                f"{where} header",
                f"two candidate {what} columns {a!r} (column {ks[0] + 1}) "
                f"and {b!r} (column {ks[1] + 1}); remove or rename one",
            )
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        raise InputError(
            src,
            f"{where} header",
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(found {','.join(h.strip() for h in header)}; expected {EXPECTED})",
        )
    return {f: ks[0] for f, ks in found.items()}, tuple(ignored)


def _parse_iso(text: str) -> tuple[int, bool]:
    """One ISO 8601 cell -> (epoch ms, had no zone)."""
    s = text.strip()
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    except ValueError:
        raise ValueError(
            f"cannot parse timestamp {s!r} (expected ISO 8601 or epoch seconds/milliseconds/microseconds)"
        ) from None
    naive = dt.tzinfo is None
    if naive:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000)), naive


def parse_time_column(
    cells: list[str], src: str, name: str, locate: Callable[[int], str]
) -> tuple[np.ndarray, str, bool]:
    """Epoch ms of a time column, its format (a TIME_FORMATS key) and whether UTC was assumed.

    The first row decides epoch or ISO; a row of the other kind is an error.
    """
    stripped = [c.strip() for c in cells]
    digits = np.array([s.isdigit() for s in stripped])
    if digits[0]:
        odd = np.flatnonzero(~digits)
        if odd.size:
            i = int(odd[0])
            raise InputError(
                src,
                f"{locate(i)} field {name}",
                f"{stripped[i]!r} is not an epoch number like "
                f"{stripped[0]!r} on {locate(0)}; one column, one time format",
            )
        return _epoch_column(np.array(stripped, dtype=np.float64), stripped, src, name, locate)
    odd = np.flatnonzero(digits)
    if odd.size:
        i = int(odd[0])
        raise InputError(
            src,
            f"{locate(i)} field {name}",
            f"{stripped[i]!r} is an epoch number but "
            f"{locate(0)} has ISO text {stripped[0]!r}; one column, one time format",
        )
    naive = [s[:-6] if s.endswith("+00:00") else s[:-1] if s.endswith("Z") else s for s in stripped]
    if all(_UTC_NAIVE.fullmatch(s) for s in naive):
        try:
            ts = np.array(naive, dtype="datetime64[ms]").astype(np.int64)
        except ValueError:
            pass  # e.g. 2025-02-30: the slow path names the cell
        else:
            assumed = any(not s.endswith(_ZONED_UTC) for s in stripped)
            return ts, "iso", assumed
    ts = np.empty(len(cells), dtype=np.int64)  # slow path: other offsets, or a bad cell to name
    assumed = False
    for i, cell in enumerate(stripped):
        try:
            ts[i], no_zone = _parse_iso(cell)
        except ValueError as exc:
            raise InputError(src, f"{locate(i)} field {name}", str(exc)) from None
        assumed = assumed or no_zone
    return ts, "iso", assumed


def _epoch_column(
    values: np.ndarray, cells: list[str], src: str, name: str, locate: Callable[[int], str]
) -> tuple[np.ndarray, str, bool]:
    lows = np.array([low for _, low, _ in EPOCH_UNITS])
    which = np.searchsorted(lows, values, side="right") - 1  # -1: too small
    bad = np.flatnonzero((which < 0) | (values >= _EPOCH_TOP))
    if bad.size:
        i = int(bad[0])
        size = "small" if which[i] < 0 else "large"
        raise InputError(
            src,
            f"{locate(i)} field {name}",
            f"epoch number {cells[i]!r} is too {size} for "
            "epoch seconds, milliseconds or microseconds between 1973 and 5138",
        )
    other = np.flatnonzero(which != which[0])
    if other.size:
        i = int(other[0])
        a, b = EPOCH_UNITS[int(which[0])][2], EPOCH_UNITS[int(which[i])][2]
        raise InputError(
            src,
            f"{locate(i)} field {name}",
            f"mixed epoch units: {cells[i]!r} is {b} but {cells[0]!r} on {locate(0)} is {a}",
        )
    unit = EPOCH_UNITS[int(which[0])][0]
    mul, div = _TO_MS[unit]
    raw = np.array(cells, dtype=np.int64)
    return raw * mul // div, unit, False
