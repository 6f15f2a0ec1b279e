"""Prune to fit on the real Bybit data: fits, keeps accuracy, reports honestly, fails clearly."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from fpga_prune import cli
from fpga_prune.arith import emulate
from fpga_prune.arith.fixed import FixedType, from_float
from fpga_prune.boards import load_board
from fpga_prune.hls.adapter import network_from_keras
from fpga_prune.hls.settings import HlsSettings
from fpga_prune.model.training import load_bundle
from fpga_prune.search.fit import weight_precision

pytestmark = pytest.mark.slow


def test_pruned_pynq_fits_with_retention(pruned_pynq, trained_model):
    b = json.loads((pruned_pynq / "budget.json").read_text())
    assert b["board"] == "pynq-z2" and b["fits"] is True
    reserved = b["interface"]["reserved"]  # prune's default: the board's axi-stream wrapper, DMA, interconnects
    assert set(reserved) == {"bram18k", "lut", "ff"}
    for r in ("dsp", "bram18k", "lut", "ff"):
        res = b["resources"][r]
        assert res["used"] <= res["allowed"] == int(res["available"] * res["cap"]) - reserved.get(r, 0)
        # per-layer rows add up to the totals
        assert sum(layer[r] for layer in b["per_layer"]) == res["used"]
    assert b["resources"]["dsp"]["available"] == 220
    acc = b["accuracy"]
    assert acc["retention"] >= 0.98
    assert acc["pruned_val"] >= acc["floor_val"]
    assert 0.5 < acc["decision_agreement"] <= 1.0
    assert acc["dense"] > 0.6  # the default target has real signal
    # the dense model did not fit: something was really pruned
    assert b["pruning"]["multiply_reduction"] > 0.3
    assert b["pruning"]["multiplies"] < b["pruning"]["dense_multiplies"]
    assert b["latency_ns"] == pytest.approx(b["latency_cycles"] * 10.0)
    dense_rows = [h for h in b["history"] if h["stage"] == "dense"]
    assert dense_rows and not any(h["fits"] for h in dense_rows if h["strategy"] == "latency")


def test_pruned_bundle_is_smaller_and_consistent(pruned_pynq, trained_model, bybit_csv):
    dense, pruned = load_bundle(trained_model), load_bundle(pruned_pynq)
    b = json.loads((pruned_pynq / "budget.json").read_text())
    assert [int(layer.units) for layer in pruned.model.layers if hasattr(layer, "units")] == b["design"]["widths"][1:]
    assert sum(b["design"]["widths"][1:-1]) < sum(b["pruning"]["dense_widths"][1:-1])
    settings = HlsSettings.read(pruned_pynq / "hls_config.json")
    assert settings.part == "xc7z020clg400-1"
    assert settings.strategy == b["design"]["strategy"]
    # the saved model + settings reproduce the reported hardware metric exactly
    from fpga_prune.data import load
    from fpga_prune.model import features
    from fpga_prune.model.metrics import roc_auc

    splits = features.split(features.build(load(bybit_csv), pruned.spec), pruned.spec)
    proba = emulate.predict(network_from_keras(pruned.model, settings), splits.test.X)
    assert round(roc_auc(splits.test.y, proba), 6) == b["accuracy"]["pruned"]
    assert dense.spec == pruned.spec


def test_report_files(pruned_pynq):
    md = (pruned_pynq / "budget.md").read_text()
    assert "**Fits** pynq-z2" in md and "| dsp |" in md
    for png in ("accuracy_vs_sparsity.png", "layer_resources.png"):
        assert (pruned_pynq / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_board_where_dense_fits_returns_it_unpruned(trained_model, bybit_csv, tmp_path, capsys):
    out = tmp_path / "u250"
    rc = cli.main(
        [
            "prune",
            "--model",
            str(trained_model),
            "--board",
            "alveo-u250",
            "--out",
            str(out),
            "--data",
            str(bybit_csv),
            "--json",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fits"] is True and doc["design"]["stage"] == "dense"
    assert doc["design"]["strategy"] == "latency" and doc["design"]["weight_bits"] == 16
    assert doc["sparsity"] == 0.0
    b = json.loads((out / "budget.json").read_text())
    assert b["pruning"]["widths"] == b["pruning"]["dense_widths"]
    assert b["accuracy"]["retention"] == pytest.approx(1.0, abs=0.01)


def test_impossible_budget_exits_1_with_shortfall(trained_model, bybit_csv, tmp_path, capsys):
    out = tmp_path / "nope"
    rc = cli.main(
        [
            "prune",
            "--model",
            str(trained_model),
            "--board",
            "pynq-z2",
            "--out",
            str(out),
            "--data",
            str(bybit_csv),
            "--cap",
            "dsp=0.001",
            "--min-retention",
            "0.999",
            "--finetune-epochs",  # every level is tried: short fine-tunes keep it quick
            "1",
            "--strategy",  # and one strategy: the shortfall message is the same for every strategy
            "latency",
            "--quiet",
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no design fits pynq-z2 at retention >= 0.999" in err[0]
    # the closest design names the resource it is over and by how much (with 0 DSP allowed the
    # search reaches multiplierless designs, so the binding resource may be DSP or LUT)
    m = re.search(
        r"closest design \(.*\) needs (DSP|LUT|FF|BRAM_18K) (\d+) but the cap allows (\d+) on pynq-z2 "
        r"\(\+(\d+)\)",
        err[0],
    )
    assert m and int(m.group(2)) - int(m.group(3)) == int(m.group(4)) > 0, err[0]
    assert not out.exists()


def test_broken_board_file_exits_2(trained_model, bybit_csv, tmp_path, capsys):
    board = tmp_path / "bad.yaml"
    board.write_text(
        "name: bad\npart: xc7z020clg400-1\nfamily: 7series\ndsp: lots\nbram18k: 280\n"
        "uram: 0\nlut: 53200\nff: 106400\nclock_period_ns: 10\ndsp_width: 25x18\nsource: me\n"
    )
    rc = cli.main(
        [
            "prune",
            "--model",
            str(trained_model),
            "--board",
            str(board),
            "--out",
            str(tmp_path / "o"),
            "--data",
            str(bybit_csv),
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.yaml" in err[0] and "dsp" in err[0] and "lots" in err[0]
    assert not (tmp_path / "o").exists()


def test_weight_precision_holds_the_largest_weight():
    for max_abs, bits in ((0.3, 8), (0.49, 6), (1.3, 16), (5.2, 10), (0.07, 8)):
        t = FixedType.parse(weight_precision(max_abs, bits))
        assert t.width == bits
        # the largest magnitude is representable without saturating ...
        lo, hi = t.raw_min * t.lsb, t.raw_max * t.lsb
        assert lo <= -max_abs and max_abs <= hi + t.lsb
        # ... and one integer bit fewer would not hold it (no bits wasted)
        tighter = FixedType(True, bits, t.integer - 1)
        assert max_abs > tighter.raw_max * tighter.lsb
    assert int(from_float(np.array([0.3]), FixedType.parse(weight_precision(0.3, 8)))[0]) != 0


def test_qkeras_model_prunes_to_fit_keeping_its_quantizers(bybit_csv, tmp_path, capsys):
    model_dir, out = tmp_path / "q", tmp_path / "qp"
    assert (
        cli.main(
            [
                "train",
                "--data",
                str(bybit_csv),
                "--out",
                str(model_dir),
                "--quantized",
                "--epochs",
                "6",
                "--patience",
                "2",
                "--n-boot",
                "50",
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    rc = cli.main(
        [
            "prune",
            "--model",
            str(model_dir),
            "--board",
            "pynq-z2",
            "--out",
            str(out),
            "--data",
            str(bybit_csv),
            "--json",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fits"] is True and doc["accuracy"]["retention"] >= 0.98
    assert doc["design"]["weight_bits"] == 8  # the QKeras kernel quantizer's own precision
    settings = HlsSettings.read(out / "hls_config.json")
    assert all(ls.weight is None for _, ls in settings.layers)  # hls4ml takes types from the quantizers
    pruned = load_bundle(out)
    assert [type(layer).__name__ for layer in pruned.model.layers if hasattr(layer, "units")] == ["QDense"] * 3


def test_unstructured_phase_uses_per_layer_sensitivity(trained_model, bybit_csv):
    """With no structured levels and a tight DSP cap the search prunes weights,
    layer by layer at ratios from the sensitivity curves, masks held fixed."""
    from fpga_prune.boards import Caps
    from fpga_prune.data import load
    from fpga_prune.model import features
    from fpga_prune.prune import graph, schedules
    from fpga_prune.search.config import FitConfig
    from fpga_prune.search.fit import nonzero_weights, prune_to_fit

    bundle = load_bundle(trained_model)
    splits = features.split(features.build(load(bybit_csv), bundle.spec), bundle.spec)
    cfg = FitConfig(
        neuron_fractions=(),
        sparsity_rounds=schedules.iterative(0.5, 4),
        weight_bits=(16,),
        strategy="latency",
        finetune_epochs=4,
        min_retention=0.9,
    )
    res = prune_to_fit(bundle.model, splits, load_board("pynq-z2"), Caps(dsp=1.0), cfg)
    assert res.fits and res.chosen.stage == "unstructured"
    assert res.chosen.estimate.totals["dsp"] <= 220 < res.designs[0].estimate.totals["dsp"]
    sens = res.sensitivity
    assert sens is not None and set(sens["curves"]) == {"fc1", "fc2", "fc_out"}
    assert len(sens["curves"]["fc1"]) == len(sens["sparsities"]) == 11
    layer_sparsity = {
        d.name: 1.0 - np.count_nonzero(graph.kernel(d)) / graph.kernel(d).size
        for d in graph.dense_layers(res.chosen.model)
    }
    # per-layer ratios, not one global threshold: the layers end at different sparsities
    assert max(layer_sparsity.values()) - min(layer_sparsity.values()) > 0.05
    nz, total = nonzero_weights(res.chosen.model)
    assert res.chosen.sparsity == pytest.approx(1 - nz / total)
    assert res.chosen.retention >= 0.9


def test_confidence_option_is_validated():
    from fpga_prune.errors import InputError
    from fpga_prune.search.config import FitConfig

    assert FitConfig().confidence == 0.9 and FitConfig(confidence=None).confidence is None  # default: the band
    with pytest.raises(InputError) as exc:
        FitConfig(confidence=1.0)
    assert str(exc.value).startswith("--confidence: must be between 0 and 1")
    from fpga_prune import cli
    from fpga_prune.cli.prune import fit_config_from_args

    parse = cli.build_parser(only="prune").parse_args
    base = ["prune", "--model", "m", "--board", "pynq-z2", "--out", "o"]
    assert fit_config_from_args(parse(base)).confidence == 0.9
    assert fit_config_from_args(parse([*base, "--confidence", "point"])).confidence is None
    assert fit_config_from_args(parse([*base, "--confidence", "0.5"])).confidence == 0.5
