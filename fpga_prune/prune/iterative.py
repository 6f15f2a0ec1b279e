"""Prune along a schedule with fine-tuning between rounds (masks fixed).

One loop serves one-shot (a one-entry schedule), iterative magnitude pruning
and the gradual polynomial/exponential schedules: round t prunes the current
weights to ``targets[t]`` (already-pruned weights stay pruned), then fine-tunes
with the masks held fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import tensorflow as tf

import fpga_prune  # noqa: F401
from fpga_prune.errors import InputError
from fpga_prune.prune import criteria
from fpga_prune.prune.masks import FitFn, Masks, fine_tune, weight_masks

EvalFn = Callable[[tf.keras.Model], float]


@dataclass(frozen=True)
class PruneStep:
    """One round: the target, what the masks achieved, and the metric after fine-tuning."""

    round: int
    target: float
    sparsity: float
    layer_sparsity: dict
    metric: float | None

    def to_dict(self) -> dict:
        return {
            "round": self.round,
            "target": self.target,
            "sparsity": self.sparsity,
            "layer_sparsity": dict(self.layer_sparsity),
            "metric": self.metric,
        }


@dataclass(frozen=True, eq=False)
class PruneRun:
    """The pruned, fine-tuned model with its final masks and per-round history."""

    model: tf.keras.Model
    masks: Masks
    steps: tuple[PruneStep, ...]
    method: str

    def to_dict(self) -> dict:
        return {"method": self.method, "masks": self.masks.to_dict(), "steps": [s.to_dict() for s in self.steps]}


def scaled_ratios(per_layer: Mapping[str, float] | None, target: float, final: float) -> dict[str, float] | None:
    """Per-layer ratios meant for the final target, scaled to an earlier round's
    target (proportionally, so every layer grows monotonically)."""
    if per_layer is None:
        return None
    scale = 0.0 if final == 0 else target / final
    return {k: min(1.0, v * scale) for k, v in per_layer.items()}


def check_targets(targets: Sequence[float]) -> tuple[float, ...]:
    t = tuple(float(s) for s in targets)
    if not t:
        raise InputError("prune", "schedule", "empty schedule")
    if any(b < a for a, b in zip(t, t[1:])):
        raise InputError("prune", "schedule", f"targets must be non-decreasing, got {list(t)}")
    return t


def prune_iteratively(
    model: tf.keras.Model,
    targets: Sequence[float],
    fit_fn: FitFn,
    criterion: str = "magnitude",
    scope: str = "global",
    per_layer: Mapping[str, float] | None = None,
    data: criteria.ScoreData | None = None,
    layers: list[str] | None = None,
    eval_fn: EvalFn | None = None,
    masks: Masks | None = None,
) -> PruneRun:
    """Prune ``model`` IN PLACE along ``targets`` (e.g. ``schedules.cubic(0.8, 4)``).

    ``per_layer`` (scope="layer") gives the ratios for the final target, e.g.
    from ``sensitivity.ratios_for_target``; earlier rounds use them scaled.
    ``eval_fn(model) -> float`` (validation metric) is recorded after each round.
    """
    targets = check_targets(targets)
    steps = []
    for t, target in enumerate(targets, start=1):
        ratios = scaled_ratios(per_layer, target, targets[-1])
        masks = weight_masks(model, criterion, target, scope, ratios, data, layers, previous=masks)
        fine_tune(model, masks, fit_fn)
        steps.append(
            PruneStep(
                t, target, masks.sparsity, masks.layer_sparsity(), None if eval_fn is None else float(eval_fn(model))
            )
        )
    return PruneRun(model, masks, tuple(steps), f"{criterion}/{scope}")
