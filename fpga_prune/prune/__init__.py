"""Pruning library: criteria, masks, schedules, lottery tickets, structured removal.

FINN style: analyses (criteria, sensitivity, metrics) change nothing and return
numpy arrays or frozen dataclasses; transformations (``apply_masks``,
``remove_neurons``, ``rewind``) are small and do one thing.  Works on any
single-chain MLP of tf.keras Dense / QKeras QDense layers with inline or
separate per-feature layers; training is the caller's ``fit_fn(model, callbacks)``
(``keras_fit`` builds one from arrays and a loss).

    from fpga_prune.prune import keras_fit, prune_iteratively, schedules, remove_neurons
"""

from fpga_prune.model.metrics import roc_auc
from fpga_prune.prune import criteria, schedules
from fpga_prune.prune.criteria import NEURON_CRITERIA, WEIGHT_CRITERIA, ScoreData
from fpga_prune.prune.iterative import PruneRun, PruneStep, prune_iteratively
from fpga_prune.prune.lottery import LotteryResult, lottery_ticket, rewind
from fpga_prune.prune.masks import (
    MaskEnforcer,
    Masks,
    apply_masks,
    fine_tune,
    keras_fit,
    magnitude_masks,
    masks_from_scores,
    weight_masks,
)
from fpga_prune.prune.metrics import PruneMetrics, count_weights, prune_metrics
from fpga_prune.prune.sensitivity import SensitivityResult, layer_sensitivity, ratios_for_target
from fpga_prune.prune.structured import (
    StructuredResult,
    keep_from_scores,
    mask_neurons,
    neuron_scores,
    prune_neurons,
    remove_neurons,
    unused_neurons,
)

__all__ = [
    "criteria",
    "schedules",
    "NEURON_CRITERIA",
    "WEIGHT_CRITERIA",
    "ScoreData",
    "PruneRun",
    "PruneStep",
    "prune_iteratively",
    "LotteryResult",
    "lottery_ticket",
    "rewind",
    "MaskEnforcer",
    "Masks",
    "apply_masks",
    "fine_tune",
    "keras_fit",
    "magnitude_masks",
    "masks_from_scores",
    "weight_masks",
    "PruneMetrics",
    "count_weights",
    "prune_metrics",
    "roc_auc",
    "SensitivityResult",
    "layer_sensitivity",
    "ratios_for_target",
    "StructuredResult",
    "keep_from_scores",
    "mask_neurons",
    "neuron_scores",
    "prune_neurons",
    "remove_neurons",
    "unused_neurons",
]
