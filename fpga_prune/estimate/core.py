"""Resource and latency estimate of hls4ml's implementation (io_parallel, or io_stream) of a FixedNetwork.

Why our own estimator: pruning needs "does it fit?" thousands of times per
search, and HLS synthesis takes minutes per call.  This is a pure function of
the *actual* raw weights and resolved precisions (``fpga_prune.arith.ir``): it counts
what hls4ml's templates instantiate (``nnet_dense_latency.h``,
``nnet_dense_resource.h``, ``nnet_activation.h``) and what the HLS tool does
with constant multiplications, then prices that hardware with the calibrated
constants of ``RULES`` (``fpga_prune.estimate.rules``; each cites the public
designs of ``../shared/vitis-calibration`` it was fitted on).  The HLS tool
family (``EstimateOptions.hls_tool``) selects the tool-specific values.

What is modelled, per layer:

* Latency strategy: ``dense_latency`` unrolls n_in*n_out products with the
  weights as constants.  A zero weight is removed; a constant with at most two
  nonzero CSD digits is a shift or shift+add in LUTs; every other product is a
  multiplier, and the tool builds ONE per distinct (input, constant) pair of a
  layer (Vivado HLS: per (input, |constant|)), shared by the outputs that use
  it.  A multiplier is a DSP unless both operands are narrow (then LUTs), or as
  ``config_op mul -impl dsp|fabric`` forces.  ReuseFactor R>1 caps DSPs at
  hls4ml's ``multiplier_limit`` and gives II = min(R, mul ops / limit + 1).
* Resource strategy (R>1): ``block_factor = ceil(n_in*n_out/R)`` multipliers of
  the declared weight width fed from a weight ROM R deep (BRAM unless tiny).
* Activations: ReLU compare+mux (more with rounding/saturating outputs),
  sigmoid a table, softmax tables replicated per tool plus n products.
* The top function adds ``top_cycles`` to the sum of the layer latencies.
* io_stream (``EstimateOptions.io_type``): the same layers as DATAFLOW processes with a FIFO between each
  two (``estimate.stream``).

``Estimate`` carries per-resource bounds at a confidence (default 0.9) from the
calibration residuals (``fpga_prune.estimate.bands``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from fpga_prune.arith.analysis import live_neurons
from fpga_prune.arith.ir import DA, STRATEGIES, ActivationLayer, DenseLayer, FixedNetwork, MergeLayer
from fpga_prune.boards import DEFAULT_CAPS, RESOURCES, Board, Caps
from fpga_prune.errors import InputError
from fpga_prune.estimate.bands import UNCALIBRATED, band_factors, band_family
from fpga_prune.estimate.context import (
    Context,
    EstimateOptions,
    LayerEstimate,
    adder_depth,
    bram18_count,
    constant_stats,
    context,
    dsp_count,
    is_hgq,
    rom,
)
from fpga_prune.estimate.da import estimate_da
from fpga_prune.estimate.dense import dense_constant, dense_resource
from fpga_prune.estimate.rules import RULES, Rule
from fpga_prune.estimate.stream import clone_estimates, dataflow_channels, dataflow_timing, fifo_estimates
from fpga_prune.estimate.tools import DEFAULT_HLS_TOOL, is_calibrated
from fpga_prune.outdir import JsonObject

__all__ = [
    "RULES",
    "Rule",
    "EstimateOptions",
    "LayerEstimate",
    "Estimate",
    "estimate",
    "estimate_dense",
    "estimate_activation",
    "estimate_merge",
    "valid_reuse_factors",
    "check_reuse_factor",
    "dsp_count",
    "bram18_count",
    "constant_stats",
]


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
    hls_tool: str = DEFAULT_HLS_TOOL
    confidence: float = 0.9
    #: (quantity, low factor, high factor): the real value lies in [est x low, est x high] at ``confidence``
    band_factors: tuple[tuple[str, float, float], ...] = ()
    #: which ratios the band comes from (``estimate.bands.band_family``); ``uncalibrated``: the tool version is
    #: outside every calibrated family and the band is the widest of all
    band_family: str = ""

    def bounds(self, layer: LayerEstimate | None = None) -> dict[str, tuple[int, int]]:
        """Quantity (dsp, bram18k, lut, ff, latency_cycles) -> (lower, upper) at ``confidence``.

        Why ratios: calibration residuals scale with the design (a 2% DSP error is
        50 DSPs on a large net, 0 on a small one).  A layer gets the design's band.
        """
        src = layer if layer is not None else self
        out = {}
        for q, lo, hi in self.band_factors:
            v = getattr(src, q)
            out[q] = (int(math.floor(v * lo + 1e-9)), int(math.ceil(v * hi - 1e-9)))
        return out

    def upper(self) -> dict[str, int]:
        """Resource -> upper bound (the estimate itself for a quantity without a band)."""
        b = self.bounds()
        return {r: b[r][1] if r in b else int(getattr(self, r)) for r in RESOURCES}

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

    def fits_upper(self, board: Board, caps: Caps = DEFAULT_CAPS) -> bool:
        """Whether the upper bound of every resource (at ``confidence``) is inside the budget."""
        budget = caps.budget(board)
        return all(used <= budget[r] for r, used in self.upper().items())

    def to_dict(self, board: Board | None = None, caps: Caps = DEFAULT_CAPS) -> JsonObject:
        d: JsonObject = {
            "network": self.network,
            "board": self.board,
            "clock_period_ns": self.clock_period_ns,
            "totals": self.used(),
            "latency_cycles": self.latency_cycles,
            "latency_ns": round(self.latency_ns, 6),
            "interval_cycles": self.interval_cycles,
            "layers": [
                dict(layer.to_dict(), bounds={k: list(v) for k, v in self.bounds(layer).items()})
                for layer in self.layers
            ],
            "hls_tool": self.hls_tool,
            "confidence": self.confidence,
            "bounds": {k: list(v) for k, v in self.bounds().items()},
        }
        if self.band_family == UNCALIBRATED:
            d["band_note"] = (
                f"{self.hls_tool} is outside every calibrated tool family: its estimate uses the nearest family's "
                "rules and its bands are the widest of all families"
            )
        if board is not None:
            util = {k: None if v is None else round(v, 6) for k, v in self.utilization(board).items()}
            budget, avail = caps.budget(board), board.available()
            d["caps"] = caps.to_dict()
            d["budget"] = budget
            d["utilization"] = util
            # budget.json's "resources" block
            d["resources"] = {
                r: {
                    "used": int(getattr(self, r)),
                    "available": int(avail[r]),
                    "cap": caps.fraction(r),
                    "allowed": int(budget[r]),
                    "utilization": util[r],
                }
                for r in RESOURCES
            }
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
        raise InputError(
            f"layer {layer.name}",
            "reuse_factor",
            f"{layer.reuse_factor} is not valid for a {layer.n_in}x{layer.n_out} Dense "
            f"(hls4ml rules); valid: {', '.join(map(str, valid))}",
        )


# --------------------------------------------------------------------------- layers


def estimate_dense(
    layer: DenseLayer,
    board: Board,
    options: EstimateOptions = EstimateOptions(),
    input_widths: np.ndarray | None = None,
    input_native: np.ndarray | None = None,
    live_out: list[int] | None = None,
) -> LayerEstimate:
    """One Dense layer on ``board`` (validates a Resource layer's reuse factor; kernels: ``dense``,
    distributed arithmetic: ``da``).

    ``input_widths`` / ``input_native``: per-input signed and as-typed widths an HGQ quantizer
    before the layer leaves (``ActivationLayer.element_widths`` / ``element_native_widths``);
    ``live_out``: the outputs something reads (``analysis.live_neurons``). Both are used by the
    constant-weight kernels.
    """
    if layer.strategy not in STRATEGIES:
        raise InputError(
            f"layer {layer.name}", "strategy", f"must be one of {', '.join(STRATEGIES)}, got {layer.strategy!r}"
        )
    ctx = context(board, options)
    if layer.strategy == DA:
        return estimate_da(layer, ctx)
    if layer.strategy == "resource":  # the Latency kernel builds with any R (hand-edited firmware does)
        check_reuse_factor(layer)
        if layer.reuse_factor > 1:
            return dense_resource(layer, ctx)
    return dense_constant(layer, ctx, input_widths, input_native, live_out)


def _table_shape(layer: ActivationLayer, key: str, size: int | None) -> tuple[int, int]:
    if size is None:
        size = len(layer.tables[key]) if key in layer.tables else 1024  # hls4ml default table_size
    ttype = layer.table_types.get(key)
    width = ttype.width if ttype is not None else 18  # hls4ml default table_t ap_fixed<18,8>
    return int(size), int(width)


def estimate_activation(
    layer: ActivationLayer, board: Board, options: EstimateOptions = EstimateOptions(), live: list[int] | None = None
) -> LayerEstimate:
    """One activation layer on ``board``; ``live``: the elements something downstream reads
    (``analysis.live_neurons``; None: all).  An element-wise layer's dead elements are removed."""
    ctx = context(board, options)
    r = ctx.r
    n = layer.n if live is None or layer.activation == "softmax" else len(live)
    xw = layer.input_type.width
    rw = layer.result_type.width
    dsp = bram = lut = ff = cycles = 0
    if layer.activation == "linear":
        pass  # a cast: wiring (hls4ml removes or inlines it)
    elif layer.activation == "relu":
        rt = layer.result_type
        plain = rt.rounding == "AP_TRN" and rt.saturation == "AP_WRAP"
        lut = int(round(n * rw * (r["lut_per_relu_bit"] if plain else r["lut_per_relu_rnd_sat_bit"])))
        cycles = 0 if plain else ctx.cycles(r["relu_rnd_sat_ns"], registered=False)
        ff = int(round(cycles * n * xw * r["ff_per_relu_bit_stage"]))
    elif layer.activation == "quantizer":
        # HGQ mask: a cast per element to its own width. Truncating/wrapping casts are wiring; a rounding
        # one adds a half-LSB carry chain (lut_per_adder_bit per bit); a saturating one the compare and
        # clamp a rounding-saturating ReLU costs beyond a plain ReLU and that adder (the measured ReLU
        # rules). The ReLU's rounding/saturating delay applies; the mask is inlined (no cycle of its own).
        keep = list(range(layer.n)) if live is None else live
        widths = layer.element_widths()[keep]
        sat_cost = r["lut_per_relu_rnd_sat_bit"] - r["lut_per_relu_bit"] - r["lut_per_adder_bit"]
        per_bit = np.array(
            [
                0.0
                if t is None
                else (t.rounding != "AP_TRN") * r["lut_per_adder_bit"] + (t.saturation != "AP_WRAP") * sat_cost
                for t in (layer.element_types[i] for i in keep)
            ]
        )
        lut = int(round(float((widths * per_bit).sum())))
        cycles = ctx.cycles(r["relu_rnd_sat_ns"], registered=False) if per_bit.any() else 0
        ff = int(round(cycles * float(widths.sum()) * r["ff_per_relu_bit_stage"]))
    elif layer.activation in ("sigmoid", "unary_lut"):
        key = "sigmoid" if layer.activation == "sigmoid" else "table"
        size, width = _table_shape(layer, key, layer.table_size)
        b1, l1 = rom(size, width, ctx)
        copies = -(-n // int(r["bram_read_ports"]))
        bram = copies * b1
        # sigmoid: index scale, offset and clamp; unary_lut: the raw bits are the index (wiring)
        index_lut = n * (2 * xw + 10) * r["lut_per_adder_bit"] if key == "sigmoid" else 0.0
        lut = int(round(copies * l1 + index_lut))
        ff = n * (width + xw)
        cycles = int(r["table_cycles"])
    elif layer.activation == "softmax":
        assert layer.softmax is not None  # ActivationLayer checks a softmax has its params
        esize, ewidth = _table_shape(layer, "exp", layer.softmax.exp_table_size)
        isize, iwidth = _table_shape(layer, "invert", layer.softmax.inv_table_size)
        eb, el = rom(esize, ewidth, ctx)
        ib, il = rom(isize, iwidth, ctx)
        e_copies = max(1, int(math.ceil(n * r["softmax_exp_copies"])))
        i_copies = max(int(r["softmax_inv_min_copies"]), int(math.ceil(n * r["softmax_inv_copies"])))
        bram = e_copies * eb + i_copies * ib
        lut_f = n * r["lut_softmax_per_elem"] + e_copies * el + i_copies * il
        # res[i] = exp_res[i] * inv_exp_sum: n products of table-width operands.
        if ctx.mul_impl == "fabric":
            lut_f += n * ewidth * iwidth * r["lut_per_pp_bit"]
        else:
            dsp = n * dsp_count(ewidth, iwidth, ctx.board.dsp_width)
        lut = int(round(lut_f))
        levels = adder_depth(n)
        if layer.softmax.implementation == "latency":  # no max search: the table reads and the sum between them
            cycles = int(r["softmax_latency_fixed_cycles"]) + ctx.cycles(
                levels * r["softmax_ns_per_level"], registered=False
            )
        else:
            cycles = int(r["softmax_fixed_cycles"]) + ctx.cycles(r["softmax_ns"] + levels * r["softmax_ns_per_level"])
        if ctx.mul_impl == "fabric":  # the output products chain into their casts
            cycles = max(1, cycles - int(r["softmax_fabric_saved_cycles"]))
        elif ctx.mul_core:  # Vivado HLS' two-stage multiplier cores (rules.mul_core_cycles)
            cycles += int(r["mul_core_cycles"])
        ff = int(round(r["ff_softmax_per_elem_stage"] * n * cycles))
    else:
        raise InputError(
            f"layer {layer.name}",
            "activation",
            f"unsupported activation {layer.activation!r}; valid: linear, relu, sigmoid, softmax, quantizer, unary_lut",
        )
    return LayerEstimate(
        name=layer.name,
        kind="activation",
        strategy=layer.activation,
        reuse_factor=1,
        dsp=dsp,
        bram18k=bram,
        lut=lut,
        ff=ff,
        latency_cycles=cycles,
        interval_cycles=1,
    )


def estimate_merge(
    layer: MergeLayer, board: Board, options: EstimateOptions = EstimateOptions(), live: list[int] | None = None
) -> LayerEstimate:
    """One merge on ``board``: ``add``/``subtract`` an adder per live element of the result's width
    (``lut_per_adder_bit``, scheduled with its neighbours: no cycle of its own), ``concatenate`` wiring."""
    ctx = context(board, options)
    n = layer.n if live is None else len(live)
    lut = 0 if layer.op == "concatenate" else int(round(n * layer.result_type.width * ctx.r["lut_per_adder_bit"]))
    return LayerEstimate(
        name=layer.name,
        kind="merge",
        strategy=layer.op,
        reuse_factor=1,
        dsp=0,
        bram18k=0,
        lut=lut,
        ff=0,
        latency_cycles=0,
        interval_cycles=1,
    )


def _longest_path(layers: tuple[LayerEstimate, ...], network: FixedNetwork) -> int:
    """Cycles from the input to the slowest output of a graph, each layer starting when all it reads is ready."""
    done: list[int] = []
    for le, srcs in zip(layers, network.sources, strict=True):
        done.append(max(done[j] if j >= 0 else 0 for j in srcs) + le.latency_cycles)
    return max(done[k] for k in network.output_indices)


def top_cycles(network: FixedNetwork, ctx: Context, interval: int = 1) -> int:
    """Cycles the top function adds to its layers: a fixed part and some per Dense call, fewer on long
    clocks and when the pipeline's initiation ``interval`` > 1 leaves the scheduler room to overlap them."""
    r = ctx.r
    n_dense = sum(1 for lay in network.layers if isinstance(lay, DenseLayer) and lay.op == "dense")
    per = r["top_cycles_per_dense"] if ctx.ultrascale else r["top_cycles_per_dense_7series"]
    per *= max(1, interval) ** -r["top_interval_exponent"]
    scale = min(1.0, r["top_clock_ref_ns"] / ctx.board.clock_period_ns)
    return max(0, int(round((r["top_cycles"] + per * n_dense) * scale)))


def estimate(network: FixedNetwork, board: Board, options: EstimateOptions = EstimateOptions()) -> Estimate:
    """Resources and latency of ``network`` as hls4ml's io_parallel design on ``board``.

    Layers run back to back in one pipeline, so latencies add along the longest
    path from the input to an output (a chain: all of them; several heads: the
    slowest), plus the top function's own ``top_cycles``; resources add over
    every layer and the initiation interval is the largest layer II.  URAM is not used by io_parallel designs.
    """
    ctx = context(board, options)
    est: list[LayerEstimate] = []
    # per layer, the per-element (signed, native) widths an HGQ quantizer leaves for a Dense reading it
    carried: list[tuple[np.ndarray, np.ndarray] | None] = []
    live = live_neurons(network)
    sources = network.sources
    for lay, alive, srcs in zip(network.layers, live, sources, strict=True):
        widths = carried[srcs[0]] if srcs[0] >= 0 else None
        if isinstance(lay, DenseLayer):
            in_widths, in_native = widths or (None, None)
            est.append(estimate_dense(lay, board, options, in_widths, in_native, live_out=alive))
        elif isinstance(lay, MergeLayer):
            est.append(estimate_merge(lay, board, options, live=alive))
        else:
            est.append(estimate_activation(lay, board, options, live=alive))
        if isinstance(lay, ActivationLayer) and lay.element_types:
            carried.append((lay.element_widths(), lay.element_native_widths()))
        elif isinstance(lay, ActivationLayer) and lay.activation in ("relu", "linear"):
            carried.append(widths)  # a ReLU or a cast keeps each element's width; anything else ends it
        else:
            carried.append(None)
    layers = tuple(est)
    # The top function registers the input and every layer output once; each layer is charged its own.
    # User calibration (cal_lut, cal_ff) scales every layer.
    cal_lut, cal_ff = ctx.r["cal_lut"], ctx.r["cal_ff"]
    per_bit = ctx.r["ff_top_per_bit"]
    # a longer period packs the top's stages as its cycles: fewer layer outputs sit at a stage boundary (the
    # input is registered whatever the period; a DATAFLOW process registers its output whatever the period)
    packed = 1.0 if options.dataflow else min(1.0, ctx.r["top_clock_ref_ns"] / board.clock_period_ns)
    charged = []
    chain = network.is_chain
    readers = [[i + 1] for i in range(len(layers) - 1)] + [[]] if chain else network.consumers()
    for i, (lay, le, alive) in enumerate(zip(network.layers, layers, live)):
        bits = (
            int(lay.element_widths()[alive].sum())
            if isinstance(lay, ActivationLayer) and lay.element_types
            else len(alive) * lay.result_type.width
        )
        after = [network.layers[k] for k in readers[i]]
        if after and all(isinstance(a, ActivationLayer) and a.element_types for a in after):
            bits = 0  # an HGQ mask is inlined into the top: what it reads is cast on the spot, not registered
        top_bits = bits * packed + (sum(a.size * a.type.width for a in network.inputs) if i == 0 else 0)
        lut = le.lut if cal_lut == 1.0 else int(round(le.lut * cal_lut))
        ff = int(round((le.ff + top_bits * per_bit) * cal_ff))
        charged.append(replace(le, lut=lut, ff=ff, ff_top=ff - int(round(le.ff * cal_ff))))
    layers = tuple(charged)
    if options.io_type == "io_stream":  # DATAFLOW processes joined by FIFOs (estimate.stream)
        layers += fifo_estimates(network, ctx, options.fifo_depths) + clone_estimates(network, ctx)
        latency, interval = dataflow_timing(layers, ctx, network)
    else:
        if options.dataflow:  # hls4ml 0.x's io_parallel DATAFLOW top: FIFOs between the layers' processes
            layers += dataflow_channels(network, ctx, live)
        interval = max((le.interval_cycles for le in layers), default=1)
        # layers run as soon as what they read is ready: the latency is the longest path to an output
        path = sum(le.latency_cycles for le in layers) if chain else _longest_path(layers, network)
        latency = max(0, path + top_cycles(network, ctx, interval) + int(round(ctx.r["cal_latency"])))
    tot = {q: sum(getattr(le, q) for le in layers) for q in ("dsp", "bram18k", "lut", "ff")}
    fam = band_family(
        ctx.family, calibrated=is_calibrated(options.hls_tool), forced=options.mul_impl is not None, hgq=is_hgq(network)
    )
    factors = band_factors(fam, options.confidence, options.calibration)
    return Estimate(
        network=network.name,
        board=board.name,
        clock_period_ns=board.clock_period_ns,
        layers=layers,
        dsp=tot["dsp"],
        bram18k=tot["bram18k"],
        uram=0,
        lut=tot["lut"],
        ff=tot["ff"],
        latency_cycles=latency,
        interval_cycles=interval,
        hls_tool=options.hls_tool,
        confidence=options.confidence,
        band_factors=factors,
        band_family=fam,
    )
