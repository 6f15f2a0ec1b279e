"""The built-in sample: real Bybit candles inside the package, loadable by name, the default source.

Fast tests (no training): they need only the package, never ``../shared``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import threading
from pathlib import Path

import pytest

from fpga_prune.cli import main
from fpga_prune.cli.app import build_parser
from fpga_prune.cli.candle_options import source_from_args
from fpga_prune.data import CandleSource, data_record, get_sample, load, load_source, recorded_source, sample_path
from fpga_prune.data.builtin import DEFAULT, SAMPLES, SAMPLES_DIR
from fpga_prune.errors import InputError

NOTICE = (
    "no --data or --symbol: using the built-in sample btcusdt-5m (Bybit BTCUSDT linear 5 min, "
    "2025-04-03..2025-07-02, 25,920 candles)"
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_sample_loads_by_name_with_its_recorded_hashes():
    s = get_sample("btcusdt-5m")
    assert (s.symbol, s.category, s.interval, s.rows) == ("BTCUSDT", "linear", "5", 25_920)
    packed = s.file.read_bytes()
    assert s.file.parent == SAMPLES_DIR and _sha(packed) == s.sha256_gz
    assert _sha(gzip.decompress(packed)) == s.sha256_csv
    candles = load("sample:btcusdt-5m")
    assert len(candles) == 25_920 and candles.symbol == "BTCUSDT" and candles.interval_ms == 300_000
    assert candles.source == str(s.file)
    assert (int(candles.timestamp_ms[0]), int(candles.timestamp_ms[-1])) == (1743699900000, 1751475600000)
    same, report = load_source(CandleSource.builtin())
    assert (report.rows, report.gaps, report.missing_candles) == (25_920, 0, 0)
    assert same.timestamp_ms.tolist() == candles.timestamp_ms.tolist()
    assert same.close.tolist() == candles.close.tolist()


def test_provenance_file_says_where_the_candles_came_from():
    for name, stem in SAMPLES.items():
        meta = json.loads((SAMPLES_DIR / f"{stem}.json").read_text())
        assert meta["name"] == name and meta["file"] == f"{stem}.csv.gz"
        for key in (
            "exchange",
            "api",
            "category",
            "symbol",
            "interval",
            "first_candle",
            "last_candle",
            "rows",
            "obtained",
            "sha256_csv",
            "sha256_gz",
            "licence",
        ):
            assert meta[key], key
        assert meta["exchange"] == "Bybit" and "/market/kline" in meta["api"] and "pybit" in meta["obtained"]
    assert DEFAULT in SAMPLES


def test_sample_path_is_the_csv_itself_written_once_and_safely(tmp_path):
    s = get_sample(DEFAULT)
    paths: list[Path] = []
    threads = [threading.Thread(target=lambda: paths.append(sample_path(DEFAULT, tmp_path))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(paths)) == 1
    (path,) = set(paths)
    assert path == tmp_path / s.sha256_csv[:16] / s.csv_name
    assert _sha(path.read_bytes()) == s.sha256_csv
    assert [p.name for p in path.parent.iterdir()] == [s.csv_name]  # no temp files left
    path.write_text("damaged")
    assert sample_path(DEFAULT, tmp_path) == path and _sha(path.read_bytes()) == s.sha256_csv
    assert len(load(path)) == 25_920


def test_data_list(capsys):
    assert main(["data", "--list"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "name        symbol          interval  rows    range                                                   sha256",
        (
            "btcusdt-5m  BTCUSDT linear  5 min     25,920  2025-04-03 17:05:00+00:00 .. 2025-07-02 17:00:00+00:00  "
            "cd59041c6817"
        ),
        "use one with --data sample:NAME; without --data and --symbol, commands use btcusdt-5m",
    ]
    assert main(["data", "--list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["default"] == "btcusdt-5m" and [s["name"] for s in doc["samples"]] == ["btcusdt-5m"]
    assert doc["samples"][0]["sha256_csv"] == get_sample(DEFAULT).sha256_csv
    assert main(["data", "--list", "--data", "x.csv"]) == 2
    assert capsys.readouterr().err == (
        "fpga-prune: error: command line: --list: lists the built-in samples; drop --data\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["data", "--data", "sample:x"],
        ["run", "--board", "pynq-z2", "--data", "sample:x"],
        ["train", "--data", "sample:x"],
    ],
)
def test_unknown_sample_is_one_line(argv, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)] if argv[0] != "data" else argv) == 2
    assert capsys.readouterr().err == "fpga-prune: error: sample:x: unknown sample 'x'; valid: btcusdt-5m\n"
    assert not out.exists()
    with pytest.raises(InputError, match="unknown sample 'x'; valid: btcusdt-5m"):
        load("sample:x")


def test_sample_source_rules():
    with pytest.raises(InputError, match="give either --data FILE or --symbol, not both"):
        CandleSource(sample=DEFAULT, symbol="BTCUSDT").validate()
    with pytest.raises(InputError, match="--start: only applies to --symbol"):
        CandleSource(sample=DEFAULT, start="2025-04-03").validate()
    # digests of file and Bybit sources (sweep group keys) are as before the sample field existed
    assert "sample" not in CandleSource(data=Path("x.csv")).key()
    assert CandleSource.builtin().key()["sample"] == DEFAULT


def test_data_without_a_source_uses_the_sample_and_says_so_first(capsys):
    assert main(["data"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [NOTICE]
    assert out.startswith("BTCUSDT  from ") and "rows       25,920" in out
    assert main(["data", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_train_and_run_without_a_source_resolve_the_sample_once(tmp_path, capsys):
    from fpga_prune.cli.run import config_from_args

    args = build_parser(only="train").parse_args(["train", "--out", str(tmp_path / "t")])
    assert source_from_args(args) == CandleSource.builtin()
    assert capsys.readouterr().err == NOTICE + "\n"
    args = build_parser(only="run").parse_args(["run", "--board", "pynq-z2", "--out", str(tmp_path / "r")])
    cfg = config_from_args(args)
    assert cfg.source == CandleSource.builtin()
    config_from_args(argparse.Namespace(**vars(args)))  # a sweep point: a copy of the same parse
    assert capsys.readouterr().err == NOTICE + "\n"
    args = build_parser(only="run").parse_args(
        ["run", "--board", "pynq-z2", "--out", str(tmp_path / "r"), "--data", "sample:btcusdt-5m"]
    )
    assert config_from_args(args).source == CandleSource.builtin()
    assert capsys.readouterr().err == ""  # named, not defaulted: nothing to announce


def test_run_until_data_on_the_default_sample(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--board", "pynq-z2", "--out", str(out), "--until", "data"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[0] == NOTICE
    s = get_sample(DEFAULT)
    summary = json.loads((out / "data" / "summary.json").read_text())
    assert summary["source"] == "sample:btcusdt-5m" and summary["source_sha256"] == s.sha256_csv
    assert summary["sample"]["name"] == DEFAULT and summary["sample"]["sha256_gz"] == s.sha256_gz
    assert summary["rows"] == 25_920 and summary["cleaned_csv"] == s.csv_name
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["source"] == "sample:btcusdt-5m" and report["data"]["sample"]["name"] == DEFAULT
    assert "built-in sample `btcusdt-5m`" in (out / "report.md").read_text()
    # the validated copy is the sample's candles, as a run on the decompressed CSV would write them
    from fpga_prune.data.files import csv_bytes

    assert (out / "data" / s.csv_name).read_bytes() == csv_bytes(load(sample_path(DEFAULT, tmp_path / "cache")))
    assert main(["run", "--board", "pynq-z2", "--out", str(out), "--until", "data", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exit_code"] == 0
    assert json.loads((out / "run.json").read_text())["steps"][0]["status"] == "skipped"  # same sample: cached


def test_bundle_record_of_the_sample_survives_a_moved_package(tmp_path):
    s = get_sample(DEFAULT)
    rec = data_record(load("sample:btcusdt-5m"))
    # recorded by name: the bundle reads the same on every machine
    assert rec["sample"] == DEFAULT and rec["sha256"] == s.sha256_gz and rec["source"] == "sample:btcusdt-5m"
    bundle = tmp_path / "model"
    bundle.mkdir()
    (bundle / "metrics.json").write_text(json.dumps({"data": rec}))
    assert recorded_source(bundle) == s.file
    # a bundle that recorded the packaged file's path before the package moved
    moved = dict(rec, source=str(tmp_path / "old-site" / s.file.name))
    (bundle / "metrics.json").write_text(json.dumps({"data": moved}))
    assert recorded_source(bundle) == s.file  # found by name, checked by sha256
    (bundle / "metrics.json").write_text(json.dumps({"data": dict(moved, sha256="0" * 64)}))
    with pytest.raises(InputError, match="changed since the model was made"):
        recorded_source(bundle)
    assert "sample" not in data_record(load(sample_path(DEFAULT, tmp_path / "cache")))  # a plain file


def test_gzipped_candle_files_load_transparently(tmp_path):
    text = "timestamp,open,high,low,close,volume\n" + "".join(
        f"2025-04-03 17:{m:02d}:00+00:00,1,2,0.5,1.5,10\n" for m in range(0, 30, 5)
    )
    plain, packed = tmp_path / "BTCUSDT-5m.csv", tmp_path / "BTCUSDT-5m.csv.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode(), mtime=0))
    a, b = load(plain), load(packed)
    assert len(b) == 6 and b.symbol == "BTCUSDT" and b.close.tolist() == a.close.tolist()
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(InputError, match=r"bad.csv.gz: not a valid gzip file"):
        load(bad)
    with pytest.raises(InputError, match=r"unknown file type '.parquet'"):
        load(tmp_path / "x.parquet.gz")


def test_generate_accepts_a_sample_name_for_data(tmp_path):
    from fpga_prune.flow.bundles import resolve_data

    assert resolve_data(tmp_path, "sample:btcusdt-5m") == get_sample(DEFAULT).file
    with pytest.raises(InputError, match="unknown sample 'zz'; valid: btcusdt-5m"):
        resolve_data(tmp_path, "sample:zz")
