"""Unstructured masks: exact selection, exact zeros, and masks that stay fixed in training."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from fpga_prune.errors import InputError
from fpga_prune.prune import graph
from fpga_prune.prune.masks import (
    MaskEnforcer,
    Masks,
    apply_masks,
    fine_tune,
    keras_fit,
    magnitude_masks,
    masks_from_scores,
)
from prune_helpers import mlp, synthetic, train


def _hand_model() -> tf.keras.Model:
    """fc1 kernel 2x3 with |w| = 1..6, out kernel 3x1 with |w| = 10, 20, 30."""
    m = mlp(d=2, widths=(3,))
    m.get_layer("fc1").set_weights(
        [np.array([[1, -2, 3], [-4, 5, -6]], np.float32), np.array([0.5, 0.5, 0.5], np.float32)]
    )
    m.get_layer("out").set_weights([np.array([[10], [-20], [30]], np.float32), np.array([0.25], np.float32)])
    return m


def test_global_threshold_prunes_smallest_across_layers():
    masks = magnitude_masks(_hand_model(), 5 / 9, scope="global")  # 9 weights, 5 go: |w| = 1..5
    assert masks["fc1"].tolist() == [[False, False, False], [False, False, True]]
    assert masks["out"].all()
    assert masks.sparsity == pytest.approx(5 / 9)


def test_layer_scope_and_per_layer_ratios():
    m = _hand_model()
    masks = magnitude_masks(m, 1 / 3, scope="layer")  # 2 of 6 in fc1, 1 of 3 in out
    assert masks["fc1"].tolist() == [[False, False, True], [True, True, True]]
    assert masks["out"].ravel().tolist() == [False, True, True]
    masks = magnitude_masks(m, 0.0, scope="layer", per_layer={"fc1": 0.5})
    assert (~masks["fc1"]).sum() == 3 and masks["out"].all()
    with pytest.raises(InputError, match="per-layer ratios need scope='layer'"):
        magnitude_masks(m, 0.5, per_layer={"fc1": 0.5})
    with pytest.raises(InputError, match=r"unknown layer\(s\) \['fc9'\]"):
        magnitude_masks(m, 0.5, scope="layer", per_layer={"fc9": 0.5})
    with pytest.raises(InputError, match="sparsity must be in"):
        magnitude_masks(m, 1.5)


def test_apply_masks_zeroes_exactly_the_masked_kernel_entries_not_biases():
    m = _hand_model()
    before = graph.snapshot(m)
    masks = magnitude_masks(m, 0.5, scope="layer")
    apply_masks(m, masks)
    k = m.get_layer("fc1").kernel.numpy()
    assert np.array_equal(k == 0, ~masks["fc1"])
    assert np.array_equal(k[masks["fc1"]], before[0][masks["fc1"]])
    assert np.array_equal(m.get_layer("fc1").bias.numpy(), before[1])  # biases untouched
    assert Masks.from_model(m)["fc1"].tolist() == masks["fc1"].tolist()


def test_previous_masks_never_regrow():
    scores = {"a": np.array([5.0, 1.0, 4.0, 2.0, 3.0])}
    first = masks_from_scores(scores, 0.4)  # drops 1.0 and 2.0
    assert first["a"].tolist() == [True, False, True, False, True]
    # New scores say the pruned weights are now the largest: they stay pruned anyway.
    later = masks_from_scores({"a": np.array([1.0, 9.0, 2.0, 9.0, 3.0])}, 0.6, previous=first)
    assert later["a"].tolist() == [False, False, True, False, True]
    with pytest.raises(InputError, match="below the sparsity already pruned"):
        masks_from_scores(scores, 0.2, previous=first)


@pytest.fixture(scope="module")
def trained():
    x, y = synthetic()
    return train(mlp(), x, y, epochs=4), x, y


def test_fine_tuning_keeps_pruned_weights_exactly_zero(trained):
    model, x, y = trained
    m = graph.clone(model)
    masks = magnitude_masks(m, 0.7)
    before = {n: m.get_layer(n).kernel.numpy().copy() for n in masks}
    fine_tune(m, masks, keras_fit(x, y, "binary_crossentropy", epochs=2, batch_size=64, learning_rate=1e-2))
    for n in masks:
        k = m.get_layer(n).kernel.numpy()
        assert np.all(k[~masks[n]] == 0.0)
        assert np.any(k[masks[n]] != before[n][masks[n]])  # survivors did train


def test_adam_momentum_cannot_resurrect_pruned_weights(trained):
    model, x, y = trained
    m = graph.clone(model)
    m.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    m.fit(x, y, epochs=1, batch_size=64, verbose=0)  # the optimiser now holds momentum for every weight
    masks = magnitude_masks(m, 0.6)
    # Control: plain training after masking moves pruned weights off zero ...
    ctrl = apply_masks(graph.clone(m), masks)
    ctrl.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    ctrl.fit(x, y, epochs=1, batch_size=64, verbose=0)
    assert np.count_nonzero(ctrl.get_layer("fc1").kernel.numpy()[~masks["fc1"]]) > 0
    apply_masks(m, masks)
    # ... while the enforcer keeps them at exactly 0 with the momentum-laden optimiser.
    m.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[MaskEnforcer(masks)])
    for n in masks:
        assert np.all(m.get_layer(n).kernel.numpy()[~masks[n]] == 0.0)


def test_keras_fit_reuse_is_identical_to_a_fresh_optimizer():
    """Later calls zero Adam's state instead of recompiling: same bits as a fresh compile."""
    x, y = synthetic(n=512)
    fit = keras_fit(x, y, "binary_crossentropy", epochs=1, batch_size=128, learning_rate=1e-2)
    a = mlp(seed=3)
    fit(a, [])
    start = graph.snapshot(a)
    first_opt = a.optimizer
    fit(a, [])  # reuses the compiled model
    assert a.optimizer is first_opt
    b = mlp(seed=3)
    b.set_weights(start)
    keras_fit(x, y, "binary_crossentropy", epochs=1, batch_size=128, learning_rate=1e-2)(b, [])
    assert all(np.array_equal(u, v) for u, v in zip(graph.snapshot(a), graph.snapshot(b)))


def test_qkeras_fine_tuning_keeps_quantised_zeros_and_counts_hardware_weights():
    from qkeras import QDense, quantized_bits, quantized_relu

    from fpga_prune.prune.metrics import count_weights

    x, y = synthetic(n=512)
    tf.keras.utils.set_random_seed(0)
    q = lambda: quantized_bits(6, 0, alpha=1)  # noqa: E731
    m = tf.keras.Sequential(
        [
            tf.keras.Input((8,)),
            QDense(16, kernel_quantizer=q(), bias_quantizer=q(), activation=quantized_relu(6, 0), name="fc1"),
            QDense(1, kernel_quantizer=q(), bias_quantizer=q(), activation="sigmoid", name="out"),
        ]
    )
    masks = magnitude_masks(m, 0.5)
    fine_tune(m, masks, keras_fit(x, y, "binary_crossentropy", epochs=1, batch_size=64, learning_rate=1e-2))
    fc1 = m.get_layer("fc1")
    qk = fc1.kernel_quantizer_internal(fc1.kernel).numpy()
    assert np.all(qk[~masks["fc1"]] == 0.0)
    # quantised counting sees weights the 6-bit quantizer rounds to 0; float counting does not
    kept = np.flatnonzero(masks["fc1"])
    k = np.where(masks["fc1"], 0.25, 0.0).astype(np.float32)
    k.flat[kept[:3]] = 0.01  # nonzero float, but below half a 6-bit step (2**-5): quantises to 0
    fc1.kernel.assign(k)
    assert count_weights(m, quantised=False).layers["fc1"]["nonzero"] == kept.size
    assert count_weights(m).layers["fc1"]["nonzero"] == kept.size - 3
