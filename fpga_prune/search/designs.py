"""The search's results: candidate designs, what the search returns, and how one design is chosen.

Why its own module: a ``Design`` and a ``FitResult`` outlive the search that
made them (``flow.bundles`` writes the chosen design and every design's
``summary`` into a bundle, which ``search.budget`` renders; the bench reads
them), and the rules that pick one among good candidates
(``choose`` under ``--objective accuracy``, ``cheapest`` under ``resources``)
are a decision about results, separate from how ``search.fit`` produces them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fpga_prune.search import cost as cost_mod

if TYPE_CHECKING:
    from fpga_prune.boards import Board, Caps
    from fpga_prune.estimate.core import Estimate
    from fpga_prune.estimate.interface import InterfaceEstimate
    from fpga_prune.hls.settings import HlsSettings
    from fpga_prune.search.config import FitConfig
    from fpga_prune.search.precision import PrecisionPlan


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
    estimate: Estimate
    val_metric: float
    retention: float
    fits: bool
    meets_floor: bool
    model: Any = field(repr=False, default=None)
    cost: float = float("nan")  # cost.board_cost of the estimate's upper bound
    plan: PrecisionPlan | None = None  # None: one weight width (``weight_bits``) for every layer
    tuning: str = "pruning"  # pruning | qat (quantization-aware fine-tuned at ``plan``)
    #: "exact": every layer costed by the estimator's rules and da4ml's solver; "proxy": a distributed-
    #: arithmetic layer costed by its CSD digits (``estimate.da.proxy_graph``), to rank candidates
    costed: str = "exact"

    @property
    def strategy(self) -> str:
        return self.settings.strategy

    @property
    def reuse_factor(self) -> int:
        return self.settings.reuse_factor

    def describe(self) -> str:
        arch = "-".join(str(w) for w in self.widths)
        bits = f"{self.weight_bits}-bit weights" if self.plan is None else self.plan.describe()
        qat = " (QAT)" if self.tuning == "qat" else ""
        return f"{self.stage} {arch}, sparsity {self.sparsity:.0%}, {bits}{qat}, {self.strategy} RF{self.reuse_factor}"

    def summary(self) -> dict[str, Any]:
        tot = self.estimate.totals
        return {
            "index": self.index,
            "stage": self.stage,
            "widths": list(self.widths),
            "sparsity": round(self.sparsity, 6),
            "effective_sparsity": round(self.effective_sparsity, 6),
            "weight_bits": self.weight_bits,
            "strategy": self.strategy,
            "reuse_factor": self.reuse_factor,
            "val_metric": round(self.val_metric, 6),
            "retention": round(self.retention, 6),
            "fits": self.fits,
            "meets_floor": self.meets_floor,
            "dsp": tot["dsp"],
            "bram18k": tot["bram18k"],
            "lut": tot["lut"],
            "ff": tot["ff"],
            "latency_cycles": self.estimate.latency_cycles,
            "upper": {r: self.estimate.upper()[r] for r in ("dsp", "bram18k", "lut", "ff")},
            "cost": round(self.cost, 6) if math.isfinite(self.cost) else None,
            "lut_equivalent": cost_mod.lut_equivalent(tot),
            "precision": None if self.plan is None else self.plan.to_dict(),
            "tuning": self.tuning,
            "costed": self.costed,
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
    precision_sensitivity: dict | None = None  # per-knob width curves of the chosen design's model
    #: how the designs were costed: {"designs", "by_proxy", "recosted_exactly", "da4ml_solves"}
    costing: dict[str, int] | None = None
    #: what wraps the network (``FitConfig.interface``), reserved from the budget in ``caps.reserved``
    interface: InterfaceEstimate | None = None

    def history(self) -> list[dict[str, Any]]:
        return [d.summary() for d in self.designs]


def cost_key(d: Design) -> tuple[float, float, int, int]:
    """The order ``cheapest`` ranks by: cost, then best validation metric, lowest latency, earliest design."""
    return d.cost, -d.val_metric, d.estimate.latency_cycles, d.index


def cheapest(good: Sequence[Design]) -> Design:
    """The lowest cost (``cost.board_cost`` of the upper bound); ties: best validation metric,
    then lowest latency, then the earliest design."""
    return min(good, key=cost_key)


def choose(good: Sequence[Design], tolerance: float) -> Design:
    """The best validation metric; metrics within ``tolerance`` of the best are
    ties (validation noise), broken by lowest latency, then the most weight
    bits (closest to the trained model), then fewest DSPs."""
    best = max(d.val_metric for d in good)
    near = [d for d in good if d.val_metric >= best - tolerance]
    return min(
        near,
        key=lambda d: (d.estimate.latency_cycles, -d.weight_bits, d.estimate.totals["dsp"], -d.val_metric, d.index),
    )


def fit_failure(result: FitResult) -> str | None:
    """Why nothing fits (board, floor and shortfall), or None when a design fits."""
    if result.fits:
        return None
    return f"no design fits {result.board.name} at retention >= {result.config.min_retention}: {result.shortfall}"


__all__ = ["Design", "FitResult", "cheapest", "choose", "cost_key", "fit_failure"]
