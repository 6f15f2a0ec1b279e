"""``fpga-prune estimate DIR`` on every shared design directory, an hls4ml 1.3 project and a model directory."""

from __future__ import annotations

import json
from pathlib import Path

from fpga_prune import cli
from tiers import cal_path, calibration

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = cal_path()
DESIGNS = sorted(p.parent for p in CALIBRATION.glob("*/design.json"))


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@calibration
def test_estimate_json_on_every_shared_design(capsys):
    assert len(DESIGNS) == 33
    for d in DESIGNS:
        code, out, err = _run(capsys, "estimate", str(d), "--json")
        doc = json.loads((d / "design.json").read_text())["design"]
        assert code == 0, (d.name, err)
        est = json.loads(out)
        # a BatchNormalization is estimated as hls4ml builds it: one product and one adder per element
        assert sum(layer["name"].startswith("bn") for layer in est["layers"]) == doc["layers"].count("(bn)")
        assert est["part"].replace("-", "") == doc["part"].replace("-", "") and est["clock_period_ns"] == float(
            doc["clock_period_ns"]
        )
        assert est["hls_tool"].split("-")[1] == doc["tool_version"]
        for q in ("dsp", "bram18k", "lut", "ff", "latency_cycles"):
            lo, hi = est["bounds"][q]
            value = est["totals"][q] if q != "latency_cycles" else est["latency_cycles"]
            assert lo <= value <= hi
        assert sum(layer["dsp"] for layer in est["layers"]) == est["totals"]["dsp"]
        assert all("bounds" in layer for layer in est["layers"])
    code, out, err = _run(capsys, "estimate", str(CALIBRATION / "jet_f16_rf1_u250_vitis2022"), "--json")
    est = json.loads(out)
    assert (est["totals"]["dsp"], est["totals"]["bram18k"]) == (2557, 8)  # real: same
    assert abs(est["latency_cycles"] - 15) <= 1  # real: 15
    assert est["device_resources_known"] is True and 0.2 < est["utilization"]["dsp"] < 0.21  # alveo-u250 part


@calibration
def test_estimate_text_and_options(capsys):
    d = str(CALIBRATION / "jet_f16_rf1_u250_vhls2019")
    code, out, _ = _run(capsys, "estimate", d)
    assert code == 0 and out.splitlines()[0].startswith("jet_f16_rf1_u250_vhls2019: hls4ml project")
    assert "vivado-2019.2" in out.splitlines()[0] and out.splitlines()[-2].startswith("total")
    # another tool on the same firmware: Vitis builds x*c and x*(-c) separately (more DSPs)
    _, vout, _ = _run(capsys, "estimate", d, "--hls-tool", "vitis-2024.1", "--json")
    _, hout, _ = _run(capsys, "estimate", d, "--json")
    assert json.loads(vout)["totals"]["dsp"] > json.loads(hout)["totals"]["dsp"]
    _, nout, _ = _run(capsys, "estimate", d, "--json", "--confidence", "0.5")
    n, w = json.loads(nout)["bounds"]["lut"], json.loads(hout)["bounds"]["lut"]
    assert w[0] <= n[0] and n[1] <= w[1]
    _, pout, _ = _run(capsys, "estimate", d, "--json", "--part", "xc7z020clg400-1")
    assert json.loads(pout)["board"] == "pynq-z2" and json.loads(pout)["clock_period_ns"] == 5.0
    # a release no family was calibrated on: the rules of its family, the widest band, and a note saying so
    _, oout, _ = _run(capsys, "estimate", d, "--hls-tool", "vivado-2018.3")
    assert oout.splitlines()[-1].startswith("note: vivado-2018.3 is outside every calibrated tool family")
    assert "note:" not in out
    code, _, err = _run(capsys, "estimate", d, "--hls-tool", "quartus-21")
    assert code == 2 and "--hls-tool" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "estimate", d, "--confidence", "1.5")
    assert code == 2 and "--confidence" in err
    code, _, err = _run(capsys, "estimate", str(CALIBRATION / "extra"))
    assert code == 2 and err.count("\n") == 1


def test_estimate_hls4ml_13_project_without_keras(tmp_path, capsys):
    import keras
    import numpy as np

    from fpga_prune.hls.adapter import HlsSettings, convert

    model = keras.Sequential(
        [
            keras.layers.Input((10,)),
            keras.layers.Dense(16, activation="relu", name="fc1"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(0, 0.5, size=w.shape).astype(np.float32) for w in model.get_weights()])
    convert(model, HlsSettings(), tmp_path / "prj").write()
    (tmp_path / "prj" / "keras_model.keras").unlink()
    code, out, err = _run(capsys, "estimate", str(tmp_path / "prj"), "--json")
    assert code == 0, err
    est = json.loads(out)
    assert est["hls_tool"] == "vitis-2024.1" and est["part"] == "xcu250-figd2104-2L-e"
    assert [layer["name"] for layer in est["layers"]] == ["fc1", "fc1_relu", "out", "out_softmax"]


def test_estimate_model_directory(trained_model, capsys):
    code, out, err = _run(capsys, "estimate", str(trained_model), "--board", "pynq-z2", "--json")
    assert code == 0, err
    est = json.loads(out)
    assert est["board"] == "pynq-z2" and est["fits"] in (True, False)
    assert est["layers"][0]["kind"] == "dense" and est["totals"]["dsp"] >= 0
    # --clock: the board's 10 ns replaced; the clock-dependent rules (pipeline depth, registers) follow it
    code, out, err = _run(capsys, "estimate", str(trained_model), "--board", "pynq-z2", "--json", "--clock", "2")
    assert code == 0, err
    fast = json.loads(out)
    assert fast["clock_period_ns"] == 2.0 and est["clock_period_ns"] == 10.0
    assert fast["latency_ns"] == fast["latency_cycles"] * 2.0
    assert fast["latency_cycles"] > est["latency_cycles"] and fast["totals"]["ff"] > est["totals"]["ff"]
    assert fast["totals"]["dsp"] == est["totals"]["dsp"]


@calibration
def test_calibrate_writes_a_file_estimate_uses(tmp_path, capsys):
    dirs = [
        str(CALIBRATION / n)
        for n in (
            "ak_mnist_dsp_rf1_z7007s_vitis2021",
            "ak_har_dsp_rf1_z7007s_vitis2021",
            "ak_cardio_dsp_rf1_z7007s_vitis2021",
        )
    ]
    out = tmp_path / "cal.json"
    code, text, err = _run(capsys, "calibrate", *dirs, "--out", str(out), "--json")
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert doc["format"] == "fpga_prune.calibration/1" and len(doc["designs"]) == 3
    rules = {r["rule"]: r["value"] for r in doc["rules"] if r["tool_family"] == "vitis2021"}
    assert set(rules) == {"cal_lut", "cal_ff", "cal_latency"}
    assert json.loads(text)["leave_one_out_median_abs_err"]["dsp"] == 0.0
    target = str(CALIBRATION / "ak_jet_tagging_dsp_rf1_z7007s_vitis2021")
    _, plain, _ = _run(capsys, "estimate", target, "--json")
    _, cal, _ = _run(capsys, "estimate", target, "--json", "--calibration", str(out))
    plain, cal = json.loads(plain), json.loads(cal)
    assert cal["totals"]["dsp"] == plain["totals"]["dsp"]  # DSP is never fitted
    assert cal["totals"]["lut"] != plain["totals"]["lut"]
    bad = tmp_path / "bad.json"
    code, _, err = _run(capsys, "calibrate", str(CALIBRATION / "extra"), "--out", str(bad))
    assert code == 2 and not bad.exists() and err.count("\n") == 1
