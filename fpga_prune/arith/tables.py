"""hls4ml's lookup tables, computed as its C++ computes them (``nnet_activation.h``).

Why a module of its own: the tables are part of the firmware's arithmetic
(``emulate`` and ``rtl`` read them from the IR), they must match what g++
builds bit for bit -- glibc ``expf`` in float, then ``table_t(float)`` with the
table type's own rounding -- and both the hls4ml adapter and the test
fixtures (``fpga_prune.testing``) build them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from typing import Literal

import numpy as np

from fpga_prune.arith import fixed
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, SoftmaxParams

_LIBM: ctypes.CDLL | Literal[False] | None = None  # glibc's libm once loaded (False: not available)


def _expf(x: np.ndarray) -> np.ndarray:
    """``std::exp(float)``: glibc's ``expf`` through ctypes (what g++ links), else numpy float32."""
    global _LIBM
    if _LIBM is None:
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
            lib.expf.restype = ctypes.c_float
            lib.expf.argtypes = [ctypes.c_float]
            _LIBM = lib
        except OSError:
            _LIBM = False
    x = np.asarray(x, dtype=np.float32)
    if _LIBM:
        return np.array([_LIBM.expf(float(v)) for v in x.ravel()], dtype=np.float32).reshape(x.shape)
    return np.exp(x)


def _float_to_fixed(x: np.ndarray, t: FixedType) -> np.ndarray:
    """``table_t(float)``: exact double of the float, then t's rounding/overflow; +-inf saturates or wraps to 0."""
    x = np.asarray(x, dtype=np.float64)
    inf = np.isinf(x)
    safe = np.where(inf, 0.0, x)
    out = np.asarray(fixed.from_float(safe, t), dtype=np.int64)
    if inf.any():
        if t.saturation == "AP_WRAP":
            sat = np.zeros_like(out)
        else:
            sat = np.where(x > 0, t.raw_max, -t.raw_max if t.saturation == "AP_SAT_SYM" else t.raw_min)
        out = np.where(inf, sat, out)
    return out


def sigmoid_table(n: int, table_t: FixedType) -> np.ndarray:
    """``init_sigmoid_table``: ``in_val = (float)(2*8.0*(ii - N/2.0)/N)``; ``1.0/(1+expf(-in))`` -> float -> table_t."""
    ii = np.arange(n, dtype=np.float64)
    in_val = (2 * 8.0 * (ii - float(n) / 2.0) / float(n)).astype(np.float32)
    e = _expf(-in_val)
    denom = (np.float32(1) + e).astype(np.float32)
    val = (1.0 / denom.astype(np.float64)).astype(np.float32)
    return _float_to_fixed(val, table_t)


def _real_from_idx(n: int, addr_t: FixedType) -> np.ndarray:
    """``softmax_real_val_from_idx``: index in the top ceil(log2 n) bits of addr_t, as float."""
    bits = int(math.ceil(math.log2(n))) if n > 1 else 0
    i = np.arange(n, dtype=np.int64)
    shift = addr_t.width - bits
    pattern = i << shift if shift >= 0 else i >> (-shift)
    pattern &= (1 << addr_t.width) - 1
    raw = pattern - (1 << addr_t.width) * ((pattern >> (addr_t.width - 1)) & 1) if addr_t.signed else pattern
    return fixed.to_float(raw, addr_t).astype(np.float32)


def exp_table(
    n: int, addr_t: FixedType, table_t: FixedType, exp_scale: float = 1.0, negative: bool = False
) -> np.ndarray:
    """``init_exp_table<addr_t>``: ``x = real(i) * exp_scale`` (float), negated for 'stable', ``table_t(expf(x))``."""
    x = (_real_from_idx(n, addr_t) * np.float32(exp_scale)).astype(np.float32)
    if negative:
        x = -x
    return _float_to_fixed(_expf(x), table_t)


def invert_table(n: int, addr_t: FixedType, table_t: FixedType) -> np.ndarray:
    """``init_invert_table<inv_inp_t>``: ``table_t(1 / real(i))`` in float (1/0 = +inf)."""
    x = _real_from_idx(n, addr_t)
    with np.errstate(divide="ignore"):
        inv = (np.float32(1) / x).astype(np.float32)
    return _float_to_fixed(inv, table_t)


def legacy_exp_table(n: int, table_t: FixedType) -> np.ndarray:
    """``init_exp_table_legacy``: ``table_t(expf((float)(2*8.0*(ii-N/2.0)/N)))``."""
    ii = np.arange(n, dtype=np.float64)
    in_val = (2 * 8.0 * (ii - float(n) / 2.0) / float(n)).astype(np.float32)
    return _float_to_fixed(_expf(in_val), table_t)


def legacy_invert_table(n: int, table_t: FixedType) -> np.ndarray:
    """``init_invert_table_legacy``: ``in_val = (float)(64.0*ii/N)``; ``table_t(1.0/in_val)`` or 0."""
    ii = np.arange(n, dtype=np.float64)
    in_val = (64.0 * ii / float(n)).astype(np.float32)
    with np.errstate(divide="ignore"):
        val = np.where(in_val > 0, 1.0 / in_val.astype(np.float64), 0.0)
    return _float_to_fixed(val, table_t)


# ----------------------------------------------------------------------------- IR layers with their tables
def sigmoid_layer(
    name: str, input_type: FixedType, result_type: FixedType, n: int, size: int, table_type: FixedType
) -> ActivationLayer:
    """A sigmoid layer with hls4ml's table: the one place that knows which table it carries."""
    return ActivationLayer(
        name=name,
        activation="sigmoid",
        input_type=input_type,
        result_type=result_type,
        n=n,
        tables={"sigmoid": sigmoid_table(size, table_type)},
        table_types={"sigmoid": table_type},
        table_size=size,
    )


def softmax_layer(
    name: str,
    input_type: FixedType,
    result_type: FixedType,
    n: int,
    params: SoftmaxParams,
    exp_type: FixedType,
    inv_type: FixedType,
) -> ActivationLayer:
    """A softmax layer with the exp/invert tables its implementation reads.

    Legacy tables use ``exp_type`` for both (hls4ml's single ``table_t``);
    stable addresses the negated exp table by ``max - x`` in ``inp_norm_type``,
    latency by ``x`` itself; the invert table is addressed in ``inv_inp_type``.
    """
    if params.implementation == "legacy":
        tables = {
            "exp": legacy_exp_table(params.exp_table_size, exp_type),
            "invert": legacy_invert_table(params.inv_table_size, exp_type),
        }
        ttypes = {"exp": exp_type, "invert": exp_type}
    else:
        stable = params.implementation == "stable"  # hls4ml < 1.0's stable: x-addressed, un-negated table
        addr_t = params.inp_norm_type if stable else input_type
        assert addr_t is not None  # SoftmaxParams checks 'stable' has inp_norm_type
        tables = {
            "exp": exp_table(params.exp_table_size, addr_t, exp_type, params.exp_scale, stable),
            "invert": invert_table(params.inv_table_size, params.inv_inp_type, inv_type),
        }
        ttypes = {"exp": exp_type, "invert": inv_type}
    return ActivationLayer(
        name=name,
        activation="softmax",
        input_type=input_type,
        result_type=result_type,
        n=n,
        tables=tables,
        table_types=ttypes,
        softmax=params,
    )
