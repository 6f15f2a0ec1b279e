"""Metrics against hand-computed values, the majority baseline, and bootstrap behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from fpga_prune.errors import InputError
from fpga_prune.model.metrics import evaluate, expected_calibration_error, roc_auc_binary

Y = np.array([0, 0, 1, 1, 0, 1, 1, 0])
P = np.array([0.1, 0.4, 0.35, 0.8, 0.6, 0.9, 0.6, 0.2])


def test_auc_by_hand_with_ties() -> None:
    # positives .35 .8 .9 .6 ; negatives .1 .4 .6 .2 -> pairs won: .35:2, .8:4, .9:4, .6:3 + tie(.6,.6) 0.5
    assert roc_auc_binary(Y, P) == pytest.approx(13.5 / 16)
    assert roc_auc_binary(Y, 1 - P) == pytest.approx(1 - 13.5 / 16)
    assert np.isnan(roc_auc_binary(np.ones(4, int), np.arange(4.0)))


def test_point_metrics_by_hand() -> None:
    r = evaluate(Y, P, n_boot=0)
    m = {k: v["value"] for k, v in r["metrics"].items()}
    # predictions p > .5: 0 0 0 1 1 1 1 0 -> TP 3, FP 1, FN 1, TN 3
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["precision"] == pytest.approx(3 / 4)
    assert m["recall"] == pytest.approx(3 / 4)
    assert m["f1"] == pytest.approx(3 / 4)
    assert m["balanced_accuracy"] == pytest.approx(0.75)
    assert m["brier"] == pytest.approx(np.mean((P - Y) ** 2))
    assert m["brier"] == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04 + 0.36 + 0.01 + 0.16 + 0.04) / 8)
    assert m["roc_auc"] == pytest.approx(13.5 / 16)
    assert r["metrics"]["accuracy"]["ci_low"] is None  # no bootstrap asked


def test_ece_by_hand() -> None:
    # bins of width .5: (0,.5] holds p .1 .4 .35 .2 (y 0 0 1 0): |1/4 - 1.05/4| = .05/4
    #                   (.5,1] holds .8 .6 .9 .6 (y 1 0 1 1):   |3/4 - 2.9/4| = .1/4
    assert expected_calibration_error(Y, P, n_bins=2) == pytest.approx(0.15 / 8)
    perfect = np.array([0.25] * 4 + [0.75] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    assert expected_calibration_error(y, perfect, n_bins=10) == pytest.approx(0.0)
    # 3-class: top-label confidence .7 right, .5 wrong, .9 right -> bins 7,5,9 -> |1-.7|+|0-.5|+|1-.9|
    p3 = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [0.05, 0.05, 0.9]])
    assert expected_calibration_error(np.array([0, 1, 2]), p3) == pytest.approx((0.3 + 0.5 + 0.1) / 3)


def test_majority_baseline_is_reported_beside_the_model() -> None:
    y = np.array([1] * 60 + [0] * 40)
    r = evaluate(y, np.full(100, 0.6), n_boot=50)
    b = r["baseline"]
    assert b["majority_class"] == 1 and b["majority_rate"] == pytest.approx(0.6)
    assert b["metrics"]["accuracy"]["value"] == pytest.approx(0.6)
    assert b["metrics"]["roc_auc"]["value"] == pytest.approx(0.5)
    assert b["metrics"]["brier"]["value"] == pytest.approx(0.24)
    # a model that is the baseline has exactly zero advantage and does not "beat" it
    assert r["vs_baseline"]["accuracy"]["value"] == pytest.approx(0.0)
    assert not r["vs_baseline"]["accuracy"]["beats_baseline"]
    r2 = evaluate(y, np.full(100, 0.5), n_boot=0, prior=np.array([0.7, 0.3]))
    assert r2["baseline"]["majority_class"] == 0 and r2["baseline"]["majority_rate"] == pytest.approx(0.4)


def test_bootstrap_ci_brackets_value_detects_skill_and_is_seeded() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    skilled = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 2000), 0, 1)
    noise = rng.uniform(0, 1, 2000)
    a = evaluate(y, skilled, n_boot=300, seed=3, block=20)
    assert a == evaluate(y, skilled, n_boot=300, seed=3, block=20)
    assert a != evaluate(y, skilled, n_boot=300, seed=4, block=20)
    for v in a["metrics"].values():
        assert v["ci_low"] <= v["value"] <= v["ci_high"]
    assert a["vs_baseline"]["roc_auc"]["beats_baseline"] and a["metrics"]["roc_auc"]["ci_low"] > 0.5
    n = evaluate(y, noise, n_boot=300, seed=3)
    assert n["metrics"]["roc_auc"]["ci_low"] < 0.5 < n["metrics"]["roc_auc"]["ci_high"]
    assert not n["vs_baseline"]["accuracy"]["beats_baseline"]


def test_slices_and_three_classes() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 600)
    p = rng.dirichlet([1, 1, 1], 600)
    p[np.arange(600), y] += 1.0
    p /= p.sum(axis=1, keepdims=True)
    slices = {"first": np.arange(600) < 200, "rest": np.arange(600) >= 200, "none": np.zeros(600, bool)}
    r = evaluate(y, p, slices=slices, n_boot=100)
    assert r["n_classes"] == 3 and r["metrics"]["accuracy"]["value"] == pytest.approx(np.mean(p.argmax(1) == y))
    onehot = np.eye(3)[y]
    assert r["metrics"]["brier"]["value"] == pytest.approx(np.mean(((p - onehot) ** 2).sum(1)))
    assert r["slices"]["first"]["n"] == 200 and r["slices"]["none"] == {"n": 0}
    first = evaluate(y[:200], p[:200], n_boot=0)
    assert r["slices"]["first"]["metrics"]["f1"]["value"] == pytest.approx(first["metrics"]["f1"]["value"])
    assert r["baseline"]["metrics"]["roc_auc"]["value"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "y,p,match",
    [
        (np.array([0, 1]), np.array([0.2, 1.3]), "within"),
        (np.array([0, 2]), np.array([0.2, 0.3]), "labels"),
        (np.array([0, 1, 1]), np.array([0.2, 0.3]), "shape"),
    ],
)
def test_bad_inputs(y, p, match) -> None:
    with pytest.raises(InputError, match=match):
        evaluate(y, p, n_boot=0)


def test_decision_rule_sends_exactly_half_to_class_0_everywhere() -> None:
    """A fixed-point sigmoid outputs exactly 0.5 often: every agreement/accuracy in the project uses one rule."""
    from types import SimpleNamespace

    from fpga_prune.arith.fixed import FixedType
    from fpga_prune.flow import bundles
    from fpga_prune.flow.generate import agreement
    from fpga_prune.hls.vectors import VectorSet
    from fpga_prune.model import metrics

    assert metrics.decisions(np.array([0.5, 0.5 + 2**-10, 0.5 - 2**-10, 0.0, 1.0])).tolist() == [0, 1, 0, 0, 1]
    assert metrics.decisions(np.array([[0.5], [0.75]])).tolist() == [0, 1]
    assert metrics.decisions(np.array([[0.5, 0.5], [0.2, 0.8]])).tolist() == [0, 1]  # argmax tie: first class
    # train's metrics.json (evaluate) and the retention metrics decide a 0.5 output the same way
    y = np.array([0, 0, 1, 1])
    half = np.full(4, 0.5)
    assert evaluate(y, half, n_boot=0)["metrics"]["accuracy"]["value"] == metrics.accuracy(y, half) == 0.5
    # budget.json's decision_agreement (bundles) and generate's agreement: same numbers on the same outputs
    assert bundles.decision_agreement is metrics.decision_agreement
    hw_t = FixedType(False, 8, 0)  # ufixed<8,0>: raw 128 is exactly 0.5
    hw_raw = np.array([[128], [128], [129], [127], [128], [200]])
    keras_p = np.array([0.5, 0.4, 0.6, 0.3, 0.7, 0.9], dtype=np.float32)  # row 4: 0.7 vs hardware 0.5 -> differ
    keras = lambda x, training=False: keras_p[: len(x), None]  # noqa: E731
    n = len(hw_raw)
    vs = VectorSet(hw_raw, hw_raw, np.zeros((n, 3), np.float32), np.array([0, 0, 1, 0, 1, 1]), np.arange(n), n, 0, 0)
    a = agreement(SimpleNamespace(output_type=hw_t), vs, keras, hw_raw)
    hw_p = hw_raw[:, 0] / 256.0
    assert a["agree"] == 5 and a["agreement"] == round(5 / 6, 6)
    assert a["agreement"] == round(metrics.decision_agreement(keras_p, hw_p), 6)
    assert a["hardware_accuracy"] == round(5 / 6, 6) and a["keras_accuracy"] == 1.0
