"""Lottery tickets, schedule-driven pruning, sensitivity and the method metrics."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from fpga_prune.errors import InputError
from fpga_prune.model.metrics import roc_auc
from fpga_prune.prune import graph, schedules, structured
from fpga_prune.prune.iterative import prune_iteratively
from fpga_prune.prune.lottery import lottery_ticket
from fpga_prune.prune.masks import Masks, keras_fit
from fpga_prune.prune.metrics import prune_metrics
from fpga_prune.prune.sensitivity import SensitivityResult, layer_sensitivity, ratios_for_target
from prune_helpers import mlp, synthetic, train


@pytest.fixture(scope="module")
def data():
    x, y = synthetic(n=2400)
    return x[:1600], y[:1600], x[1600:], y[1600:]


@pytest.fixture(scope="module")
def trained(data):
    x, y, _, _ = data
    return train(mlp(), x, y, epochs=10)


def _auc(x, y):
    return lambda m: roc_auc(y, graph.forward(m, x))


class Recorder:
    """A fit_fn that records the weights every training call starts from and
    the weights at the end of each epoch of the first call."""

    def __init__(self, x, y, epochs):
        self.inner = keras_fit(x, y, "binary_crossentropy", epochs=epochs, batch_size=128, learning_rate=1e-2)
        self.starts: list[list[np.ndarray]] = []
        self.epoch_ends: list[list[np.ndarray]] = []

    def __call__(self, model, callbacks):
        self.starts.append(graph.snapshot(model))
        rec = self

        class EpochEnd(tf.keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if len(rec.starts) == 1:
                    rec.epoch_ends.append(graph.snapshot(self.model))

        return self.inner(model, [*callbacks, EpochEnd()])


@pytest.mark.parametrize("rewind_epoch", [0, 1])
def test_lottery_rewinds_survivors_exactly(data, rewind_epoch):
    x, y, xv, yv = data
    model = mlp(seed=7)
    init = graph.snapshot(model)
    rec = Recorder(x, y, epochs=3)
    res = lottery_ticket(model, rec, schedules.iterative(0.5, 2), rewind_epoch=rewind_epoch, eval_fn=_auc(xv, yv))
    point = init if rewind_epoch == 0 else rec.epoch_ends[0]
    assert all(np.array_equal(a, b) for a, b in zip(res.rewind_weights, point))
    if rewind_epoch:
        assert not np.array_equal(point[0], init[0])  # late rewinding really is a different point
    names = [la.name for la in graph.dense_layers(model)]
    kernel_idx = {n: 2 * i for i, n in enumerate(names)}  # [kernel, bias] per Dense
    prev_zero = None
    assert len(rec.starts) == 3  # dense training + two rounds
    for start, step in zip(rec.starts[1:], res.steps):
        zero_total = 0
        for i in kernel_idx.values():
            k, k0 = start[i], point[i]
            alive = k != 0
            assert np.array_equal(k[alive], k0[alive])  # survivors = rewind values, bit for bit
            assert np.array_equal(start[i + 1], point[i + 1])  # biases rewound
            zero_total += int((~alive).sum())
        assert zero_total == round(step.target * sum(start[i].size for i in kernel_idx.values()))
        if prev_zero is not None:
            assert zero_total > prev_zero
        prev_zero = zero_total
    assert [s.target for s in res.steps] == [0.5, 0.75]
    assert res.masks.sparsity == pytest.approx(0.75, abs=1e-3)
    final = Masks.from_model(res.model)
    assert all(np.array_equal(final[n] | res.masks[n], res.masks[n]) for n in names)  # zeros held
    assert res.steps[-1].metric > 0.8 and res.dense_metric > 0.85


def test_late_rewind_needs_enough_epochs(data):
    x, y, _, _ = data
    with pytest.raises(InputError, match="fewer than 5 epochs"):
        lottery_ticket(mlp(), Recorder(x, y, epochs=2), (0.5,), rewind_epoch=5)


def test_iterative_cubic_schedule_with_fine_tuning(data, trained):
    x, y, xv, yv = data
    model = graph.clone(trained)
    dense_auc = _auc(xv, yv)(trained)
    targets = schedules.cubic(0.8, 3)
    run = prune_iteratively(
        model,
        targets,
        keras_fit(x, y, "binary_crossentropy", epochs=2, learning_rate=3e-3),
        scope="layer",
        eval_fn=_auc(xv, yv),
    )
    total = sum(v.size for v in run.masks.masks.values())
    assert [s.sparsity for s in run.steps] == pytest.approx(list(targets), abs=2 / total)
    assert Masks.from_model(model).sparsity >= 0.8 - 2 / total
    assert run.steps[-1].metric > dense_auc - 0.05
    m = prune_metrics(trained, model, xv, yv)
    assert m.sparsity == pytest.approx(run.masks.sparsity, abs=1e-9)
    assert m.metric_retention == pytest.approx(m.pruned_metric / m.dense_metric)
    assert m.decision_agreement > 0.85
    assert run.to_dict()["steps"][0]["target"] == targets[0]


def test_sensitivity_curves_and_ratios(data, trained):
    _, _, xv, yv = data
    before = graph.snapshot(trained)
    sens = layer_sensitivity(trained, _auc(xv, yv), sparsities=(0.3, 0.6, 0.9, 0.99))
    assert all(np.array_equal(a, b) for a, b in zip(before, graph.snapshot(trained)))  # analysis: no change
    assert set(sens.curves) == {"fc1", "fc2", "out"}
    for curve in sens.curves.values():
        assert curve[0] >= sens.baseline - 0.05  # 30% of any layer is nearly free
        assert curve[-1] < sens.baseline - 0.05  # 99% of any layer hurts
        assert sum(b > a + 0.01 for a, b in zip(curve, curve[1:])) == 0  # monotone-ish
    ratios = ratios_for_target(sens, 0.6)
    sizes = sens.sizes
    assert sum(ratios[n] * sizes[n] for n in ratios) / sum(sizes.values()) == pytest.approx(0.6, abs=1e-9)
    assert all(0 <= r <= 0.99 for r in ratios.values())


def test_ratios_prune_the_less_sensitive_layer_more():
    sens = SensitivityResult(
        baseline=0.9,
        sparsities=(0.25, 0.5, 0.75),
        curves={"robust": (0.9, 0.89, 0.85), "fragile": (0.8, 0.6, 0.5)},
        sizes={"robust": 300, "fragile": 100},
        criterion="magnitude",
    )
    r = ratios_for_target(sens, 0.5)
    assert r["robust"] > r["fragile"]
    assert (300 * r["robust"] + 100 * r["fragile"]) / 400 == pytest.approx(0.5, abs=1e-12)
    with pytest.raises(InputError, match=r"target: must be in \[0, 0.7500\]"):
        ratios_for_target(sens, 0.8)


def test_metrics_of_a_structurally_pruned_model(data, trained):
    _, _, xv, yv = data
    same = prune_metrics(trained, trained, xv, yv)
    assert (
        same.sparsity,
        same.compression_ratio,
        same.metric_retention,
        same.skill_retention,
        same.decision_agreement,
    ) == (0.0, 1.0, 1.0, 1.0, 1.0)
    small = structured.remove_neurons(trained, {"fc1": np.arange(16), "fc2": np.arange(8)})
    m = prune_metrics(trained, small, xv, yv)
    dense_k = 8 * 32 + 32 * 16 + 16
    small_k = 8 * 16 + 16 * 8 + 8
    assert (m.dense_multiplies, m.pruned_multiplies) == (dense_k, small_k)
    assert m.sparsity == pytest.approx(1 - small_k / dense_k)
    assert m.compression_ratio == pytest.approx((dense_k + 49) / (small_k + 25))
    assert m.skill_retention == pytest.approx((m.pruned_metric - 0.5) / (m.dense_metric - 0.5))
    assert m.dense_flops == 2 * dense_k + 49
    assert set(m.to_dict()) >= {
        "sparsity",
        "compression_ratio",
        "multiply_reduction",
        "metric_retention",
        "skill_retention",
        "decision_agreement",
    }


def test_roc_auc_by_hand():
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert roc_auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert roc_auc(np.array([1, 0]), np.array([[0.2, 0.8], [0.9, 0.1]])) == 1.0
