"""Prune until it fits: the search behind ``fpga-prune prune``.

The search walks from the dense model towards smaller ones, structured first
(neurons really removed: hls4ml sizes every array, multiplier and pipeline
from the layer widths, so only a narrower model saves adders and registers),
then unstructured (zero weights: Vitis drops their multipliers in the Latency
strategy), fine-tuning after every step.  At each model it tries the hardware
knobs that cost no retraining: weight precision and, for the Resource
strategy, the reuse factor.  Every candidate design is scored on the
validation split by the *bit-accurate* model of its fixed-point arithmetic
(so a precision that hurts is seen as hurting), and costed by the resource
estimator against the board's capped budget.

It stops descending at the first model level that yields a design which fits
and meets the accuracy floor; among those designs it keeps the one with the
best validation metric (ties: lowest latency, then fewest DSPs).  The test
split is touched only to report the chosen design.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fpga_prune import emulate, estimate, pipeline
from fpga_prune.boards import RESOURCES, Board, Caps
from fpga_prune.errors import InputError
from fpga_prune.features import Splits
from fpga_prune.hls_adapter import network_from_keras
from fpga_prune.hls_settings import STRATEGIES, HlsSettings, LayerSettings
from fpga_prune.prune import _graph, masks as masks_mod, schedules, structured
from fpga_prune.prune import metrics as pmetrics

#: what the search may try: "auto" (Latency, then Resource with reuse) or one of hls4ml's strategies
SEARCH_STRATEGIES = ("auto", *STRATEGIES)
#: sparsities each layer is swept over alone for the per-layer sensitivity curves
SENSITIVITY_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)
#: unstructured methods; "lottery" rewinds survivors to their early values
WEIGHT_METHODS = ("magnitude", "taylor", "lottery")



@dataclass(frozen=True)
class FitConfig:
    """What the search may try, and the floor it must keep.

    ``min_retention`` is pruned/dense on ``metric`` (validation split for the
    choice, test split reported).  ``neuron_fractions`` are the fractions of
    each hidden layer's neurons removed at successive structured levels;
    ``sparsity_rounds`` the unstructured sparsity schedule (iterative,
    s_t = 1 - (1 - p)^t).  ``weight_bits`` are tried high to low.
    """

    min_retention: float = 0.98
    metric: str = "roc_auc"
    strategy: str = "auto"
    neuron_criterion: str = "l1"
    weight_method: str = "magnitude"
    neuron_fractions: tuple[float, ...] = (0.25, 0.5, 0.625, 0.75, 0.8125, 0.875, 0.9375)
    sparsity_rounds: tuple[float, ...] = schedules.iterative(0.3, 8)
    weight_bits: tuple[int, ...] = (16, 12, 10, 8, 6)
    reuse_factors: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128)
    input_precision: str = "ap_fixed<16,6>"
    metric_tolerance: float = 0.001
    sensitivity: bool = True
    finetune_epochs: int = 12
    patience: int = 3
    seed: int = 0
    #: None: a design fits when its point estimate is inside the caps; C: when the upper bound of the
    #: estimate's band at confidence C is (``Estimate.fits_upper``).  Opt-in: the default is unchanged.
    confidence: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.min_retention <= 1.5:
            raise InputError("--min-retention", None, f"must be in (0, 1.5], got {self.min_retention}")
        if self.strategy not in SEARCH_STRATEGIES:
            raise InputError("--strategy", None,
                             f"unknown {self.strategy!r}; valid: {', '.join(SEARCH_STRATEGIES)}")
        if self.weight_method not in WEIGHT_METHODS:
            raise InputError("--method", None,
                             f"unknown {self.weight_method!r}; valid: {', '.join(WEIGHT_METHODS)}")
        pmetrics.metric_fn(self.metric)  # validates the name
        if self.confidence is not None and not 0.0 < self.confidence < 1.0:
            raise InputError("--confidence", None, f"must be between 0 and 1 (exclusive), got {self.confidence}")

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True, eq=False)
class Design:
    """One candidate: a model, its hardware settings, estimate and validation metric."""

    index: int
    stage: str  # dense | structured | unstructured
    widths: tuple[int, ...]
    sparsity: float
    effective_sparsity: float  # multiplies removed vs the dense model, structured + unstructured
    weight_bits: int
    settings: HlsSettings
    estimate: estimate.Estimate
    val_metric: float
    retention: float
    fits: bool
    meets_floor: bool
    model: Any = field(repr=False, default=None)

    @property
    def strategy(self) -> str:
        return self.settings.strategy

    @property
    def reuse_factor(self) -> int:
        return self.settings.reuse_factor

    def describe(self) -> str:
        arch = "-".join(str(w) for w in self.widths)
        return (f"{self.stage} {arch}, sparsity {self.sparsity:.0%}, {self.weight_bits}-bit weights, "
                f"{self.strategy} RF{self.reuse_factor}")

    def summary(self) -> dict[str, Any]:
        tot = self.estimate.totals
        return {
            "index": self.index, "stage": self.stage, "widths": list(self.widths),
            "sparsity": round(self.sparsity, 6),
            "effective_sparsity": round(self.effective_sparsity, 6), "weight_bits": self.weight_bits,
            "strategy": self.strategy, "reuse_factor": self.reuse_factor,
            "val_metric": round(self.val_metric, 6), "retention": round(self.retention, 6),
            "fits": self.fits, "meets_floor": self.meets_floor,
            "dsp": tot["dsp"], "bram18k": tot["bram18k"], "lut": tot["lut"], "ff": tot["ff"],
            "latency_cycles": self.estimate.latency_cycles,
        }


@dataclass(frozen=True, eq=False)
class FitResult:
    """The chosen design (or the closest one when nothing fits) and the whole search."""

    chosen: Design
    fits: bool
    dense_val_metric: float
    designs: tuple[Design, ...]
    config: FitConfig
    board: Board
    caps: Caps
    shortfall: str | None = None
    sensitivity: dict | None = None  # per-layer curves, when the unstructured phase ran

    def history(self) -> list[dict[str, Any]]:
        return [d.summary() for d in self.designs]


# ----------------------------------------------------------------------------- pieces


def _metric(cfg: FitConfig) -> Callable[[np.ndarray, np.ndarray], float]:
    return pmetrics.metric_fn(cfg.metric)


def widths(model) -> tuple[int, ...]:
    """Input width then every Dense layer's units, e.g. (14, 64, 32, 1)."""
    dense = _graph.dense_layers(model)
    return (int(dense[0].input_shape[-1]),) + tuple(int(d.units) for d in dense)


def nonzero_weights(model) -> tuple[int, int]:
    """(nonzero, total) kernel weights over the Dense layers."""
    k = [_graph.kernel(d) for d in _graph.dense_layers(model)]
    return sum(int(np.count_nonzero(x)) for x in k), sum(x.size for x in k)


def sparsity(model) -> float:
    """Fraction of zero kernel weights in this model (unstructured sparsity)."""
    nz, total = nonzero_weights(model)
    return 1.0 - nz / total


def weight_precision(max_abs: float, bits: int) -> str:
    """``ap_fixed<bits, I>`` with the fewest integer bits that hold ``max_abs``.

    Why per layer: a fixed ``<16,6>`` wastes 4-5 bits on weights that are all
    below 1, and the DSP/LUT choice depends on those bits.
    """
    if max_abs <= 0:
        return f"ap_fixed<{bits},1>"
    integer = int(math.floor(math.log2(max_abs))) + 2  # sign + magnitude bits
    return f"ap_fixed<{bits},{max(integer, 1 - bits + 2)}>"


def quantizer_bits(layer) -> int | None:
    """Kernel bits of a QKeras QDense (its quantizer fixes the weight type), else None."""
    q = getattr(layer, "kernel_quantizer_internal", None)
    return int(q.bits) if q is not None and hasattr(q, "bits") else None


def weight_bit_options(model, cfg: FitConfig) -> tuple[int, ...]:
    """Weight precisions to try: the search's list for float models; for a
    quantization-aware (QKeras) model only its own trained precision."""
    qbits = [quantizer_bits(d) for d in _graph.dense_layers(model)]
    if any(b is not None for b in qbits):
        return (max(b for b in qbits if b is not None),)
    return cfg.weight_bits


def hardware_settings(model, bits: int, strategy: str, reuse: int, cfg: FitConfig,
                      board: Board) -> HlsSettings:
    """The hls4ml settings of one candidate: per-layer weight precision from the
    weights (QKeras layers keep the type their quantizer gives hls4ml)."""
    layers = []
    for d in _graph.dense_layers(model):
        w = _graph.kernel(d)
        prec = None if quantizer_bits(d) is not None else weight_precision(
            float(np.max(np.abs(w))) if w.size else 0.0, bits)
        layers.append((d.name, LayerSettings(weight=prec, strategy=strategy, reuse_factor=reuse)))
    return HlsSettings(default_precision=cfg.input_precision, strategy=strategy, reuse_factor=reuse,
                       part=board.part, clock_period_ns=board.clock_period_ns,
                       layers=tuple(sorted(layers)))


def reuse_grid(cfg: FitConfig, model) -> list[int]:
    """Resource-strategy reuse factors valid for every layer, smallest first."""
    dense = _graph.dense_layers(model)
    return [rf for rf in (1,) + tuple(cfg.reuse_factors)
            if all(rf in estimate.valid_reuse_factors(int(d.input_shape[-1]), int(d.units)) for d in dense)]


def hardware_metric(network, x_val: np.ndarray, y_val: np.ndarray, cfg: FitConfig) -> float:
    """Validation metric of the fixed-point design itself (bit-accurate model)."""
    proba = emulate.predict(network, x_val)
    return float(_metric(cfg)(y_val, proba))


def _fit_fn(splits: Splits, cfg: FitConfig):
    import tensorflow as tf  # noqa: PLC0415

    n_classes = splits.train.n_classes
    loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
    ytype = np.float32 if n_classes == 2 else np.int64
    base = masks_mod.keras_fit(splits.train.X, splits.train.y.astype(ytype), loss,
                               epochs=cfg.finetune_epochs, batch_size=256,
                               validation_data=(splits.val.X, splits.val.y.astype(ytype)), seed=cfg.seed)

    def fit(model, callbacks):
        stop = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience,
                                                restore_best_weights=True)
        return base(model, [*callbacks, stop])

    return fit


# ----------------------------------------------------------------------------- search


class _Search:
    def __init__(self, dense_model, splits: Splits, board: Board, caps: Caps, cfg: FitConfig,
                 progress: pipeline.Progress | None) -> None:
        self.splits, self.board, self.caps, self.cfg = splits, board, caps, cfg
        self.say = progress or (lambda _msg: None)
        self.designs: list[Design] = []
        self.fit = _fit_fn(splits, cfg)
        self.dense = dense_model
        self.dense_weights = nonzero_weights(dense_model)[1]
        self.dense_val = float(_metric(cfg)(splits.val.y, _predict(dense_model, splits.val.X)))
        self.floor = cfg.min_retention * self.dense_val
        self._metric_cache: dict[tuple[Any, int], float] = {}
        self.sensitivity: dict | None = None

    def level(self, model, stage: str, strategy: str) -> list[Design]:
        """Cost the hardware variants of one model under one strategy.

        Latency: one design per weight precision.  Resource: for each
        precision the smallest valid reuse factor that fits (a larger one
        only adds latency).  Returns the designs that fit and meet the floor.
        """
        good: list[Design] = []
        w, s = widths(model), sparsity(model)
        eff = 1.0 - nonzero_weights(model)[0] / self.dense_weights
        reuses = [1] if strategy == "latency" else reuse_grid(self.cfg, model)
        for bits in weight_bit_options(model, self.cfg):
            key = (model, bits)  # the key holds the model, so an id can never be reused
            if key not in self._metric_cache:
                base = hardware_settings(model, bits, "latency", 1, self.cfg, self.board)
                self._metric_cache[key] = hardware_metric(network_from_keras(model, base), self.splits.val.X,
                                                          self.splits.val.y, self.cfg)
            metric = self._metric_cache[key]
            meets = metric >= self.floor
            for rf in reuses:
                settings = hardware_settings(model, bits, strategy, rf, self.cfg, self.board)
                opts = estimate.EstimateOptions(confidence=self.cfg.confidence or 0.9)
                est = estimate.estimate(network_from_keras(model, settings), self.board, opts)
                fits = (est.fits_upper if self.cfg.confidence else est.fits)(self.board, self.caps)
                d = Design(len(self.designs), stage, w, s, eff, bits, settings, est, metric,
                           metric / self.dense_val if self.dense_val else float("nan"), fits, meets, model)
                self.designs.append(d)
                if fits and meets:
                    good.append(d)
                if fits:
                    break
            if not meets:
                break  # fewer bits will not do better
        arch = "-".join(map(str, w))
        self.say(f"{stage:<12} {arch:<16} sparsity {s:4.0%} {strategy:<8}: "
                 f"{len(good)} design(s) fit at retention >= {self.cfg.min_retention}")
        return good

    def structured_levels(self):
        """Yield (model, float val metric) for successively narrower models."""
        import tensorflow as tf  # noqa: PLC0415

        for frac in self.cfg.neuron_fractions:
            res = structured.prune_neurons(self.dense, fraction=frac, criterion=self.cfg.neuron_criterion,
                                           x_train=self.splits.train.X)
            model = res.model
            tf.keras.utils.set_random_seed(self.cfg.seed)
            self.fit(model, [])
            yield model

    def unstructured_levels(self, start):
        """Iterative unstructured pruning of ``start`` with fine-tuning (masks fixed).

        With ``cfg.sensitivity`` each layer is first swept alone on the
        validation metric, and every round prunes each layer to the ratio
        that gives all layers the same metric drop at the round's target
        (``prune.sensitivity``); otherwise one global threshold.
        """
        from fpga_prune.prune import lottery, sensitivity  # noqa: PLC0415
        from fpga_prune.prune.criteria import ScoreData  # noqa: PLC0415

        criterion = "magnitude" if self.cfg.weight_method == "lottery" else self.cfg.weight_method
        model = _graph.clone(start)
        initial = _graph.snapshot(model) if self.cfg.weight_method == "lottery" else None
        data = ScoreData(self.splits.train.X, self.splits.train.y) if criterion == "taylor" else None
        sens = None
        if self.cfg.sensitivity:
            sens = sensitivity.layer_sensitivity(model, self._float_metric, SENSITIVITY_GRID, criterion, data)
            self.sensitivity = sens.to_dict()
        previous = None
        for target in self.cfg.sparsity_rounds:
            if sens is not None:
                # the sweep's largest sparsity is the most the ratios can reach
                ratios = sensitivity.ratios_for_target(sens, min(target, SENSITIVITY_GRID[-1]))
                if previous is not None:  # never ask a layer for less than it already lost
                    ratios = {n: max(r, 1.0 - float(previous[n].mean())) for n, r in ratios.items()}
                m = masks_mod.weight_masks(model, criterion, scope="layer", per_layer=ratios, data=data,
                                           previous=previous)
            else:
                m = masks_mod.weight_masks(model, criterion, target, scope="global", data=data, previous=previous)
            previous = m
            if initial is not None:
                model = lottery.rewind(model, initial, m)
            masks_mod.fine_tune(model, m, self.fit)
            yield model

    def models(self):
        """Yield (model, stage) from the dense model down, structured then unstructured,
        each fine-tuned, until the float model falls below the floor."""
        yield self.dense, "dense"
        last_ok = self.dense
        for model in self.structured_levels():
            if self._float_metric(model) < self.floor:
                self.say(f"structured   {'-'.join(map(str, widths(model)))}: below the floor; "
                         "continuing with unstructured pruning")
                break
            last_ok = model
            yield model, "structured"
        for model in self.unstructured_levels(last_ok):
            if self._float_metric(model) < self.floor:
                self.say(f"unstructured sparsity {sparsity(model):.0%}: below the floor; stopping")
                break
            yield model, "unstructured"

    def _float_metric(self, model) -> float:
        return float(_metric(self.cfg)(self.splits.val.y, _predict(model, self.splits.val.X)))

    def run(self) -> FitResult:
        """Latency strategy first down the whole model ladder (the lowest-latency
        designs); the Resource strategy's reuse factor is the last resort."""
        cfg = self.cfg
        good: list[Design] = []
        visited = []
        strategies = ["latency", "resource"] if cfg.strategy == "auto" else [cfg.strategy]
        first = strategies[0]
        for model, stage in self.models():
            visited.append((model, stage))
            good = self.level(model, stage, first)
            if good:
                break
        if not good and len(strategies) > 1:
            for model, stage in visited:
                good = self.level(model, stage, strategies[1])
                if good:
                    break
        if good:
            chosen = choose(good, cfg.metric_tolerance)
            return FitResult(chosen, True, self.dense_val, tuple(self.designs), cfg, self.board, self.caps,
                             sensitivity=self.sensitivity)
        chosen, why = closest(self.designs, self.board, self.caps, cfg.min_retention)
        return FitResult(chosen, False, self.dense_val, tuple(self.designs), cfg, self.board, self.caps, why,
                         sensitivity=self.sensitivity)


def choose(good: Sequence[Design], tolerance: float) -> Design:
    """The best validation metric; metrics within ``tolerance`` of the best are
    ties (validation noise), broken by lowest latency, then the most weight
    bits (closest to the trained model), then fewest DSPs."""
    best = max(d.val_metric for d in good)
    near = [d for d in good if d.val_metric >= best - tolerance]
    return min(near, key=lambda d: (d.estimate.latency_cycles, -d.weight_bits,
                                    d.estimate.totals["dsp"], -d.val_metric, d.index))


def _predict(model, x: np.ndarray) -> np.ndarray:
    from fpga_prune.model import predict_proba  # noqa: PLC0415

    return predict_proba(model, x)


def overshoot(design: Design, board: Board, caps: Caps) -> tuple[str, float, int, int]:
    """The worst resource of a design: (name, excess as a fraction of the device, used, allowed).

    Why excess over the device and not used/allowed: a cap of 0 makes every
    ratio infinite, and "how far from fitting" is what a user acts on.
    """
    worst = ("dsp", -math.inf, 0, 0)
    budget = caps.budget(board)
    for r in RESOURCES:
        used, allowed = int(design.estimate.totals[r]), int(budget[r])
        excess = (used - allowed) / max(board.available()[r], 1)
        if excess > worst[1]:
            worst = (r, excess, used, allowed)
    return worst


def closest(designs: Sequence[Design], board: Board, caps: Caps, floor: float) -> tuple[Design, str]:
    """The design nearest to fitting, and a sentence saying what it needs."""
    pool = [d for d in designs if d.meets_floor] or list(designs)
    best = min(pool, key=lambda d: (overshoot(d, board, caps)[1], -d.val_metric))
    r, _ratio, used, allowed = overshoot(best, board, caps)
    if best.meets_floor:
        why = (f"closest design ({best.describe()}, retention {best.retention:.4f}) needs "
               f"{r.upper()} {used} but the cap allows {allowed} on {board.name} "
               f"(+{used - allowed}); raise --cap {r if r != 'bram18k' else 'bram'} or lower --min-retention")
    else:
        top = max(designs, key=lambda d: d.val_metric)
        why = (f"no design keeps retention >= {floor} (best {top.retention:.4f}: {top.describe()}); "
               f"the closest by resources ({best.describe()}) needs {r.upper()} {used} of {allowed} allowed")
    return best, why


def prune_to_fit(dense_model, splits: Splits, board: Board, caps: Caps | None = None,
                 cfg: FitConfig | None = None, progress: pipeline.Progress | None = None) -> FitResult:
    """Search for the best design that fits ``board`` under ``caps`` (see module doc)."""
    return _Search(dense_model, splits, board, caps or Caps(), cfg or FitConfig(), progress).run()


def fit_failure(result: FitResult) -> str | None:
    """Why nothing fits (board, floor and shortfall), or None when a design fits."""
    if result.fits:
        return None
    return f"no design fits {result.board.name} at retention >= {result.config.min_retention}: {result.shortfall}"


__all__ = ["FitConfig", "Design", "FitResult", "prune_to_fit", "fit_failure", "closest",
           "hardware_settings", "weight_precision"]
