"""Per-layer sensitivity: how the metric falls when ONE layer is pruned alone.

Why: layers differ in redundancy (a 64x32 hidden layer is usually far more
prunable than the 10-input first layer or the output layer).  Pruning each
layer alone over a sparsity grid, with no retraining, is cheap and gives the
curves ``ratios_for_target`` turns into per-layer ratios: all layers are
pruned to the same tolerated metric drop, the drop being chosen so that the
size-weighted mean sparsity equals the global target.  The model is not
changed (the sweep runs on a copy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401
from fpga_prune.errors import InputError
from fpga_prune.prune import criteria, graph
from fpga_prune.prune.masks import masks_from_scores

DEFAULT_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class SensitivityResult:
    """``curves[layer][i]`` = metric with only that layer pruned to ``sparsities[i]``."""

    baseline: float
    sparsities: tuple[float, ...]
    curves: dict[str, tuple[float, ...]]
    sizes: dict[str, int]
    criterion: str

    def drops(self, layer: str) -> np.ndarray:
        """Metric drop (baseline - metric) at sparsity 0 and each grid point."""
        return np.concatenate([[0.0], self.baseline - np.asarray(self.curves[layer], dtype=np.float64)])

    def to_dict(self) -> dict:
        return {
            "baseline": self.baseline,
            "sparsities": list(self.sparsities),
            "criterion": self.criterion,
            "sizes": dict(self.sizes),
            "curves": {k: list(v) for k, v in self.curves.items()},
        }


def layer_sensitivity(
    model: tf.keras.Model,
    eval_fn: Callable[[tf.keras.Model], float],
    sparsities: Sequence[float] = DEFAULT_GRID,
    criterion: str = "magnitude",
    data: criteria.ScoreData | None = None,
    layers: list[str] | None = None,
) -> SensitivityResult:
    """Sweep each layer alone over ``sparsities`` (no retraining).

    ``eval_fn(model) -> float`` is a higher-is-better metric on VALIDATION data.
    """
    grid = tuple(float(s) for s in sparsities)
    if not grid or any(not 0 < s <= 1 for s in grid) or any(b <= a for a, b in zip(grid, grid[1:])):
        raise InputError("prune sensitivity", "sparsities", f"must be increasing values in (0, 1], got {list(grid)}")
    work = graph.clone(model)
    scores = criteria.weight_criterion(criterion)(work, data, layers=layers)
    baseline = float(eval_fn(work))
    curves: dict[str, tuple[float, ...]] = {}
    dense = {la.name: la for la in graph.dense_layers(work)}
    for name, s in scores.items():
        layer = dense[name]
        original = layer.kernel.numpy()
        values = []
        for sp in grid:
            mask = masks_from_scores({name: s}, sp, scope="layer")[name]
            layer.kernel.assign(original * mask)
            values.append(float(eval_fn(work)))
        layer.kernel.assign(original)
        curves[name] = tuple(values)
    return SensitivityResult(baseline, grid, curves, {n: int(np.asarray(s).size) for n, s in scores.items()}, criterion)


def _sparsity_at(s_grid: np.ndarray, drop: np.ndarray, delta: float) -> float:
    """Largest sparsity whose (monotone, interpolated) drop is <= delta."""
    if delta >= drop[-1]:
        return float(s_grid[-1])
    i = int(np.searchsorted(drop, delta, side="right"))  # drop[i-1] <= delta < drop[i]
    if i == 0:
        return 0.0
    lo, hi = drop[i - 1], drop[i]
    return float(s_grid[i - 1] + (delta - lo) / (hi - lo) * (s_grid[i] - s_grid[i - 1]))


def ratios_for_target(result: SensitivityResult, target: float) -> dict[str, float]:
    """Per-layer sparsities whose size-weighted mean is ``target``, pruning the
    less sensitive layers more (equal tolerated metric drop across layers).

    Curves are made monotone (running max of the drop) before inversion; the
    largest ratio a layer gets is the largest sparsity in the sweep.
    """
    names = list(result.curves)
    sizes = np.array([result.sizes[n] for n in names], dtype=np.float64)
    s_grid = np.concatenate([[0.0], result.sparsities])
    drops = [np.maximum.accumulate(result.drops(n)) for n in names]
    cap = float((sizes * s_grid[-1]).sum() / sizes.sum())
    if not 0.0 <= float(target) <= cap + 1e-12:
        raise InputError(
            "prune sensitivity", "target", f"must be in [0, {cap:.4f}] (the sweep's largest sparsity), got {target!r}"
        )

    def at(delta: float) -> np.ndarray:
        return np.array([_sparsity_at(s_grid, d, delta) for d in drops])

    def total(r: np.ndarray) -> float:
        return float((sizes * r).sum() / sizes.sum())

    lo, hi = -1.0, float(max(d[-1] for d in drops)) + 1.0  # total(at(lo)) = 0, total(at(hi)) = cap
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if total(at(mid)) < target:
            lo = mid
        else:
            hi = mid
    r_lo, r_hi = at(lo), at(hi)
    # Plateaus make at() jump; blend the two sides to hit the target exactly.
    t_lo, t_hi = total(r_lo), total(r_hi)
    lam = 0.0 if t_hi == t_lo else (float(target) - t_lo) / (t_hi - t_lo)
    r = np.clip(r_lo + lam * (r_hi - r_lo), 0.0, s_grid[-1])
    return {n: float(v) for n, v in zip(names, r)}
