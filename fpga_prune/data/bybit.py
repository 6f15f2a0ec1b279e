"""Bybit v5 klines through pybit: paged, retried with backoff, cached on disk.

Why we own retrying: pybit's built-in retry sleeps with ``time.sleep`` and
logs to stderr, and it never retries connection errors unless told to; we
switch it off (``max_retries=1``, empty ``retry_codes``) and retry here with
an injectable ``sleep`` so tests replay rate limits instantly.  pybit still
builds every request and turns non-zero retCodes into exceptions: tests swap
only ``HTTP.client`` (the ``requests.Session``) for a fake that replays v5 JSON.

Ranges are half-open: candles whose open time is in ``[start, end)``.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from fpga_prune.data.candles import Candles
from fpga_prune.data.files import KlineRows, load_csv, write_csv
from fpga_prune.data.timeutil import format_ts, interval_ms, parse_interval, parse_time
from fpga_prune.data.validate import validate
from fpga_prune.errors import FpgaPruneError, InputError
from fpga_prune.outdir import JsonObject

if TYPE_CHECKING:
    from pybit.unified_trading import HTTP  # no stubs: an untyped client object

CATEGORIES = ("linear", "inverse", "spot")
PAGE_LIMIT = 1000  # Bybit's maximum per kline request
MAX_ATTEMPTS = 6
BACKOFF_S = 1.0
BACKOFF_CAP_S = 30.0
#: retCodes that mean "slow down": 10006 too many visits, 10018 IP rate limit.
RATE_LIMIT_CODES = frozenset({10006, 10018})
#: HTTP statuses worth retrying (pybit raises FailedRequestError with them).
RETRY_HTTP = frozenset({403, 408, 409, 429, 500, 502, 503, 504})


class FetchError(FpgaPruneError):
    """Bybit could not be reached or kept failing after all retries."""


def source_label(category: str, symbol: str, code: str) -> str:
    """Names fetched candles the same way whether they came from the cache or the network."""
    return f"bybit:{category}/{symbol}/{code}"


def default_cache_dir() -> Path:
    import platformdirs  # noqa: PLC0415  (only when caching)

    return Path(platformdirs.user_cache_dir("fpga-prune")) / "bybit"


def cache_path(
    cache_dir: str | os.PathLike[str] | None, category: str, symbol: str, code: str, start_ms: int, end_ms: int
) -> Path:
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return root / f"{category}_{symbol}_{code}_{start_ms}_{end_ms}.csv"


def make_client(session: requests.Session | None = None, *, timeout: int = 10) -> HTTP:
    """A pybit ``HTTP`` with its own retrying off; ``session`` replaces its transport."""
    from pybit.unified_trading import HTTP  # noqa: PLC0415  (pybit is slow to import)

    http = HTTP(testnet=False, max_retries=1, force_retry=False, timeout=timeout)
    http.retry_codes = set()  # pybit fills an empty set with defaults in __post_init__
    http.ignore_codes = set()
    if session is not None:
        session.headers.update(http.client.headers)
        http.client.close()
        http.client = session
    return http


def _backoff(attempt: int) -> float:
    return min(BACKOFF_CAP_S, BACKOFF_S * 2**attempt)


def _request_page(
    http: HTTP,
    params: dict[str, str | int],
    *,
    source: str,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    max_attempts: int,
) -> JsonObject:
    """One get_kline call, retried on connection errors, rate limits and 5xx."""
    from pybit.exceptions import FailedRequestError, InvalidRequestError  # noqa: PLC0415

    last = ""
    for attempt in range(max_attempts):
        try:
            return http.get_kline(**params)
        except InvalidRequestError as exc:
            if exc.status_code not in RATE_LIMIT_CODES:
                raise InputError(
                    source, f"retCode {exc.status_code}", f"Bybit rejected the request: {exc.message}"
                ) from None
            last = f"rate limited (retCode {exc.status_code}: {exc.message})"
            delay = _backoff(attempt)
            reset = (exc.resp_headers or {}).get("X-Bapi-Limit-Reset-Timestamp")
            if reset is not None:
                try:
                    delay = max(0.0, min(BACKOFF_CAP_S, int(reset) / 1000 - clock())) + 0.05
                except ValueError:
                    pass
        except FailedRequestError as exc:
            if exc.status_code not in RETRY_HTTP:
                raise FetchError(f"{source}: HTTP {exc.status_code}: {exc.message}") from None
            last = f"HTTP {exc.status_code}: {exc.message}"
            delay = _backoff(attempt)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            last = f"{type(exc).__name__}: {exc}"
            delay = _backoff(attempt)
        if attempt + 1 < max_attempts:
            sleep(delay)
    raise FetchError(f"{source}: gave up after {max_attempts} attempts; last error: {last}")


def _fetch_rows(
    http: HTTP,
    *,
    category: str,
    symbol: str,
    code: str,
    start_ms: int,
    end_ms: int,
    source: str,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    max_attempts: int,
) -> KlineRows:
    """Page through ``[start_ms, end_ms)`` until every part of it is covered.

    Bybit answers with at most ``limit`` rows, newest first.  A full page
    leaves up to two uncovered sub-ranges (older and newer than the page);
    both are queued, so paging works backwards or forwards whichever end the
    server serves.  A page with fewer rows than the limit is everything there is.
    """
    length = interval_ms(code)
    rows = KlineRows()
    pending = [(start_ms, end_ms - 1)]  # inclusive bounds, as Bybit takes them
    budget = 2 * math.ceil((end_ms - start_ms) / length / PAGE_LIMIT) + 10
    page = 0
    while pending:
        lo, hi = pending.pop()
        page += 1
        if page > budget:
            raise FetchError(f"{source}: paging did not converge after {budget} pages")
        params: dict[str, str | int] = dict(
            category=category, symbol=symbol, interval=code, start=lo, end=hi, limit=PAGE_LIMIT
        )
        resp = _request_page(http, params, source=source, sleep=sleep, clock=clock, max_attempts=max_attempts)
        result = resp.get("result") if isinstance(resp, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get("list"), list):
            raise InputError(source, f"page {page}", "malformed v5 response: no result.list")
        got = result["list"]
        server_time = resp.get("time")
        before = len(rows.ts)
        rows.add(
            got, source=source, label=f"page {page}", server_time=server_time if isinstance(server_time, int) else None
        )
        page_ts = [t for t in rows.ts[before:] if lo <= t <= hi]
        if len(got) < PAGE_LIMIT or not page_ts:
            continue  # the server had nothing more in [lo, hi]
        older, newer = (lo, min(page_ts) - 1), (max(page_ts) + 1, hi)
        # Newer first on the stack's bottom: Bybit serves newest-first, so go back in time next.
        if newer[1] - newer[0] + 1 >= length:
            pending.append(newer)
        if older[1] - older[0] + 1 >= length:
            pending.append(older)
    return rows


def fetch(
    symbol: str,
    interval: str | int,
    start: str | int | datetime,
    end: str | int | datetime | None = None,
    *,
    category: str = "linear",
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    refresh: bool = False,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    max_attempts: int = MAX_ATTEMPTS,
) -> Candles:
    """Closed candles with open time in ``[start, end)`` (``end`` None: now), gaps allowed.

    Complete ranges (``end`` in the past) are cached as one CSV per
    category/symbol/interval/range; ``refresh`` re-downloads and overwrites,
    ``use_cache=False`` neither reads nor writes the cache.
    """
    symbol = symbol.strip().upper()
    if not symbol:
        raise InputError("command line", "--symbol", "empty symbol")
    if category not in CATEGORIES:
        raise InputError("command line", "--category", f"unknown category {category!r}; valid: {', '.join(CATEGORIES)}")
    code = parse_interval(interval)
    now_ms = int(clock() * 1000)
    start_ms = parse_time(start, field="--start")
    end_ms = now_ms if end is None else parse_time(end, field="--end")
    if end_ms <= start_ms:
        raise InputError("command line", "--end", f"end {format_ts(end_ms)} is not after start {format_ts(start_ms)}")
    source = source_label(category, symbol, code)
    complete = end_ms <= now_ms  # a range reaching into the future would cache a stale tail
    path = cache_path(cache_dir, category, symbol, code, start_ms, end_ms)
    if use_cache and complete and not refresh and path.is_file():
        try:
            cached = load_csv(path, interval=code, allow_gaps=True, symbol=symbol)
        except InputError:
            pass  # a damaged cache file is re-downloaded and replaced
        else:
            return replace(cached, source=source)
    http = make_client(session)
    rows = _fetch_rows(
        http,
        category=category,
        symbol=symbol,
        code=code,
        start_ms=start_ms,
        end_ms=end_ms,
        source=source,
        sleep=sleep,
        clock=clock,
        max_attempts=max_attempts,
    )
    # Server time marks the open candle; with no server time we fall back to our clock.
    rows.server_time = [now_ms if t < 0 else t for t in rows.server_time]
    candles, labels = rows.build(
        source=source, symbol=symbol, interval=code, on_conflict="last", keep=(start_ms, end_ms)
    )
    validate(candles, allow_gaps=True, locate=labels.__getitem__)
    if use_cache and complete:
        write_csv(candles, path)
    return candles


def no_sleep(_: float) -> None:
    """For tests and dry runs."""


__all__ = ["fetch", "FetchError", "make_client", "cache_path", "default_cache_dir", "RATE_LIMIT_CODES", "no_sleep"]
