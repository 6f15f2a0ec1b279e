"""emulate vs hls4ml's C simulation, bit for bit, on real Bybit features.

Each test compiles one hls4ml model with g++ (~10 s), so there are five.
"""

from __future__ import annotations

import numpy as np
import pytest
import qkeras as qk
import tensorflow as tf

import fpga_prune  # noqa: F401  (legacy Keras first)
from fpga_prune.arith import emulate, fixed
from fpga_prune.arith.ir import DenseLayer, FixedNetwork
from fpga_prune.hls import adapter as ha
from fpga_prune.hls.settings import HlsSettings

pytestmark = pytest.mark.slow  # g++ compiles of hls4ml projects


@pytest.fixture(scope="module")
def features(bybit_csv):
    """Scaled real features (all splits, time order) and direction labels."""
    from fpga_prune.data.files import load_csv
    from fpga_prune.model import features as F

    s = F.split(F.build(load_csv(bybit_csv)))
    X = np.concatenate([s.train.X, s.val.X, s.test.X]).astype(np.float32)
    y = np.concatenate([s.train.y, s.val.y, s.test.y])
    return X[:, :12], y


N_CHECK = 6000  # vectors compared per design (C simulation is the slow side)


def _mlp(hidden, n_out, out_act, seed=0):
    tf.keras.utils.set_random_seed(seed)
    layers = [tf.keras.layers.Input((12,))]
    for k, h in enumerate(hidden):
        layers.append(tf.keras.layers.Dense(h, activation="relu", name=f"fc{k + 1}"))
    layers.append(tf.keras.layers.Dense(n_out, activation=out_act, name="out"))
    return tf.keras.Sequential(layers)


def _train(model, X, y, loss, epochs=2):
    model.compile(tf.keras.optimizers.Adam(3e-3), loss)
    model.fit(X[:8000], y[:8000], epochs=epochs, batch_size=256, verbose=0)
    return model


def _compare(model, settings, X, tmp_path):
    """Convert + compile; return (network, emulated raw, C-sim raw)."""
    hm = ha.convert(model, settings, tmp_path / "prj")
    net = ha.network_from_hls(hm)
    hm.compile()
    X = X[-N_CHECK:]  # the most recent rows: out of the training window
    x = np.ascontiguousarray(X, dtype=np.float64)  # double bridge: outputs exact up to 53 bits
    ref = np.asarray(hm.predict(x), dtype=np.float64).reshape(len(x), -1)
    scaled = ref * 2.0**net.output_type.frac
    assert np.all(scaled == np.round(scaled)), "C-sim output is not on the result_t grid"
    ref_raw = scaled.astype(np.int64)
    out = emulate.predict_raw(net, emulate.quantize_inputs(net, X))
    return net, out, ref_raw


def test_default_dense_sigmoid_bit_exact(features, tmp_path):
    X, y = features
    model = _train(_mlp([64, 32], 1, "sigmoid"), X, y, "binary_crossentropy")
    net, out, ref = _compare(model, HlsSettings(), X, tmp_path)
    assert out.shape == (N_CHECK, 1)
    assert int((out != ref).sum()) == 0
    # the default design takes the exact float64 fast path in every dense layer
    assert [emulate.dense_plan(layer).mode for layer in net.layers if isinstance(layer, DenseLayer)] == ["float"] * 3
    # the exact integer path (trace) agrees with the fast path, layer by layer to the end
    tr = emulate.trace(net, emulate.quantize_inputs(net, X[-N_CHECK:]))
    assert len(tr) == len(net.layers) and np.array_equal(tr[-1], out)
    # network.json round trip is lossless and still bit-exact
    again = FixedNetwork.from_json(net.to_json())
    assert again.to_json() == net.to_json()
    assert np.array_equal(emulate.predict_raw(again, emulate.quantize_inputs(again, X[-N_CHECK:])), out)
    # the fast Keras-only path reproduces what hls4ml resolved
    assert ha.network_from_keras(model, HlsSettings()).to_json() == net.to_json()


def test_qkeras_auto_accumulators_bit_exact(features, tmp_path):
    X, y = features
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Input((12,)),
            qk.QDense(
                32,
                kernel_quantizer=qk.quantized_bits(6, 0, alpha=1),
                bias_quantizer=qk.quantized_bits(6, 0, alpha=1),
                name="fc1",
            ),
            qk.QActivation(qk.quantized_relu(6, 2), name="relu1"),
            qk.QDense(
                16,
                kernel_quantizer=qk.quantized_bits(4, 0, alpha=1),
                bias_quantizer=qk.quantized_bits(4, 0, alpha=1),
                name="fc2",
            ),
            qk.QActivation(qk.quantized_relu(5, 1), name="relu2"),
            qk.QDense(
                1,
                kernel_quantizer=qk.quantized_bits(8, 1, alpha=1),
                bias_quantizer=qk.quantized_bits(8, 1, alpha=1),
                name="out",
            ),
            tf.keras.layers.Activation("sigmoid", name="out_sigmoid"),
        ]
    )
    _train(model, X, y, "binary_crossentropy")
    net, out, ref = _compare(model, HlsSettings(), X, tmp_path)
    assert int((out != ref).sum()) == 0
    types = {layer.name: layer for layer in net.layers}
    assert types["fc1"].weight_type.width == 6  # from the quantizer, not the default
    assert types["relu1"].result_type.signed is False  # quantized_relu -> ap_ufixed


def test_resource_strategy_reuse_and_saturating_accum_bit_exact(features, tmp_path):
    X, y = features
    model = _train(_mlp([64, 32], 1, "sigmoid", seed=2), X, y, "binary_crossentropy")
    settings = (
        HlsSettings(strategy="resource")
        .with_layer("fc1", reuse_factor=24)  # RF > n_in: dense_resource_rf_gt_nin_rem0
        .with_layer("fc2", reuse_factor=8, accum="ap_fixed<14,3,AP_TRN,AP_SAT>")  # RF <= n_in
        .with_layer("out", reuse_factor=4)
    )
    Xs = X * 2.0  # push the narrow accumulator into saturation
    net, out, ref = _compare(model, settings, Xs, tmp_path)
    layers = {layer.name: layer for layer in net.layers}
    assert layers["fc1"].strategy == "resource" and layers["fc1"].reuse_factor == 24
    assert layers["fc2"].reuse_factor == 8
    assert emulate.dense_plan(layers["fc2"]).mode == "ordered"  # saturation: hardware order emulated
    assert int((out != ref).sum()) == 0
    rep = {r["layer"]: r for r in emulate.overflow_report(net, emulate.quantize_inputs(net, Xs[-N_CHECK:]))}
    assert rep["fc2"]["points"]["accum"]["vectors"] > 0


def test_softmax_three_class_bit_exact(features, tmp_path):
    X, y = features
    # three classes from the real labels' direction and next-row agreement
    y3 = (y + (np.roll(y, -1) == y)).astype(np.int64)
    model = _train(_mlp([32, 16], 3, "softmax", seed=3), X, y3, "sparse_categorical_crossentropy")
    net, out, ref = _compare(model, HlsSettings(), X, tmp_path)
    soft = net.layers[-1]
    assert soft.activation == "softmax" and soft.softmax.implementation == "stable"
    assert out.shape == (N_CHECK, 3)
    assert int((out != ref).sum()) == 0


def test_pruned_narrow_saturating_design_bit_exact(features, tmp_path):
    X, y = features
    model = _train(_mlp([64, 32], 1, "sigmoid", seed=4), X, y, "binary_crossentropy")
    rng = np.random.default_rng(0)
    for layer in model.layers:
        w, b = layer.get_weights()
        w[rng.random(w.shape) < 0.6] = 0.0  # unstructured pruning: 60 % zeros
        layer.set_weights([w * 3.0, b])
    settings = HlsSettings(default_precision="ap_fixed<8,3,AP_RND,AP_SAT>")
    for name in ("fc1", "fc2", "out"):
        settings = settings.with_layer(name, accum="ap_fixed<12,4,AP_TRN,AP_SAT>")
    net, out, ref = _compare(model, settings, X, tmp_path)
    assert int((net.layers[0].weights == 0).sum()) >= 0.5 * net.layers[0].weights.size
    assert int((out != ref).sum()) == 0
    x_raw = emulate.quantize_inputs(net, X[-N_CHECK:])
    rep = emulate.overflow_report(net, x_raw)
    assert sum(r["vectors_clipped"] for r in rep) > 0
    assert any(r["points"].get("accum", {}).get("vectors", 0) > 0 for r in rep)
    # inputs beyond +-4 saturate in input_t: the quantizer clips them exactly
    assert np.abs(X[-N_CHECK:]).max() >= 4 and x_raw.max() == net.input_type.raw_max
    assert np.array_equal(fixed.cast(x_raw, net.input_type, net.input_type), x_raw)
