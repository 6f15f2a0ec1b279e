"""Candles from files: CSV (timestamp,open,high,low,close,volume[,turnover]) and raw v5 JSON.

Why both: CSV is what people keep and share (the shared BTCUSDT file loads as
is; other exports' headers, time formats and newest-first order are read as
``layout`` describes); raw Bybit responses are what people save from scripts
and browsers, and loading them untouched avoids a lossy conversion step.
numpy + csv only: 26k rows load in a few tens of milliseconds.

Error locations: for CSV, ``line N`` is the physical line in the file (the
header is line 1); for JSON, ``response K row J`` (or ``line K row J`` for
JSON lines) is the J-th entry of that response's ``result.list``.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from fpga_prune.data.builtin import get_sample, sample_ref
from fpga_prune.data.candles import Candles
from fpga_prune.data.layout import EXPECTED, OPTIONAL, REQUIRED, FileLayout, map_header, parse_time_column
from fpga_prune.data.timeutil import MIN_EPOCH_MS, candle_close_ms, format_ts, interval_ms, parse_interval
from fpga_prune.data.validate import ValidationReport, infer_interval_ms, validate
from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonValue

_VALUE_FIELDS = ("open", "high", "low", "close", "volume", "turnover")
_SUFFIXES = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


# ----------------------------------------------------------------------------- helpers
def symbol_from_name(path: str | os.PathLike[str]) -> str:
    """'BTCUSDT-linear-5m-....csv' -> 'BTCUSDT'; '' when the name does not start with one."""
    m = re.match(r"^([A-Z][A-Z0-9]{2,})(?=[-_.])", Path(path).name)
    return m.group(1) if m else ""


def _floats(cells: list[str], name: str, path: str, locate: Callable[[int], str]) -> np.ndarray:
    """A column of numbers; on failure, the first unparsable cell is named."""
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        for i, cell in enumerate(cells):
            try:
                float(cell)
            except ValueError:
                raise InputError(path, f"{locate(i)} field {name}", f"cannot parse number {cell!r}") from None
        raise


def _interval_for(ts: np.ndarray, interval: str | int | None, path: str, name: str = "timestamp") -> int:
    if interval is not None:
        return interval_ms(parse_interval(interval))
    ms = infer_interval_ms(ts)
    if ms is None:
        raise InputError(path, f"field {name}", f"cannot infer the interval from {len(ts)} row(s); pass --interval")
    return ms


def kind_suffix(path: str | os.PathLike[str]) -> str:
    """The suffix that says the format, past a trailing ``.gz``: 'x.csv.gz' -> '.csv'."""
    p = Path(path)
    if p.suffix.lower() == ".gz":
        p = p.with_suffix("")
    return p.suffix.lower()


def _read_text(path: Path) -> str:
    try:
        if path.suffix.lower() == ".gz":  # gzip-compressed (the built-in samples): read transparently
            raw = path.read_bytes()
            try:
                return gzip.decompress(raw).decode("utf-8-sig")
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(path, None, f"not a valid gzip file ({exc})") from None
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, None, "is a directory, not a candle file") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, None, f"not UTF-8 text (byte {exc.start})") from None


# ----------------------------------------------------------------------------- CSV
def load_csv(
    path: str | os.PathLike[str],
    *,
    interval: str | int | None = None,
    allow_gaps: bool = False,
    symbol: str | None = None,
) -> Candles:
    """Load and validate a CSV; ``interval`` (Bybit code) is inferred when None."""
    candles, _ = load_csv_with_report(path, interval=interval, allow_gaps=allow_gaps, symbol=symbol)
    return candles


def load_csv_with_report(
    path: str | os.PathLike[str],
    *,
    interval: str | int | None = None,
    allow_gaps: bool = False,
    symbol: str | None = None,
) -> tuple[Candles, ValidationReport]:
    path = Path(path)
    src = str(path)
    text = _read_text(path)
    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = row
            break
    if header is None:
        raise InputError(src, None, f"empty file: no header line (expected {EXPECTED})")
    header_line = reader.line_num
    index, ignored = map_header(header, src, f"line {header_line}")
    wanted = list(REQUIRED) + [c for c in OPTIONAL if c in index]
    lines: list[int] = []
    rows: list[list[str]] = []
    width = len(header)
    for row in reader:
        if len(row) != width:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            raise InputError(
                src, f"line {reader.line_num}", f"expected {width} fields, got {len(row)}: {','.join(row)[:80]!r}"
            )
        lines.append(reader.line_num)
        rows.append(row)
    if not rows:
        raise InputError(src, None, "no data rows after the header")
    columns = list(zip(*rows))
    cells = {c: list(columns[index[c]]) for c in wanted}
    names = {c: header[index[c]].strip() for c in wanted}

    line_arr = np.asarray(lines)

    def locate(i: int) -> str:
        return f"line {int(line_arr[i])}"

    ts, time_format, utc_assumed = parse_time_column(cells["timestamp"], src, names["timestamp"], locate)
    vals = {c: _floats(cells[c], names[c], src, locate) for c in wanted if c != "timestamp"}
    step = np.diff(ts)
    reordered = bool(len(ts) > 1 and (step <= 0).all() and (step < 0).any())
    if reordered:  # newest first (the v5 API's order): read it oldest first
        ts, line_arr = ts[::-1].copy(), line_arr[::-1].copy()
        vals = {c: v[::-1].copy() for c, v in vals.items()}
    layout = FileLayout(
        columns=tuple(sorted(names.items(), key=lambda kv: index[kv[0]])),
        time_format=time_format,
        utc_assumed=utc_assumed,
        reordered=reordered,
        ignored=ignored,
    )
    length = _interval_for(ts, interval, src, names["timestamp"])
    candles = Candles(
        symbol=symbol if symbol is not None else symbol_from_name(path),
        interval_ms=length,
        timestamp_ms=ts,
        open=vals["open"],
        high=vals["high"],
        low=vals["low"],
        close=vals["close"],
        volume=vals["volume"],
        turnover=vals.get("turnover"),
        source=src,
        layout=layout,
    )
    report = validate(candles, allow_gaps=allow_gaps, locate=locate, names=names)
    return candles, report


# ----------------------------------------------------------------------------- v5 JSON
def parse_kline_row(row: JsonValue) -> tuple[int, float, float, float, float, float, float]:
    """One v5 ``result.list`` entry -> (startTime ms, o, h, l, c, volume, turnover).

    Raises ValueError with a short reason; callers add the location.
    """
    if not isinstance(row, (list, tuple)) or len(row) not in (6, 7):
        raise ValueError(f"expected [startTime, open, high, low, close, volume, turnover], got {row!r:.80}")
    start = row[0]
    if isinstance(start, bool) or not isinstance(start, (str, int)):
        raise ValueError(f"startTime {start!r} is not epoch milliseconds")
    try:
        ms = int(start)
    except ValueError:
        raise ValueError(f"startTime {start!r} is not epoch milliseconds") from None
    if ms < MIN_EPOCH_MS:
        raise ValueError(f"startTime {start!r} is not epoch milliseconds")
    out = [float(ms)]
    for name, cell in zip(_VALUE_FIELDS, row[1:]):
        if isinstance(cell, bool) or not isinstance(cell, (str, int, float)):
            raise ValueError(f"field {name}: {cell!r} is not a number")
        try:
            out.append(float(cell))
        except ValueError:
            raise ValueError(f"field {name}: cannot parse number {cell!r}") from None
    if len(row) == 6:
        out.append(float("nan"))
    o, h, lo, c, v, t = out[1:]
    return ms, o, h, lo, c, v, t


class KlineRows:
    """Rows gathered from v5 pages/responses, with where each came from.

    Why a small accumulator: JSON files and the live fetcher share the same
    steps -- sort ascending, de-duplicate overlapping pages, drop candles that
    were still open when the server answered.
    """

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.values: list[tuple[float, ...]] = []
        self.labels: list[str] = []
        self.server_time: list[int] = []  # response "time", -1 when unknown
        self.symbols: dict[str, str] = {}  # symbol -> first label that named it

    def add(self, rows: Sequence[JsonValue], *, source: str, label: str, server_time: int | None) -> None:
        for j, row in enumerate(rows, 1):
            where = f"{label} row {j}"
            try:
                ms, *vals = parse_kline_row(row)
            except ValueError as exc:
                raise InputError(source, where, f"malformed kline row: {exc}") from None
            self.ts.append(ms)
            self.values.append(tuple(vals))
            self.labels.append(where)
            self.server_time.append(-1 if server_time is None else int(server_time))

    def build(
        self,
        *,
        source: str,
        symbol: str,
        interval: str | int | None,
        on_conflict: str,
        keep: tuple[int, int] | None = None,
    ) -> tuple[Candles, list[str]]:
        """Sorted, de-duplicated candles and each row's label.

        ``on_conflict``: "error" (files: two different values for one candle
        are a defect) or "last" (the fetcher: a later page is fresher).
        ``keep``: only open times in ``[start, end)``.
        """
        if not self.ts:
            raise InputError(source, None, "no candles (empty result.list)")
        ts = np.asarray(self.ts, dtype=np.int64)
        vals = np.asarray(self.values, dtype=np.float64).reshape(len(ts), 6)
        srv = np.asarray(self.server_time, dtype=np.int64)
        order = np.argsort(ts, kind="stable")
        ts, vals, srv = ts[order], vals[order], srv[order]
        labels = [self.labels[i] for i in order]
        # De-duplicate: for each run of equal timestamps keep the last one.
        last_of_run = np.ones(len(ts), dtype=bool)
        last_of_run[:-1] = ts[1:] != ts[:-1]
        if on_conflict == "error":
            dup = np.flatnonzero(~last_of_run)
            for i in dup:
                a, b = vals[i], vals[i + 1]
                if not np.array_equal(a, b, equal_nan=True):
                    raise InputError(
                        source,
                        f"{labels[i + 1]} field timestamp",
                        f"{format_ts(ts[i])} appears again with different values (also {labels[i]})",
                    )
        ts, vals, srv = ts[last_of_run], vals[last_of_run], srv[last_of_run]
        labels = [lab for lab, k in zip(labels, last_of_run) if k]
        if keep is not None:
            inside = (ts >= keep[0]) & (ts < keep[1])
            ts, vals, srv = ts[inside], vals[inside], srv[inside]
            labels = [lab for lab, k in zip(labels, inside) if k]
            if not len(ts):
                raise InputError(source, None, "no candles in the requested range")
        length = _interval_for(ts, interval, source)
        # A candle is still open if it closes after the server's answer time.
        closes = np.array([candle_close_ms(t, length) for t in ts], dtype=np.int64)
        closed = (srv < 0) | (closes <= srv)
        ts, vals = ts[closed], vals[closed]
        labels = [lab for lab, k in zip(labels, closed) if k]
        if not len(ts):
            raise InputError(source, None, "no closed candles (only the still-open one)")
        turnover = vals[:, 5]
        candles = Candles(
            symbol=symbol,
            interval_ms=length,
            timestamp_ms=ts,
            open=vals[:, 0].copy(),
            high=vals[:, 1].copy(),
            low=vals[:, 2].copy(),
            close=vals[:, 3].copy(),
            volume=vals[:, 4].copy(),
            turnover=None if np.isnan(turnover).all() else turnover.copy(),
            source=source,
        )
        return candles, labels


def _responses(path: Path, text: str, jsonl: bool) -> list[tuple[str, JsonValue]]:
    src = str(path)
    if not text.strip():
        raise InputError(src, None, "empty file")
    if not jsonl:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":
                raise InputError(src, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}") from None
            jsonl = True  # several objects, one per line
        else:
            if isinstance(obj, list) and obj and all(isinstance(o, dict) for o in obj):
                return [(f"response {k}", o) for k, o in enumerate(obj, 1)]
            if isinstance(obj, dict):
                return [("response 1", obj)]
            raise InputError(src, None, "expected a v5 response object, a list of them, or JSON lines")
    docs = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            docs.append((f"line {lineno}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(src, f"line {lineno} column {exc.colno}", f"invalid JSON: {exc.msg}") from None
    return docs


def load_json(path: str | os.PathLike[str], *, interval: str | int | None = None, allow_gaps: bool = False) -> Candles:
    """Load saved v5 ``/market/kline`` responses (object, list of objects, or JSON lines)."""
    candles, _ = load_json_with_report(path, interval=interval, allow_gaps=allow_gaps)
    return candles


def load_json_with_report(
    path: str | os.PathLike[str], *, interval: str | int | None = None, allow_gaps: bool = False
) -> tuple[Candles, ValidationReport]:
    path = Path(path)
    src = str(path)
    docs = _responses(path, _read_text(path), kind_suffix(path) in (".jsonl", ".ndjson"))
    rows = KlineRows()
    for label, doc in docs:
        if not isinstance(doc, dict):
            raise InputError(src, label, f"expected a v5 response object, got {type(doc).__name__}")
        code = doc.get("retCode", 0)
        if code != 0:
            raise InputError(src, f"{label} field retCode", f"Bybit error response {code}: {doc.get('retMsg', '')!s}")
        result = doc.get("result", doc)
        if not isinstance(result, dict) or not isinstance(result.get("list"), list):
            raise InputError(src, label, "not a v5 kline response: no result.list")
        sym = result.get("symbol")
        if isinstance(sym, str) and sym:
            rows.symbols.setdefault(sym, label)
        server_time = doc.get("time")
        rows.add(
            result["list"], source=src, label=label, server_time=server_time if isinstance(server_time, int) else None
        )
    if len(rows.symbols) > 1:
        raise InputError(
            src, "field symbol", "mixed symbols " + ", ".join(f"{s} ({lab})" for s, lab in rows.symbols.items())
        )
    symbol = next(iter(rows.symbols), "") or symbol_from_name(path)
    candles, labels = rows.build(source=src, symbol=symbol, interval=interval, on_conflict="error")
    report = validate(candles, allow_gaps=allow_gaps, locate=labels.__getitem__)
    return candles, report


# ----------------------------------------------------------------------------- dispatch
def load_with_report(
    path: str | os.PathLike[str], *, allow_gaps: bool = False, interval: str | int | None = None
) -> tuple[Candles, ValidationReport]:
    name = sample_ref(path)
    if name is not None:  # "sample:NAME": a built-in sample (gzip CSV inside the package)
        sample = get_sample(name)
        return load_csv_with_report(sample.file, interval=interval, allow_gaps=allow_gaps, symbol=sample.symbol)
    path = Path(path)
    if path.is_dir():
        raise InputError(path, None, "is a directory, not a candle file")
    kind = _SUFFIXES.get(kind_suffix(path))
    if kind is None:
        raise InputError(
            path,
            None,
            f"unknown file type {kind_suffix(path) or path.suffix or '(none)'!r}; "
            f"valid: {', '.join(sorted(_SUFFIXES))}",
        )
    if kind == "csv":
        return load_csv_with_report(path, interval=interval, allow_gaps=allow_gaps)
    return load_json_with_report(path, interval=interval, allow_gaps=allow_gaps)


def load(path: str | os.PathLike[str], *, allow_gaps: bool = False, interval: str | int | None = None) -> Candles:
    """Validated candles from a .csv, .json or .jsonl file (dispatch on the suffix; each may be
    gzip-compressed, e.g. .csv.gz), or from a built-in sample named ``sample:NAME``."""
    return load_with_report(path, allow_gaps=allow_gaps, interval=interval)[0]


# ----------------------------------------------------------------------------- writing
def csv_bytes(candles: Candles) -> bytes:
    """Deterministic CSV: ISO UTC timestamps, shortest round-trip floats, '\\n' endings."""
    cols = [candles.open, candles.high, candles.low, candles.close, candles.volume]
    header = "timestamp,open,high,low,close,volume"
    if candles.turnover is not None:
        cols.append(candles.turnover)
        header += ",turnover"
    lists = [c.tolist() for c in cols]
    out = [header]
    for i, t in enumerate(candles.timestamp_ms.tolist()):
        out.append(format_ts(t) + "," + ",".join(repr(col[i]) for col in lists))
    return ("\n".join(out) + "\n").encode("ascii")


def write_csv(candles: Candles, path: str | os.PathLike[str]) -> Path:
    """Write ``candles`` as a cleaned CSV (atomically; same candles -> same bytes)."""
    from fpga_prune.outdir import write_bytes_atomic  # noqa: PLC0415

    write_bytes_atomic(path, csv_bytes(candles))
    return Path(path)
