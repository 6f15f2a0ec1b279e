"""Pruning criteria: who is least important.  Analyses only; nothing changes.

Two registries, both plain dicts:

* ``WEIGHT_CRITERIA`` -- one score per kernel entry, ``{layer: array(kernel.shape)}``
  (``magnitude`` |w|; ``taylor`` |w * dL/dw|, the first-order Taylor estimate of
  the loss change when w is set to 0).
* ``NEURON_CRITERIA`` -- one score per hidden unit, ``{layer: array(units)}``
  (``l1``/``l2`` norms of the incoming weights; ``activation``, the mean |output|
  on training data; ``redundancy``, greedy decorrelation order).

Higher score = more important; pruning removes the lowest scores first.  Data
criteria take a ``ScoreData``; the others ignore it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401
from fpga_prune.errors import InputError
from fpga_prune.prune import graph

Scores = dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class ScoreData:
    """Training data for data-driven criteria (never the test split: no leakage)."""

    x: np.ndarray
    y: np.ndarray | None = None
    loss: str | tf.keras.losses.Loss | None = None
    batch_size: int = 1024


def _need(data: ScoreData | None, what: str, criterion: str) -> ScoreData:
    if data is None or (what == "y" and (data.y is None or data.loss is None)):
        need = "x" if what == "x" else "x, y and loss"
        raise InputError("prune criterion", criterion, f"needs ScoreData with {need}")
    return data


# ---------------------------------------------------------------- weight scores


def magnitude(model: tf.keras.Model, data: ScoreData | None = None, layers: list[str] | None = None) -> Scores:
    """|w| of every kernel entry."""
    return {la.name: np.abs(graph.kernel(la)) for la in graph.select(model, layers)}


def taylor(model: tf.keras.Model, data: ScoreData | None = None, layers: list[str] | None = None) -> Scores:
    """|w * dL/dw| with dL/dw the gradient of the mean loss over ``data``.

    Why not |w| alone: a large weight on an input the loss is insensitive to
    (a dead feature, a saturated unit) costs nothing to remove.  Gradients are
    taken w.r.t. the float kernels (QKeras: straight-through estimator).
    ``data.loss`` defaults to the compiled model's loss.
    """
    if data is not None and data.loss is None and getattr(model, "loss", None) is not None:
        # A compiled model knows its training loss; use it rather than refuse.
        data = ScoreData(data.x, data.y, model.loss, data.batch_size)
    data = _need(data, "y", "taylor")
    loss_fn = tf.keras.losses.get(data.loss)
    chosen = graph.select(model, layers)
    kernels = [la.kernel for la in chosen]
    total = [np.zeros(k.shape, dtype=np.float64) for k in kernels]
    n = len(data.x)
    for start in range(0, n, data.batch_size):
        xb = tf.convert_to_tensor(data.x[start : start + data.batch_size], dtype=tf.float32)
        yb = tf.convert_to_tensor(data.y[start : start + data.batch_size])
        with tf.GradientTape() as tape:
            # Sum of per-sample losses: accumulating sums then dividing by n
            # gives the gradient of the mean loss over the whole set.
            per = loss_fn(yb, model(xb, training=False))
            batch_loss = tf.reduce_sum(per) * tf.cast(tf.shape(xb)[0], per.dtype) / tf.cast(tf.size(per), per.dtype)
        grads = tape.gradient(batch_loss, kernels)
        for acc, g in zip(total, grads):
            acc += np.zeros(acc.shape) if g is None else g.numpy().astype(np.float64)
    return {la.name: np.abs(graph.kernel(la) * (g / n)) for la, g in zip(chosen, total)}


# ---------------------------------------------------------------- neuron scores


def _hidden(model: tf.keras.Model, layers: list[str] | None) -> list[graph.Block]:
    """Hidden blocks (the output layer's units are the classes: never removed)."""
    return graph.pick(graph.blocks(model)[:-1], layers, model.name, "not hidden Dense layer(s)")


def activations(
    model: tf.keras.Model, x: np.ndarray, layers: list[str] | None = None, batch_size: int = 1024
) -> dict[str, np.ndarray]:
    """Post-activation outputs of each hidden block on ``x`` (inference mode)."""
    hidden = _hidden(model, layers)
    if not hidden:
        return {}
    probe = tf.keras.Model(model.inputs, [b.output_layer.output for b in hidden])
    outs = graph.forward(probe, x, batch_size)
    if len(hidden) == 1:
        outs = [outs]
    return {b.name: np.asarray(o, dtype=np.float64) for b, o in zip(hidden, outs)}


def l1(model: tf.keras.Model, data: ScoreData | None = None, layers: list[str] | None = None) -> Scores:
    """L1 norm of each unit's incoming weights (kernel column)."""
    return {b.name: np.abs(graph.kernel(b.dense)).sum(axis=0) for b in _hidden(model, layers)}


def l2(model: tf.keras.Model, data: ScoreData | None = None, layers: list[str] | None = None) -> Scores:
    """L2 norm of each unit's incoming weights (kernel column)."""
    return {
        b.name: np.sqrt((graph.kernel(b.dense).astype(np.float64) ** 2).sum(axis=0)) for b in _hidden(model, layers)
    }


def activation(model: tf.keras.Model, data: ScoreData | None = None, layers: list[str] | None = None) -> Scores:
    """Mean |post-activation output| on training data: a unit that is (almost)
    always 0 contributes (almost) nothing downstream."""
    data = _need(data, "x", "activation")
    acts = activations(model, data.x, layers, data.batch_size)
    return {name: np.abs(a).mean(axis=0) for name, a in acts.items()}


def redundancy_order(acts: np.ndarray) -> np.ndarray:
    """Unit indices in greedy removal order by redundancy.

    Repeatedly remove the unit whose activations are most correlated (|Pearson|)
    with another remaining unit; ties go to the unit with the smaller mean
    |activation|, then the higher index.  A constant unit counts as fully
    redundant (|r| = 1): its output can be folded into the next layer's bias.
    """
    a = np.asarray(acts, dtype=np.float64)
    n = a.shape[1]
    centred = a - a.mean(axis=0)
    std = np.sqrt((centred**2).mean(axis=0))
    live = std > 1e-12 * max(1.0, float(np.abs(a).max(initial=0.0)))
    # Row i = how well unit i is explained by the others.  A constant unit is
    # explained by the next layer's bias (row of ones); it explains nobody
    # (column of zeros for live units), so it cannot make live units look redundant.
    corr = np.zeros((n, n))
    corr[~live, :] = 1.0
    if live.any():
        z = centred[:, live] / std[live]
        corr[np.ix_(live, live)] = np.abs(z.T @ z / a.shape[0])
    np.fill_diagonal(corr, -np.inf)
    mean_abs = np.abs(a).mean(axis=0)
    remaining = list(range(n))
    order = []
    while len(remaining) > 1:
        sub = corr[np.ix_(remaining, remaining)]
        best = sub.max(axis=1)
        # lexsort: last key is primary -> (-best, mean_abs, -index)
        pick = np.lexsort((-np.asarray(remaining), mean_abs[remaining], -np.round(best, 12)))[0]
        order.append(remaining.pop(int(pick)))
    order.extend(remaining)
    return np.asarray(order, dtype=np.int64)


def redundancy(model: tf.keras.Model, data: ScoreData | None = None, layers: list[str] | None = None) -> Scores:
    """Ordinal score in (0, 1]: the first unit the greedy decorrelation would
    remove scores 1/n, the last 1.  Ordinal because correlation values are not
    comparable across units once partners have been removed."""
    data = _need(data, "x", "redundancy")
    out: Scores = {}
    for name, a in activations(model, data.x, layers, data.batch_size).items():
        order = redundancy_order(a)
        score = np.empty(len(order))
        score[order] = (np.arange(len(order)) + 1) / len(order)
        out[name] = score
    return out


Criterion = Callable[..., Scores]
WEIGHT_CRITERIA: dict[str, Criterion] = {"magnitude": magnitude, "taylor": taylor}
NEURON_CRITERIA: dict[str, Criterion] = {"l1": l1, "l2": l2, "activation": activation, "redundancy": redundancy}


def weight_criterion(name: str) -> Criterion:
    """Look up a weight criterion; the error lists the valid names."""
    try:
        return WEIGHT_CRITERIA[name]
    except KeyError:
        raise InputError(
            "prune", "criterion", f"unknown weight criterion {name!r}; valid: {sorted(WEIGHT_CRITERIA)}"
        ) from None


def neuron_criterion(name: str) -> Criterion:
    """Look up a neuron criterion; the error lists the valid names."""
    try:
        return NEURON_CRITERIA[name]
    except KeyError:
        raise InputError(
            "prune", "criterion", f"unknown neuron criterion {name!r}; valid: {sorted(NEURON_CRITERIA)}"
        ) from None
