"""Loading real candles from the shared CSV and from v5 JSON in its three saved forms."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from fpga_prune.cli import main
from fpga_prune.data import format_ts, load, parse_interval, parse_time, summarize, validate, write_csv
from fpga_prune.data.files import csv_bytes
from fpga_prune.errors import InputError

FIVE_MIN = 300_000


@pytest.fixture(scope="module")
def real(bybit_csv):
    return load(bybit_csv)


def test_shared_file_loads_as_is(real, bybit_csv):
    assert len(real) == 25_920 and real.symbol == "BTCUSDT" and real.interval_ms == FIVE_MIN
    assert format_ts(real.timestamp_ms[0]) == "2025-04-03 17:05:00+00:00"
    assert format_ts(real.timestamp_ms[-1]) == "2025-07-02 17:00:00+00:00"
    assert real.timestamp_ms[0] == 1_743_699_900_000
    assert (real.open[0], real.high[0], real.low[0], real.close[0], real.volume[0]) == (
        81794.8,
        81998.1,
        81785.2,
        81804.9,
        317.956,
    )
    assert real.turnover is None
    rep = validate(real)
    assert (rep.rows, rep.gaps, rep.largest_gap_ms, rep.missing_candles) == (25_920, 0, 0, 0)
    # our canonical CSV is the shared file's own format, byte for byte
    assert csv_bytes(real) == bybit_csv.read_bytes()


def test_summary_numbers(real):
    s = summarize(real)
    assert (s["rows"], s["interval"], s["gaps"]) == (25_920, "5", 0)
    assert (s["price"]["low"], s["price"]["high"]) == (74456.2, 111968.0)
    assert s["labels"] == {"pairs": 25_919, "up": 12_965, "down": 12_895, "flat": 59, "up_fraction": 12_965 / 25_919}
    assert s["volume"]["total"] == pytest.approx(8_297_448.758)


def test_gaps_in_real_data_are_counted(real, tmp_path, capsys):
    keep = np.ones(len(real), dtype=bool)
    keep[100:103] = False  # a 15-minute hole
    keep[5000] = False  # a 5-minute hole
    c = real.slice(0, len(real))
    holey = type(c)(
        **{**c.__dict__, **{f: getattr(c, f)[keep] for f in ("timestamp_ms", "open", "high", "low", "close", "volume")}}
    )
    path = tmp_path / "BTCUSDT-holes.csv"
    write_csv(holey, path)
    with pytest.raises(
        InputError,
        match=r"line 102 field timestamp: 2 gaps \(4 missing candles\); "
        r"largest 15 min missing before 2025-04-04 01:40:00\+00:00",
    ):
        load(path)
    got = load(path, allow_gaps=True)
    rep = validate(got, allow_gaps=True)
    assert (rep.rows, rep.gaps, rep.missing_candles, rep.largest_gap_ms) == (25_916, 2, 4, 900_000)
    assert format_ts(rep.largest_gap_after_ms) == "2025-04-04 01:20:00+00:00"
    assert main(["data", "--data", str(path), "--allow-gaps"]) == 0
    assert (
        "gaps       2 (4 missing candles; largest 15 min before 2025-04-04 01:40:00+00:00)" in capsys.readouterr().out
    )


def test_write_csv_is_deterministic_and_atomic(real, tmp_path):
    part = real.slice(0, 500)
    a, b = tmp_path / "a.csv", tmp_path / "sub" / "b.csv"
    write_csv(part, a)
    write_csv(part, b)
    assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.csv", "b.csv", "sub"]  # no temp files
    back = load(a)
    for f in ("timestamp_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(back, f), getattr(part, f))


def test_epoch_ms_and_iso_variants_load_identically(real, tmp_path):
    part = real.slice(0, 20)
    body = csv_bytes(part).decode().splitlines()
    epoch = ["timestamp,open,high,low,close,volume"] + [
        f"{int(t)}," + line.split(",", 1)[1] for t, line in zip(part.timestamp_ms, body[1:])
    ]
    iso_z = [body[0]] + [line.replace(" ", "T", 1).replace("+00:00", "Z", 1) for line in body[1:]]
    offset = [body[0]] + [
        line.replace("17:", "19:", 1).replace("+00:00", "+02:00", 1) if line.startswith("2025-04-03 17:") else line
        for line in body[1:]
    ]
    for name, lines in (("e.csv", epoch), ("z.csv", iso_z), ("o.csv", offset)):
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        np.testing.assert_array_equal(load(tmp_path / name).timestamp_ms, part.timestamp_ms, err_msg=name)


def _rows(c, lo, hi):
    return [
        [
            str(int(c.timestamp_ms[i])),
            repr(float(c.open[i])),
            repr(float(c.high[i])),
            repr(float(c.low[i])),
            repr(float(c.close[i])),
            repr(float(c.volume[i])),
            repr(round(float(c.volume[i] * c.close[i]), 2)),
        ]
        for i in range(hi - 1, lo - 1, -1)
    ]


def _resp(c, lo, hi, time_ms):
    return {
        "retCode": 0,
        "retMsg": "OK",
        "result": {"symbol": "BTCUSDT", "category": "linear", "list": _rows(c, lo, hi)},
        "retExtInfo": {},
        "time": time_ms,
    }


@pytest.mark.parametrize("form", ["object", "list", "jsonl", "concatenated"])
def test_v5_json_forms(real, tmp_path, form):
    done = int(real.timestamp_ms[300])  # server time: candle 299 closed, 300 would be open
    pages = [_resp(real, 150, 300, done), _resp(real, 0, 160, done)]  # overlapping by 10
    if form == "object":
        pages = [_resp(real, 0, 300, done)]
        path = tmp_path / "k.json"
        path.write_text(json.dumps(pages[0]))
    elif form == "list":
        path = tmp_path / "k.json"
        path.write_text(json.dumps(pages))
    else:
        path = tmp_path / ("k.jsonl" if form == "jsonl" else "k.json")
        path.write_text("\n".join(json.dumps(p) for p in pages) + "\n")
    got = load(path)
    assert (len(got), got.symbol, got.interval_ms) == (300, "BTCUSDT", FIVE_MIN)
    for f in ("timestamp_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(got, f), getattr(real.slice(0, 300), f))
    assert got.turnover is not None and got.turnover[0] == round(81804.9 * 317.956, 2)


def test_v5_json_drops_the_open_candle_and_rejects_conflicts(real, tmp_path):
    path = tmp_path / "k.json"
    path.write_text(json.dumps(_resp(real, 0, 50, int(real.timestamp_ms[49]) + 60_000)))
    assert len(load(path)) == 49
    a, b = _resp(real, 0, 30, 0), _resp(real, 20, 40, 0)
    b["result"]["list"][-1][4] = "1.0e9"  # candle 20, close, differs from page 1
    path.write_text(json.dumps([a, b]))
    with pytest.raises(InputError) as err:
        load(path)
    assert str(err.value) == (
        f"{path}: response 2 row 20 field timestamp: 2025-04-03 18:45:00+00:00 "
        "appears again with different values (also response 1 row 10)"
    )


@pytest.mark.parametrize(
    "text, where",
    [
        (
            '{"retCode": 10006, "retMsg": "Too many visits!", "result": {}}',
            "response 1 field retCode: Bybit error response 10006: Too many visits!",
        ),
        (
            '{"retCode": 0, "result": {"list": [["1743699900000", "1", "2"]]}}',
            "response 1 row 1: malformed kline row: expected [startTime, open, high, low, close, volume, turnover]",
        ),
        ('{"retCode": 0, "result": {"category": "linear"}}', "response 1: not a v5 kline response: no result.list"),
        ('{"retCode": 0, "result": {"list": []}}', "no candles (empty result.list)"),
        ('{"retCode": 0,\n "result": }', "line 2 column 12: invalid JSON: Expecting value"),
        ("", "empty file"),
    ],
)
def test_v5_json_errors(tmp_path, text, where):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load(path)
    assert str(err.value).startswith(f"{path}: {where}")


def test_time_and_interval_parsing():
    assert parse_time("2025-04-03") == 1_743_638_400_000
    assert parse_time("2025-04-03T17:05:00Z") == parse_time("2025-04-03 19:05:00+02:00") == 1_743_699_900_000
    assert parse_time("1743699900000") == parse_time(1_743_699_900_000) == 1_743_699_900_000
    with pytest.raises(InputError, match="epoch seconds"):
        parse_time("1743699900")
    with pytest.raises(InputError, match="cannot parse time 'soon'"):
        parse_time("soon")
    assert [parse_interval(x) for x in ("5", "5m", "1h", "4h", "12h", "D", "1d", "w", "1M", "M")] == [
        "5",
        "5",
        "60",
        "240",
        "720",
        "D",
        "D",
        "W",
        "M",
        "M",
    ]
    with pytest.raises(InputError, match="valid Bybit intervals: 1, 3, 5, 15, 30, 60, 120, 240, 360, 720, D, W, M"):
        parse_interval("2m")


# ----------------------------------------------------------------------------- files as users have them
def _table(c, header, stamp, order=1, extra=()):
    """CSV text of candles ``c`` under ``header`` with timestamps written by ``stamp(ms)``."""
    rows = [
        ",".join([stamp(int(t)), *(repr(float(v)) for v in vals), *extra])
        for t, *vals in zip(
            c.timestamp_ms, c.open, c.high, c.low, c.close, c.volume, *([c.turnover] if c.turnover is not None else [])
        )
    ]
    return header + "\n" + "\n".join(rows[::order]) + "\n"


def _naive(ms):  # '2026-01-01 19:50:00', the Bybit spot export's form
    return format_ts(ms)[:-6]


def _hourly(c):
    """5-minute candles -> complete 1-hour candles (12 per hour, first at a full hour)."""
    first = int(np.argmax(c.timestamp_ms % 3_600_000 == 0))
    n = (len(c) - first) // 12 * 12
    part = c.slice(first, first + n)
    g = lambda a: a.reshape(-1, 12)  # noqa: E731
    return type(c)(
        symbol=c.symbol,
        interval_ms=3_600_000,
        timestamp_ms=g(part.timestamp_ms)[:, 0],
        open=g(part.open)[:, 0],
        high=g(part.high).max(1),
        low=g(part.low).min(1),
        close=g(part.close)[:, -1],
        volume=g(part.volume).sum(1),
        source="resampled",
    )


def _same(a, b, fields=("timestamp_ms", "open", "high", "low", "close", "volume")):
    assert len(a) == len(b)
    for f in fields:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_bybit_spot_export_loads_as_is(real, tmp_path, capsys):
    """Layout (a): open_time,...,turnover with zone-less times; UTC assumed and said."""
    part = real.slice(0, 2000)
    turnover = np.round(part.close * part.volume, 4)
    c = type(part)(**{**part.__dict__, "turnover": turnover})
    path = tmp_path / "BTCUSDT-spot-5m.csv"
    path.write_text(_table(c, "open_time,open,high,low,close,volume,turnover", _naive))
    got = load(path)
    _same(got, part)
    np.testing.assert_array_equal(got.turnover, turnover)
    assert (got.interval_ms, got.symbol) == (FIVE_MIN, "BTCUSDT")
    assert got.layout.notes() == ("columns open_time -> timestamp", "timestamps have no time zone: UTC assumed")
    assert main(["data", "--data", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  assumed    columns open_time -> timestamp\n" in out
    assert "  assumed    timestamps have no time zone: UTC assumed\n" in out


def test_hourly_linear_export_loads_as_is(real, tmp_path, capsys):
    """Layout (b): timestamp,Open,High,Low,Close,Volume of 1-hour candles, epoch ms."""
    hourly = _hourly(real)
    assert len(hourly) == 2159 and format_ts(hourly.timestamp_ms[0]) == "2025-04-03 18:00:00+00:00"
    path = tmp_path / "BTCUSDT-linear-60.csv"
    path.write_text(_table(hourly, "timestamp,Open,High,Low,Close,Volume", str))
    got = load(path)
    _same(got, hourly)
    assert got.interval_ms == 3_600_000 and got.high[0] == real.high[11:23].max()
    assert got.layout.notes() == (
        "columns Open -> open, High -> high, Low -> low, Close -> close, Volume -> volume",
        "timestamps are epoch milliseconds (inferred from their magnitude)",
    )
    assert main(["data", "--data", str(path), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["interval"], s["rows"], s["file_format"]["time_format"]) == ("60", 2159, "epoch_ms")


@pytest.mark.parametrize(
    "unit, stamp",
    [("seconds", lambda ms: str(ms // 1000)), ("milliseconds", str), ("microseconds", lambda ms: str(ms * 1000))],
)
def test_epoch_units_are_inferred_and_stated(real, tmp_path, unit, stamp):
    part = real.slice(0, 300)
    path = tmp_path / "e.csv"
    path.write_text(_table(part, "startTime,o,h,l,c,vol", stamp))
    got = load(path)
    _same(got, part)
    assert f"timestamps are epoch {unit} (inferred from their magnitude)" in got.layout.notes()
    assert (
        "columns startTime -> timestamp, o -> open, h -> high, l -> low, c -> close, vol -> volume"
        in got.layout.notes()
    )


def test_newest_first_file_is_sorted_and_its_interval_inferred(real, tmp_path, capsys):
    part = real.slice(0, 500)
    path = tmp_path / "newest-first.csv"
    path.write_text(
        _table(part, "Date,Open,High,Low,Close,Vol,trades,confirm", format_ts, order=-1, extra=("7", "true"))
    )
    got = load(path)  # before: "cannot infer the interval ...; pass --interval"
    _same(got, part)
    assert got.interval_ms == FIVE_MIN
    assert got.layout.notes()[-2:] == ("rows were newest first: sorted ascending", "ignored columns trades, confirm")
    # an error in a sorted file still names the line of the file: the newest row is line 2
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(repr(float(part.volume[-1])), "-1.0")
    path.write_text("\n".join(lines) + "\n")
    assert main(["data", "--data", str(path)]) == 2
    assert capsys.readouterr().err == f"fpga-prune: error: {path}: line 2 field Vol: volume -1.0 is negative\n"


@pytest.mark.parametrize(
    "header, stamps, message",
    [
        (
            "timestamp,open_time,open,high,low,close,volume",
            None,
            "line 1 header: two candidate time columns 'timestamp' (column 1) and 'open_time' (column 2); "
            "remove or rename one",
        ),
        (
            "Date,Time,open,high,low,close,volume",
            None,
            "line 1 header: two candidate time columns 'Date' (column 1) and 'Time' (column 2); remove or rename one",
        ),
        (
            "time,open,high,low,close,volume,v",
            None,
            "line 1 header: two candidate volume columns 'volume' (column 6) and 'v' (column 7); remove or rename one",
        ),
        (
            "time,open,high,low,close,volume",
            ["1743699900", "1743700200000"],
            "line 3 field time: mixed epoch units: '1743700200000' is epoch milliseconds but '1743699900' on "
            "line 2 is epoch seconds",
        ),
        (
            "time,open,high,low,close,volume",
            ["1743699900000", "1743700200"],
            "line 3 field time: mixed epoch units: '1743700200' is epoch seconds but '1743699900000' on "
            "line 2 is epoch milliseconds",
        ),
        (
            "time,open,high,low,close,volume",
            ["17436999", "17437002"],
            "line 2 field time: epoch number '17436999' is too small for epoch seconds, milliseconds or "
            "microseconds between 1973 and 5138",
        ),
        (
            "time,open,high,low,close,volume",
            ["1743699900", "2025-04-03 17:10"],
            "line 3 field time: '2025-04-03 17:10' is not an epoch number like '1743699900' on line 2; "
            "one column, one time format",
        ),
    ],
)
def test_ambiguous_files_are_one_line_errors(tmp_path, capsys, header, stamps, message):
    stamps = stamps or ["2025-04-03 17:05:00", "2025-04-03 17:10:00"]
    width = header.count(",") + 1
    rows = [",".join([s, *["1.0"] * (width - 1)]) for s in stamps]
    path = tmp_path / "amb.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    assert main(["data", "--data", str(path)]) == 2
    assert capsys.readouterr().err == f"fpga-prune: error: {path}: {message}\n"


def test_our_csv_and_json_assume_nothing(real, bybit_csv, tmp_path):
    assert real.layout.notes() == () and summarize(real)["file_format"]["notes"] == []
    path = tmp_path / "k.json"
    path.write_text(json.dumps(_resp(real, 0, 50, int(real.timestamp_ms[50]))))
    got = load(path)
    assert got.layout is None and "file_format" not in summarize(got)


# ----------------------------------------------------------------------------- the candles a bundle records
def test_recorded_source_finds_checks_and_follows_pruned_from(real, tmp_path):
    from fpga_prune.data import data_record, recorded_source

    csv = tmp_path / "BTCUSDT-5m.csv"
    write_csv(real.slice(0, 400), csv)
    model_dir, pruned_dir = tmp_path / "model", tmp_path / "pruned"
    model_dir.mkdir()
    pruned_dir.mkdir()
    rec = data_record(load(csv))
    assert rec["source"] == str(csv.resolve()) and rec["candles"] == 400 and rec["format"]["notes"] == []
    (model_dir / "metrics.json").write_text(json.dumps({"data": rec}))
    (pruned_dir / "metrics.json").write_text(json.dumps({"pruned_from": str(model_dir)}))  # an older prune
    assert recorded_source(model_dir) == recorded_source(pruned_dir) == csv.resolve()
    csv.write_text(csv.read_text().replace("81794.8", "81794.9", 1))
    with pytest.raises(InputError) as err:
        recorded_source(pruned_dir)
    now = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert str(err.value) == (
        f"{model_dir / 'metrics.json'}: data.sha256: {csv.resolve()} changed since the model "
        f"was made (sha256 {rec['sha256'][:12]}..., now {now[:12]}...); "
        "pass --data FILE with the original candles"
    )
    csv.rename(tmp_path / "elsewhere.csv")
    with pytest.raises(InputError, match=r"metrics.json: data.source: .*BTCUSDT-5m.csv no longer exists"):
        recorded_source(model_dir)
    with pytest.raises(InputError, match=r"--data: not given, and .*nothing records no candle file"):
        recorded_source(tmp_path / "nothing")


@pytest.mark.slow
def test_run_on_the_spot_export_layout_trains(real, tmp_path, capsys):
    """Layout (a) as `run` gets it: data step notes the assumptions, train fits a model on it."""
    path = tmp_path / "BTCUSDT-spot-5m.csv"
    c = real.slice(0, 6000)
    c = type(c)(**{**c.__dict__, "turnover": np.round(c.close * c.volume, 4)})
    path.write_text(_table(c, "open_time,open,high,low,close,volume,turnover", _naive))
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "--board",
                "pynq-z2",
                "--data",
                str(path),
                "--out",
                str(out),
                "--until",
                "train",
                "--hidden",
                "8",
                "--epochs",
                "2",
                "--n-boot",
                "50",
                "--windows",
                "12,48",
                "--median-window",
                "48",
                "--purge",
                "48",
            ]
        )
        == 0
    )
    summary = json.loads((out / "data" / "summary.json").read_text())
    assert summary["rows"] == 6000 and summary["file_format"]["notes"] == [
        "columns open_time -> timestamp",
        "timestamps have no time zone: UTC assumed",
    ]
    assert summary["file_format"]["columns"]["timestamp"] == "open_time"
    metrics = json.loads((out / "model" / "metrics.json").read_text())
    assert metrics["training"]["epochs_run"] == 2 and metrics["data"]["candles"] == 6000
    assert metrics["model"]["n_inputs"] == 14
    assert (metrics["splits"]["train"]["n"], metrics["splits"]["test"]["n"]) == (4165, 845)
    report = json.loads((out / "report.json").read_text())
    assert [s["status"] for s in report["steps"]][:2] == ["completed", "completed"]
