"""Cost of a Dense whose weights are constants of the HLS code: hls4ml's Latency and Resource kernels.

Why its own module: the products, their binding (shift/add, LUT multiplier or
DSP, one per distinct (input, constant) pair), the adder trees, the registers
at each stage boundary and the multiplexers of a reuse factor follow from the
weight matrix itself; ``context`` holds the options, the per-tool rules and
the shared counting helpers, ``core`` the whole-network sum, ``da`` the
distributed-arithmetic kernel.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from fpga_prune.arith.ir import DenseLayer
from fpga_prune.estimate.context import Context, LayerEstimate, adder_depth, dsp_count, rom, signed_width, weight_stats


@lru_cache(maxsize=64)
def _dsp_by_eff(xw: int, dsp_width: tuple[int, int]) -> np.ndarray:
    """DSPs of one product with an ``xw``-bit input, by the constant's effective width (0..63)."""
    return np.array([dsp_count(xw, e, dsp_width) for e in range(64)], dtype=np.int64)


_SENTINEL = np.iinfo(np.int64).max


def _distinct_pairs(vals: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, value) of each distinct masked value of each row: the shared multipliers of one input."""
    if not mask.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    s = np.sort(np.where(mask, vals, _SENTINEL), axis=1)
    first = np.ones_like(s, dtype=bool)
    first[:, 1:] = s[:, 1:] != s[:, :-1]
    rows, cols = np.nonzero(first & (s != _SENTINEL))
    return rows, s[rows, cols]


@lru_cache(maxsize=16)
def _dsp_table(max_xw: int, dsp_width: tuple[int, int]) -> np.ndarray:
    """DSPs of one product by (input width 0..max_xw, constant effective width 0..63)."""
    return np.stack([_dsp_by_eff(x, dsp_width) for x in range(max_xw + 1)])


def _tree_adder_bits(terms: np.ndarray, leaf_bits: float, accw: int) -> float:
    """Adder bits of every output's balanced adder tree: level k adds carry leaf_bits + k bits (<= accum_t).

    Why not accum_t everywhere: the tool sizes each adder by the range of its operands, so a
    tree of narrow products (1-bit inputs, HGQ) grows one bit per level from the products' width.
    """
    cur = np.asarray(terms, dtype=np.int64).copy()
    bits, k = 0.0, 1
    while (cur > 1).any():
        bits += float((cur // 2).sum()) * min(float(accw), leaf_bits + k)
        cur = -(-cur // 2)
        k += 1
    return bits


def dense_constant(
    layer: DenseLayer,
    ctx: Context,
    input_widths: np.ndarray | None = None,
    input_native: np.ndarray | None = None,
    live_out: list[int] | None = None,
) -> LayerEstimate:
    """Weights as constants: Latency strategy (any R) and Resource with R=1.

    ``input_widths`` (per input, signed bits; 0: always zero) comes from an HGQ quantizer
    before the layer: each product is then as wide as its own input, not the input type.
    """
    r = ctx.r
    w = np.asarray(layer.weights, dtype=np.int64)
    n_in, n_out = w.shape
    rf = layer.reuse_factor
    xw = (
        np.full(n_in, signed_width(layer.input_type), dtype=np.int64)
        if input_widths is None
        else np.asarray(input_widths, dtype=np.int64)
    )[:, None]
    xn = (
        np.full(n_in, layer.input_type.width, dtype=np.int64)
        if input_native is None
        else np.asarray(input_native, dtype=np.int64)
    )[:, None]
    accw = layer.accum_type.width
    csd, eff = weight_stats(w, layer.weight_type.width)
    used = np.ones(n_out, dtype=bool)
    if live_out is not None and len(live_out) < n_out:  # outputs nothing reads are removed by synthesis
        used[:] = False
        used[live_out] = True
    nz = (w != 0) & (xw > 0) & used[None, :]
    nnz = int(nz.sum())
    onebit = xn == 1  # a 1-bit input selects the constant or 0: no multiplier, never a DSP
    mul = (csd > r["shift_add_max_csd"]) & nz & ~onebit
    shift = nz & ~mul
    if ctx.mul_impl == "dsp":
        to_dsp = mul
    elif ctx.mul_impl == "fabric":
        to_dsp = np.zeros_like(mul)
    else:
        # widths as the tool types the operands: an unsigned input or positive constant has no sign bit
        narrow = (xn <= r["lut_mult_max_width"]) & (eff - (w > 0) <= r["lut_mult_max_width"])
        to_dsp = mul & ~narrow
    lut_mul = mul & ~to_dsp
    # One multiplier per distinct (input, constant) pair; Vivado also shares x*c with x*(-c).
    rows, shared = _distinct_pairs(np.abs(w) if r["dsp_share_sign"] else w, to_dsp)
    per_mult = (
        _dsp_table(int(xw.max(initial=0)), ctx.board.dsp_width)[
            xw[rows, 0], weight_stats(shared, layer.weight_type.width)[1]
        ]
        if shared.size
        else np.zeros(0, dtype=np.int64)
    )
    dsp = int(per_mult.sum())
    n_dsp_mults = int(shared.size)
    # share of the DSP products spread over several slices (their partial products are registered in fabric)
    multi = float((per_mult > 1).sum()) / n_dsp_mults if n_dsp_mults else 0.0
    n_mul_ops = int(mul.sum())
    interval = 1
    if rf > 1:
        # hls4ml: multiplier_limit = DIV_ROUNDUP(n_in*n_out, R) - n_zeros / R ('#pragma HLS ALLOCATION ... mul')
        limit = max(1, -(-(n_in * n_out) // rf) - (n_in * n_out - nnz) // rf)
        if n_dsp_mults > limit:
            dsp = int(math.ceil(dsp * limit / n_dsp_mults))
            n_dsp_mults = limit
        interval = min(rf, -(-n_mul_ops // limit) + int(r["reuse_ii_extra"])) if n_mul_ops else 1
    # LUTs: shift/adds (a negation for -2^k, one adder for 2 CSD digits), fabric multipliers
    # ((csd-1) adders), each as wide as the product; DSP glue; the accumulation adders.
    adders = np.where(shift, np.where(csd == 1, w < 0, 1), 0) + np.where(lut_mul, csd - 1, 0)
    # the select of a 1-bit input: one LUT per product bit (k-diep/CE6370's 400x10 binary-input layer)
    adders = np.where(onebit & nz, np.maximum(adders, 1), adders)
    lut_mult = float((adders * (xw + eff)).sum()) * r["lut_per_adder_bit"]
    terms = nz.sum(axis=0) + ((np.asarray(layer.biases) != 0) & used)
    full = float((np.where(nz, xw + eff, 0)).sum()) / nnz if nnz else 0.0  # a product before its cast to accum_t
    pw = min(float(accw), full)
    lut_acc = _tree_adder_bits(terms, pw, accw) * r["lut_per_adder_bit"]
    # R > 2 shares each DSP multiplier between R products: an R:1 multiplexer on both operands
    mux = (
        n_dsp_mults * (float(xw.mean()) + layer.weight_type.width) * -(-rf // 4) * r["lut_reuse_mux_per_bit"]
        if rf > 2
        else 0.0
    )
    lut = (lut_mult + n_dsp_mults * r["lut_per_dsp_mult"] + lut_acc + mux) * r["lut_scale"]

    depth = adder_depth(int(terms.max(initial=0)))
    if n_dsp_mults:
        first = r["t_mult_ns"]
        cycles = ctx.cycles(first + depth * r["t_add_ns"], registered=not ctx.dsp_chains, speed=ctx.dense_speed)
        if ctx.mul_core:  # the multiplier core's second stage
            cycles += int(r["mul_core_cycles"])
    else:
        # a product that is a plain shift (one positive CSD digit) is wiring: no delay before the adders
        first = r["t_lut_mult_ns"] if (adders > 0).any() else 0.0
        cycles = ctx.cycles(first + depth * r["t_add_ns"], registered=False, speed=ctx.dense_speed)
    latency = max(cycles, interval - 1) + (int(r["reuse_mux_cycles"]) if mux else 0)
    # Registers: at each of the layer's ``latency`` stage boundaries the values alive there cross it,
    # ceil(terms / 2**k) partial sums per output after the k adder levels that fit before the boundary,
    # each as wide as a product grown by k bits (at most accum_t).
    ff = 0.0
    # the share of the products in DSPs (the rest are fabric: shift/adds, LUT multipliers)
    dsp_share = float(to_dsp.sum()) / nnz if nnz else 0.0
    lut_first = r["t_lut_mult_ns"] if (adders > 0).any() else 0.0
    if latency and nnz:
        for j in range(1, latency + 1):
            t_ns = j * ctx.usable_ns / ctx.dense_speed
            if t_ns <= first:  # inside the multiplier: the products of one cycle (R > 1: 1/R of them), full width
                ff += -(-nnz // rf) * full
                continue
            k = int(min(depth, max(0, math.floor((t_ns - first) / r["t_add_ns"]))))
            if j == 1 and n_dsp_mults and not ctx.dsp_chains:
                k = 0  # a registered DSP product ends the first stage whatever the time left
            alive = int(np.ceil(terms[terms > 0] / 2.0**k).sum())
            if k == 0 and rf > 1:
                alive = -(-alive // rf)  # registered products of one cycle: each multiplier serves R of them
            width = min(float(accw), pw + k)
            if 0 < dsp_share < 1 and ctx.dsp_chains:
                # a sum of 2**kl fabric products is ready kl levels after t_lut_mult_ns, unless one of its leaves
                # is a (slower) DSP product: with a few DSP products most sums cross the boundary later and fewer
                kl = int(min(depth, max(0, math.floor((t_ns - lut_first) / r["t_add_ns"]))))
                slow = 1.0 - (1.0 - dsp_share) ** (2**kl)
                alive_l = float(np.ceil(terms[terms > 0] / 2.0**kl).sum())
                ff += slow * alive * width + (1.0 - slow) * alive_l * min(float(accw), pw + kl)
                continue
            ff += alive * width
        per_bit = r["ff_per_crossing_bit"] * (1 - multi) + r["ff_per_multi_dsp_crossing_bit"] * multi
        ff *= per_bit * (1.0 if ctx.ultrascale else r["ff_crossing_scale_7series"])
    if ctx.mul_core:  # the multiplier cores' own pipeline registers
        ff += n_dsp_mults * r["mul_core_ff"]
    return LayerEstimate(
        name=layer.name,
        kind=layer.op,
        strategy=layer.strategy,
        reuse_factor=rf,
        dsp=dsp,
        bram18k=0,
        lut=int(round(lut)),
        ff=int(round(ff)),
        # Resource with R = 1 (R > 1 is dense_resource): the resource loop's own cycles, no datapath registers
        latency_cycles=latency + (int(r["resource_r1_cycles"]) if layer.strategy == "resource" else 0),
        interval_cycles=interval,
        mults_total=n_in * n_out,
        mults_nonzero=nnz,
        mults_in_dsp=n_dsp_mults,
        mults_in_lut=nnz - int(to_dsp.sum()),
    )


def dense_resource(layer: DenseLayer, ctx: Context) -> LayerEstimate:
    """Resource strategy, R > 1: block_factor shared multipliers, weights in a ROM R deep."""
    r = ctx.r
    n_in, n_out = layer.n_in, layer.n_out
    n = n_in * n_out
    rf = layer.reuse_factor
    block = -(-n // rf)
    xw = signed_width(layer.input_type)
    ww = signed_width(layer.weight_type)
    accw = layer.accum_type.width
    nnz = int(np.count_nonzero(layer.weights))
    narrow = layer.input_type.width <= r["lut_mult_max_width"] and layer.weight_type.width <= r["lut_mult_max_width"]
    if ctx.mul_impl == "fabric" or (narrow and ctx.mul_impl != "dsp"):
        dsp, in_dsp, in_lut = 0, 0, block
        lut_mult = block * xw * ww * r["lut_per_pp_bit"]
    else:
        dsp, in_dsp, in_lut = block * dsp_count(xw, ww, ctx.board.dsp_width), block, 0
        lut_mult = block * r["lut_per_dsp_mult"]
    # ARRAY_RESHAPE block factor=block_factor: R words of block*width bits (nnet_dense_resource.h).
    bram, lut_rom = rom(rf, block * layer.weight_type.width, ctx)
    if rf % n_in:  # each multiplier sees a different input every cycle
        lut_mult += block * xw * layer.weight_type.width * r["lut_res_per_mult_bit"]
    lut = r["lut_res_fixed"] + lut_mult + lut_rom
    per_bit = r["ff_res_per_lut_product_bit"] if in_lut else r["ff_res_per_product_bit"]
    ff = n_in * xw * r["ff_res_per_input_bit"] + block * (xw + ww) * per_bit + n_out * accw
    latency = rf + int(r["resource_pipeline_cycles"])
    return LayerEstimate(
        name=layer.name,
        kind="dense",
        strategy="resource",
        reuse_factor=rf,
        dsp=dsp,
        bram18k=bram,
        lut=int(round(lut)),
        ff=int(round(ff)),
        latency_cycles=latency,
        interval_cycles=rf,
        mults_total=n,
        mults_nonzero=nnz,
        mults_in_dsp=in_dsp,
        mults_in_lut=in_lut,
    )
