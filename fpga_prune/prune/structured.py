"""Structured pruning: remove whole hidden neurons, giving a smaller dense model.

Why physically remove rather than mask: hls4ml sizes arrays, multipliers and
pipelines from the layer widths, so only a narrower model saves the adders,
registers and routing a neuron costs (zero weights save multipliers only).

``remove_neurons`` is exact: the new model computes the same function as the
*masked* model in which the removed neurons' outgoing weights are zero
(``mask_neurons``), because those neurons then contribute exact zeros.  Works
for Dense and QDense (quantizer configs copied), inline activations and
separate per-feature layers (Activation, QActivation, BatchNormalization, ...,
whose per-feature weights are sliced too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401
from fpga_prune.errors import InputError
from fpga_prune.prune import criteria, graph

Keep = dict[str, np.ndarray]


def neuron_scores(
    model: tf.keras.Model,
    criterion: str = "l1",
    x_train: np.ndarray | None = None,
    layers: list[str] | None = None,
    batch_size: int = 1024,
) -> criteria.Scores:
    """Importance of every hidden unit by a registered neuron criterion
    (``l1``, ``l2``, ``activation``, ``redundancy``); higher = keep."""
    fn = criteria.neuron_criterion(criterion)
    data = None if x_train is None else criteria.ScoreData(np.asarray(x_train), batch_size=batch_size)
    return fn(model, data, layers=layers)


def keep_from_scores(
    scores: Mapping[str, np.ndarray],
    fraction: float = 0.0,
    per_layer: Mapping[str, float] | None = None,
    min_keep: int = 1,
) -> Keep:
    """Indices (ascending) of the units to keep: each layer drops
    ``round(f_l * units)`` lowest-scoring units, ``f_l = per_layer.get(name, fraction)``,
    never going below ``min_keep`` units (a layer of 0 units is no network)."""
    per_layer = dict(per_layer or {})
    unknown = sorted(set(per_layer) - set(scores))
    if unknown:
        raise InputError("prune", "per_layer", f"unknown layer(s) {unknown}; valid: {sorted(scores)}")
    out: Keep = {}
    for name, s in scores.items():
        f = float(per_layer.get(name, fraction))
        if not 0.0 <= f <= 1.0:
            raise InputError(
                "prune", f"per_layer.{name}" if name in per_layer else "fraction", f"must be in [0, 1], got {f!r}"
            )
        s = np.asarray(s, dtype=np.float64)
        n_keep = max(min(int(min_keep), s.size), s.size - int(np.round(f * s.size)))
        order = np.argsort(-s, kind="stable")  # highest first; ties keep the lower index
        out[name] = np.sort(order[:n_keep]).astype(np.int64)
    return out


def unused_neurons(model: tf.keras.Model) -> Keep:
    """Hidden units still in use: those with a nonzero OUTGOING weight.

    Why: unstructured pruning often leaves units whose outgoing weights are all
    zero; they still cost adders and registers in hls4ml.  Removing them with
    ``remove_neurons(model, unused_neurons(model))`` is exact (they contribute
    nothing), unlike removing units with zero INCOMING weights, whose constant
    output act(bias) still reaches the next layer.  A layer with no unit in
    use keeps unit 0 (a layer cannot be empty; the network is then constant).
    """
    blocks = graph.blocks(model)
    out: Keep = {}
    for b, nxt in zip(blocks[:-1], blocks[1:]):
        used = np.flatnonzero(np.any(graph.kernel(nxt.dense) != 0, axis=1))
        out[b.name] = used if used.size else np.array([0], dtype=np.int64)
    return {k: v.astype(np.int64) for k, v in out.items()}


def _check_keep(model: tf.keras.Model, keep: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    hidden = {b.name: b for b in graph.blocks(model)[:-1]}
    unknown = sorted(set(keep) - set(hidden))
    if unknown:
        raise InputError(model.name, "keep", f"not hidden Dense layer(s) {unknown}; valid: {sorted(hidden)}")
    out = {}
    for name, idx in keep.items():
        idx = np.asarray(idx, dtype=np.int64).ravel()
        units = hidden[name].units
        if idx.size == 0:
            raise InputError(model.name, f"keep.{name}", "would remove every unit of the layer")
        if idx.min() < 0 or idx.max() >= units or np.unique(idx).size != idx.size:
            raise InputError(
                model.name, f"keep.{name}", f"indices must be distinct and in [0, {units}), got {idx.tolist()}"
            )
        out[name] = np.sort(idx)
    return out


def mask_neurons(model: tf.keras.Model, keep: Mapping[str, np.ndarray]) -> tf.keras.Model:
    """A copy of ``model`` whose removed units have zero OUTGOING weights (the
    next Dense's kernel rows): same shape, same function as ``remove_neurons``."""
    keep = _check_keep(model, keep)
    copy = graph.clone(model)
    blocks = graph.blocks(copy)
    for i, b in enumerate(blocks[:-1]):
        if b.name in keep:
            nxt = blocks[i + 1].dense
            k = nxt.kernel.numpy()
            dead = np.ones(b.units, dtype=bool)
            dead[keep[b.name]] = False
            k[dead, :] = 0.0
            nxt.kernel.assign(k)
    return copy


def _rebuild(layer: tf.keras.layers.Layer, units: int | None) -> tf.keras.layers.Layer:
    cfg = layer.get_config()
    if units is not None:
        cfg["units"] = int(units)
    with tf.keras.utils.custom_object_scope(graph.custom_objects()):
        return layer.__class__.from_config(cfg)


def remove_neurons(model: tf.keras.Model, keep: Mapping[str, np.ndarray]) -> tf.keras.Model:
    """A new, narrower model without the hidden units not listed in ``keep``.

    ``keep`` maps hidden Dense/QDense layer names to the unit indices to keep
    (layers not named keep all units).  Slices each pruned layer's kernel
    columns and bias, the per-feature weights of the layers after it, and the
    next Dense's kernel rows.  Layer names, configs and quantizers are kept.
    """
    keep = _check_keep(model, keep)
    layers = graph.chain_layers(model)
    new_layers = []
    weights = []
    incoming: np.ndarray | None = None  # kept input features of the next Dense
    cur: np.ndarray | None = None  # kept units of the current block
    cur_units = 0
    for layer in layers:
        ws = layer.get_weights()
        if type(layer).__name__ in graph.DENSE:
            cur = keep.get(layer.name)
            cur_units = int(layer.units)
            new_layers.append(_rebuild(layer, None if cur is None else cur.size))
            k = ws[0]
            if incoming is not None:
                k = k[incoming, :]
            if cur is not None:
                k = k[:, cur]
            rest = [w[cur] if cur is not None and w.shape == (cur_units,) else w for w in ws[1:]]
            weights.append([k, *rest])
            incoming = cur
        else:
            new_layers.append(_rebuild(layer, None))
            if cur is not None:
                ws = [w[..., cur] if w.ndim >= 1 and w.shape[-1] == cur_units else w for w in ws]
            weights.append(ws)
    shape = model.input_shape[1:]
    inp = tf.keras.Input(shape=shape, name=model.input_names[0], dtype=model.inputs[0].dtype)
    if isinstance(model, tf.keras.Sequential):
        new = tf.keras.Sequential([inp, *new_layers], name=model.name)
    else:
        x = inp
        for la in new_layers:
            x = la(x)
        new = tf.keras.Model(inp, x, name=model.name)
    for la, ws in zip(new_layers, weights):
        la.set_weights(ws)
    return new


@dataclass(frozen=True, eq=False)
class StructuredResult:
    """The narrower model, which units survived, and the scores that chose them."""

    model: tf.keras.Model
    keep: Keep
    scores: criteria.Scores
    criterion: str
    widths_before: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "criterion": self.criterion,
            "layers": {
                n: {"before": self.widths_before.get(n), "after": int(k.size), "kept": k.tolist()}
                for n, k in self.keep.items()
            },
        }


def prune_neurons(
    model: tf.keras.Model,
    fraction: float = 0.0,
    criterion: str = "l1",
    x_train: np.ndarray | None = None,
    per_layer: Mapping[str, float] | None = None,
    layers: list[str] | None = None,
    min_keep: int = 1,
) -> StructuredResult:
    """Score, choose and remove in one call; ``model`` is left unchanged."""
    scores = neuron_scores(model, criterion, x_train, layers)
    keep = keep_from_scores(scores, fraction, per_layer, min_keep)
    widths = {b.name: b.units for b in graph.blocks(model)[:-1]}
    return StructuredResult(remove_neurons(model, keep), keep, scores, criterion, {n: widths[n] for n in keep})
