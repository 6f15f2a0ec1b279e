"""Resource and latency estimate of hls4ml's Vitis io_parallel implementation of a FixedNetwork.

Why our own estimator: pruning needs "does it fit?" thousands of times per
search, and HLS synthesis takes minutes per call.  This is a pure function of
the *actual* raw weights and resolved precisions (``fpga_prune.ir``): it counts
what hls4ml's templates instantiate (``nnet_dense_latency.h``,
``nnet_dense_resource.h``, ``nnet_activation.h`` of hls4ml 1.3) and what the
HLS scheduler does with constant multiplications, then prices that hardware
with the small table ``RULES`` below.  Every rule states its basis; the test
suite (tests/test_estimate_published.py) checks the result against public
synthesis reports.

What is modelled, per layer:

* Latency strategy: ``dense_latency`` unrolls n_in*n_out products with the
  weights as constants (``function_instantiate``).  A zero weight is removed by
  constant propagation; a weight with at most two nonzero canonical-signed-digit
  (CSD) digits becomes a shift or shift+add in LUTs; a product whose operands are
  both narrow goes to LUTs; every other product takes ``dsp_count`` DSPs, where
  products wider than the DSP's multiplier take more than one.  ReuseFactor R>1
  caps ``mul`` instances at hls4ml's ``multiplier_limit`` and sets II=R.
* Resource strategy (R>1): ``block_factor = ceil(n_in*n_out/R)`` multipliers of
  the *declared* weight width (the weights are read from a ROM, so neither zeros
  nor CSD help), weights in BRAM as a ROM R deep and ``block_factor*width`` wide.
* Activations: ReLU is a compare+mux, sigmoid a table in BRAM, softmax two
  tables plus n multiplications (exp * 1/sum).

Estimates, not synthesis: DSP and BRAM counts follow mechanically from the
templates and are close; LUT/FF are calibrated heuristics (about +-30%);
latency is a clock-period-aware approximation of the HLS schedule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from fpga_prune.boards import DEFAULT_CAPS, RESOURCES, Board, Caps
from fpga_prune.errors import InputError
from fpga_prune.fixed import FixedType
from fpga_prune.ir import ActivationLayer, DenseLayer, FixedNetwork


@dataclass(frozen=True)
class Rule:
    """One calibrated constant and where it comes from."""

    value: float
    basis: str


#: Every heuristic constant of the estimator, with its basis (one table, on purpose).
RULES: dict[str, Rule] = {
    "shift_add_max_csd": Rule(2, (
        "A constant with <= 2 nonzero CSD digits (+-2^k, 2^k+-2^j) is a shift/shift-add, no DSP. "
        "Basis: Vivado HLS 2019.2 csynth of a 16x4 hls4ml latency Dense, ap_fixed<16,6>, "
        "xc7vx690t (github.com/camillaMiao/Hls-and-bambu, dense_latency_..._csynth.rpt): exactly the "
        "9 of 64 weights with <= 2 CSD digits became add/sub, the other 55 used one DSP each.")),
    "lut_mult_max_width": Rule(10, (
        "A product whose operands (signed widths) are both <= 10 bits is built in LUTs. Basis: "
        "Duarte et al. 2018, JINST 13 P07027, Sec. 5 (Vivado HLS 2017.2, xcku115): DSP usage is "
        "~0 for ap_fixed widths below ~10 bits and the multiplications move to LUTs; the csynth "
        "report above shows a 5-bit constant times a 16-bit input still takes a DSP, so BOTH must be narrow.")),
    "lut_per_adder_bit": Rule(1.2, (
        "LUTs per bit of a fabric adder/subtractor (carry chain + HLS glue). Basis: same csynth "
        "report: 16-bit add_ln703 adders cost 16-23 LUTs, 22-26-bit add/sub_ln1118 cost 29-33.")),
    "lut_per_dsp_mult": Rule(6, (
        "LUTs of glue per DSP-mapped multiplication. Basis: same csynth report, every mul_ln1118 "
        "mapped to DSP48E lists 6 LUTs.")),
    "lut_per_pp_bit": Rule(1.2, (
        "LUTs per partial-product bit (a_bits*b_bits) of a variable x variable LUT multiplier. "
        "Basis: hls4ml issue #99 (Vivado 2018.2): ~411 extra LUTs per 18x18 multiplication moved "
        "from DSP to LUT; a Vivado 18x18 LUT multiplier IP core is 365-401 LUTs.")),
    "ff_per_product_bit": Rule(1.5, (
        "Pipeline flip-flops per nonzero product per accumulator bit in a latency Dense. Basis: "
        "the csynth report above: 1605 FF for 64 products with a 16-bit accumulator (1.57).")),
    "lut_per_mux_input_bit": Rule(1 / 3, (
        "An R:1 multiplexer costs ceil((R-1)/3) LUT6 per bit (a LUT6 is a 4:1 mux). Basis: Xilinx "
        "UG474/UG574 CLB architecture.")),
    "t_mult_ns": Rule(3.0, (
        "Combinational delay of a DSP multiply on 7-series (DSP48E1, unregistered). Basis: the "
        "csynth report above schedules mult + a 5-level adder tree in 2 cycles of 5 ns (3.83 ns "
        "estimated per stage).")),
    "t_add_ns": Rule(1.0, "Delay of one ~16-bit carry-chain adder level on 7-series. Basis: as t_mult_ns."),
    "speed_ultrascale_plus": Rule(0.65, (
        "UltraScale+ logic and DSP48E2 delays relative to 7-series (-2 speed grades vs -1). Basis: "
        "DS923 vs DS187 DSP Fmax (891 vs ~464-628 MHz) and CLB delays; a coarse ratio.")),
    "clock_uncertainty": Rule(0.125, (
        "Fraction of the clock period the HLS scheduler reserves (Vitis HLS default uncertainty "
        "12.5%; Vivado HLS reports 0.62 ns of 5 ns).")),
    "resource_pipeline_cycles": Rule(3, (
        "Cycles added to R by the Resource-strategy pipeline (ROM read, multiply, accumulate, "
        "cast). Basis: hls4ml PR #284 Resource-strategy reports (latency ~ RF + 3..5).")),
    "relu_cycles": Rule(1, "io_parallel ReLU is a pipelined function of one stage (hls4ml nnet_activation.h)."),
    "table_cycles": Rule(2, "Sigmoid: index arithmetic + one BRAM read (read latency 1) -> 2 cycles."),
    "softmax_cycles": Rule(6, (
        "Softmax: exp index + BRAM read (2), adder tree, inverse index + BRAM read (2), multiply (1), "
        "plus ceil(log2 n) adder levels added separately.")),
    "bram_read_ports": Rule(2, (
        "A BRAM ROM has two read ports, so a table read n times in parallel is replicated "
        "ceil(n/2) times. Basis: UG473/UG573 true-dual-port block RAM.")),
    "lut_per_relu_bit": Rule(1.0, "ReLU: sign test + 2:1 mux (zero) per output bit, one LUT per bit."),
}

_R = {k: v.value for k, v in RULES.items()}

#: Block RAM18 aspect ratios (depth, width) usable by a ROM (UG473 Table 1-3 / UG573).
BRAM18_SHAPES = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class LayerEstimate:
    """One layer's hardware.  ``mults_*``: the weight matrix's products (total, nonzero)
    and the hardware multipliers built for them (in DSPs, in LUTs incl. shift/add)."""

    name: str
    kind: str
    strategy: str
    reuse_factor: int
    dsp: int
    bram18k: int
    lut: int
    ff: int
    latency_cycles: int
    interval_cycles: int
    mults_total: int = 0
    mults_nonzero: int = 0
    mults_in_dsp: int = 0
    mults_in_lut: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Estimate:
    """A whole design: per-layer estimates, totals and latency at the board clock."""

    network: str
    board: str
    clock_period_ns: float
    layers: tuple[LayerEstimate, ...]
    dsp: int
    bram18k: int
    uram: int
    lut: int
    ff: int
    latency_cycles: int
    interval_cycles: int

    @property
    def totals(self) -> dict[str, int]:
        """Resource -> total use (the same numbers as the fields)."""
        return self.used()

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_period_ns

    def used(self) -> dict[str, int]:
        return {r: int(getattr(self, r)) for r in RESOURCES}

    def utilization(self, board: Board) -> dict[str, float | None]:
        """Resource -> fraction of the device used.

        A resource the device lacks (URAM on a Zynq-7000) is 0.0 when none is
        used and None when some is: no fraction describes using what does not
        exist (``inf`` is not JSON; 0.0 would read as "free"), and ``fits``
        already fails through the zero budget.  The one answer: ``budget.json``
        and the reports take it from ``to_dict``.
        """
        out: dict[str, float | None] = {}
        for r, avail in board.available().items():
            used = getattr(self, r)
            out[r] = used / avail if avail else (0.0 if used == 0 else None)
        return out

    def headroom(self, board: Board, caps: Caps = DEFAULT_CAPS) -> dict[str, int]:
        """Resource -> budget (cap x available) minus use; negative means over budget."""
        budget = caps.budget(board)
        return {r: budget[r] - getattr(self, r) for r in RESOURCES}

    def fits(self, board: Board, caps: Caps = DEFAULT_CAPS) -> bool:
        return all(v >= 0 for v in self.headroom(board, caps).values())

    def to_dict(self, board: Board | None = None, caps: Caps = DEFAULT_CAPS) -> dict[str, Any]:
        d: dict[str, Any] = {
            "network": self.network, "board": self.board, "clock_period_ns": self.clock_period_ns,
            "totals": self.used(), "latency_cycles": self.latency_cycles,
            "latency_ns": round(self.latency_ns, 6), "interval_cycles": self.interval_cycles,
            "layers": [layer.to_dict() for layer in self.layers],
        }
        if board is not None:
            util = {k: None if v is None else round(v, 6) for k, v in self.utilization(board).items()}
            budget, avail = caps.budget(board), board.available()
            d["caps"] = caps.to_dict()
            d["budget"] = budget
            d["utilization"] = util
            # budget.json's "resources" block
            d["resources"] = {r: {"used": int(getattr(self, r)), "available": int(avail[r]),
                                  "cap": caps.fraction(r), "allowed": int(budget[r]), "utilization": util[r]}
                              for r in RESOURCES}
            d["headroom"] = self.headroom(board, caps)
            d["fits"] = self.fits(board, caps)
        return d


# --------------------------------------------------------------------------- helpers

@lru_cache(maxsize=4096)
def valid_reuse_factors(n_in: int, n_out: int) -> tuple[int, ...]:
    """Reuse factors hls4ml 1.3 accepts for an n_in x n_out Dense.

    Same arithmetic as ``FPGABackend._validate_reuse_factor``: the Resource
    kernels need ``ceil(n_in*n_out/min(n_in,R))`` divisible by n_out (or R >= n_in),
    R divisible by n_in when R > n_in, and R dividing n_in*n_out.
    """
    n = n_in * n_out
    out = []
    for rf in range(1, n + 1):
        if n % rf:
            continue
        mult_limit = -(-n // min(n_in, rf))
        ok = (mult_limit % n_out == 0) or rf >= n_in
        ok = ok and ((rf % n_in == 0) or rf < n_in)
        if ok:
            out.append(rf)
    return tuple(out)


def check_reuse_factor(layer: DenseLayer) -> None:
    """InputError listing the valid reuse factors when the layer's is not one."""
    valid = valid_reuse_factors(layer.n_in, layer.n_out)
    if layer.reuse_factor not in valid:
        raise InputError(f"layer {layer.name}", "reuse_factor",
                         f"{layer.reuse_factor} is not valid for a {layer.n_in}x{layer.n_out} Dense "
                         f"(hls4ml rules); valid: {', '.join(map(str, valid))}")


def _signed_width(t: FixedType) -> int:
    """Operand width as the signed multiplier sees it (an unsigned type gains a sign bit)."""
    return t.width + (0 if t.signed else 1)


def dsp_count(a_bits: int, b_bits: int, dsp_width: tuple[int, int]) -> int:
    """DSP slices for one signed a x b product on a DSP with an (A, B) signed multiplier.

    An operand wider than its port is split into (port-1)-bit unsigned slices
    plus a signed top slice, one DSP per slice pair (UG479/UG579 "wide
    multiplier"; e.g. 35x25 -> 2 DSP48E1, 19x24 -> 2 as in hls4ml issue #31).
    The better of the two port assignments is used.
    """
    big, small = dsp_width
    if a_bits <= 1 or b_bits <= 1:
        return 0

    def split(x: int, port: int) -> int:
        return max(1, -(-(x - 1) // (port - 1)))

    return min(split(a_bits, big) * split(b_bits, small), split(b_bits, big) * split(a_bits, small))


def bram18_count(depth: int, width: int) -> int:
    """BRAM_18K blocks for a ROM of ``depth`` words of ``width`` bits (best aspect ratio)."""
    if depth <= 0 or width <= 0:
        return 0
    return min(-(-depth // d) * -(-width // w) for d, w in BRAM18_SHAPES)


def _bit_length(x: np.ndarray) -> np.ndarray:
    """Bit length of non-negative int64 values (exact below 2**53)."""
    return np.frexp(x.astype(np.float64))[1].astype(np.int64)


def constant_stats(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For raw integer constants: (CSD nonzero-digit count, signed effective width).

    The effective width is what HLS keeps of a constant operand: trailing zeros
    become a shift, so only the odd part matters, plus a sign bit.  CSD digits
    via the non-adjacent form: with h = x>>1, s = x+h, c = h^s, the digits are
    the set bits of s&c (+1) and h&c (-1).
    """
    a = np.abs(raw.astype(np.int64))
    h = a >> 1
    s = a + h
    c = h ^ s
    csd = np.bitwise_count(s & c).astype(np.int64) + np.bitwise_count(h & c).astype(np.int64)
    low = a & -a  # lowest set bit (0 for zero)
    odd = np.where(a > 0, a // np.where(low > 0, low, 1), 0)
    eff = np.where(a > 0, _bit_length(odd) + 1, 0)
    return csd, eff


def _speed(board: Board) -> float:
    return _R["speed_ultrascale_plus"] if board.family in ("ultrascale", "ultrascale+") else 1.0


def _mux_luts(inputs: int, bits: int) -> int:
    if inputs <= 1:
        return 0
    return int(math.ceil((inputs - 1) * _R["lut_per_mux_input_bit"])) * bits


def _adder_depth(terms: int) -> int:
    return int(math.ceil(math.log2(terms))) if terms > 1 else 0


def _comb_cycles(delay_ns: float, board: Board) -> int:
    usable = board.clock_period_ns * (1.0 - _R["clock_uncertainty"])
    return max(1, int(math.ceil(delay_ns * _speed(board) / usable - 1e-9)))


# --------------------------------------------------------------------------- layers

# A nonzero constant is classified by (CSD digits, effective width, sign): its "key".
# Costs are per key, so a layer is priced with one table lookup and one bincount.
_KEY_BITS = 32  # CSD digits and effective widths are clamped to 31 (weights wider are priced as 31-bit)
_N_KEYS = _KEY_BITS * _KEY_BITS * 2
_TABLE_MAX_WIDTH = 18


def _keys(csd: np.ndarray, eff: np.ndarray, neg: np.ndarray) -> np.ndarray:
    return (np.minimum(csd, _KEY_BITS - 1) * _KEY_BITS + np.minimum(eff, _KEY_BITS - 1)) * 2 + neg


@lru_cache(maxsize=32)
def _key_table(width: int) -> np.ndarray:
    """Key of every raw value of a ``width``-bit type (signed or unsigned), offset by 2**(width-1).

    Why: a lookup per weight is several times faster than recomputing CSD digits,
    and the search calls the estimator thousands of times.
    """
    span = np.arange(-(1 << (width - 1)), 1 << width, dtype=np.int64)
    csd, eff = constant_stats(span)
    return _keys(csd, eff, (span < 0).astype(np.int64)).astype(np.int16)


@lru_cache(maxsize=64)
def _key_costs(xw: int, dsp_width: tuple[int, int]) -> dict[str, np.ndarray]:
    """Per-key hardware of one product with an ``xw``-bit (signed) input; see ``RULES``."""
    key = np.arange(_N_KEYS)
    csd, eff, neg = key // (2 * _KEY_BITS), (key // 2) % _KEY_BITS, key % 2
    lutw = _R["lut_mult_max_width"]
    nonzero = csd >= 1
    shift = nonzero & (csd <= _R["shift_add_max_csd"])
    narrow = nonzero & ~shift & (eff <= lutw) & (xw <= lutw)
    to_dsp = nonzero & ~shift & ~narrow
    dsp_by_eff = np.array([dsp_count(xw, e, dsp_width) for e in range(_KEY_BITS)], dtype=np.int64)
    # LUT multipliers: a negation for -2^k, one adder for two CSD digits, and (csd-1)
    # adders (a constant-coefficient LUT multiplier) for narrow products; each adder is
    # as wide as the product, xw + eff.
    adders = np.where(shift, np.where(csd == 1, neg, 1), 0) + np.where(narrow, csd - 1, 0)
    # Columns: DSP-mapped products, narrow LUT multipliers, DSPs, LUT adder bits.
    matrix = np.stack([to_dsp, narrow, np.where(to_dsp, dsp_by_eff[eff], 0), adders * (xw + eff)],
                      axis=1).astype(np.int64)
    return {"matrix": matrix, "eff": eff, "mul": to_dsp | narrow}


def _dense_constant(layer: DenseLayer, board: Board) -> LayerEstimate:
    """Weights as constants: Latency strategy (any R) and Resource with R=1."""
    w = np.asarray(layer.weights, dtype=np.int64)
    n_in, n_out = w.shape
    rf = layer.reuse_factor
    xw = _signed_width(layer.input_type)
    accw = layer.accum_type.width
    ww = layer.weight_type.width
    flat = w.ravel()
    if ww <= _TABLE_MAX_WIDTH:
        # Raw values are in the weight type's range by construction of the IR; 'clip'
        # keeps an out-of-range value from indexing garbage.
        keys = _key_table(ww).take(flat + (1 << (ww - 1)), mode="clip")
    else:  # wide weights: compute directly
        csd, eff = constant_stats(flat)
        keys = _keys(csd, eff, (flat < 0).astype(np.int64))
    counts = np.bincount(keys, minlength=_N_KEYS)
    cost = _key_costs(xw, board.dsp_width)
    col_nnz = np.count_nonzero(w, axis=0)
    nnz = int(col_nnz.sum())
    n_dsp_mults, n_narrow, dsp, adder_bits = (int(v) for v in counts @ cost["matrix"])
    lut_mult = adder_bits * _R["lut_per_adder_bit"]
    n_lut_mults = nnz - n_dsp_mults
    lut_share = 0.0
    if rf > 1:
        # hls4ml: multiplier_limit = DIV_ROUNDUP(n_in*n_out, R) - n_zeros / R, enforced by
        # '#pragma HLS ALLOCATION operation instances=mul'; shift/adds are not 'mul'.
        limit = -(-(n_in * n_out) // rf) - (n_in * n_out - nnz) // rf
        mul_ops = n_dsp_mults + n_narrow
        if mul_ops > limit > 0:
            share = int(math.ceil(mul_ops / limit))
            dsp = int(math.ceil(dsp * limit / mul_ops))
            n_dsp_mults = int(math.ceil(n_dsp_mults * limit / mul_ops))
            max_eff = int(cost["eff"][(counts > 0) & cost["mul"]].max(initial=0))
            lut_share = _mux_luts(share, xw + max_eff) * limit
    lut_dsp_glue = n_dsp_mults * _R["lut_per_dsp_mult"]

    # Accumulation: per output, the nonzero products plus a nonzero bias.
    terms = col_nnz + (np.asarray(layer.biases) != 0)
    adds = int(terms.sum()) - int(np.count_nonzero(terms))
    lut_acc = adds * accw * _R["lut_per_adder_bit"]
    lut = int(round(lut_mult + lut_dsp_glue + lut_acc + lut_share))

    depth = _adder_depth(int(terms.max(initial=0)))
    delay = (_R["t_mult_ns"] if n_dsp_mults else _R["t_add_ns"]) + depth * _R["t_add_ns"]
    latency = _comb_cycles(delay, board) + (rf - 1)
    ff = int(round(_R["ff_per_product_bit"] * nnz * accw + n_out * layer.result_type.width))
    return LayerEstimate(
        name=layer.name, kind="dense", strategy=layer.strategy, reuse_factor=rf,
        dsp=dsp, bram18k=0, lut=lut, ff=ff, latency_cycles=latency, interval_cycles=rf,
        mults_total=n_in * n_out, mults_nonzero=nnz, mults_in_dsp=n_dsp_mults, mults_in_lut=n_lut_mults)


def _dense_resource(layer: DenseLayer, board: Board) -> LayerEstimate:
    """Resource strategy, R > 1: block_factor shared multipliers, weights in a BRAM ROM."""
    n_in, n_out = layer.n_in, layer.n_out
    n = n_in * n_out
    rf = layer.reuse_factor
    block = -(-n // rf)
    xw = _signed_width(layer.input_type)
    ww = _signed_width(layer.weight_type)
    accw = layer.accum_type.width
    nnz = int(np.count_nonzero(layer.weights))
    narrow = xw <= _R["lut_mult_max_width"] and ww <= _R["lut_mult_max_width"]
    if narrow:
        dsp, in_dsp, in_lut = 0, 0, block
        lut_mult = block * xw * ww * _R["lut_per_pp_bit"]
    else:
        dsp, in_dsp, in_lut = block * dsp_count(xw, ww, board.dsp_width), block, 0
        lut_mult = block * _R["lut_per_dsp_mult"]
    # ROM: ARRAY_RESHAPE block factor=block_factor -> R words of block*width bits,
    # bound to BRAM by 'RESOURCE core=ROM_nP_BRAM' when R > 1 (nnet_dense_resource.h).
    bram = bram18_count(rf, block * layer.weight_type.width)
    # Each multiplier picks its input among the R it serves in turn; accumulators add.
    in_sel = min(rf, n_in)
    lut = lut_mult + block * accw * _R["lut_per_adder_bit"] + _mux_luts(in_sel, xw) * block
    if rf > n_in:  # dense_resource_rf_gt_nin_rem0: the accumulator written varies per cycle
        lut += _mux_luts(min(rf // n_in, n_out), accw) * block
    ff = n_out * accw + block * (xw + ww + accw) + n_in * xw
    latency = rf + int(_R["resource_pipeline_cycles"])
    return LayerEstimate(
        name=layer.name, kind="dense", strategy="resource", reuse_factor=rf,
        dsp=dsp, bram18k=bram, lut=int(round(lut)), ff=int(ff), latency_cycles=latency,
        interval_cycles=rf, mults_total=n, mults_nonzero=nnz, mults_in_dsp=in_dsp, mults_in_lut=in_lut)


def estimate_dense(layer: DenseLayer, board: Board) -> LayerEstimate:
    """One Dense layer on ``board`` (validates the reuse factor)."""
    if layer.strategy not in ("latency", "resource"):
        raise InputError(f"layer {layer.name}", "strategy",
                         f"must be 'latency' or 'resource', got {layer.strategy!r}")
    check_reuse_factor(layer)
    if layer.strategy == "resource" and layer.reuse_factor > 1:
        return _dense_resource(layer, board)
    return _dense_constant(layer, board)


def _table_shape(layer: ActivationLayer, key: str, size: int | None) -> tuple[int, int]:
    if size is None:
        size = len(layer.tables[key]) if key in layer.tables else 1024  # hls4ml default table_size
    ttype = layer.table_types.get(key)
    width = ttype.width if ttype is not None else 18  # hls4ml default table_t ap_fixed<18,8>
    return int(size), int(width)


def estimate_activation(layer: ActivationLayer, board: Board) -> LayerEstimate:
    """One activation layer on ``board``."""
    n = layer.n
    xw = layer.input_type.width
    rw = layer.result_type.width
    dsp = bram = lut = ff = cycles = 0
    ports = int(_R["bram_read_ports"])
    if layer.activation == "linear":
        pass  # a cast: wiring (hls4ml removes or inlines it)
    elif layer.activation == "relu":
        lut = int(round(n * rw * _R["lut_per_relu_bit"]))
        ff = n * rw
        cycles = int(_R["relu_cycles"])
    elif layer.activation == "sigmoid":
        size, width = _table_shape(layer, "sigmoid", layer.table_size)
        bram = -(-n // ports) * bram18_count(size, width)
        lut = int(round(n * (2 * xw + 10) * _R["lut_per_adder_bit"]))  # index scale, offset, clamp
        ff = n * (width + xw)
        cycles = int(_R["table_cycles"])
    elif layer.activation == "softmax":
        esize, ewidth = _table_shape(layer, "exp", layer.softmax.exp_table_size)
        isize, iwidth = _table_shape(layer, "invert", layer.softmax.inv_table_size)
        bram = -(-n // ports) * bram18_count(esize, ewidth) + bram18_count(isize, iwidth)
        # res[i] = exp_res[i] * inv_exp_sum: n multiplications of table-width operands.
        if ewidth <= _R["lut_mult_max_width"] and iwidth <= _R["lut_mult_max_width"]:
            lut += n * ewidth * iwidth * _R["lut_per_pp_bit"]
        else:
            dsp = n * dsp_count(ewidth, iwidth, board.dsp_width)
            lut += n * _R["lut_per_dsp_mult"]
        # max/subtract (stable), index clamps, the exp-sum adder tree.
        lut += (n * 3 * xw + max(n - 1, 0) * ewidth) * _R["lut_per_adder_bit"]
        lut = int(round(lut))
        ff = n * (ewidth + xw + rw) + ewidth
        cycles = int(_R["softmax_cycles"]) + _adder_depth(n)
    else:
        raise InputError(f"layer {layer.name}", "activation",
                         f"unsupported activation {layer.activation!r}; valid: linear, relu, sigmoid, softmax")
    return LayerEstimate(
        name=layer.name, kind="activation", strategy=layer.activation, reuse_factor=1,
        dsp=dsp, bram18k=bram, lut=lut, ff=ff, latency_cycles=cycles, interval_cycles=1)


def estimate(network: FixedNetwork, board: Board) -> Estimate:
    """Resources and latency of ``network`` as hls4ml's Vitis io_parallel design on ``board``.

    Layers run back to back in one pipeline, so latencies add and the initiation
    interval is the largest layer II.  URAM is not used by io_parallel designs.
    """
    layers = tuple(estimate_dense(l, board) if isinstance(l, DenseLayer) else estimate_activation(l, board)
                   for l in network.layers)
    tot = {r: sum(getattr(le, r) for le in layers) for r in ("dsp", "bram18k", "lut", "ff")}
    latency = sum(le.latency_cycles for le in layers)
    interval = max((le.interval_cycles for le in layers), default=1)
    return Estimate(
        network=network.name, board=board.name, clock_period_ns=board.clock_period_ns, layers=layers,
        dsp=tot["dsp"], bram18k=tot["bram18k"], uram=0, lut=tot["lut"], ff=tot["ff"],
        latency_cycles=latency, interval_cycles=interval)
