"""Lottery tickets (Frankle & Carbin 2019; late rewinding, Frankle et al. 2020).

Train the dense network, prune the smallest-magnitude weights, reset the
survivors to their values at initialisation (``rewind_epoch=0``) or after an
early epoch k (late rewinding, more stable for deeper nets), retrain with the
mask fixed; repeat along a schedule (typically ``schedules.iterative``).
Biases and all other weights (BatchNorm statistics...) are rewound too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401
from fpga_prune.errors import InputError
from fpga_prune.prune import graph
from fpga_prune.prune.iterative import EvalFn, PruneStep, check_targets, scaled_ratios
from fpga_prune.prune.masks import FitFn, Masks, apply_masks, fine_tune, magnitude_masks


class EpochCheckpoint(tf.keras.callbacks.Callback):
    """Snapshots all weights at the end of epoch ``epoch`` (1-based)."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = int(epoch)
        self.weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch, logs=None) -> None:
        if epoch + 1 == self.epoch:
            self.weights = graph.snapshot(self.model)


def rewind(model: tf.keras.Model, weights: Sequence[np.ndarray], masks: Masks) -> tf.keras.Model:
    """Reset every weight to ``weights`` and apply ``masks`` (in place)."""
    model.set_weights([np.array(w, copy=True) for w in weights])
    return apply_masks(model, masks)


@dataclass(frozen=True, eq=False)
class LotteryResult:
    """The winning ticket (retrained), its masks, the rewind point and the history."""

    model: tf.keras.Model
    masks: Masks
    rewind_epoch: int
    rewind_weights: tuple[np.ndarray, ...]
    steps: tuple[PruneStep, ...]
    dense_metric: float | None

    def to_dict(self) -> dict:
        return {
            "method": "lottery_ticket",
            "rewind_epoch": self.rewind_epoch,
            "dense_metric": self.dense_metric,
            "masks": self.masks.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
        }


def lottery_ticket(
    model: tf.keras.Model,
    fit_fn: FitFn,
    targets: Sequence[float],
    rewind_epoch: int = 0,
    scope: str = "global",
    per_layer: Mapping[str, float] | None = None,
    layers: list[str] | None = None,
    eval_fn: EvalFn | None = None,
) -> LotteryResult:
    """Find a ticket for the UNTRAINED ``model`` (trained and pruned in place).

    ``fit_fn(model, callbacks)`` does the full training each round (it must
    pass ``callbacks`` to ``model.fit``); ``rewind_epoch=k > 0`` needs at least
    k epochs in that training.
    """
    targets = check_targets(targets)
    if int(rewind_epoch) != rewind_epoch or rewind_epoch < 0:
        raise InputError("prune", "rewind_epoch", f"must be an integer >= 0, got {rewind_epoch!r}")
    init = graph.snapshot(model)
    ckpt = EpochCheckpoint(rewind_epoch)
    fit_fn(model, [ckpt] if rewind_epoch else [])
    if rewind_epoch == 0:
        rewind_to = init
    elif ckpt.weights is None:
        raise InputError(
            "prune", "rewind_epoch", f"training ran fewer than {rewind_epoch} epochs (or fit_fn dropped the callbacks)"
        )
    else:
        rewind_to = ckpt.weights
    dense_metric = None if eval_fn is None else float(eval_fn(model))
    masks: Masks | None = None
    steps = []
    for t, target in enumerate(targets, start=1):
        ratios = scaled_ratios(per_layer, target, targets[-1])
        masks = magnitude_masks(model, target, scope, ratios, layers, previous=masks)
        rewind(model, rewind_to, masks)
        fine_tune(model, masks, fit_fn)
        steps.append(
            PruneStep(
                t, target, masks.sparsity, masks.layer_sparsity(), None if eval_fn is None else float(eval_fn(model))
            )
        )
    return LotteryResult(model, masks, int(rewind_epoch), tuple(rewind_to), tuple(steps), dense_metric)
