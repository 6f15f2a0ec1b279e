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

Two objectives.  ``accuracy`` (the default) stops descending at the first
model level that yields a design which fits and meets the accuracy floor;
among those designs it keeps the one with the best validation metric (ties:
lowest latency, then fewest DSPs).  ``resources`` walks further down while
designs keep getting cheaper, searches the precision of every layer at each
model (``fpga_prune.search.precision``), fine-tunes the cheapest design's model
quantization-aware at its widths, and keeps the cheapest design that fits and
meets the floor (cost: ``fpga_prune.search.cost.board_cost`` of the estimate's upper
bound).  The strategy axis is every strategy of ``fpga_prune.arith.ir``.  The test
split is touched only to report the chosen design.  The designs, the result
and the rules that choose among them live in ``fpga_prune.search.designs``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from fpga_prune.arith import emulate
from fpga_prune.arith.ir import DA, DenseLayer, FixedNetwork
from fpga_prune.boards import Board, Caps
from fpga_prune.estimate import core as estimate
from fpga_prune.estimate import da
from fpga_prune.estimate.da import usable_strategies
from fpga_prune.estimate.interface import InterfaceEstimate, interface_estimate
from fpga_prune.estimate.tools import tool_family
from fpga_prune.hls.adapter import network_from_keras
from fpga_prune.hls.settings import HlsSettings, LayerSettings
from fpga_prune.model.features import Splits
from fpga_prune.progress import Progress
from fpga_prune.prune import graph, structured
from fpga_prune.prune import masks as masks_mod
from fpga_prune.prune import metrics as pmetrics
from fpga_prune.prune.graph import nonzero_weights, sparsity, widths
from fpga_prune.search import cost as cost_mod
from fpga_prune.search import precision
from fpga_prune.search.config import FitConfig
from fpga_prune.search.cost import closest
from fpga_prune.search.designs import Design, FitResult, cheapest, choose, cost_key

#: sparsities each layer is swept over alone for the per-layer sensitivity curves
SENSITIVITY_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)
#: model levels without a cheaper design after which ``resources`` stops descending
RESOURCES_PATIENCE = 2


# ----------------------------------------------------------------------------- pieces


def _metric(cfg: FitConfig) -> Callable[[np.ndarray, np.ndarray], float]:
    return pmetrics.metric_fn(cfg.metric)


def weight_precision(max_abs: float, bits: int) -> str:
    """``ap_fixed<bits, I>`` with the fewest integer bits that hold ``max_abs``.

    Why per layer: a fixed ``<16,6>`` wastes 4-5 bits on weights that are all
    below 1, and the DSP/LUT choice depends on those bits.
    """
    return f"ap_fixed<{bits},{precision.signed_integer_bits(max_abs, bits)}>"


def quantizer_bits(layer) -> int | None:
    """Kernel bits of a QKeras QDense (its quantizer fixes the weight type), else None."""
    q = getattr(layer, "kernel_quantizer_internal", None)
    return int(q.bits) if q is not None and hasattr(q, "bits") else None


def weight_bit_options(model, cfg: FitConfig) -> tuple[int, ...]:
    """Weight precisions to try: the search's list for float models; for a
    quantization-aware (QKeras) model only its own trained precision."""
    qbits = [quantizer_bits(d) for d in graph.dense_layers(model)]
    if any(b is not None for b in qbits):
        return (max(b for b in qbits if b is not None),)
    return cfg.weight_bits


def hardware_settings(model, bits: int, strategy: str, reuse: int, cfg: FitConfig, board: Board) -> HlsSettings:
    """The hls4ml settings of one candidate: per-layer weight precision from the
    weights (QKeras layers keep the type their quantizer gives hls4ml)."""
    layers = []
    for d in graph.dense_layers(model):
        w = graph.kernel(d)
        prec = (
            None
            if quantizer_bits(d) is not None
            else weight_precision(float(np.max(np.abs(w))) if w.size else 0.0, bits)
        )
        layers.append((d.name, LayerSettings(weight=prec, strategy=strategy, reuse_factor=reuse)))
    return HlsSettings(
        default_precision=cfg.input_precision,
        strategy=strategy,
        reuse_factor=reuse,
        part=board.part,
        clock_period_ns=board.clock_period_ns,
        layers=tuple(sorted(layers)),
    )


def reuses_for(strategy: str, cfg: FitConfig, model) -> list[int]:
    """Reuse factors tried: the Resource strategy's grid; 1 for the others (Latency, DA: fully unrolled)."""
    return reuse_grid(cfg, model) if strategy == "resource" else [1]


def reuse_grid(cfg: FitConfig, model) -> list[int]:
    """Resource-strategy reuse factors valid for every layer, smallest first."""
    dense = graph.dense_layers(model)
    return [
        rf
        for rf in (1,) + tuple(cfg.reuse_factors)
        if all(rf in estimate.valid_reuse_factors(int(d.input_shape[-1]), int(d.units)) for d in dense)
    ]


def hardware_metric(network, x_val: np.ndarray, y_val: np.ndarray, cfg: FitConfig) -> float:
    """Validation metric of the fixed-point design itself (bit-accurate model)."""
    proba = emulate.predict(network, x_val)
    return float(_metric(cfg)(y_val, proba))


def _fit_fn(splits: Splits, cfg: FitConfig):
    """Fine-tuning of a pruned candidate; with ``finetune_epochs == 0`` none (masks are still applied), so the
    search then does no floating-point training and its choice depends only on the model it was given."""
    import tensorflow as tf  # noqa: PLC0415

    if cfg.finetune_epochs == 0:
        return lambda model, callbacks: None

    n_classes = splits.train.n_classes
    loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
    ytype = np.float32 if n_classes == 2 else np.int64
    base = masks_mod.keras_fit(
        splits.train.X,
        splits.train.y.astype(ytype),
        loss,
        epochs=cfg.finetune_epochs,
        batch_size=256,
        validation_data=(splits.val.X, splits.val.y.astype(ytype)),
        seed=cfg.seed,
    )

    def fit(model, callbacks):
        stop = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience, restore_best_weights=True)
        return base(model, [*callbacks, stop])

    return fit


# ----------------------------------------------------------------------------- search


class _Search:
    def __init__(
        self, dense_model, splits: Splits, board: Board, caps: Caps, cfg: FitConfig, progress: Progress | None
    ) -> None:
        self.splits, self.board, self.caps, self.cfg = splits, board, caps, cfg
        self.say = progress or (lambda _msg: None)
        self.designs: list[Design] = []
        self.fit = _fit_fn(splits, cfg)
        self.dense = dense_model
        self.dense_weights = nonzero_weights(dense_model)[1]
        self.dense_val = float(_metric(cfg)(splits.val.y, _predict(dense_model, splits.val.X)))
        margin = cfg.margin if cfg.objective == "resources" else 0.0
        self.floor = (cfg.min_retention + margin) * self.dense_val
        self._metric_cache: dict[tuple[Any, int], float] = {}
        self._ranges: dict[Any, precision.Ranges] = {}
        self.sensitivity: dict | None = None
        self.precision_sensitivity: dict[Any, dict] = {}
        self.options = cfg.estimate_options()
        # --objective resources costs hundreds of DA weight sets: by proxy first, exactly for the finalists
        self.ranking_options = (
            replace(self.options, da_costing="proxy") if cfg.objective == "resources" else self.options
        )
        self.recosted = 0
        self.interface: InterfaceEstimate | None = None  # what reserve_interface took from the budget
        self.solved_layers: set[tuple[bytes, str, str, str]] = set()  # DA layers costed by da4ml's solve

    def reserve_interface(self, net) -> None:
        """Take what wraps the network from the budget, priced once on the first candidate (see
        ``reserve_interface``)."""
        if self.cfg.interface != "none" and not self.caps.reserved:
            self.caps, self.interface = reserve_interface(net, self.board, self.caps, self.cfg)

    def design(self, model, stage: str, settings: HlsSettings, bits: int, metric: float, **kw: Any) -> Design:
        """Estimate, cost and record one candidate (a DA layer by proxy under ``ranking_options``)."""
        net = network_from_keras(model, settings)
        self.reserve_interface(net)
        est = estimate.estimate(net, self.board, self.ranking_options)
        fits = (est.fits_upper if self.cfg.confidence else est.fits)(self.board, self.caps)
        da_layers = _da_layers(net)
        proxied = self.ranking_options.da_costing == "proxy" and bool(da_layers)
        if not proxied:
            self.solved_layers.update(da.layer_key(lay) for lay in da_layers)
        eff = 1.0 - nonzero_weights(model)[0] / self.dense_weights
        d = Design(
            len(self.designs),
            stage,
            widths(model),
            sparsity(model),
            eff,
            bits,
            settings,
            est,
            metric,
            metric / self.dense_val if self.dense_val else float("nan"),
            fits,
            metric >= self.floor,
            model,
            cost_mod.board_cost(est.upper(), self.board, self.caps),
            costed="proxy" if proxied else "exact",
            **kw,
        )
        self.designs.append(d)
        return d

    def exact(self, d: Design) -> Design:
        """``d`` costed exactly (da4ml's solve for its DA layers), in place of the proxy-costed record."""
        d = self.designs[d.index]
        if d.costed == "exact":
            return d
        net = network_from_keras(d.model, d.settings)
        est = estimate.estimate(net, self.board, self.options)
        self.solved_layers.update(da.layer_key(lay) for lay in _da_layers(net))
        fits = (est.fits_upper if self.cfg.confidence else est.fits)(self.board, self.caps)
        new = replace(
            d, estimate=est, fits=fits, cost=cost_mod.board_cost(est.upper(), self.board, self.caps), costed="exact"
        )
        self.designs[d.index] = new
        self.recosted += 1
        return new

    def level(self, model, stage: str, strategy: str) -> list[Design]:
        """Cost the hardware variants of one model under one strategy.

        Latency: one design per weight precision.  Resource: for each
        precision the smallest valid reuse factor that fits (a larger one
        only adds latency).  Returns the designs that fit and meet the floor.
        """
        good: list[Design] = []
        w, s = widths(model), sparsity(model)
        reuses = reuses_for(strategy, self.cfg, model)
        for bits in weight_bit_options(model, self.cfg):
            key = (model, bits)  # the key holds the model, so an id can never be reused
            if key not in self._metric_cache:
                base = hardware_settings(model, bits, "latency", 1, self.cfg, self.board)
                self._metric_cache[key] = hardware_metric(
                    network_from_keras(model, base), self.splits.val.X, self.splits.val.y, self.cfg
                )
            metric = self._metric_cache[key]
            meets = metric >= self.floor
            for rf in reuses:
                d = self.design(
                    model, stage, hardware_settings(model, bits, strategy, rf, self.cfg, self.board), bits, metric
                )
                if d.fits and meets:
                    good.append(d)
                if d.fits:
                    break
            if not meets:
                break  # fewer bits will not do better
        arch = "-".join(map(str, w))
        self.say(
            f"{stage:<12} {arch:<16} sparsity {s:4.0%} {strategy:<8}: "
            f"{len(good)} design(s) fit at retention >= {self.cfg.min_retention}"
        )
        return good

    def precision_level(
        self,
        model,
        stage: str,
        strategies: Sequence[str],
        start: precision.PrecisionPlan | None = None,
        tuning: str = "pruning",
    ) -> list[Design]:
        """Per-layer precision of one model (``precision.search`` on the bit-accurate validation
        metric, target: ``precision_tolerance`` below the start plan's metric and not below the floor
        plus ``margin``), costed under every strategy; every
        plan the search evaluated becomes a design, so the front shows the trade-off."""
        if model not in self._ranges:
            self._ranges[model] = precision.ranges(model, self.splits.train.X)
        rng = self._ranges[model]

        def settings(plan: precision.PrecisionPlan, strategy: str, rf: int) -> HlsSettings:
            return precision.settings(plan, rng, strategy, rf, self.cfg.input_precision, self.board)

        def evaluate(plan: precision.PrecisionPlan) -> float:
            net = network_from_keras(model, settings(plan, "latency", 1))
            return hardware_metric(net, self.splits.val.X, self.splits.val.y, self.cfg)

        start = start or precision.uniform_plan(model)
        floor = (
            self.floor
            if self.cfg.objective == "resources"
            else (self.cfg.min_retention + self.cfg.margin) * self.dense_val
        )
        target = max(floor, evaluate(start) - self.cfg.precision_tolerance)
        found = precision.search(start, evaluate, target, precision.min_bits(rng))
        self.precision_sensitivity[model] = found.sensitivity
        good: list[Design] = []
        seen = set()
        for plan, metric in [(found.plan, found.metric), *found.tried]:
            if plan in seen or (plan != found.plan and metric < target):
                continue
            seen.add(plan)
            for strategy in strategies:
                for rf in reuses_for(strategy, self.cfg, model):
                    d = self.design(
                        model,
                        stage,
                        settings(plan, strategy, rf),
                        plan.max_weight_bits,
                        metric,
                        plan=plan,
                        tuning=tuning,
                    )
                    if d.fits and d.meets_floor:
                        good.append(d)
                    if d.fits:
                        break
        self.say(
            f"{stage:<12} {'-'.join(map(str, widths(model))):<16} {found.plan.describe()}"
            f"{' after QAT' if tuning == 'qat' else ''}: validation {self.cfg.metric} {found.metric:.4f}"
        )
        return good

    def structured_levels(self):
        """Yield (model, float val metric) for successively narrower models."""
        import tensorflow as tf  # noqa: PLC0415

        for frac in self.cfg.neuron_fractions:
            res = structured.prune_neurons(
                self.dense, fraction=frac, criterion=self.cfg.neuron_criterion, x_train=self.splits.train.X
            )
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
        model = graph.clone(start)
        initial = graph.snapshot(model) if self.cfg.weight_method == "lottery" else None
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
                m = masks_mod.weight_masks(
                    model, criterion, scope="layer", per_layer=ratios, data=data, previous=previous
                )
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
                self.say(
                    f"structured   {'-'.join(map(str, widths(model)))}: below the floor; "
                    "continuing with unstructured pruning"
                )
                break
            last_ok = model
            yield model, "structured"
        for model in self.unstructured_levels(last_ok):
            if self._float_metric(model) < self.floor:
                self.say(f"unstructured sparsity {sparsity(model):.0%}: below the floor; stopping")
                break
            yield model, "unstructured"

    def confident_cheapest(self, good: Sequence[Design]) -> Design:
        """The cheapest design whose bit-accurate validation metric keeps the floor at the 90% paired
        block-bootstrap lower bound against the dense model (``metrics.paired_lower_bound``), costed exactly.

        Why: among hundreds of designs at the floor, ~3,500 validation candles cannot tell a faithful
        design from a lucky one by the point metric (a 2-bit 16-4-2-1 design lost 0.004 on validation,
        0.03 on test); one whose predictions differ from the dense model's gets a wide interval.
        None passes: the cheapest by the point metric.  Candidates costed by proxy are solved exactly in
        the order of the least they could cost (``da.PROXY_LOW_RATIO``) until none could beat the best."""
        from fpga_prune.model.metrics import paired_lower_bound  # noqa: PLC0415

        y, x = self.splits.val.y, self.splits.val.X
        p_dense = _predict(self.dense, x)
        verdict: dict[tuple[Any, Any], bool] = {}

        def confident(d: Design) -> bool:
            key = (d.model, d.plan or d.weight_bits)  # the arithmetic, whatever the strategy
            if key not in verdict:
                p = emulate.predict(network_from_keras(d.model, d.settings), x)
                low = paired_lower_bound(y, p, p_dense, _metric(self.cfg), seed=self.cfg.seed)
                verdict[key] = self.dense_val + low >= self.cfg.min_retention * self.dense_val
            return verdict[key]

        current = [self.designs[d.index] for d in good]
        return (
            self.exact_cheapest(current, confident)
            or self.exact_cheapest(current, lambda _d: True)
            or (cheapest(current))
        )

    def exact_cheapest(self, good: Sequence[Design], accept: Callable[[Design], bool]) -> Design | None:
        """The cheapest design of ``good`` that ``accept`` takes and that still fits and keeps the floor
        once costed exactly; proxy-costed ones are solved in order of their lowest possible cost."""

        def lowest(d: Design) -> float:
            return d.cost * da.PROXY_LOW_RATIO if d.costed == "proxy" else d.cost

        best: Design | None = None
        for d in sorted(good, key=lambda d: (lowest(d), cost_key(d))):
            if best is not None and lowest(d) > best.cost:
                break
            if not accept(d):
                continue
            e = self.exact(d)
            if e.fits and e.meets_floor and (best is None or cost_key(e) < cost_key(best)):
                best = e
        return best

    def _float_metric(self, model) -> float:
        return float(_metric(self.cfg)(self.splits.val.y, _predict(model, self.splits.val.X)))

    def run(self) -> FitResult:
        """The first strategy down the whole model ladder (Latency: the lowest-latency designs), the others
        (Resource with reuse, ...) as the last resort."""
        cfg = self.cfg
        good: list[Design] = []
        visited = []
        strategies = list(usable_strategies()) if cfg.strategy == "auto" else [cfg.strategy]
        first = strategies[0]
        for model, stage in self.models():
            visited.append((model, stage))
            good = self.level(model, stage, first)
            if cfg.per_layer_precision:
                good += self.precision_level(model, stage, [first])
            if good:
                break
        for strategy in strategies[1:]:  # the fallbacks, in ir's order (Resource with reuse, then the rest)
            if good:
                break
            for model, stage in visited:
                good = self.level(model, stage, strategy)
                if good:
                    break
        return self.result(choose(good, cfg.metric_tolerance) if good else None)

    def run_resources(self) -> FitResult:
        """Every strategy at every model level (uniform widths, and per-layer precision when on)
        while the cheapest good design keeps improving; then QAT of the cheapest per-layer
        design's model at its widths and one more precision search from there."""
        cfg = self.cfg
        strategies = list(usable_strategies()) if cfg.strategy == "auto" else [cfg.strategy]
        good: list[Design] = []
        best, stale = math.inf, 0
        for model, stage in self.models():
            for strategy in strategies:
                good += self.level(model, stage, strategy)
            if cfg.per_layer_precision:
                good += self.precision_level(model, stage, strategies)
            cheapest_now = min((d.cost for d in good), default=math.inf)
            stale = 0 if cheapest_now < best or math.isinf(cheapest_now) else stale + 1  # counts once one fits
            best = min(best, cheapest_now)
            if stale >= RESOURCES_PATIENCE:
                self.say(f"no cheaper design in {RESOURCES_PATIENCE} model levels; stopping")
                break
        planned = [d for d in good if d.plan is not None]
        if cfg.qat and planned:
            top = self.confident_cheapest(planned)
            tuned = precision.qat(
                top.model, top.plan, self._ranges[top.model], self.fit, masks_mod.Masks.from_model(top.model)
            )
            good += self.precision_level(tuned, top.stage, strategies, start=top.plan, tuning="qat")
        chosen = self.confident_cheapest(good) if good else None
        self.exact_front()
        return self.result(chosen)

    def exact_front(self) -> None:
        """Cost the Pareto front's proxy-costed designs exactly (budget.json and the report show the front's
        figures), until no design on the front of cost against validation metric is a proxy's."""
        while True:
            fitting = [d for d in self.designs if d.fits and math.isfinite(d.cost)]
            front = [fitting[i] for i in cost_mod.pareto_front([(d.cost, d.val_metric) for d in fitting])]
            todo = [d for d in front if d.costed == "proxy"]
            if not todo:
                return
            for d in todo:
                self.exact(d)

    def costing(self) -> dict[str, int]:
        """How many designs were costed, by proxy, re-costed exactly, and distinct DA layers solved by da4ml
        (counted per search, whether this process had solved them before or not: outputs stay deterministic)."""
        return {
            "designs": len(self.designs),
            "by_proxy": sum(1 for d in self.designs if d.costed == "proxy"),
            "recosted_exactly": self.recosted,
            "da4ml_solves": len(self.solved_layers),
        }

    def result(self, chosen: Design | None) -> FitResult:
        sens = self.precision_sensitivity.get(chosen.model) if chosen is not None else None
        if chosen is not None:
            return FitResult(
                chosen,
                True,
                self.dense_val,
                tuple(self.designs),
                self.cfg,
                self.board,
                self.caps,
                sensitivity=self.sensitivity,
                precision_sensitivity=sens,
                costing=self.costing(),
                interface=self.interface,
            )
        chosen, why = closest(self.designs, self.board, self.caps, self.cfg.min_retention)
        return FitResult(
            chosen,
            False,
            self.dense_val,
            tuple(self.designs),
            self.cfg,
            self.board,
            self.caps,
            why,
            sensitivity=self.sensitivity,
            precision_sensitivity=self.precision_sensitivity.get(chosen.model),
            costing=self.costing(),
            interface=self.interface,
        )


def reserve_interface(
    net: FixedNetwork, board: Board, caps: Caps, cfg: FitConfig
) -> tuple[Caps, InterfaceEstimate | None]:
    """``caps`` with what wraps ``net`` on ``board`` (``cfg.interface``: wrapper, DMA, interconnects) in
    ``reserved``, and that estimate: the board must hold network and wrapper, so the search checks the network
    against what is left.  Priced on one candidate's bus (the candidates share its input and outputs); its
    band's upper bound when the fit check is the band's (``cfg.confidence``), else the point estimate."""
    iface = interface_estimate(net, board, cfg.interface, tool_family(cfg.hls_tool), cfg.confidence or 0.9)
    if iface is None:
        return caps, None
    held = iface.upper() if cfg.confidence else iface.totals()
    return replace(caps, reserved=tuple(sorted((q, v) for q, v in held.items() if v))), iface


def _da_layers(net) -> list[DenseLayer]:
    """The distributed-arithmetic Dense layers of ``net`` (what da4ml solves, or the proxy prices)."""
    return [lay for lay in net.layers if isinstance(lay, DenseLayer) and lay.strategy == DA]


def _predict(model, x: np.ndarray) -> np.ndarray:
    from fpga_prune.model.training import predict_proba  # noqa: PLC0415

    return predict_proba(model, x)


def prune_to_fit(
    dense_model,
    splits: Splits,
    board: Board,
    caps: Caps | None = None,
    cfg: FitConfig | None = None,
    progress: Progress | None = None,
) -> FitResult:
    """Search for the best design that fits ``board`` under ``caps`` (see module doc)."""
    search = _Search(dense_model, splits, board, caps or Caps(), cfg or FitConfig(), progress)
    return search.run_resources() if search.cfg.objective == "resources" else search.run()


__all__ = ["closest", "hardware_settings", "prune_to_fit", "reserve_interface", "weight_precision"]
