"""How the pruning library sees a Keras MLP: a chain of blocks.

Why one parser: every transformation (masks, neuron removal, rewinding) and
every analysis (criteria, sensitivity, metrics) must agree on which layers are
prunable and which per-feature layers ride along with each Dense/QDense.  A
*block* is one Dense or QDense followed by the element-wise / per-feature
layers up to the next Dense (Activation, QActivation, ReLU, BatchNorm, ...).
Both ``Sequential`` models and functional models that are a single chain are
accepted; anything else is refused with a message naming the layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401  (legacy Keras before TensorFlow)
from fpga_prune.errors import InputError

# Layers that act feature by feature: removing neuron j of the preceding Dense
# only requires slicing their per-feature weights (if any) at j.
PER_FEATURE = frozenset(
    {
        "Activation",
        "QActivation",
        "ReLU",
        "LeakyReLU",
        "PReLU",
        "ELU",
        "Softmax",
        "Dropout",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "BatchNormalization",
        "QBatchNormalization",
    }
)
DENSE = frozenset({"Dense", "QDense"})


@dataclass(frozen=True, eq=False)
class Block:
    """One Dense/QDense and the per-feature layers that follow it."""

    dense: tf.keras.layers.Layer
    followers: tuple[tf.keras.layers.Layer, ...]

    @property
    def name(self) -> str:
        return self.dense.name

    @property
    def units(self) -> int:
        return int(self.dense.units)

    @property
    def output_layer(self) -> tf.keras.layers.Layer:
        """The layer whose output is this block's post-activation output."""
        return self.followers[-1] if self.followers else self.dense


def custom_objects() -> dict:
    """QKeras classes for deserialising layer configs (QDense, quantizers...)."""
    from qkeras.utils import _add_supported_quantized_objects  # noqa: PLC0415

    objs: dict = {}
    _add_supported_quantized_objects(objs)
    return objs


def chain_layers(model: tf.keras.Model) -> list[tf.keras.layers.Layer]:
    """The model's layers in order, without InputLayer; refuses branching graphs."""
    layers = [la for la in model.layers if not isinstance(la, tf.keras.layers.InputLayer)]
    if not isinstance(model, tf.keras.Sequential):
        prev = None
        for la in layers:
            inbound = [n for n in la._inbound_nodes]
            srcs = {id(t._keras_history.layer) for n in inbound for t in tf.nest.flatten(n.input_tensors)}
            if len(inbound) != 1 or len(srcs) != 1:
                raise InputError(model.name, la.name, "not a single-chain MLP (layer is shared or has several inputs)")
            (src,) = [t._keras_history.layer for t in tf.nest.flatten(inbound[0].input_tensors)]
            if prev is not None and src is not prev:
                raise InputError(model.name, la.name, "not a single-chain MLP (layer does not follow the previous one)")
            prev = la
    return layers


def blocks(model: tf.keras.Model) -> list[Block]:
    """Split the model into Dense blocks; refuses layers we cannot prune through."""
    out: list[Block] = []
    layers = chain_layers(model)
    i = 0
    # Leading per-feature / Flatten layers (e.g. an input quantizer) are allowed.
    while i < len(layers) and type(layers[i]).__name__ not in DENSE:
        kind = type(layers[i]).__name__
        if kind not in PER_FEATURE | {"Flatten"}:
            raise InputError(model.name, layers[i].name, f"unsupported layer type {kind} before the first Dense")
        i += 1
    while i < len(layers):
        dense = layers[i]
        i += 1
        followers = []
        while i < len(layers) and type(layers[i]).__name__ not in DENSE:
            kind = type(layers[i]).__name__
            if kind not in PER_FEATURE:
                raise InputError(
                    model.name,
                    layers[i].name,
                    f"unsupported layer type {kind}; supported: Dense, QDense, {', '.join(sorted(PER_FEATURE))}",
                )
            followers.append(layers[i])
            i += 1
        out.append(Block(dense, tuple(followers)))
    if not out:
        raise InputError(model.name, None, "model has no Dense/QDense layer")
    return out


def dense_layers(model: tf.keras.Model) -> list[tf.keras.layers.Layer]:
    """The Dense/QDense layers, in order."""
    return [b.dense for b in blocks(model)]


def pick(items: list, names, model_name: str, what: str) -> list:
    """The ``items`` (anything with ``.name``) named in ``names``, all when None;
    an unknown name is an InputError listing the valid ones."""
    if names is None:
        return items
    by_name = {it.name: it for it in items}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InputError(model_name, "layers", f"{what} {unknown}; valid: {sorted(by_name)}")
    return [by_name[n] for n in names]


def select(model: tf.keras.Model, layers: list[str] | tuple[str, ...] | None) -> list[tf.keras.layers.Layer]:
    """The Dense layers named in ``layers`` (all of them when None)."""
    return pick(dense_layers(model), layers, model.name, "unknown Dense layer(s)")


def kernel(layer: tf.keras.layers.Layer) -> np.ndarray:
    """The float kernel (for QDense: the unquantised shadow weights)."""
    return layer.kernel.numpy()


def clone(model: tf.keras.Model) -> tf.keras.Model:
    """A deep copy with the same weights (QKeras quantizers included)."""
    with tf.keras.utils.custom_object_scope(custom_objects()):
        copy = tf.keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def snapshot(model: tf.keras.Model) -> list[np.ndarray]:
    """All weights (trainable and not) as numpy copies, for rewinding."""
    return [np.array(w, copy=True) for w in model.get_weights()]


def forward(model: tf.keras.Model, x: np.ndarray, batch_size: int = 8192):
    """Inference outputs as numpy (a list for multi-output models).

    Why not ``model.predict``: it traces a new tf.function for every model
    (about a second each), and pruning creates many short-lived models.
    """
    x = np.asarray(x, dtype=np.float32)
    chunks = [model(x[i : i + batch_size], training=False) for i in range(0, max(len(x), 1), batch_size)]
    if isinstance(chunks[0], (list, tuple)):
        return [np.concatenate([c[j].numpy() for c in chunks]) for j in range(len(chunks[0]))]
    return np.concatenate([c.numpy() for c in chunks])


def widths(model) -> tuple[int, ...]:
    """Input width then every Dense layer's units, e.g. (14, 64, 32, 1)."""
    dense = dense_layers(model)
    return (int(dense[0].input_shape[-1]),) + tuple(int(d.units) for d in dense)


def nonzero_weights(model) -> tuple[int, int]:
    """(nonzero, total) kernel weights over the Dense layers."""
    k = [kernel(d) for d in dense_layers(model)]
    return sum(int(np.count_nonzero(x)) for x in k), sum(x.size for x in k)


def sparsity(model) -> float:
    """Fraction of zero kernel weights in this model (unstructured sparsity)."""
    nz, total = nonzero_weights(model)
    return 1.0 - nz / total
