"""The estimator on the real csynth reports of ../shared/vitis-calibration: rules, bands, user calibration."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from fpga_prune.errors import InputError
from fpga_prune.estimate.bands import FORCED, Calibration, band_factors
from fpga_prune.estimate.core import EstimateOptions, estimate
from fpga_prune.hls.calibration import calibrate, fit, observe, predict
from fpga_prune.hls.vitis import parse_csynth_rpt
from tiers import cal_path, calibration

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = cal_path()

pytestmark = calibration
MODELLED = sorted(p.parent for p in CALIBRATION.glob("*/design.json") if "breast_cancer" not in p.parent.name)


def test_csynth_rpt_parser_reads_totals_latency_and_instances():
    rpt = parse_csynth_rpt(
        CALIBRATION / "jet_f16_rf1_u250_vitis2022/myproject_prj/solution1/syn/report/myproject_csynth.rpt"
    )
    assert (rpt["dsp"], rpt["bram18k"], rpt["lut"], rpt["ff"], rpt["uram"]) == (2557, 8, 116694, 24233, 0)
    assert rpt["latency_cycles"] == {"best": 15, "worst": 15} and rpt["interval_cycles"] == {"min": 1, "max": 1}
    assert (rpt["tool"], rpt["version"], rpt["clock_uncertainty_ns"]) == ("vitis", "2022.2", 1.35)
    dense2 = [i for i in rpt["instances"] if i["module"].endswith("config2_s")][0]
    assert (dense2["dsp"], dense2["lut"], dense2["ff"], dense2["latency_max"], dense2["interval"]) == (
        719,
        28385,
        5814,
        1,
        1,
    )
    with pytest.raises(InputError):
        parse_csynth_rpt(CALIBRATION / "README.md")


def test_plain_vitis_2022_design_from_its_firmware_weights():
    obs = observe(CALIBRATION / "jet_f16_rf1_u250_vitis2022")
    assert obs.hls_tool == "vitis-2022.2" and obs.family == "vitis"
    pred, real = predict(obs), obs.real_dict()
    assert pred["dsp"] == real["dsp"] == 2557  # one DSP per distinct (input, constant) pair
    assert pred["bram18k"] == real["bram18k"] == 8  # softmax tables as Vitis 2022 replicates them
    assert real["latency_cycles"] == 15 and abs(pred["latency_cycles"] - 15) <= 1  # 4 Dense + softmax + top
    # FF: the crossing-bit rule is fitted over several public Vitis 2022+ designs, not this one alone
    assert abs(pred["lut"] / real["lut"] - 1) < 0.05 and abs(pred["ff"] / real["ff"] - 1) < 0.2


def test_forced_binding_and_tool_are_read_from_the_project():
    dsp = observe(CALIBRATION / "ak_jet_tagging_dsp_rf1_z7007s_vitis2021")
    lut = observe(CALIBRATION / "ak_jet_tagging_lut_rf2_z7007s_vitis2021")
    assert dsp.project.mul_impl == "dsp" and lut.project.mul_impl == "fabric"
    assert predict(dsp)["dsp"] == 814 and predict(lut)["dsp"] == 0  # real: 814 and 0
    assert predict(observe(CALIBRATION / "ak_jet_tagging_dsp_rf2_z7007s_vitis2021"))["dsp"] == 796  # RF 2 cap


def test_bounds_bracket_the_estimate_and_widen_with_confidence():
    obs = observe(CALIBRATION / "jet_f16_rf1_u250_vitis2022")
    opts = obs.project.estimate_options()
    est = estimate(obs.project.network, obs.board, opts)
    b90 = est.bounds()
    assert set(b90) == {"dsp", "bram18k", "lut", "ff", "latency_cycles"}
    for q, (lo, hi) in b90.items():
        assert lo <= getattr(est, q) <= hi
        assert lo <= obs.real_dict()[q] <= hi  # this design's real value is inside its 90% band
    b50 = estimate(obs.project.network, obs.board, obs.project.estimate_options(confidence=0.5)).bounds()
    assert all(b50[q][1] <= b90[q][1] and b50[q][0] >= b90[q][0] for q in b90)
    assert b90["lut"][1] > est.lut  # LUT is a heuristic: a real band
    assert est.upper()["lut"] == b90["lut"][1] and est.upper()["uram"] == 0
    layer = est.bounds(est.layers[0])
    assert layer["dsp"][0] <= est.layers[0].dsp <= layer["dsp"][1]
    # forced builds use their own (wider) latency band
    lo_f, hi_f = dict((q, (lo, hi)) for q, lo, hi in band_factors(FORCED, 0.9))["latency_cycles"]
    lo_p, hi_p = dict((q, (lo, hi)) for q, lo, hi in band_factors("vitis", 0.9))["latency_cycles"]
    assert hi_f > hi_p


def test_calibrate_on_half_the_designs_holds_on_the_other_half(tmp_path):
    train, test = MODELLED[0::2], MODELLED[1::2]
    cal = calibrate(train)
    assert set(cal.designs) == {p.name for p in train}
    path = tmp_path / "cal.json"
    path.write_text(cal.to_json())
    back = Calibration.read(path)
    assert back == cal
    errs: dict[str, list[float]] = {q: [] for q in ("dsp", "lut", "ff")}
    bram_exact = []
    for d in test:
        obs = observe(d)
        pred, real = predict(obs, back), obs.real_dict()
        for q in errs:
            errs[q].append(abs(pred[q] / real[q] - 1) if real[q] else float(pred[q] != 0))
        bram_exact.append(pred["bram18k"] == real["bram18k"])
    med = {q: statistics.median(v) for q, v in errs.items()}
    # held-out medians (14 designs: 7 of them Vitis 2021 RF 2 builds, whose FF the crossing-bit rule
    # overestimates 1.1-1.6x): DSP 0.0, LUT 0.11, FF 0.30; BRAM exact 93%
    assert med["dsp"] <= 0.01 and med["lut"] <= 0.15 and med["ff"] <= 0.32
    assert sum(bram_exact) / len(bram_exact) >= 0.8


def test_fit_moves_the_corrections_toward_the_reports():
    obs = [
        observe(CALIBRATION / n)
        for n in (
            "ak_mnist_dsp_rf1_z7007s_vitis2021",
            "ak_har_dsp_rf1_z7007s_vitis2021",
            "ak_jet_tagging_dsp_rf1_z7007s_vitis2021",
        )
    ]
    cal = fit(obs)
    rules = {k: v for fam, k, v in cal.rules if fam == "vitis2021"}
    # the fitted factor is the median real/estimate ratio: after it, that median is 1
    ratio = lambda c: statistics.median(o.real_dict()["lut"] / predict(o, c)["lut"] for o in obs)  # noqa: E731
    assert rules["cal_lut"] != 1.0 and rules["cal_lut"] == pytest.approx(ratio(None), abs=1e-4)
    assert ratio(cal) == pytest.approx(1.0, abs=1e-3)


def test_bad_calibration_file_is_one_line(tmp_path):
    p = tmp_path / "cal.json"
    p.write_text(
        '{"format": "fpga_prune.calibration/1", "rules": [{"tool_family": "vitis", "rule": "nope", "value": 1}]}'
    )
    with pytest.raises(InputError) as exc:
        Calibration.read(p)
    assert str(exc.value) == f"{p}: rules[0].rule: unknown rule 'nope'"


def test_prune_and_run_estimate_with_the_users_tool_and_calibration(tmp_path):
    """`--hls-tool` and `--calibration` reach every estimate of the search (FitConfig.estimate_options)."""
    import argparse

    from fpga_prune.cli.prune import add_fit_arguments, fit_config_from_args
    from fpga_prune.errors import InputError

    cal = Calibration(rules=(("vitis2021", "cal_lut", 1.5),), designs=("mine",))
    path = tmp_path / "cal.json"
    path.write_text(cal.to_json())
    parser = argparse.ArgumentParser()
    add_fit_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    cfg = fit_config_from_args(parser.parse_args(["--hls-tool", "vitis-2021.1", "--calibration", str(path)]))
    opts = cfg.estimate_options()
    assert opts.hls_tool == "vitis-2021.1" and opts.calibration == cal and opts.confidence == 0.9
    assert cfg.to_dict()["calibration"]["rules"] == [{"tool_family": "vitis2021", "rule": "cal_lut", "value": 1.5}]
    obs = observe(CALIBRATION / "ak_cardio_dsp_rf1_z7007s_vitis2021")
    base = estimate(obs.project.network, obs.board, EstimateOptions(hls_tool="vitis-2021.1"))
    assert estimate(obs.project.network, obs.board, opts).lut == pytest.approx(1.5 * base.lut, rel=0.01)
    default = fit_config_from_args(parser.parse_args([]))
    assert default.estimate_options().hls_tool == "vitis-2024.1" and default.calibration is None
    with pytest.raises(InputError, match="quartus-2024"):
        fit_config_from_args(parser.parse_args(["--hls-tool", "quartus-2024"]))


def test_a_report_committed_at_the_projects_root_is_found(tmp_path):
    # mgrailoo/HLS4ML_Poisioned_CPP_HDL_9b_FashionMNIST commits its firmware with syn/report/ beside it
    import shutil

    prj = tmp_path / "prj"
    shutil.copytree(CALIBRATION / "jet_f16_rf1_u250_vitis2022", prj)
    shutil.move(prj / "myproject_prj" / "solution1" / "syn", prj / "syn")
    shutil.rmtree(prj / "myproject_prj")
    assert observe(prj).real_dict() == observe(CALIBRATION / "jet_f16_rf1_u250_vitis2022").real_dict()
