"""Bybit fetching through pybit with a fake transport replaying v5-shaped pages.

The fake replaces only ``requests.Session.send``: pybit still builds the URL,
parses the JSON and raises on non-zero retCodes, as it does against Bybit.
The exchange it imitates serves real candles from the shared BTCUSDT file.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import requests
from requests.structures import CaseInsensitiveDict

from fpga_prune.cli import main
from fpga_prune.data import FetchError, fetch, load
from fpga_prune.data.bybit import cache_path
from fpga_prune.errors import InputError

H = 3_600_000
FIVE_MIN = 300_000


@pytest.fixture(scope="module")
def real(bybit_csv):
    """The first 2,600 real candles (2025-04-03 17:05 .. 2025-04-12 13:40 UTC)."""
    return load(bybit_csv).slice(0, 2600)


def v5(rows, *, server_time, symbol="BTCUSDT", code=0, msg="OK"):
    return {
        "retCode": code,
        "retMsg": msg,
        "result": {"symbol": symbol, "category": "linear", "list": rows} if code == 0 else {},
        "retExtInfo": {},
        "time": server_time,
    }


def as_rows(c, idx):
    """v5 list entries (strings, newest first) for candle indices ``idx`` (ascending)."""
    return [
        [
            str(int(c.timestamp_ms[i])),
            repr(float(c.open[i])),
            repr(float(c.high[i])),
            repr(float(c.low[i])),
            repr(float(c.close[i])),
            repr(float(c.volume[i])),
            repr(round(float(c.volume[i] * c.close[i]), 4)),
        ]
        for i in reversed(list(idx))
    ]


class FakeExchange(requests.Session):
    """A ``requests.Session`` whose ``send`` answers like GET /v5/market/kline.

    ``script`` holds events consumed one per request before normal service:
    a dict (a v5 body to return), an exception instance (raised), or a
    callable(params) -> body.  ``extra_newer`` makes pages overlap by also
    returning that many candles newer than ``end`` (as a sloppy server might).
    """

    def __init__(self, candles, *, server_time, script=(), extra_newer=0, headers=None):
        super().__init__()
        self.c = candles
        self.server_time = server_time
        self.script = list(script)
        self.extra_newer = extra_newer
        self.calls: list[dict] = []
        self.urls: list[str] = []
        self.extra_headers = headers or {}

    def serve(self, params):
        ts = self.c.timestamp_ms
        start, end, limit = int(params["start"]), int(params["end"]), int(params["limit"])
        idx = np.flatnonzero((ts >= start) & (ts <= end + self.extra_newer * FIVE_MIN))
        idx = idx[-limit:]  # Bybit: the newest `limit` candles in the range
        return v5(as_rows(self.c, idx), server_time=self.server_time)

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        params = dict(parse_qsl(url.query))
        self.calls.append(params)
        self.urls.append(request.url)
        event = self.script.pop(0) if self.script else self.serve
        if isinstance(event, BaseException):
            raise event
        body = event(params) if callable(event) else event
        resp = requests.Response()
        resp.status_code = 200
        resp._content = json.dumps(body).encode()
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json", **self.extra_headers})
        resp.url = request.url
        resp.request = request
        resp.encoding = "utf-8"
        return resp


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def _same(a, b):
    for f in ("timestamp_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_pages_backwards_until_range_covered(real, tmp_path):
    start, end = int(real.timestamp_ms[0]), int(real.timestamp_ms[-1]) + FIVE_MIN
    fake = FakeExchange(real, server_time=end + 10 * H)
    got = fetch("BTCUSDT", "5", start, end, cache_dir=tmp_path, session=fake, sleep=Sleeps())
    _same(got, real)
    assert got.interval_ms == FIVE_MIN and got.symbol == "BTCUSDT"
    assert got.source == "bybit:linear/BTCUSDT/5"
    # pybit built the real endpoint; 2,600 candles take three pages, newest first.
    assert urlsplit(fake.urls[0]).path == "/v5/market/kline"
    assert [int(c["end"]) for c in fake.calls] == [
        end - 1,
        int(real.timestamp_ms[1600]) - 1,
        int(real.timestamp_ms[600]) - 1,
    ]
    assert {(c["category"], c["symbol"], c["interval"], c["limit"], c["start"]) for c in fake.calls} == {
        ("linear", "BTCUSDT", "5", "1000", str(start))
    }
    np.testing.assert_allclose(got.turnover, np.round(real.volume * real.close, 4))


def test_overlapping_pages_are_deduplicated(real, tmp_path):
    start, end = int(real.timestamp_ms[0]), int(real.timestamp_ms[-1]) + FIVE_MIN
    fake = FakeExchange(real, server_time=end + H, extra_newer=7)
    got = fetch("BTCUSDT", "5", start, end, session=fake, use_cache=False, sleep=Sleeps())
    _same(got, real)
    assert len(np.unique(got.timestamp_ms)) == len(got) == 2600


def test_range_is_half_open_and_clipped(real):
    start, end = int(real.timestamp_ms[10]), int(real.timestamp_ms[20])
    fake = FakeExchange(real, server_time=end + H, extra_newer=5)
    got = fetch("BTCUSDT", "5m", start, end, session=fake, use_cache=False, sleep=Sleeps())
    _same(got, real.slice(10, 20))


def test_rate_limit_then_success_waits_for_reset(real):
    end = int(real.timestamp_ms[100])
    now = end / 1000 + 3600
    limited = v5([], server_time=end, code=10006, msg="Too many visits!")
    fake = FakeExchange(
        real,
        server_time=end + H,
        script=[limited, limited],
        headers={"X-Bapi-Limit-Reset-Timestamp": str(int(now * 1000) + 1500)},
    )
    sleeps = Sleeps()
    got = fetch(
        "BTCUSDT", "5", int(real.timestamp_ms[0]), end, session=fake, use_cache=False, sleep=sleeps, clock=lambda: now
    )
    _same(got, real.slice(0, 100))
    assert len(fake.calls) == 3
    assert sleeps == [pytest.approx(1.55), pytest.approx(1.55)]  # until the reset, not a blind backoff


def test_connection_errors_back_off_exponentially_then_give_up(real):
    end = int(real.timestamp_ms[100])
    fake = FakeExchange(real, server_time=end + H, script=[requests.exceptions.ConnectionError("connection reset")] * 6)
    sleeps = Sleeps()
    with pytest.raises(FetchError, match=r"gave up after 6 attempts; last error: ConnectionError"):
        fetch("BTCUSDT", "5", int(real.timestamp_ms[0]), end, session=fake, use_cache=False, sleep=sleeps)
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    # one failure then service: a single 1 s wait
    fake = FakeExchange(real, server_time=end + H, script=[requests.exceptions.ReadTimeout("slow")])
    sleeps = Sleeps()
    got = fetch("BTCUSDT", "5", int(real.timestamp_ms[0]), end, session=fake, use_cache=False, sleep=sleeps)
    assert len(got) == 100 and sleeps == [1.0]


def test_other_retcode_is_a_clear_error_without_retry(real):
    bad = v5([], server_time=0, code=10001, msg="params error: Symbol Is Invalid")
    fake = FakeExchange(real, server_time=0, script=[bad])
    sleeps = Sleeps()
    with pytest.raises(InputError) as err:
        fetch("BTCUSDX", "5", "2025-04-04", "2025-04-05", session=fake, use_cache=False, sleep=sleeps)
    assert str(err.value) == (
        "bybit:linear/BTCUSDX/5: retCode 10001: Bybit rejected the request: params error: Symbol Is Invalid"
    )
    assert len(fake.calls) == 1 and sleeps == []


def test_malformed_row_names_page_row_and_value(real):
    end = int(real.timestamp_ms[50])

    def broken(params):
        body = v5(as_rows(real, range(0, 50)), server_time=end + H)
        body["result"]["list"][2][2] = "12x.5"
        return body

    fake = FakeExchange(real, server_time=end + H, script=[broken])
    with pytest.raises(InputError) as err:
        fetch("BTCUSDT", "5", int(real.timestamp_ms[0]), end, session=fake, use_cache=False)
    assert str(err.value) == (
        "bybit:linear/BTCUSDT/5: page 1 row 3: malformed kline row: field high: cannot parse number '12x.5'"
    )

    def short(params):
        body = v5(as_rows(real, range(0, 50)), server_time=end + H)
        body["result"]["list"][0] = body["result"]["list"][0][:4]
        return body

    with pytest.raises(InputError, match=r"page 1 row 1: malformed kline row: expected \[startTime"):
        fetch(
            "BTCUSDT",
            "5",
            int(real.timestamp_ms[0]),
            end,
            session=FakeExchange(real, server_time=0, script=[short]),
            use_cache=False,
        )


def test_high_below_close_from_exchange_is_rejected(real):
    end = int(real.timestamp_ms[50])

    def bad(params):
        body = v5(as_rows(real, range(0, 50)), server_time=end + H)
        row = body["result"]["list"][0]  # newest = row index 49 ascending
        row[2] = str(float(row[4]) - 10)
        return body

    with pytest.raises(InputError, match=r"page 1 row 1 field high: high .* is below max\(open, close\)"):
        fetch(
            "BTCUSDT",
            "5",
            int(real.timestamp_ms[0]),
            end,
            session=FakeExchange(real, server_time=0, script=[bad]),
            use_cache=False,
        )


def test_empty_pages(real):
    # Entirely before the listing: nothing at all is a clear error.
    fake = FakeExchange(real, server_time=int(real.timestamp_ms[-1]))
    with pytest.raises(InputError, match="no candles"):
        fetch("BTCUSDT", "5", "2025-01-01", "2025-01-02", session=fake, use_cache=False)
    assert len(fake.calls) == 1
    # Starting before the first candle: the first (full) page leaves an older range,
    # whose page comes back empty, and paging stops there.
    start = int(real.timestamp_ms[0]) - 5000 * FIVE_MIN
    end = int(real.timestamp_ms[1000])
    fake = FakeExchange(real, server_time=end + H)
    got = fetch("BTCUSDT", "5", start, end, session=fake, use_cache=False)
    _same(got, real.slice(0, 1000))
    assert [(int(c["start"]), int(c["end"])) for c in fake.calls] == [
        (start, end - 1),
        (start, int(real.timestamp_ms[0]) - 1),
    ]


def test_still_open_candle_is_dropped(real):
    end = int(real.timestamp_ms[100]) + FIVE_MIN  # asks for candles 0..100
    # The server answered 2 minutes into candle 100: it is still open.
    fake = FakeExchange(real, server_time=int(real.timestamp_ms[100]) + 120_000)
    got = fetch(
        "BTCUSDT",
        "5",
        int(real.timestamp_ms[0]),
        end,
        session=fake,
        use_cache=False,
        clock=lambda: (int(real.timestamp_ms[100]) + 120_000) / 1000,
    )
    _same(got, real.slice(0, 100))


def test_cache_hit_and_refresh(real, tmp_path):
    start, end = int(real.timestamp_ms[0]), int(real.timestamp_ms[300])
    fake = FakeExchange(real, server_time=end + H)
    first = fetch("BTCUSDT", "5", start, end, cache_dir=tmp_path, session=fake)
    path = cache_path(tmp_path, "linear", "BTCUSDT", "5", start, end)
    assert path.is_file() and len(fake.calls) == 1

    class NoNetwork(requests.Session):
        def send(self, request, **kwargs):
            raise AssertionError("cache hit must not touch the transport")

    second = fetch("BTCUSDT", "5", start, end, cache_dir=tmp_path, session=NoNetwork())
    _same(second, first)
    np.testing.assert_array_equal(second.turnover, first.turnover)
    assert second.source == first.source == "bybit:linear/BTCUSDT/5"
    before = path.read_bytes()
    again = FakeExchange(real, server_time=end + H)
    fetch("BTCUSDT", "5", start, end, cache_dir=tmp_path, session=again, refresh=True)
    assert len(again.calls) == 1 and path.read_bytes() == before
    # --no-cache neither reads nor writes
    other = tmp_path / "other"
    nocache = FakeExchange(real, server_time=end + H)
    fetch("BTCUSDT", "5", start, end, cache_dir=other, session=nocache, use_cache=False)
    assert len(nocache.calls) == 1 and not other.exists()


def test_range_reaching_into_the_future_is_not_cached(real, tmp_path):
    start, end = int(real.timestamp_ms[0]), int(real.timestamp_ms[200])
    now = (int(real.timestamp_ms[100]) + 60_000) / 1000
    fake = FakeExchange(real, server_time=int(now * 1000))
    got = fetch("BTCUSDT", "5", start, end, cache_dir=tmp_path, session=fake, clock=lambda: now)
    _same(got, real.slice(0, 100))
    assert list(tmp_path.iterdir()) == []


def test_cli_symbol_fetch_with_cache_dir(real, tmp_path, monkeypatch, capsys):
    end = int(real.timestamp_ms[288])
    fakes = []

    def session_factory():
        fakes.append(FakeExchange(real, server_time=end + H))
        return fakes[-1]

    monkeypatch.setattr("pybit._http_manager.requests.Session", session_factory)
    out = tmp_path / "clean.csv"
    argv = [
        "data",
        "--symbol",
        "btcusdt",
        "--interval",
        "5m",
        "--start",
        "2025-04-03T17:05:00Z",
        "--end",
        str(end),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--out",
        str(out),
        "--json",
    ]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 288 and summary["gaps"] == 0
    assert summary["start"] == "2025-04-03 17:05:00+00:00"
    assert summary["end"] == "2025-04-04 17:00:00+00:00"
    assert len(fakes) == 1 and len(fakes[0].calls) == 1
    assert out.read_text().splitlines()[0] == "timestamp,open,high,low,close,volume,turnover"
    assert main(argv) == 0  # second run: served from the cache
    assert sum(len(f.calls) for f in fakes) == 1
    capsys.readouterr()
    assert main(argv + ["--refresh"]) == 0
    assert sum(len(f.calls) for f in fakes) == 2


def test_cli_retcode_error_is_one_line_exit_2(real, monkeypatch, capsys):
    bad = v5([], server_time=0, code=10001, msg="params error: Symbol Is Invalid")
    monkeypatch.setattr("pybit._http_manager.requests.Session", lambda: FakeExchange(real, server_time=0, script=[bad]))
    rc = main(["data", "--symbol", "NOPE", "--interval", "5", "--start", "2025-04-04", "--no-cache"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err == (
        "fpga-prune: error: bybit:linear/NOPE/5: retCode 10001: "
        "Bybit rejected the request: params error: Symbol Is Invalid\n"
    )
