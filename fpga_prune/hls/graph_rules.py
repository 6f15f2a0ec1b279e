"""What hls4ml 1.3 does between its config and its graph, for a Dense/Activation network: one function a rule.

Why its own module: the search's fast path (``adapter.network_from_keras``, from the config dict alone)
and the reader of hls4ml's own graph (``adapter.network_from_hls``) and firmware (``project``) must apply
the same rules, or the search would price one network and generate another (issue 19: "one network");
each rule is read from hls4ml's source and says which part of it it follows.
"""

from __future__ import annotations

import math
import re

from fpga_prune.arith.fixed import FixedType
from fpga_prune.estimate.core import valid_reuse_factors
from fpga_prune.hls.settings import to_fixed_type

#: hls4ml's backend default of an activation's ``table_t`` (``TypeAttribute('table', default=...)``)
HLS4ML_TABLE_TYPE = FixedType(True, 18, 8)
#: hls4ml's default ``TableSize`` of an activation (``config_from_keras_model`` writes it per layer)
HLS4ML_TABLE_SIZE = 1024


def auto_accum(in_t: FixedType, w_t: FixedType, b_t: FixedType, n_in: int) -> FixedType:
    """hls4ml's ``InferPrecisionTypes._infer_common_precision`` for Dense (never rounds or overflows)."""
    log_n = math.ceil(math.log2(n_in)) if n_in > 1 else 0
    width = w_t.width + in_t.width + log_n
    integer = w_t.integer + in_t.integer + log_n
    signed = w_t.signed or in_t.signed
    frac = width - integer
    integer = max(integer + (b_t.signed and not signed), b_t.integer + (signed and not b_t.signed)) + 1
    width = integer + max(frac, b_t.frac)
    return FixedType(signed or b_t.signed, width, integer)


def closest_reuse_factor(n_in: int, n_out: int, rf: int) -> int:
    """hls4ml's ``set_closest_reuse_factor`` for Resource strategy (ties go to the smaller)."""
    valid = valid_reuse_factors(n_in, n_out)
    if rf in valid:
        return rf
    return min(valid, key=lambda r: (abs(r - rf), r))


# hls4ml's config lookups and graph passes, as hls4ml 1.3 applies them to a Dense/Activation network
#: ``MergeLinearActivation``'s safe parents (their output type may change without changing their arithmetic)
_MERGE_PARENTS = ("Dense", "Activation")


def configured_precision(cfg: dict, layer: str, var: str) -> str:
    """hls4ml's ``HLSConfig.get_precision``: the layer's entry, its ``default``, the model's, the model default.

    Returns the spelling as configured ('auto' included: hls4ml infers it).
    """
    prec = cfg.get("LayerName", {}).get(layer, {}).get("Precision")
    if isinstance(prec, dict):
        prec = prec.get(var) or prec.get("default")
    if prec is not None:
        return str(prec)
    model_prec = cfg["Model"]["Precision"]
    return str(model_prec.get(var) or model_prec["default"])


def resolved_precision(cfg: dict, layer: str, var: str, inferred: FixedType | None = None) -> tuple[str, FixedType]:
    """(configured spelling, type) of ``layer``'s ``var``: 'auto' is ``inferred`` (a Dense's exact-width
    result and accumulator), else the model default (hls4ml's ``_infer_default_type``)."""
    text = configured_precision(cfg, layer, var)
    if text != "auto":
        return text, to_fixed_type(text)
    return text, inferred or to_fixed_type(cfg["Model"]["Precision"]["default"])


def precision_key(text: str) -> tuple[bool, FixedType]:
    """What hls4ml's precision ``==`` compares: the type and whether it is spelled ``ap_[u]int`` (an
    ``IntegerPrecisionType`` never equals a ``FixedPrecisionType``, even of the same values)."""
    return bool(re.match(r"^\s*(ap_)?u?int\b", text)), to_fixed_type(text)


def linear_activation_stays(parent_class: str, parent_text: str, text: str, default_text: str) -> bool:
    """Whether hls4ml keeps a linear activation (Keras ``Dense(activation='linear')`` is split into one).

    ``EliminateLinearActivation`` drops it when its input and output types
    are equal (both 'auto' at first; after each inference, as resolved:
    'auto' is the model default); ``MergeLinearActivation`` drops it, and its
    configured type with it, when its parent is a Dense/Activation of type
    'auto'.  Else it stays: a cast to its own type.
    """
    if parent_text == "auto" and (text == "auto" or parent_class in _MERGE_PARENTS):
        return False
    parent = precision_key(default_text if parent_text == "auto" else parent_text)
    return parent != precision_key(default_text if text == "auto" else text)


def strategy_and_reuse(cfg: dict, layer: str, n_in: int, n_out: int) -> tuple[str, int]:
    """A Dense layer's strategy and reuse factor as hls4ml's ``init_dense`` sets them from ``cfg``."""
    lc = cfg["LayerName"].get(layer, {})
    strategy = str(lc.get("Strategy", cfg["Model"]["Strategy"])).lower()
    rf = int(lc.get("ReuseFactor", cfg["Model"]["ReuseFactor"]))
    if strategy == "resource":
        rf = closest_reuse_factor(n_in, n_out, rf)
    return strategy, rf
