"""Criteria on hand-built weights: each one ranks what it claims to rank."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from fpga_prune.errors import InputError
from fpga_prune.prune import criteria
from prune_helpers import mlp


def test_magnitude_is_abs_kernel():
    m = mlp(d=2, widths=(3,))
    m.get_layer("fc1").set_weights([np.array([[1, -2, 3], [-4, 5, -6]], np.float32), np.zeros(3, np.float32)])
    assert criteria.magnitude(m)["fc1"].tolist() == [[1, 2, 3], [4, 5, 6]]
    assert set(criteria.magnitude(m)) == {"fc1", "out"}
    assert set(criteria.magnitude(m, layers=["out"])) == {"out"}


def test_taylor_uses_the_gradient_not_the_size():
    """A big weight on an always-zero input has zero loss gradient: Taylor scores it 0."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 3)).astype(np.float32)
    x[:, 2] = 0.0
    y = (x[:, 0] > 0).astype(np.float32)
    m = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1, activation="sigmoid", name="lin")])
    w = np.array([[0.3], [-0.2], [5.0]], np.float32)
    m.get_layer("lin").set_weights([w, np.array([0.1], np.float32)])
    data = criteria.ScoreData(x, y.reshape(-1, 1), "binary_crossentropy", batch_size=128)
    t = criteria.taylor(m, data)["lin"]
    # Closed form for sigmoid + BCE: dL/dw = mean((p - y) x)
    p = 1 / (1 + np.exp(-(x.astype(np.float64) @ w + 0.1)))
    g = ((p - y.reshape(-1, 1)) * x).mean(axis=0).reshape(-1, 1)
    assert t == pytest.approx(np.abs(w * g), rel=1e-4, abs=1e-7)
    assert t[2, 0] == 0.0 and criteria.magnitude(m)["lin"][2, 0] == 5.0
    with pytest.raises(InputError, match="taylor: needs ScoreData with x, y and loss"):
        criteria.taylor(m, criteria.ScoreData(x, y.reshape(-1, 1)))
    m.compile(loss="binary_crossentropy")  # then the compiled loss is used
    assert np.array_equal(criteria.taylor(m, criteria.ScoreData(x, y.reshape(-1, 1), batch_size=128))["lin"], t)


def _hidden_model(kernel: np.ndarray, bias: np.ndarray) -> tf.keras.Model:
    m = mlp(d=kernel.shape[0], widths=(kernel.shape[1],))
    m.get_layer("fc1").set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return m


def test_norm_criteria_score_incoming_columns():
    k = np.array([[1.0, -3.0, 0.5], [-2.0, 4.0, 0.5]])
    m = _hidden_model(k, np.zeros(3))
    assert criteria.l1(m)["fc1"] == pytest.approx([3.0, 7.0, 1.0])
    assert criteria.l2(m)["fc1"] == pytest.approx([np.sqrt(5), 5.0, np.sqrt(0.5)])
    assert set(criteria.l1(m)) == {"fc1"}  # the output layer's units are never scored


def test_activation_finds_the_dead_unit():
    x = np.random.default_rng(2).normal(size=(500, 2)).astype(np.float32)
    k = np.array([[1.0, 1.0, 0.2], [1.0, -1.0, 0.2]])
    m = _hidden_model(k, np.array([0.0, 0.0, -100.0]))  # unit 2 never fires
    s = criteria.activation(m, criteria.ScoreData(x))["fc1"]
    assert s[2] == 0.0 and s[0] > 0.3 and s[1] > 0.3
    relu = np.maximum(x @ k, 0)
    assert s[:2] == pytest.approx(relu[:, :2].mean(axis=0), rel=1e-5)


def test_redundancy_removes_one_of_a_duplicated_pair_first():
    x = np.random.default_rng(3).normal(size=(600, 4)).astype(np.float32)
    k = np.random.default_rng(4).normal(size=(4, 5))
    k[:, 3] = 2.0 * k[:, 0]  # unit 3 = 2 x unit 0 after ReLU: perfectly correlated
    m = _hidden_model(k, np.zeros(5))
    s = criteria.redundancy(m, criteria.ScoreData(x))["fc1"]
    first = int(np.argmin(s))
    assert first == 0  # the smaller of the pair (mean |a| half of unit 3's) goes first
    assert s[3] > s[0]
    assert sorted(s.tolist()) == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])


def test_redundancy_order_on_hand_activations():
    a = np.array([[1.0, 2.0, 0.0, 5.0], [2.0, 4.0, 1.0, 5.0], [3.0, 6.1, 0.0, 5.0], [4.0, 8.0, 1.0, 5.0]])
    # unit 3 is constant (fully redundant) -> first; then the 0/1 near-duplicates, smaller mean first
    order = criteria.redundancy_order(a)
    assert order[:2].tolist() == [3, 0]


def test_registries_list_valid_names():
    with pytest.raises(
        InputError, match=r"unknown neuron criterion 'size'; valid: \['activation', 'l1', 'l2', 'redundancy'\]"
    ):
        criteria.neuron_criterion("size")
    with pytest.raises(InputError, match=r"valid: \['magnitude', 'taylor'\]"):
        criteria.weight_criterion("l1")
