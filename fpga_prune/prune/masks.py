"""Unstructured pruning: boolean kernel masks, and training that keeps them.

``Masks`` is the result of an analysis (which weights survive); ``apply_masks``
is the one transformation that zeroes weights.  Biases are never masked:
each costs one adder per neuron, not a multiplier.

Fine-tuning with fixed masks: ``MaskEnforcer`` re-zeroes pruned kernel entries
after every optimiser step.  Why after the step and not only by masking
gradients: Adam's first moment keeps moving a weight for many steps after its
gradient becomes 0, and a kernel constraint or weight decay may move it too;
re-zeroing after the step makes each forward pass see exact zeros whatever
the optimiser does.  ``keras_fit`` also compiles a fresh optimiser for every
round, so no momentum from before pruning is carried into fine-tuning.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401
from fpga_prune.errors import InputError
from fpga_prune.prune import criteria, graph

FitFn = Callable[[tf.keras.Model, list], object]
"""``fit_fn(model, callbacks)`` trains ``model`` in place and must pass
``callbacks`` to ``model.fit`` (with the default ``steps_per_execution=1``)."""


@dataclass(frozen=True, eq=False)
class Masks:
    """Per-layer boolean kernel masks (True = weight kept)."""

    masks: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        object.__setattr__(self, "masks", {k: np.asarray(v, dtype=bool) for k, v in self.masks.items()})

    def __getitem__(self, name: str) -> np.ndarray:
        return self.masks[name]

    def __iter__(self):
        return iter(self.masks)

    def __len__(self) -> int:
        return len(self.masks)

    @property
    def total(self) -> int:
        return int(sum(m.size for m in self.masks.values()))

    @property
    def kept(self) -> int:
        return int(sum(m.sum() for m in self.masks.values()))

    @property
    def sparsity(self) -> float:
        """Fraction of masked kernel entries over all masked layers."""
        return 1.0 - self.kept / self.total if self.total else 0.0

    def layer_sparsity(self) -> dict[str, float]:
        return {k: 1.0 - float(m.mean()) for k, m in self.masks.items()}

    def __and__(self, other: Masks) -> Masks:
        names = set(self.masks) | set(other.masks)
        return Masks(
            {
                n: self.masks[n] & other.masks[n]
                if n in self.masks and n in other.masks
                else (self.masks.get(n) if n in self.masks else other.masks[n])
                for n in sorted(names)
            }
        )

    def to_dict(self) -> dict:
        return {
            "sparsity": self.sparsity,
            "kept": self.kept,
            "total": self.total,
            "layers": {
                k: {"shape": list(m.shape), "kept": int(m.sum()), "sparsity": 1.0 - float(m.mean())}
                for k, m in self.masks.items()
            },
        }

    @classmethod
    def from_model(cls, model: tf.keras.Model, layers: list[str] | None = None) -> Masks:
        """Masks of the nonzero kernel entries a model has now."""
        return cls({la.name: graph.kernel(la) != 0 for la in graph.select(model, layers)})

    @classmethod
    def dense(cls, model: tf.keras.Model, layers: list[str] | None = None) -> Masks:
        """All-True masks."""
        return cls({la.name: np.ones(la.kernel.shape, dtype=bool) for la in graph.select(model, layers)})


def _check_fraction(value: float, field: str) -> float:
    v = float(value)
    if not 0.0 <= v <= 1.0 or np.isnan(v):
        raise InputError("prune", field, f"sparsity must be in [0, 1], got {value!r}")
    return v


def _n_prune(size: int, sparsity: float) -> int:
    # Round half to even (numpy), so the count is deterministic and documented.
    return int(np.round(sparsity * size))


def _lowest(scores: np.ndarray, k: int) -> np.ndarray:
    """Flat indices of the k lowest scores; ties broken by position (stable)."""
    return np.argsort(scores.ravel(), kind="stable")[:k]


def masks_from_scores(
    scores: Mapping[str, np.ndarray],
    sparsity: float = 0.0,
    scope: str = "global",
    per_layer: Mapping[str, float] | None = None,
    previous: Masks | None = None,
) -> Masks:
    """Prune the lowest-scoring weights.

    scope="global": one threshold over all layers, ``round(sparsity * total)``
    weights removed (layers compete: big redundant layers lose most).
    scope="layer": each layer loses ``round(s_l * size_l)`` with
    ``s_l = per_layer.get(name, sparsity)``.
    ``previous`` masks stay pruned (iterative pruning never regrows weights);
    the requested sparsity is a total, so it must not be below theirs.
    """
    if scope not in ("global", "layer"):
        raise InputError("prune", "scope", f"unknown scope {scope!r}; valid: ['global', 'layer']")
    sparsity = _check_fraction(sparsity, "sparsity")
    per_layer = {k: _check_fraction(v, f"per_layer.{k}") for k, v in (per_layer or {}).items()}
    if per_layer and scope == "global":
        raise InputError("prune", "per_layer", "per-layer ratios need scope='layer'")
    unknown = sorted(set(per_layer) - set(scores))
    if unknown:
        raise InputError("prune", "per_layer", f"unknown layer(s) {unknown}; valid: {sorted(scores)}")
    eff = {}
    for name, s in scores.items():
        s = np.asarray(s, dtype=np.float64)
        if previous is not None and name in previous.masks:
            s = np.where(previous[name], s, -np.inf)  # already pruned: always first to go
        eff[name] = s
    out: dict[str, np.ndarray] = {}
    if scope == "layer":
        for name, s in eff.items():
            k = _n_prune(s.size, per_layer.get(name, sparsity))
            m = np.ones(s.size, dtype=bool)
            m[_lowest(s, k)] = False
            out[name] = m.reshape(s.shape)
    else:
        names = list(eff)
        flat = np.concatenate([eff[n].ravel() for n in names]) if names else np.zeros(0)
        m = np.ones(flat.size, dtype=bool)
        m[_lowest(flat, _n_prune(flat.size, sparsity))] = False
        pos = 0
        for n in names:
            out[n] = m[pos : pos + eff[n].size].reshape(eff[n].shape)
            pos += eff[n].size
    result = Masks(out)
    if previous is not None:
        regrown = [n for n in out if n in previous.masks and bool((~previous[n] & out[n]).any())]
        if regrown:
            raise InputError(
                "prune", "sparsity", f"target {sparsity} is below the sparsity already pruned in {regrown}"
            )
    return result


def magnitude_masks(
    model: tf.keras.Model,
    sparsity: float = 0.0,
    scope: str = "global",
    per_layer: Mapping[str, float] | None = None,
    layers: list[str] | None = None,
    previous: Masks | None = None,
) -> Masks:
    """Masks that remove the smallest |w| (global or layer-wise thresholds)."""
    return masks_from_scores(criteria.magnitude(model, layers=layers), sparsity, scope, per_layer, previous)


def weight_masks(
    model: tf.keras.Model,
    criterion: str,
    sparsity: float = 0.0,
    scope: str = "global",
    per_layer: Mapping[str, float] | None = None,
    data: criteria.ScoreData | None = None,
    layers: list[str] | None = None,
    previous: Masks | None = None,
) -> Masks:
    """Masks from any registered weight criterion (``magnitude``, ``taylor``)."""
    scores = criteria.weight_criterion(criterion)(model, data, layers=layers)
    return masks_from_scores(scores, sparsity, scope, per_layer, previous)


def _layer_map(model: tf.keras.Model, masks: Masks) -> dict[str, tf.keras.layers.Layer]:
    dense = {la.name: la for la in graph.dense_layers(model)}
    unknown = sorted(set(masks.masks) - set(dense))
    if unknown:
        raise InputError(model.name, "masks", f"no Dense layer(s) {unknown}; model has {sorted(dense)}")
    for name, m in masks.masks.items():
        if tuple(m.shape) != tuple(dense[name].kernel.shape):
            raise InputError(
                model.name, f"masks.{name}", f"mask shape {m.shape} != kernel shape {tuple(dense[name].kernel.shape)}"
            )
    return {n: dense[n] for n in masks.masks}


def apply_masks(model: tf.keras.Model, masks: Masks) -> tf.keras.Model:
    """Zero the masked kernel entries IN PLACE and return the model.

    In place because Keras models are large mutable objects and every caller
    (fine-tuning, rewinding) wants this exact model changed; use
    ``graph.clone`` first to keep the original.
    """
    for name, layer in _layer_map(model, masks).items():
        layer.kernel.assign(layer.kernel.numpy() * masks[name].astype(layer.kernel.dtype.as_numpy_dtype))
    return model


class MaskEnforcer(tf.keras.callbacks.Callback):
    """Keeps pruned kernel entries at exactly 0 throughout ``model.fit``.

    Re-applies the masks at train begin, after every batch and at train end.
    """

    def __init__(self, masks: Masks) -> None:
        super().__init__()
        self.masks = masks
        self._pairs: list = []

    def set_model(self, model: tf.keras.Model) -> None:
        super().set_model(model)
        layers = _layer_map(model, self.masks)
        self._pairs = [
            (layers[n].kernel, tf.constant(self.masks[n], dtype=layers[n].kernel.dtype)) for n in self.masks.masks
        ]

    def _enforce(self) -> None:
        for var, m in self._pairs:
            var.assign(var * m)

    def on_train_begin(self, logs=None) -> None:
        self._enforce()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._enforce()

    def on_train_end(self, logs=None) -> None:
        self._enforce()


def fine_tune(model: tf.keras.Model, masks: Masks, fit_fn: FitFn, callbacks: list | None = None) -> tf.keras.Model:
    """Apply ``masks`` and train with them held fixed (in place)."""
    apply_masks(model, masks)
    fit_fn(model, [MaskEnforcer(masks), *(callbacks or [])])
    # Belt and braces: a fit_fn that dropped the callbacks must not leak weights back.
    apply_masks(model, masks)
    return model


def keras_fit(
    x: np.ndarray,
    y: np.ndarray,
    loss,
    epochs: int = 5,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    validation_data=None,
    seed: int | None = 0,
    class_weight: dict | None = None,
) -> FitFn:
    """A ready ``fit_fn``: every call trains with a FRESH Adam state (no momentum
    carried between pruning rounds) and, given ``seed``, the same shuffling.

    The first call on a model compiles it; later calls on the same model zero
    the optimiser's variables instead (step counter and moments, not the
    learning rate), which is bit-identical to recompiling but skips retracing
    the train function (~2 s a call on a small CPU).
    """
    compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def fit(model: tf.keras.Model, callbacks: list) -> tf.keras.callbacks.History:
        opt = compiled.get(model)
        if opt is not None and model.optimizer is opt:
            for var in opt.variables:
                if "learning_rate" not in var.name:
                    var.assign(tf.zeros_like(var))
        else:
            opt = tf.keras.optimizers.Adam(learning_rate)
            model.compile(optimizer=opt, loss=loss)
            compiled[model] = opt
        if seed is not None:
            tf.keras.utils.set_random_seed(seed)
        return model.fit(
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation_data,
            callbacks=callbacks,
            verbose=0,
            shuffle=True,
            class_weight=class_weight,
        )

    return fit
