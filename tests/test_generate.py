"""``fpga-prune generate`` end to end on real candles: project tree, bit-exact C simulation, determinism, errors.

Models are tiny (one hidden layer of 6, one epoch) so the suite stays fast;
the C simulation is compiled and run for real on every check.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import emulate
from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.boards import load_board
from fpga_prune.cli import main
from fpga_prune.flow.generate import GenerateOptions, generate, parse_top_header

pytestmark = pytest.mark.slow


def _train_dir(tmp: Path, csv: Path, *, quantized: bool, strategy: str, reuse: int) -> Path:
    from fpga_prune.data import load
    from fpga_prune.hls.settings import HlsSettings
    from fpga_prune.model import features
    from fpga_prune.model import training as model

    candles = load(csv)
    spec = features.FeatureSpec()
    splits = features.split(features.build(candles, spec), spec)
    cfg = model.ModelConfig(hidden=(6,), quantized=quantized, epochs=1, patience=1, seed=1)
    net, _ = model.train(splits, cfg, threads=1)
    pre = model.preprocess_dict(spec, splits.scaler, splits.train.feature_names, cfg)
    model.save_bundle(tmp, net, pre, {"data": {"source": str(csv)}})
    HlsSettings(strategy=strategy, reuse_factor=reuse).write(tmp / "hls_config.json")
    return tmp


@pytest.fixture(scope="module")
def dense_dir(tmp_path_factory, bybit_csv) -> Path:
    return _train_dir(tmp_path_factory.mktemp("dense"), bybit_csv, quantized=False, strategy="latency", reuse=1)


@pytest.fixture(scope="module")
def qkeras_resource_dir(tmp_path_factory, bybit_csv) -> Path:
    return _train_dir(tmp_path_factory.mktemp("qres"), bybit_csv, quantized=True, strategy="resource", reuse=2)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run_json(capsys, argv: list[str]) -> tuple[int, dict | None, str]:
    rc = main(["--json", *argv])
    out, err = capsys.readouterr()
    return rc, (json.loads(out) if out.strip() else None), err


def test_generate_writes_project_and_csim_equals_bit_accurate_model(dense_dir, bybit_csv, tmp_path, capsys):
    out = tmp_path / "prj"
    rc, payload, err = _run_json(
        capsys,
        [
            "generate",
            "--model",
            str(dense_dir),
            "--board",
            "pynq-z2",
            "--out",
            str(out),
            "--data",
            str(bybit_csv),
            "--vectors",
            "60",
            "--stress",
            "20",
        ],
    )
    assert rc == 0, err
    assert payload["csim"]["vectors"] == 80 and payload["csim"]["mismatching_vectors"] == 0
    assert payload["vectors"] == {"count": 80, "test_split": 60, "validation_split": 0, "stress": 20}
    agree = payload["agreement"]
    assert agree["rows"] == 60 and agree["agreement"] == round(agree["agree"] / 60, 6)
    assert agree["agree"] >= 54  # the fixed-point design decides like its float model on >= 90% of rows
    files = _files(out)
    for name in (
        "firmware/myproject.cpp",
        "firmware/parameters.h",
        "tb/tb_main.cpp",
        "scripts/build.tcl",
        "scripts/vivado_synth.tcl",
        "Makefile",
        "README.md",
        "manifest.json",
        "network.json",
        "tb_data/tb_input_features.dat",
        "tb_data/inputs_raw.dat",
        "vectors/vectors.json",
        "vectors/inputs.hex",
        "hls_config.json",
    ):
        assert name in files, name
    # No build artefacts or hls4ml stamps in the project.
    assert not any(n.endswith((".so", ".o", ".keras")) for n in files)
    assert "hls4ml_config.yml" not in files
    # The board's part and clock reached hls4ml and our scripts.
    assert b'set part "xc7z020clg400-1"' in files["project.tcl"]
    assert b"set_part xc7z020clg400-1" in files["scripts/build.tcl"]
    assert b"create_clock -period 10.0" in files["scripts/build.tcl"]
    assert b"report_utilization" in files["scripts/vivado_synth.tcl"]
    # Expected outputs recomputed independently from network.json.
    net = FixedNetwork.from_json(files["network.json"].decode())
    x = np.loadtxt(out / "tb_data/inputs_raw.dat", dtype=np.int64, ndmin=2)
    exp = np.loadtxt(out / "tb_data/expected_raw.dat", dtype=np.int64, ndmin=2)
    assert x.shape == (80, net.n_inputs)
    assert np.array_equal(emulate.predict_raw(net, x), exp)
    # hls4ml's float files carry the exact fixed-point values of the same vectors.
    xf = np.loadtxt(out / "tb_data/tb_input_features.dat", ndmin=2)
    assert np.array_equal(xf * 2.0**net.input_type.frac, x)
    # The manifest hashes every other file.
    man = json.loads(files["manifest.json"])
    assert set(man["files"]) == set(files) - {"manifest.json"}
    for name, digest in man["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert man["board"]["name"] == "pynq-z2" and man["tools"]["hls4ml"] == "1.3.0"
    assert man["vectors"]["count"] == 80
    readme = files["README.md"].decode()
    assert "vitis-run --mode hls --tcl scripts/build.tcl" in readme and "xc7z020clg400-1" in readme


def test_qkeras_resource_strategy_csim_bit_exact(qkeras_resource_dir, bybit_csv, tmp_path):
    res = generate(
        qkeras_resource_dir,
        load_board("pynq-z2"),
        tmp_path / "q",
        data=bybit_csv,
        options=GenerateOptions(vectors=50, stress=30),
    )
    assert res.csim is not None and res.csim.n_vectors == 80 and res.csim.mismatching_vectors == 0
    dense = [layer for layer in res.network.layers if layer.kind == "dense"]
    assert dense and all(layer.strategy == "resource" and layer.reuse_factor == 2 for layer in dense)
    # QKeras quantizers give narrow weight types, and hls4ml resolved the accumulators itself.
    assert any(layer.weight_type.width <= 8 for layer in dense)
    assert "Strategy" not in (tmp_path / "q" / "hls_config.json").read_text()  # ours, not hls4ml's dict
    assert "resource" in (tmp_path / "q" / "hls_config.json").read_text()


def test_generate_twice_gives_byte_identical_trees(dense_dir, bybit_csv, tmp_path):
    opts = GenerateOptions(vectors=30, stress=10, check=False)
    generate(dense_dir, load_board("pynq-z2"), tmp_path / "a", data=bybit_csv, options=opts)
    generate(dense_dir, load_board("pynq-z2"), tmp_path / "b", data=bybit_csv, options=opts)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == sorted(b) and len(a) > 50
    different = [n for n in a if a[n] != b[n]]
    assert different == []
    # Nothing depends on where the project was generated.
    assert not any(str(tmp_path).encode() in data for data in a.values())


def test_mismatch_exits_1_listing_first_mismatches(dense_dir, bybit_csv, tmp_path, monkeypatch, capsys):
    real = emulate.predict_raw

    def corrupt(network, x_raw, *a, **k):
        y = np.array(real(network, x_raw, *a, **k))
        y[3, 0] += 1
        y[7, 0] -= 2
        return y

    monkeypatch.setattr(emulate, "predict_raw", corrupt)
    out = tmp_path / "bad"
    rc = main(
        [
            "generate",
            "--model",
            str(dense_dir),
            "--board",
            "pynq-z2",
            "--out",
            str(out),
            "--data",
            str(bybit_csv),
            "--vectors",
            "20",
            "--stress",
            "0",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1
    assert "differs from the bit-accurate model on 2 of 20 vectors" in err
    assert "vector 3 output 0" in err and "vector 7 output 0" in err
    # The project is still written whole, for debugging.
    assert (out / "manifest.json").is_file()


def test_missing_model_dir_exits_2_one_line_nothing_written(tmp_path, capsys):
    out = tmp_path / "never"
    rc = main(["generate", "--model", str(tmp_path / "nope"), "--board", "pynq-z2", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "nope" in err and "model directory not found" in err
    assert not out.exists()


def test_bad_board_exits_2_nothing_written(dense_dir, tmp_path, capsys):
    out = tmp_path / "never"
    rc = main(["generate", "--model", str(dense_dir), "--board", "no-such-board", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "no-such-board" in err
    assert not out.exists()


def test_wrong_data_file_exits_2(dense_dir, tmp_path, capsys, bybit_csv):
    # Candles the model was not trained on: their "test split" is not held out.
    lines = bybit_csv.read_text().splitlines()
    other = tmp_path / "other.csv"
    other.write_text("\n".join([lines[0], *lines[2000:]]) + "\n")
    out = tmp_path / "never"
    rc = main(["generate", "--model", str(dense_dir), "--board", "pynq-z2", "--out", str(out), "--data", str(other)])
    err = capsys.readouterr().err
    assert rc == 2 and "not the data the model" in err and err.count("\n") == 1
    assert not out.exists()


def test_generate_clock_builds_the_project_at_that_period(dense_dir, tmp_path, capsys):
    out = tmp_path / "c"
    argv = ["generate", "--model", str(dense_dir), "--board", "pynq-z2", "--out", str(out)]
    rc = main([*argv, "--vectors", "10", "--stress", "0", "--no-check", "--clock", "4"])
    text = capsys.readouterr().out
    assert rc == 0 and "(xc7z020clg400-1, 4.0 ns)" in text  # pynq-z2's own period is 10 ns
    assert "set clock_period 4.0" in (out / "project.tcl").read_text()


def test_synth_without_vitis_says_skipped(dense_dir, bybit_csv, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(
        "PATH",
        os.pathsep.join(
            p
            for p in os.environ["PATH"].split(os.pathsep)
            if not (Path(p) / "vitis_hls").exists() and not (Path(p) / "vitis-run").exists()
        ),
    )
    out = tmp_path / "s"
    # No --data: the candles are the ones the model's metrics.json names.
    rc = main(
        [
            "generate",
            "--model",
            str(dense_dir),
            "--board",
            "pynq-z2",
            "--out",
            str(out),
            "--vectors",
            "10",
            "--stress",
            "0",
            "--no-check",
            "--synth",
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0
    assert "--synth skipped: neither vitis-run nor vitis_hls is on PATH" in text
    assert "C simulation check: skipped (--no-check)" in text


def test_parse_top_header_reads_hls4ml_prototype():
    sig = parse_top_header("void myproject(\n    input_t input_1[8],\n    result_t layer5_out[1]\n);\n", "myproject")
    assert (sig.input_ctype, sig.input_name, sig.output_ctype, sig.output_name) == (
        "input_t",
        "input_1",
        "result_t",
        "layer5_out",
    )
