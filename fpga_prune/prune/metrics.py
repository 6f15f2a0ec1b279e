"""How good is a pruning: size, work saved, and what the model still knows.

Analyses only.  Everything is measured against the dense model on held-out
data: sparsity and multiplies count nonzero kernel entries (each is one
multiplier in an hls4ml latency design; hls4ml drops zero weights), so a
structurally pruned (narrower) model is counted against the dense architecture.

* metric retention = m_pruned / m_dense (default metric ROC AUC);
* skill retention = (m_pruned - m_base) / (m_dense - m_base), where m_base is
  chance (AUC 0.5, majority-class accuracy): it shows how much of the edge over
  chance survives, which retention hides when the edge is small (a 0.53-AUC
  trading model at 0.515 keeps 97% of its AUC but only half its skill);
* sparsity is against the dense ARCHITECTURE (all kernel entries), the
  multiply reduction against the dense model's actual nonzero multiplies;
* decision agreement = share of samples on which pruned and dense decide alike
  (``fpga_prune.model.metrics.decisions``: the project's one decision rule).

The metrics themselves (ROC AUC, accuracy, decisions) live in
``fpga_prune.model.metrics``; this module holds what only pruning needs: weight
counts, chance levels and the registry of metrics a retention floor can use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401
from fpga_prune.errors import InputError
from fpga_prune.model.metrics import accuracy, balanced_accuracy, decisions, roc_auc
from fpga_prune.prune import graph


def chance(metric: str, y: np.ndarray) -> float:
    """The no-skill value of a metric on labels ``y``."""
    y = np.asarray(y).ravel()
    if metric == "roc_auc":
        return 0.5
    if metric == "accuracy":
        return float(np.bincount(y.astype(np.int64)).max() / y.size)
    if metric == "balanced_accuracy":
        return 1.0 / np.unique(y).size
    raise InputError("prune metrics", "metric", f"no chance level known for {metric!r}; pass baseline=")


RETENTION_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "roc_auc": roc_auc,
    "accuracy": accuracy,
    "balanced_accuracy": balanced_accuracy,
}


def metric_fn(name: str) -> Callable[[np.ndarray, np.ndarray], float]:
    try:
        return RETENTION_METRICS[name]
    except KeyError:
        raise InputError(
            "prune metrics", "metric", f"unknown metric {name!r}; valid: {sorted(RETENTION_METRICS)}"
        ) from None


@dataclass(frozen=True)
class WeightCount:
    """Kernel/bias counts of a model's Dense layers."""

    kernel: int
    kernel_nonzero: int
    bias: int
    bias_nonzero: int
    layers: dict

    @property
    def params(self) -> int:
        return self.kernel + self.bias

    @property
    def params_nonzero(self) -> int:
        return self.kernel_nonzero + self.bias_nonzero


def _quantised(layer: tf.keras.layers.Layer, which: str, value: np.ndarray) -> np.ndarray:
    q = getattr(layer, f"{which}_quantizer_internal", None)
    return value if q is None else np.asarray(q(tf.convert_to_tensor(value)))


def count_weights(model: tf.keras.Model, quantised: bool = True) -> WeightCount:
    """Counts over Dense/QDense kernels and biases.

    ``quantised=True`` counts what the hardware sees: a QDense weight that its
    quantizer rounds to 0 costs no multiplier even though its float shadow
    weight is nonzero (hls4ml drops it).  Plain Dense layers are unaffected.
    """
    k = kn = b = bn = 0
    layers = {}
    for la in graph.dense_layers(model):
        kern = graph.kernel(la)
        bias = la.bias.numpy() if la.use_bias else np.zeros(0)
        if quantised:
            kern = _quantised(la, "kernel", kern)
            bias = _quantised(la, "bias", bias) if bias.size else bias
        layers[la.name] = {"shape": list(kern.shape), "nonzero": int(np.count_nonzero(kern))}
        k += kern.size
        kn += int(np.count_nonzero(kern))
        b += bias.size
        bn += int(np.count_nonzero(bias))
    return WeightCount(k, kn, b, bn, layers)


@dataclass(frozen=True)
class PruneMetrics:
    """Method metrics of a pruned model against its dense parent (see module doc)."""

    dense_weights: int
    nonzero_weights: int
    sparsity: float
    compression_ratio: float
    dense_multiplies: int
    pruned_multiplies: int
    multiply_reduction: float
    dense_flops: int
    pruned_flops: int
    metric: str
    dense_metric: float
    pruned_metric: float
    baseline_metric: float
    metric_retention: float
    skill_retention: float | None
    decision_agreement: float
    n_samples: int

    def to_dict(self) -> dict:
        return asdict(self)


def prune_metrics(
    dense: tf.keras.Model,
    pruned: tf.keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    metric: str | Callable[[np.ndarray, np.ndarray], float] = "roc_auc",
    baseline: float | None = None,
    threshold: float = 0.5,
    batch_size: int = 4096,
    quantised: bool = True,
) -> PruneMetrics:
    """Compare ``pruned`` with ``dense`` on OUT-OF-SAMPLE ``x, y``.

    ``metric`` is a registry name or ``fn(y, proba) -> float`` (then give
    ``baseline``); ``threshold`` applies to single-output models (probability
    0.5; use 0.0 for a logit output).  FLOPs count a multiply and an add per
    nonzero kernel weight plus one add per bias; ``quantised`` as in
    ``count_weights``.
    """
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "custom")
    fn = metric_fn(metric) if isinstance(metric, str) else metric
    if baseline is None:
        if not isinstance(metric, str):
            raise InputError("prune metrics", "baseline", "a custom metric needs an explicit baseline")
        baseline = chance(metric, y)
    cd, cp = count_weights(dense, quantised), count_weights(pruned, quantised)
    pd = graph.forward(dense, x, batch_size)
    pp = graph.forward(pruned, x, batch_size)
    md, mp = float(fn(y, pd)), float(fn(y, pp))
    edge = md - float(baseline)
    return PruneMetrics(
        dense_weights=cd.kernel,
        nonzero_weights=cp.kernel_nonzero,
        sparsity=1.0 - cp.kernel_nonzero / cd.kernel,
        compression_ratio=cd.params / max(cp.params_nonzero, 1),
        dense_multiplies=cd.kernel_nonzero,
        pruned_multiplies=cp.kernel_nonzero,
        multiply_reduction=1.0 - cp.kernel_nonzero / max(cd.kernel_nonzero, 1),
        dense_flops=2 * cd.kernel_nonzero + cd.bias,
        pruned_flops=2 * cp.kernel_nonzero + cp.bias,
        metric=name,
        dense_metric=md,
        pruned_metric=mp,
        baseline_metric=float(baseline),
        metric_retention=mp / md if md else float("nan"),
        skill_retention=(mp - float(baseline)) / edge if abs(edge) > 1e-12 else None,
        decision_agreement=float(np.mean(decisions(pd, threshold) == decisions(pp, threshold))),
        n_samples=int(len(x)),
    )
