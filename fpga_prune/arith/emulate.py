"""Bit-accurate numpy model of hls4ml's Vitis ``io_parallel`` firmware.

Why our own model: hls4ml's C simulation runs ~1e4-1e5 vectors/s through
ctypes; the pruning search, the RTL testbench and the CI "does the design
still predict what the model predicts" check need millions, and they need the
exact bit patterns, overflow included.  Everything here follows the C++ in
``hls4ml/templates/vivado/nnet_utils`` for the layers we emit:

* dense (``nnet_dense_latency.h`` / ``nnet_dense_resource.h``): every product
  ``x*w`` is exact (``nnet::product::mult`` returns ``decltype(a*w)``), then
  cast into ``accum_t`` with accum's rounding/overflow; the bias is cast into
  ``accum_t``; ``acc += product`` casts back into ``accum_t`` after *each*
  addition (order matters when accum saturates: see ``analysis.accumulation_order``);
  finally ``res = (res_T) acc``.
* relu ``res = x > 0 ? x : 0`` (cast to res_T), linear ``res = (res_T) x``.
* sigmoid through hls4ml's table: ``index = int(x * N / 16) + N / 2`` clipped
  to ``[0, N-1]`` (``int()`` truncates toward zero), ``res = (res_T) table[index]``.
* softmax ``stable`` (Vitis default), ``latency`` and ``legacy`` with their tables.

Fast path: when a bound check proves a dense layer's products need no
rounding, no product or partial sum can leave ``accum_t`` (or accum wraps, so
order is irrelevant) and every partial sum stays below 2**53, the layer is an
exact float64 matrix product on integer-valued floats.  Otherwise the exact
integer path runs, in hardware order where saturation makes order matter.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Literal, TypedDict

import numpy as np
import numpy.typing as npt

from fpga_prune.arith import fixed
from fpga_prune.arith.analysis import accumulation_order, reduce_tree
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import STABLE_PRE_1_0, ActivationLayer, DenseLayer, FixedNetwork, Layer, MergeLayer

_EXACT = 2.0**53
_CHUNK = 8192


class OverflowPoint(TypedDict):
    """One point of ``overflow_report``: how often a cast there clipped."""

    mode: Literal["wrap", "saturate"]
    type: str
    vectors: int
    values: int


class OverflowRow(TypedDict):
    """One layer of ``overflow_report``."""

    layer: str
    kind: str
    n_vectors: int
    vectors_clipped: int
    points: dict[str, OverflowPoint]


@dataclass
class _Tally:
    """What ``overflow_report`` gathers while one layer runs: the points, and which rows clipped anywhere."""

    points: dict[str, OverflowPoint] = field(default_factory=dict)
    rows: np.ndarray | None = None  # bool, one per vector


# ----------------------------------------------------------------------------- helpers
def _range(t: FixedType) -> tuple[int, int]:
    return t.raw_min, t.raw_max


def bit_slice_top(raw: np.ndarray, t: FixedType, n_bits: int) -> np.ndarray:
    """``x(x.width-1, x.width-N)`` as an unsigned index: the top ``n_bits`` of the bit pattern."""
    pattern = np.asarray(raw, dtype=np.int64) & ((1 << t.width) - 1)
    if n_bits <= t.width:
        return pattern >> (t.width - n_bits)
    return pattern << (n_bits - t.width)  # ap_int range beyond width reads zeros


# ----------------------------------------------------------------------------- plans
@dataclass(frozen=True)
class DensePlan:
    """What the bound check proved about one dense layer (see module doc)."""

    mode: str  # "float" | "int" | "rounded" | "ordered"
    product_exact: bool
    accum_safe: bool
    bound: float
    bias_acc: npt.NDArray[np.int64]  # bias cast to accum_t
    w_float: npt.NDArray[np.float64]  # weights scaled to accum units
    w_int: npt.NDArray[np.int64]  # same, as integers
    order: np.ndarray


_PLANS: weakref.WeakKeyDictionary[Layer, DensePlan] = weakref.WeakKeyDictionary()


def dense_plan(layer: DenseLayer) -> DensePlan:
    """Bound-check ``layer`` once: can products round, can any partial sum overflow?"""
    plan = _PLANS.get(layer)
    if plan is not None:
        return plan
    pt = fixed.mul_type(layer.input_type, layer.weight_type)
    acc = layer.accum_type
    shift = acc.frac - pt.frac
    bias_acc = np.asarray(fixed.cast(np.asarray(layer.biases, np.int64), layer.bias_type, acc), np.int64)
    w = np.asarray(layer.weights, dtype=np.int64)
    lo_in, hi_in = _range(layer.input_type)
    wf = w.astype(np.float64) * 2.0 ** max(shift, 0)
    p_lo = np.minimum(wf * lo_in, wf * hi_in)  # per (i, j) product range in accum units
    p_hi = np.maximum(wf * lo_in, wf * hi_in)
    a_lo, a_hi = _range(acc)
    product_exact = shift >= 0 and bool(np.all(p_lo >= a_lo)) and bool(np.all(p_hi <= a_hi))
    b = bias_acc.astype(np.float64)
    sum_lo = b + np.minimum(p_lo, 0).sum(axis=0)
    sum_hi = b + np.maximum(p_hi, 0).sum(axis=0)
    accum_safe = bool(np.all(sum_lo >= a_lo)) and bool(np.all(sum_hi <= a_hi))
    wraps = acc.saturation == "AP_WRAP" and acc.sat_bits == 0
    bound = float(np.max(np.abs(b) + np.maximum(np.abs(p_lo), np.abs(p_hi)).sum(axis=0), initial=0.0))
    if shift >= 0 and (product_exact or wraps) and (accum_safe or wraps):
        mode = "float" if bound < _EXACT else "int"
    elif accum_safe or wraps:
        mode = "rounded"  # products round one by one, but any order gives the same sum
    else:
        mode = "ordered"
    w_int = w << max(shift, 0) if mode in ("float", "int") else w
    plan = DensePlan(mode, product_exact, accum_safe, bound, bias_acc, wf, w_int, accumulation_order(layer))
    _PLANS[layer] = plan
    return plan


# ----------------------------------------------------------------------------- layers
def _dense_acc(layer: DenseLayer, x: np.ndarray, report: _Tally | None = None) -> np.ndarray:
    """The accumulator ``acc[j]`` (raw int64 of accum_t) after all additions."""
    plan = dense_plan(layer)
    acc_t = layer.accum_type
    if plan.mode == "float":
        s = x.astype(np.float64) @ plan.w_float
        s += plan.bias_acc
        exact = s.astype(np.int64)
    elif plan.mode == "int":
        exact = x @ plan.w_int + plan.bias_acc
    else:
        exact = None
    if exact is not None:
        out = fixed.cast(exact, acc_t, acc_t) if not plan.accum_safe else exact
        if report is not None:
            _count(report, "accum", acc_t, exact != out)
        return out
    pt = fixed.mul_type(layer.input_type, layer.weight_type)
    w = np.asarray(layer.weights, dtype=np.int64)
    acc = np.broadcast_to(plan.bias_acc, (x.shape[0], layer.n_out)).copy()
    overflowed = np.zeros(acc.shape, dtype=bool)
    shift = acc_t.frac - pt.frac
    simple_sat = acc_t.saturation == "AP_SAT" and acc_t.sat_bits == 0
    lo, hi = _range(acc_t)
    for i in plan.order:
        p = x[:, i : i + 1] * w[i]
        if plan.product_exact:
            pc = p << shift  # bound check: no rounding, no overflow
        else:
            pc = fixed.cast(p, pt, acc_t)
            if report is not None:
                ref = fixed.cast(p, pt, FixedType(True, 62, 62 - acc_t.frac, acc_t.rounding))
                overflowed |= ref != pc
        s = acc + pc
        if plan.mode == "ordered":
            acc = np.clip(s, lo, hi) if simple_sat else fixed.cast(s, acc_t, acc_t)
            if report is not None:
                overflowed |= acc != s
        else:
            acc = s
    if plan.mode != "ordered":
        wrapped = fixed.cast(acc, acc_t, acc_t)
        overflowed |= wrapped != acc
        acc = wrapped
    if report is not None:
        _count(report, "accum", acc_t, overflowed)
    return acc


def _cast_counted(v: np.ndarray, src: FixedType, dst: FixedType, report: _Tally | None, point: str) -> np.ndarray:
    out = fixed.cast(v, src, dst)
    if report is not None:
        ref = fixed.cast(v, src, FixedType(True, 62, 62 - dst.frac, dst.rounding))
        _count(report, point, dst, ref != out)
    return out


def _count(report: _Tally, point: str, t: FixedType, mask: np.ndarray) -> None:
    mask = np.asarray(mask).reshape(mask.shape[0], -1) if np.ndim(mask) else np.zeros((0, 1), bool)
    entry = report.points.setdefault(
        point, {"mode": "wrap" if t.saturation == "AP_WRAP" else "saturate", "type": str(t), "vectors": 0, "values": 0}
    )
    rows = np.asarray(mask.any(axis=1))  # mask is 2-D: one flag per vector
    entry["vectors"] += int(rows.sum())
    entry["values"] += int(mask.sum())
    prev = report.rows
    report.rows = rows if prev is None else (prev | rows)


def _dense(layer: DenseLayer, x: np.ndarray, report: _Tally | None = None) -> np.ndarray:
    acc = _dense_acc(layer, x, report)
    if layer.accum_type == layer.result_type:
        return acc
    return _cast_counted(acc, layer.accum_type, layer.result_type, report, "result")


def _sigmoid(layer: ActivationLayer, x: np.ndarray, report: _Tally | None) -> np.ndarray:
    assert layer.table_size is not None  # ActivationLayer checks a sigmoid has it
    n = int(layer.table_size)
    f = layer.input_type.frac
    num = x * n  # data * table_size, exact
    den = 16
    if f >= 0:
        den = 16 << f
    else:
        num = num << (-f)
    q = np.abs(num) // den
    data_round = np.where(num < 0, -q, q)  # ap_fixed -> int truncates toward zero
    index = np.clip(data_round + (8 * n) // 16, 0, n - 1)
    return _table_out(layer, "sigmoid", index, report)


def _table_out(layer: ActivationLayer, name: str, index: np.ndarray, report: _Tally | None) -> np.ndarray:
    table = np.asarray(layer.tables[name], dtype=np.int64)
    out_table = fixed.cast(table, layer.table_types[name], layer.result_type)
    if report is not None:
        ref = fixed.cast(
            table, layer.table_types[name], FixedType(True, 62, 62 - layer.result_type.frac, layer.result_type.rounding)
        )
        _count(report, "result", layer.result_type, (ref != out_table)[index])
    return out_table[index]


def _softmax(layer: ActivationLayer, x: np.ndarray, report: _Tally | None) -> np.ndarray:
    sp = layer.softmax
    assert sp is not None  # ActivationLayer checks a softmax has its params
    impl = sp.implementation
    if impl == "legacy":
        return _softmax_legacy(layer, x, report)
    if impl == "argmax":
        res = np.zeros_like(x)
        one = fixed.from_float(np.ones(x.shape[0]), layer.result_type)
        res[np.arange(x.shape[0]), np.argmax(x, axis=1)] = one
        return res
    acc_t, inv_inp_t = sp.accum_type, sp.inv_inp_type
    exp_t, inv_t = layer.table_types["exp"], layer.table_types["invert"]
    n_exp, n_inv = sp.exp_table_size, sp.inv_table_size
    bits_exp = int(np.ceil(np.log2(n_exp))) if n_exp > 1 else 0
    bits_inv = int(np.ceil(np.log2(n_inv))) if n_inv > 1 else 0
    if impl == STABLE_PRE_1_0:
        # hls4ml < 1.0: d = x - max in ap_fixed<W, I, AP_RND, AP_SAT> of the input type, read back as the
        # input type to address the un-negated exp table (checked against hls4ml 0.8 firmware's C simulation)
        it = layer.input_type
        norm_t = FixedType(True, it.width, it.integer, "AP_RND", "AP_SAT")
        d = x - x.max(axis=1, keepdims=True)  # exact, <= 0
        d = _cast_counted(d, FixedType(True, 62, 62 - it.frac), norm_t, report, "inp_norm")
        idx = bit_slice_top(fixed.cast(d, norm_t, FixedType(it.signed, it.width, it.integer)), it, bits_exp)
    elif impl == "stable":
        assert sp.inp_norm_type is not None  # SoftmaxParams checks 'stable' has it
        norm_t = sp.inp_norm_type
        d = x.max(axis=1, keepdims=True) - x  # exact, >= 0
        d = _cast_counted(d, FixedType(True, 62, 62 - layer.input_type.frac), norm_t, report, "inp_norm")
        idx = bit_slice_top(d, norm_t, bits_exp)
    else:  # latency
        idx = bit_slice_top(x, layer.input_type, bits_exp)
    exp_acc = fixed.cast(np.asarray(layer.tables["exp"], np.int64), exp_t, acc_t)
    exp_res = exp_acc[idx]
    vals = [exp_res[:, k] for k in range(exp_res.shape[1])]
    for a, b in reduce_tree(len(vals)):  # nnet::reduce: every add cast to accum_t
        vals.append(fixed.cast(vals[a] + vals[b], acc_t, acc_t))
    total = vals[-1]
    exp_sum = fixed.cast(total, acc_t, inv_inp_t)
    inv = np.asarray(layer.tables["invert"], np.int64)[bit_slice_top(exp_sum, inv_inp_t, bits_inv)]
    prod = exp_res * inv[:, None]
    return _cast_counted(prod, fixed.mul_type(acc_t, inv_t), layer.result_type, report, "result")


def _softmax_legacy(layer: ActivationLayer, x: np.ndarray, report: _Tally | None) -> np.ndarray:
    """``softmax_legacy``: pairwise exp(x_j - x_i) table, sum in table_t, invert table."""
    tab_t = layer.table_types["exp"]
    assert layer.softmax is not None
    n_exp, n_inv = layer.softmax.exp_table_size, layer.softmax.inv_table_size
    exp_tab = np.asarray(layer.tables["exp"], np.int64)
    inv_tab = np.asarray(layer.tables["invert"], np.int64)
    one = int(fixed.from_float(np.float64(1.0), tab_t))
    f = layer.input_type.frac
    n = x.shape[1]
    sums = []
    for i in range(n):
        acc = np.zeros(x.shape[0], dtype=np.int64)
        for j in range(n):
            if i == j:
                term = np.full(x.shape[0], one, dtype=np.int64)
            else:
                num = (x[:, j] - x[:, i]) * n_exp
                den = 16 << f if f >= 0 else 16
                num = num if f >= 0 else num << (-f)
                q = np.abs(num) // den
                index = np.clip(np.where(num < 0, -q, q) + (8 * n_exp) // 16, 0, n_exp - 1)
                term = exp_tab[index]
            acc = fixed.cast(acc + term, tab_t, tab_t)
        num = acc * n_inv
        den = 64 << tab_t.frac if tab_t.frac >= 0 else 64
        q = np.abs(num) // den
        index = np.clip(np.where(num < 0, -q, q), 0, n_inv - 1)
        sums.append(inv_tab[index])
    vals = np.stack(sums, axis=1)
    return _cast_counted(vals, tab_t, layer.result_type, report, "result")


def _activation(layer: ActivationLayer, x: np.ndarray, report: _Tally | None = None) -> np.ndarray:
    if layer.activation == "linear":
        return _cast_counted(x, layer.input_type, layer.result_type, report, "result")
    if layer.activation == "relu":
        return _cast_counted(np.maximum(x, 0), layer.input_type, layer.result_type, report, "result")
    if layer.activation == "sigmoid":
        return _sigmoid(layer, x, report)
    if layer.activation == "softmax":
        return _softmax(layer, x, report)
    if layer.activation == "quantizer":
        return _quantizer(layer, x, report)
    if layer.activation == "unary_lut":  # nnet::unary_lut: the input's raw bits, unsigned, index the table
        return _table_out(layer, "table", np.asarray(x, dtype=np.int64) & ((1 << layer.input_type.width) - 1), report)
    raise ValueError(f"unsupported activation {layer.activation!r} in layer {layer.name!r}")


def _quantizer(layer: ActivationLayer, x: np.ndarray, report: _Tally | None) -> np.ndarray:
    """HGQ's mask function: ``out[i] = elem_t_i(inp[i])`` into ``result_t`` (``0`` where no type)."""
    x = np.asarray(x, dtype=np.int64)
    out = np.zeros(x.shape, dtype=np.int64)
    groups: dict[FixedType, list[int]] = {}
    for i, t in enumerate(layer.element_types):
        if t is not None:
            groups.setdefault(t, []).append(i)
    for t, idx in groups.items():
        cols = np.asarray(idx)
        mid = _cast_counted(x[:, cols], layer.input_type, t, report, "element")
        out[:, cols] = fixed.cast(mid, t, layer.result_type)
    return out


def _merge(layer: MergeLayer, a: np.ndarray, b: np.ndarray, report: _Tally | None) -> np.ndarray:
    """``nnet_merge.h``: ``add``/``subtract`` exactly then one cast to res_T; ``concatenate1d`` casts each element."""
    t1, t2 = layer.input_types
    rt = layer.result_type
    if layer.op == "concatenate":
        out = np.concatenate([fixed.cast(a, t1, rt), fixed.cast(b, t2, rt)], axis=1)
        if report is not None:
            wide = FixedType(True, 62, 62 - rt.frac, rt.rounding)
            ref = np.concatenate([fixed.cast(a, t1, wide), fixed.cast(b, t2, wide)], axis=1)
            _count(report, "result", rt, ref != out)
        return out
    f = max(t1.frac, t2.frac)
    a = np.asarray(a, dtype=np.int64) << (f - t1.frac)
    b = np.asarray(b, dtype=np.int64) << (f - t2.frac)
    exact = a + b if layer.op == "add" else a - b
    return _cast_counted(exact, FixedType(True, 62, 62 - f), rt, report, "result")


def _run_layer(layer: Layer, args: list[np.ndarray], report: _Tally | None = None) -> np.ndarray:
    """One layer on what it reads (``args``: one array per entry of the network's ``sources``)."""
    if isinstance(layer, MergeLayer):
        return _merge(layer, args[0], args[1], report)
    if isinstance(layer, DenseLayer):
        return _dense(layer, args[0], report)
    return _activation(layer, args[0], report)


def _layer_outputs(network: FixedNetwork, x: np.ndarray, tallies: list[_Tally] | None = None) -> list[np.ndarray]:
    """Every layer's output, in order: each layer reads what ``network.sources`` names (exact integer path)."""
    outs: list[np.ndarray] = []
    ins = network.split_inputs(x) if network.input_arrays else [x]
    for k, (layer, srcs) in enumerate(zip(network.layers, network.sources, strict=True)):
        args = [ins[-1 - j] if j < 0 else outs[j] for j in srcs]
        outs.append(_run_layer(layer, args, None if tallies is None else tallies[k]))
    return outs


def outputs_of(network: FixedNetwork, layer_outputs: list[np.ndarray]) -> np.ndarray:
    """The network's raw outputs (its output arrays side by side, in order) from every layer's output."""
    idx = network.output_indices
    if len(idx) == 1:
        return layer_outputs[idx[0]]
    return np.concatenate([layer_outputs[k] for k in idx], axis=1)


# ----------------------------------------------------------------------------- fast float pipeline
def _fcast(v: np.ndarray, src_frac: int, dst: FixedType) -> np.ndarray:
    """``fixed.cast`` on integer-valued float64 (|v| < 2**53), in place where possible."""
    s = src_frac - dst.frac
    if s > 0:
        v *= 2.0**-s
        mode = dst.rounding
        if mode == "AP_TRN":
            np.floor(v, out=v)
        elif mode == "AP_RND":
            v += 0.5
            np.floor(v, out=v)
        else:
            v = fixed.from_float(v, FixedType(True, 62, 62, mode)).astype(np.float64)
    elif s < 0:
        v *= 2.0**-s
    lo, hi = dst.raw_min, dst.raw_max
    # AP_SAT_SYM on a signed type also moves an in-range min to min + 1 (found by bench/fuzz_bitexact.py)
    sym = dst.saturation == "AP_SAT_SYM" and dst.signed
    if v.size and (v.min() < lo or v.max() > hi or (sym and v.min() == lo)):
        if dst.saturation == "AP_WRAP" and dst.sat_bits == 0:
            m = 2.0**dst.width
            v -= lo
            v -= m * np.floor(v / m)
            v += lo
        else:
            v = fixed.cast(v.astype(np.int64), FixedType(True, 62, 62 - dst.frac), dst).astype(np.float64)
    return v


def _fast_ok(network: FixedNetwork) -> bool:
    if not network.is_chain:
        return False
    for layer in network.layers:
        if isinstance(layer, MergeLayer):
            return False
        if isinstance(layer, DenseLayer):
            if dense_plan(layer).mode != "float":
                return False
            if layer.result_type.width > 52 or layer.accum_type.width > 52:
                return False
        elif layer.activation not in ("relu", "linear", "sigmoid"):
            return False
        elif layer.result_type.width > 52 or layer.input_type.width > 52:
            return False
    return True


def _run_fast(network: FixedNetwork, x: np.ndarray) -> np.ndarray:
    v = x.astype(np.float64)
    for layer in network.layers:
        assert not isinstance(layer, MergeLayer)  # _fast_ok: chains only
        if isinstance(layer, DenseLayer):
            plan = dense_plan(layer)
            v = v @ plan.w_float
            v += plan.bias_acc
            if not plan.accum_safe:
                # The sum can leave accum_t (float mode proved it wraps): wrap it there first, as
                # _dense_acc does.  Skipping this is wrong whenever the result cast depends on the
                # sign (an unsigned accumulator, *_ZERO/*_INF rounding) or saturates.
                v = _fcast(v, layer.accum_type.frac, layer.accum_type)
            if layer.result_type != layer.accum_type:
                v = _fcast(v, layer.accum_type.frac, layer.result_type)
        elif layer.activation == "relu":
            np.maximum(v, 0.0, out=v)
            v = _fcast(v, layer.input_type.frac, layer.result_type)
        elif layer.activation == "linear":
            v = _fcast(v, layer.input_type.frac, layer.result_type)
        else:  # sigmoid
            v = _sigmoid(layer, v.astype(np.int64), None).astype(np.float64)
    return v.astype(np.int64)


# ----------------------------------------------------------------------------- public API
def _check_raw(network: FixedNetwork, x_raw: npt.ArrayLike) -> np.ndarray:
    x = np.asarray(x_raw)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] != network.n_inputs:
        raise ValueError(f"expected raw inputs of shape (n, {network.n_inputs}), got {np.shape(x_raw)}")
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"raw inputs must be integers (use quantize_inputs), got dtype {x.dtype}")
    return x.astype(np.int64, copy=False)


def quantize_inputs(network: FixedNetwork, x_float: npt.ArrayLike) -> np.ndarray:
    """Float features -> raw ``input_t``, exactly as hls4ml's ``predict``/testbench do.

    The bridge does ``input_t(float_or_double)``: the float is converted
    exactly (float32 widens to double losslessly), then rounded and overflowed
    with input_t's own modes (default AP_TRN, AP_WRAP).
    """
    x = np.asarray(x_float)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x = np.atleast_2d(x)
    if x.shape[1] != network.n_inputs:
        raise ValueError(f"expected {network.n_inputs} features, got shape {x.shape}")
    x = x.astype(np.float64)
    if network.input_arrays:  # each input array in its own type, side by side
        parts = network.split_inputs(x)
        return np.concatenate(
            [fixed.from_float(p, t).astype(np.int64) for p, t in zip(parts, network.input_types, strict=True)], axis=1
        )
    return np.asarray(fixed.from_float(x, network.input_type), dtype=np.int64)


def predict_raw(network: FixedNetwork, x_raw: npt.ArrayLike, chunk: int = _CHUNK) -> np.ndarray:
    """Raw outputs (int64, shape (n, n_outputs)) of the firmware for raw inputs."""
    x = _check_raw(network, x_raw)
    fast = _fast_ok(network)
    outs = []
    for start in range(0, x.shape[0], chunk):
        part = x[start : start + chunk]
        outs.append(_run_fast(network, part) if fast else outputs_of(network, _layer_outputs(network, part)))
    if not outs:
        return np.zeros((0, network.n_outputs), dtype=np.int64)
    return np.concatenate(outs, axis=0)


def predict(network: FixedNetwork, x_float: npt.ArrayLike) -> np.ndarray:
    """Float in, float out (``result_t`` values as float64, each output array in its own type), like
    ``hls_model.predict`` (whose several outputs are side by side here)."""
    raw = predict_raw(network, quantize_inputs(network, x_float))
    if len(set(network.output_types)) == 1:
        return fixed.to_float(raw, network.output_types[0])
    cols, start = [], 0
    for t, n in zip(network.output_types, network.output_sizes, strict=True):
        cols.append(fixed.to_float(raw[:, start : start + n], t))
        start += n
    return np.concatenate(cols, axis=1)


def trace(network: FixedNetwork, x_raw: npt.ArrayLike) -> list[np.ndarray]:
    """Raw output of every layer, in order (exact integer path) — for "first layer that differs"."""
    return _layer_outputs(network, _check_raw(network, x_raw))


def overflow_report(network: FixedNetwork, x_raw: npt.ArrayLike) -> list[OverflowRow]:
    """Per layer: how many vectors (and values) saturate or wrap, and where.

    Points: ``accum`` (a product or partial sum left accum_t), ``result``
    (the cast into the layer's result_t), ``inp_norm`` (softmax max-normalised
    input).  Each carries ``mode`` ("saturate"/"wrap"), the type, ``vectors``
    (rows with at least one clipped value) and ``values``.  An accum_t that
    wraps is counted when the exact sum lies outside it (intermediate wraps
    that cancel out are harmless and not counted).
    """
    x = _check_raw(network, x_raw)
    tallies = [_Tally() for _ in network.layers]
    outs = _layer_outputs(network, x, tallies)
    rows: list[OverflowRow] = []
    for layer, rep, part in zip(network.layers, tallies, outs, strict=True):
        clipped = rep.rows
        rows.append(
            {
                "layer": layer.name,
                "kind": layer.kind,
                "n_vectors": int(part.shape[0]),
                "vectors_clipped": 0 if clipped is None else int(clipped.sum()),
                "points": dict(sorted(rep.points.items())),
            }
        )
    return rows
