"""The MLP: structure, determinism, exact save/load (dense and QKeras), and skill on the real candles."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from fpga_prune.cli import main
from fpga_prune.data import load
from fpga_prune.errors import InputError
from fpga_prune.model import features
from fpga_prune.model import training as model
from fpga_prune.model.metrics import evaluate

pytestmark = pytest.mark.slow

SMALL_SPEC = features.FeatureSpec(windows=(6, 24), lags=2, median_window=48, purge=48)


@pytest.fixture(scope="module")
def candles(bybit_csv):
    return load(bybit_csv)


@pytest.fixture(scope="module")
def small_splits(candles):
    """Two weeks of real candles: enough to train a tiny model in a second."""
    return features.split(features.build(candles.slice(0, 4000), SMALL_SPEC), SMALL_SPEC)


def test_default_model_is_too_big_for_pynq_z2_unpruned() -> None:
    n_in = len(features.FeatureSpec().feature_names())
    assert model.multiplies(n_in, 2, model.ModelConfig().hidden) >= 3000
    net = model.build_mlp(n_in, 2)
    assert [layer.name for layer in net.layers] == ["features", "fc1", "relu1", "fc2", "relu2", "fc_out", "output"]
    assert net.get_layer("output").get_config()["activation"] == "sigmoid"
    assert net.get_layer("fc_out").get_config()["activation"] == "linear"
    three = model.build_mlp(n_in, 3, model.ModelConfig(hidden=(8,)))
    assert three.output_shape == (None, 3) and three.get_layer("output").get_config()["activation"] == "softmax"


def test_quantized_model_uses_qkeras_layers() -> None:
    net = model.build_mlp(5, 2, model.ModelConfig(hidden=(4,), quantized=True, bits=6, integer_bits=1))
    fc1 = net.get_layer("fc1")
    assert type(fc1).__name__ == "QDense" and type(net.get_layer("relu1")).__name__ == "QActivation"
    q = fc1.get_config()["kernel_quantizer"]["config"]
    assert (q["bits"], q["integer"], q["alpha"]) == (6, 1, 1)


@pytest.mark.parametrize("text", ["64,x", "", "0,4", "64,,32", "-3"])
def test_bad_hidden_is_input_error(text: str) -> None:
    with pytest.raises(InputError, match="--hidden"):
        model.parse_hidden(text)
    with pytest.raises(InputError):
        model.ModelConfig(hidden=())


def test_same_seed_same_weights(small_splits) -> None:
    cfg = model.ModelConfig(hidden=(8, 4), epochs=2, batch_size=128, seed=7)
    a, ha = model.train(small_splits, cfg)
    b, hb = model.train(small_splits, cfg)
    c, _ = model.train(small_splits, replace(cfg, seed=8))
    assert ha == hb
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not all(np.array_equal(wa, wc) for wa, wc in zip(a.get_weights(), c.get_weights()))


@pytest.mark.parametrize("quantized", [False, True])
def test_bundle_round_trip_reproduces_predictions_exactly(candles, small_splits, tmp_path, quantized: bool) -> None:
    cfg = model.ModelConfig(hidden=(8, 4), epochs=2, batch_size=128, quantized=quantized, seed=1)
    net, hist = model.train(small_splits, cfg)
    assert hist["epochs_run"] == 2
    before = model.predict_proba(net, small_splits.test.X)
    pre = model.preprocess_dict(SMALL_SPEC, small_splits.scaler, small_splits.train.feature_names, cfg)
    model.save_bundle(tmp_path, net, pre, {"hello": 1})
    b = model.load_bundle(tmp_path)
    after = model.predict_proba(b.model, small_splits.test.X)
    np.testing.assert_array_equal(after, before)
    assert b.spec == SMALL_SPEC and b.config == cfg and b.metrics == {"hello": 1}
    # the saved scaler rebuilds the same model inputs from raw features
    ds = features.build(candles.slice(0, 4000), b.spec)
    raw = ds.X[np.isin(ds.index, small_splits.test.index)]
    np.testing.assert_array_equal(b.predict_proba(raw), before)
    if quantized:
        w = b.model.get_layer("fc1").kernel_quantizer_internal(b.model.get_layer("fc1").kernel).numpy()
        assert np.all(w * 2**7 == np.round(w * 2**7))  # 8 bits, 0 integer bits -> grid of 2^-7


def test_load_bundle_rejects_incomplete_dir(tmp_path) -> None:
    with pytest.raises(InputError, match="model.h5"):
        model.load_bundle(tmp_path)


def test_default_target_beats_majority_baseline_on_real_data(candles) -> None:
    spec = features.FeatureSpec()  # the quickstart default: bigmove
    assert spec.target == "bigmove"
    s = features.split(features.build(candles, spec), spec)
    net, _ = model.train(s, model.ModelConfig(hidden=(16, 8), epochs=4, seed=0))
    r = evaluate(s.test.y, model.predict_proba(net, s.test.X), n_boot=200, block=48, seed=0)
    assert r["metrics"]["roc_auc"]["ci_low"] > 0.55
    assert r["metrics"]["accuracy"]["ci_low"] > r["baseline"]["majority_rate"]
    assert r["vs_baseline"]["accuracy"]["beats_baseline"]


def test_train_cli_writes_bundle_and_rejects_bad_hidden(bybit_csv, tmp_path, capsys) -> None:
    out = tmp_path / "m"
    rc = main(
        [
            "--json",
            "train",
            "--data",
            str(bybit_csv),
            "--out",
            str(out),
            "--hidden",
            "8",
            "--epochs",
            "2",
            "--n-boot",
            "50",
            "--windows",
            "6,24",
            "--median-window",
            "48",
        ]
    )
    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    m = json.loads((out / "metrics.json").read_text())
    assert printed["metrics"] == m
    assert m["target"] == "bigmove" and m["model"]["multiplies"] == m["model"]["n_inputs"] * 8 + 8
    t = m["test"]
    assert set(t["metrics"]) == {
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "brier",
        "ece",
    }
    assert {"majority_rate", "metrics"} <= set(t["baseline"]) and set(t["slices"]) == {"vol_low", "vol_mid", "vol_high"}
    b = model.load_bundle(out)
    pre = json.loads((out / "preprocess.json").read_text())
    assert pre["feature_spec"]["windows"] == [6, 24] and len(pre["scaler"]["mean"]) == m["model"]["n_inputs"]
    assert b.model.input_shape == (None, m["model"]["n_inputs"])
    bad = tmp_path / "bad"
    assert main(["train", "--data", str(bybit_csv), "--out", str(bad), "--hidden", "64,x"]) == 2
    assert "--hidden" in capsys.readouterr().err and not bad.exists()
