"""The search's configuration: what ``prune_to_fit`` may try and the floor it must keep.

Why its own module: the CLI, the run flow, sweep grids and benches build and
validate a ``FitConfig`` without importing the search itself (a documented
dataclass config, as FINN's build config); ``fit`` reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fpga_prune.boards import INTERFACES
from fpga_prune.errors import InputError
from fpga_prune.estimate import core as estimate
from fpga_prune.estimate.bands import Calibration
from fpga_prune.estimate.tools import DEFAULT_HLS_TOOL, tool_family
from fpga_prune.hls.settings import STRATEGIES
from fpga_prune.prune import metrics as pmetrics
from fpga_prune.prune import schedules

#: what the search may try: "auto" (Latency, then Resource with reuse) or one of hls4ml's strategies
SEARCH_STRATEGIES = ("auto", *STRATEGIES)
#: unstructured methods; "lottery" rewinds survivors to their early values
WEIGHT_METHODS = ("magnitude", "taylor", "lottery")
#: what the search optimizes: best validation metric that fits, or cheapest design that keeps the floor
OBJECTIVES = ("accuracy", "resources")
#: precision search: "auto" = per-layer under --objective resources, uniform (one weight width) otherwise
PRECISIONS = ("auto", "uniform", "per-layer")


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
    #: C: a design fits when the upper bound of the estimate's band at confidence C is inside the caps
    #: (``Estimate.fits_upper``; issue 11: "fits" must survive the estimator's error); None: the point estimate.
    confidence: float | None = 0.9
    objective: str = "accuracy"
    precision: str = "auto"
    #: retention kept above ``min_retention`` on validation under ``objective="resources"`` (it walks down
    #: to the floor: the winner's curse; a design at the bare floor lost 0.03 more on test than validation)
    margin: float = 0.01
    #: validation metric the per-layer precision may cost against the model's all-16-bit design ("fewer
    #: bits where they cost no accuracy"; basis: 0.002 AUC is about a tenth of the 95% CI on ~3,500 candles)
    precision_tolerance: float = 0.002
    qat: bool = True
    #: the HLS tool that will build the design (the estimator's rules differ per tool family)
    hls_tool: str = DEFAULT_HLS_TOOL
    #: corrections fitted by ``fpga-prune calibrate`` on the user's own reports (None: the shipped rules)
    calibration: Calibration | None = None
    #: what will wrap the network on the board (``--interface``): its estimate (``estimate.interface``) is
    #: reserved from the board's budget before the network's fit is checked; ``none``: the bare IP
    interface: str = "none"

    def __post_init__(self) -> None:
        if not 0.0 < self.min_retention <= 1.5:
            raise InputError("--min-retention", None, f"must be in (0, 1.5], got {self.min_retention}")
        if self.strategy not in SEARCH_STRATEGIES:
            raise InputError("--strategy", None, f"unknown {self.strategy!r}; valid: {', '.join(SEARCH_STRATEGIES)}")
        if self.weight_method not in WEIGHT_METHODS:
            raise InputError("--method", None, f"unknown {self.weight_method!r}; valid: {', '.join(WEIGHT_METHODS)}")
        pmetrics.metric_fn(self.metric)  # validates the name
        if self.confidence is not None and not 0.0 < self.confidence < 1.0:
            raise InputError("--confidence", None, f"must be between 0 and 1 (exclusive), got {self.confidence}")
        if self.objective not in OBJECTIVES:
            raise InputError("--objective", None, f"unknown {self.objective!r}; valid: {', '.join(OBJECTIVES)}")
        if self.precision not in PRECISIONS:
            raise InputError("--precision", None, f"unknown {self.precision!r}; valid: {', '.join(PRECISIONS)}")
        if self.finetune_epochs < 0:
            raise InputError("--finetune-epochs", None, f"must be >= 0, got {self.finetune_epochs}")
        if not 0.0 <= self.margin < 0.5:
            raise InputError("--margin", None, f"must be in [0, 0.5), got {self.margin}")
        tool_family(self.hls_tool)  # validates the name
        if self.interface not in INTERFACES:
            raise InputError("--interface", None, f"unknown {self.interface!r}; valid: {', '.join(INTERFACES)}")

    @property
    def per_layer_precision(self) -> bool:
        return self.precision == "per-layer" or (self.precision == "auto" and self.objective == "resources")

    def to_dict(self) -> dict[str, Any]:
        doc = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        doc["calibration"] = None if self.calibration is None else json.loads(self.calibration.to_json())
        if self.interface == "none":  # a bare-IP search records what it always did
            del doc["interface"]
        return doc

    def estimate_options(self) -> estimate.EstimateOptions:
        """How every candidate is estimated: this tool, the user's calibration, the band's confidence."""
        return estimate.EstimateOptions(
            hls_tool=self.hls_tool, confidence=self.confidence or 0.9, calibration=self.calibration
        )


__all__ = ["OBJECTIVES", "PRECISIONS", "SEARCH_STRATEGIES", "WEIGHT_METHODS", "FitConfig"]
