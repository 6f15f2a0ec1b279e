"""Every validation failure, as a user meets it: `fpga-prune data` on a small bad CSV.

Each must exit 2 with one stderr line naming the file, the CSV line (the
header is line 1) and the offending value, print no traceback, and leave no
--out file behind.
"""

from __future__ import annotations

import json

import pytest

from fpga_prune.cli import main
from fpga_prune.data import CandleSource
from fpga_prune.errors import InputError

# Seven real candles (the first of the shared file), header on line 1.
GOOD = """timestamp,open,high,low,close,volume
2025-04-03 17:05:00+00:00,81794.8,81998.1,81785.2,81804.9,317.956
2025-04-03 17:10:00+00:00,81804.9,81898.3,81714.5,81800.3,128.285
2025-04-03 17:15:00+00:00,81800.3,81846.3,81750.0,81799.9,106.563
2025-04-03 17:20:00+00:00,81799.9,81823.3,81671.1,81720.2,113.398
2025-04-03 17:25:00+00:00,81720.2,81742.8,81544.7,81595.5,153.713
2025-04-03 17:30:00+00:00,81595.5,81714.9,81552.0,81695.0,111.107
2025-04-03 17:35:00+00:00,81695.0,81725.0,81652.4,81662.8,76.601
"""


def _edit(line: int, old: str, new: str) -> str:
    lines = GOOD.splitlines()
    assert old in lines[line - 1], (line, old)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines) + "\n"


def _drop(line: int) -> str:
    lines = GOOD.splitlines()
    del lines[line - 1]
    return "\n".join(lines) + "\n"


CASES = {
    "duplicate": (
        _edit(4, "17:15", "17:10"),
        "line 4 field timestamp: duplicate timestamp 2025-04-03 17:10:00+00:00 (same as line 3)",
    ),
    "non_monotonic": (
        _edit(4, "17:15", "17:00"),
        "line 4 field timestamp: 2025-04-03 17:00:00+00:00 is earlier than "
        "2025-04-03 17:10:00+00:00 on line 3; rows must be in ascending time order",
    ),
    "gap": (
        _drop(4),
        "line 4 field timestamp: 1 gap (1 missing candle); largest 5 min missing before "
        "2025-04-03 17:20:00+00:00; pass --allow-gaps to proceed",
    ),
    "nan": (_edit(5, "81720.2,", "nan,"), "line 5 field close: value nan is not finite"),
    "inf": (_edit(6, ",153.713", ",inf"), "line 6 field volume: value inf is not finite"),
    "zero_price": (_edit(3, "81714.5", "0"), "line 3 field low: price 0.0 is not positive"),
    "negative_price": (_edit(7, "81552.0", "-81552.0"), "line 7 field low: price -81552.0 is not positive"),
    "high_below_body": (
        _edit(2, "81998.1", "81800.0"),
        "line 2 field high: high 81800.0 is below max(open, close) = 81804.9",
    ),
    "low_above_body": (
        _edit(8, "81652.4", "81670.0"),
        "line 8 field low: low 81670.0 is above min(open, close) = 81662.8",
    ),
    "negative_volume": (_edit(3, "128.285", "-128.285"), "line 3 field volume: volume -128.285 is negative"),
    "mixed_intervals": (
        _edit(5, "17:20", "17:18"),
        "line 5 field timestamp: 2025-04-03 17:18:00+00:00 is 3 min after the previous "
        "row, not a multiple of the 5 min interval (mixed intervals) (and 1 more row)",
    ),
    "missing_column": (
        GOOD.replace("timestamp,open,high,low,close,volume", "timestamp,open,high,low,close"),
        "line 1 header: missing column volume (found timestamp,open,high,low,close; "
        "expected timestamp,open,high,low,close,volume[,turnover])",
    ),
    "bad_number": (
        _edit(6, "81595.5,", "81,595.5,"),
        "line 6: expected 6 fields, got 7: '2025-04-03 17:25:00+00:00,81720.2,81742.8,81544.7,81,595.5,153.713'",
    ),
    "unparsable_number": (_edit(7, "81714.9", "81714.9USD"), "line 7 field high: cannot parse number '81714.9USD'"),
    "bad_timestamp": (
        _edit(3, "2025-04-03 17:10:00+00:00", "yesterday"),
        "line 3 field timestamp: cannot parse timestamp 'yesterday' "
        "(expected ISO 8601 or epoch seconds/milliseconds/microseconds)",
    ),
    "epoch_among_iso": (
        _edit(3, "2025-04-03 17:10:00+00:00", "1743700200"),
        "line 3 field timestamp: '1743700200' is an epoch number but line 2 has ISO text "
        "'2025-04-03 17:05:00+00:00'; one column, one time format",
    ),
    "empty": ("", "empty file: no header line (expected timestamp,open,high,low,close,volume[,turnover])"),
    "header_only": (GOOD.splitlines()[0] + "\n", "no data rows after the header"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_csv_is_one_line_exit_2(case, tmp_path, capsys):
    text, expected = CASES[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(text)
    out = tmp_path / "clean.csv"
    rc = main(["data", "--data", str(path), "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.err == f"fpga-prune: error: {path}: {expected}\n"
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_more_rows_with_the_same_defect_are_counted(tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text(GOOD.replace("128.285", "-1").replace("76.601", "-2"))
    assert main(["data", "--data", str(path)]) == 2
    assert capsys.readouterr().err.endswith("line 3 field volume: volume -1.0 is negative (and 1 more row)\n")


def test_allow_gaps_proceeds_and_reports_the_gaps(tmp_path, capsys):
    lines = GOOD.splitlines()
    path = tmp_path / "gappy.csv"
    path.write_text("\n".join(lines[:3] + lines[5:]) + "\n")  # 17:15 and 17:20 missing
    out = tmp_path / "clean.csv"
    assert main(["data", "--data", str(path), "--allow-gaps", "--out", str(out), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["rows"], s["gaps"], s["missing_candles"], s["largest_gap_ms"]) == (5, 1, 2, 600_000)
    assert s["largest_gap_before"] == "2025-04-03 17:25:00+00:00"
    assert out.read_text() == path.read_text()  # clean input, same canonical form


def test_interval_given_that_contradicts_the_data(tmp_path, capsys):
    path = tmp_path / "five.csv"
    path.write_text(GOOD)
    assert main(["data", "--data", str(path), "--interval", "15"]) == 2
    assert capsys.readouterr().err == (
        f"fpga-prune: error: {path}: line 3 field timestamp: 2025-04-03 17:10:00+00:00 is 5 min after "
        "the previous row, not a multiple of the 15 min interval (mixed intervals) (and 5 more rows)\n"
    )
    assert main(["data", "--data", str(path), "--interval", "fortnight"]) == 2
    assert "command line: --interval: unknown interval 'fortnight'" in capsys.readouterr().err


def test_no_source_is_an_error_in_the_api():
    """The CLI falls back to the built-in sample (tests/test_data_builtin.py); a bare CandleSource does not."""
    with pytest.raises(InputError) as err:
        CandleSource().validate()
    assert str(err.value).startswith("command line: --data/--symbol: no candles: give --data FILE, or --symbol SYMBOL")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--symbol", "BTCUSDT", "--start", "2025-04-03"], "command line: --interval: required with --symbol"),
        (["--symbol", "BTCUSDT", "--interval", "5"], "command line: --start: required with --symbol"),
        (
            ["--symbol", "BTCUSDT", "--interval", "5", "--start", "2025-04-05", "--end", "2025-04-04"],
            "command line: --end: end 2025-04-04 00:00:00+00:00 is not after start 2025-04-05 00:00:00+00:00",
        ),
        (
            ["--symbol", "BTCUSDT", "--interval", "5", "--start", "1743699900"],
            "command line: --start: 1743699900 is not epoch milliseconds",
        ),
    ],
)
def test_source_option_errors(argv, message, capsys):
    assert main(["data", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fpga-prune: error: {message}") and err.count("\n") == 1


def test_missing_file_and_unknown_suffix(tmp_path, capsys):
    assert main(["data", "--data", str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err == f"fpga-prune: error: {tmp_path / 'nope.csv'}: no such file\n"
    (tmp_path / "c.parquet").write_bytes(b"PAR1")
    assert main(["data", "--data", str(tmp_path / "c.parquet")]) == 2
    assert "unknown file type '.parquet'; valid: .csv, .json, .jsonl, .ndjson" in capsys.readouterr().err
