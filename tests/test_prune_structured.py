"""Structured pruning: the narrower model computes what the masked model computes."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QDense, quantized_bits, quantized_relu

from fpga_prune.errors import InputError
from fpga_prune.prune import graph, structured
from prune_helpers import mlp, synthetic, train


def _dense_inline():
    return mlp(d=8, widths=(32, 24), seed=1)


def _dense_separate_functional():
    """Functional chain with BatchNorm and separate activation layers."""
    tf.keras.utils.set_random_seed(2)
    i = tf.keras.Input((8,), name="features")
    h = tf.keras.layers.Dense(32, name="fc1")(i)
    h = tf.keras.layers.BatchNormalization(name="bn1")(h)
    h = tf.keras.layers.Activation("relu", name="act1")(h)
    h = tf.keras.layers.Dense(24, name="fc2")(h)
    h = tf.keras.layers.ReLU(name="act2")(h)
    o = tf.keras.layers.Dense(3, activation="softmax", name="out")(h)
    m = tf.keras.Model(i, o, name="functional_bn")
    rng = np.random.default_rng(5)  # non-trivial BN statistics, so slicing them matters
    m.get_layer("bn1").set_weights(
        [rng.uniform(0.5, 2, 32), rng.normal(size=32), rng.normal(size=32), rng.uniform(0.5, 2, 32)]
    )
    return m


def _q():
    return quantized_bits(8, 0, alpha=1)


def _qkeras_inline():
    tf.keras.utils.set_random_seed(3)
    return tf.keras.Sequential(
        [
            tf.keras.Input((8,), name="features"),
            QDense(32, kernel_quantizer=_q(), bias_quantizer=_q(), activation=quantized_relu(6, 0), name="fc1"),
            QDense(24, kernel_quantizer=_q(), bias_quantizer=_q(), activation=quantized_relu(6, 0), name="fc2"),
            QDense(1, kernel_quantizer=_q(), bias_quantizer=_q(), activation="sigmoid", name="out"),
        ],
        name="q_inline",
    )


def _qkeras_separate():
    tf.keras.utils.set_random_seed(4)
    return tf.keras.Sequential(
        [
            tf.keras.Input((8,), name="features"),
            QActivation(quantized_bits(10, 3), name="in_q"),
            QDense(32, kernel_quantizer=_q(), bias_quantizer=_q(), name="fc1"),
            QActivation(quantized_relu(6, 0), name="act1"),
            QDense(24, kernel_quantizer=_q(), bias_quantizer=_q(), name="fc2"),
            QActivation("quantized_relu(6,0)", name="act2"),
            QDense(1, kernel_quantizer=_q(), bias_quantizer=_q(), name="out"),
            tf.keras.layers.Activation("sigmoid", name="sig"),
        ],
        name="q_separate",
    )


KEEP = {"fc1": np.arange(0, 32, 3), "fc2": np.array([1, 5, 7, 20])}
X = np.random.default_rng(0).normal(size=(3000, 8)).astype(np.float32)


@pytest.mark.parametrize(
    "build, exact",
    [(_dense_inline, False), (_dense_separate_functional, False), (_qkeras_inline, True), (_qkeras_separate, True)],
)
def test_removed_model_equals_masked_model(build, exact):
    model = build()
    masked = structured.mask_neurons(model, KEEP)
    small = structured.remove_neurons(model, KEEP)
    a, b = graph.forward(masked, X), graph.forward(small, X)
    if exact:  # QKeras: quantised values, sums of exact zeros -> bit-identical
        assert np.array_equal(a, b)
    else:  # float: the removed terms are exact zeros, only BLAS summation order differs
        assert np.max(np.abs(a - b)) <= 1e-6
    # and the pruning was real: outputs moved away from the unpruned model's
    assert np.max(np.abs(a - graph.forward(model, X))) > 1e-2
    # shapes: fc1 lost columns, fc2 lost rows AND columns, out lost rows
    assert small.get_layer("fc1").kernel.shape == (8, 11)
    assert small.get_layer("fc2").kernel.shape == (11, 4)
    assert small.get_layer("out").kernel.shape == (4, model.get_layer("out").units)
    k2 = model.get_layer("fc2").kernel.numpy()
    assert np.array_equal(small.get_layer("fc2").kernel.numpy(), k2[np.ix_(KEEP["fc1"], KEEP["fc2"])])
    assert np.array_equal(small.get_layer("fc1").bias.numpy(), model.get_layer("fc1").bias.numpy()[KEEP["fc1"]])
    assert type(small) is type(model) and small.input_names == model.input_names
    # quantizers and layer configs carried over
    for la in graph.chain_layers(model):
        cfg_old, cfg_new = la.get_config(), small.get_layer(la.name).get_config()
        cfg_old.pop("units", None), cfg_new.pop("units", None)
        assert cfg_old == cfg_new


def test_bn_statistics_are_sliced():
    model = _dense_separate_functional()
    small = structured.remove_neurons(model, KEEP)
    for old, new in zip(model.get_layer("bn1").get_weights(), small.get_layer("bn1").get_weights()):
        assert np.array_equal(new, old[KEEP["fc1"]])


def test_removing_dead_units_does_not_change_the_trained_model():
    x, y = synthetic()
    model = train(mlp(), x, y, epochs=3)
    fc1 = model.get_layer("fc1")
    k, b = fc1.get_weights()
    b[[2, 9, 17]] = -1e4  # three units that never fire
    fc1.set_weights([k, b])
    res = structured.prune_neurons(model, fraction=3 / 32, criterion="activation", x_train=x, layers=["fc1"])
    assert sorted(set(range(32)) - set(res.keep["fc1"].tolist())) == [2, 9, 17]
    assert res.model.get_layer("fc1").units == 29
    assert np.max(np.abs(graph.forward(res.model, x) - graph.forward(model, x))) <= 1e-6
    assert res.to_dict()["layers"]["fc1"] == {"before": 32, "after": 29, "kept": res.keep["fc1"].tolist()}


def test_keep_from_scores_rounding_and_floor():
    scores = {"a": np.array([0.3, 0.1, 0.9, 0.5]), "b": np.array([1.0, 2.0])}
    keep = structured.keep_from_scores(scores, 0.5)
    assert keep["a"].tolist() == [2, 3] and keep["b"].tolist() == [1]
    keep = structured.keep_from_scores(scores, 1.0, min_keep=1)
    assert keep["a"].tolist() == [2] and keep["b"].tolist() == [1]
    keep = structured.keep_from_scores(scores, 0.0, per_layer={"a": 0.25})
    assert keep["a"].tolist() == [0, 2, 3] and keep["b"].tolist() == [0, 1]


def test_bad_keep_is_refused():
    model = _dense_inline()
    with pytest.raises(InputError, match=r"not hidden Dense layer\(s\) \['out'\]"):
        structured.remove_neurons(model, {"out": np.array([0])})
    with pytest.raises(InputError, match="keep.fc1: indices must be distinct and in \\[0, 32\\)"):
        structured.remove_neurons(model, {"fc1": np.array([0, 40])})
    with pytest.raises(InputError, match="would remove every unit"):
        structured.remove_neurons(model, {"fc1": np.array([], dtype=int)})


def test_unsupported_layer_is_named():
    m = tf.keras.Sequential(
        [tf.keras.Input((4, 2)), tf.keras.layers.Dense(3), tf.keras.layers.Reshape((12,)), tf.keras.layers.Dense(1)],
        name="odd",
    )
    with pytest.raises(InputError, match="odd: reshape: unsupported layer type Reshape"):
        structured.remove_neurons(m, {})


def test_unused_neurons_after_unstructured_pruning_are_removed_exactly():
    x, y = synthetic(n=800)
    model = train(mlp(), x, y, epochs=2)
    out = model.get_layer("fc2")
    k = out.kernel.numpy()
    k[[0, 4, 31], :] = 0.0  # fc1 units 0, 4, 31 now feed nothing
    out.kernel.assign(k)
    keep = structured.unused_neurons(model)
    assert sorted(set(range(32)) - set(keep["fc1"].tolist())) == [0, 4, 31]
    assert keep["fc2"].size == 16
    small = structured.remove_neurons(model, keep)
    assert small.get_layer("fc1").units == 29
    assert np.max(np.abs(graph.forward(small, x) - graph.forward(model, x))) <= 1e-6
