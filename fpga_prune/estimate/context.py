"""What the estimator's kernels share: the options of one call, its context and the hardware arithmetic.

Why its own module: ``core`` (the whole-network sum and the activation
layers), ``dense`` (the constant-weight Dense kernels) and ``da`` (the
distributed-arithmetic kernel) all price hardware with the same per-call
lookups (``Context``: the tool family's rules, the board's speed and usable
clock) and the same counting helpers (DSP slices of a product, BRAM_18K of a
ROM, CSD digits of a constant, adder-tree depth), and each returns a
``LayerEstimate``; none of them may import another to get them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, FixedNetwork
from fpga_prune.boards import Board, speed_grade
from fpga_prune.errors import InputError
from fpga_prune.estimate.bands import Calibration
from fpga_prune.estimate.rules import RULES
from fpga_prune.estimate.tools import DEFAULT_HLS_TOOL, default_clock_uncertainty, tool_family

__all__ = [
    "BRAM18_SHAPES",
    "DA_COSTINGS",
    "IO_TYPES",
    "MUL_IMPLS",
    "Context",
    "EstimateOptions",
    "LayerEstimate",
    "adder_depth",
    "bram18_count",
    "constant_stats",
    "context",
    "dsp_count",
    "is_hgq",
    "rom",
    "signed_width",
    "weight_stats",
]

MUL_IMPLS = ("dsp", "fabric")
#: hls4ml's IOTypes the estimator prices (``EstimateOptions.io_type``)
IO_TYPES = ("io_parallel", "io_stream")
#: how a distributed-arithmetic Dense is costed (``EstimateOptions.da_costing``)
DA_COSTINGS = ("exact", "proxy")

#: Block RAM18 aspect ratios (depth, width) usable by a ROM (UG473 Table 1-3 / UG573).
BRAM18_SHAPES = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))


@dataclass(frozen=True)
class EstimateOptions:
    """How the design is built: HLS tool, forced multiplier binding, clock uncertainty, user calibration.

    ``clock_uncertainty`` is a fraction of the period (None: the tool family's
    default); ``mul_impl`` is the ``config_op mul -impl`` value (None: tool's choice).
    """

    hls_tool: str = DEFAULT_HLS_TOOL
    mul_impl: str | None = None
    clock_uncertainty: float | None = None
    confidence: float = 0.9
    calibration: Calibration | None = None
    #: distributed-arithmetic Dense layers: "exact" asks da4ml's solver for the adder graph; "proxy" counts
    #: CSD digits (``estimate.da.proxy_graph``, microseconds instead of 0.1-2 s), for ranking many candidates
    da_costing: str = "exact"
    #: hls4ml's IOType: "io_stream" adds the FIFOs between layers and runs them as DATAFLOW processes
    io_type: str = "io_parallel"
    #: io_stream: the depth of each FIFO between two layers as the project's ``#pragma HLS STREAM ... depth=D``
    #: lines give them, in layer order; () = hls4ml's default (``rules.stream_fifo_depth``)
    fifo_depths: tuple[int, ...] = ()
    #: io_parallel top with ``#pragma HLS DATAFLOW`` (hls4ml 0.x, Resource strategy): every layer a process, every
    #: element between two layers a FIFO (``estimate.stream.dataflow_channels``), no top pipeline registers
    dataflow: bool = False

    def __post_init__(self) -> None:
        tool_family(self.hls_tool)  # validates the name
        if self.io_type not in IO_TYPES:
            raise InputError("estimate options", "io_type", f"{self.io_type!r} is not one of {', '.join(IO_TYPES)}")
        if self.da_costing not in DA_COSTINGS:
            raise InputError("estimate options", "da_costing", f"{self.da_costing!r} is not one of exact, proxy")
        if self.mul_impl not in (None, *MUL_IMPLS):
            raise InputError("estimate options", "mul_impl", f"{self.mul_impl!r} is not one of dsp, fabric")
        if not 0.0 < self.confidence < 1.0:
            raise InputError("--confidence", None, f"must be between 0 and 1 (exclusive), got {self.confidence!r}")

    @property
    def family(self) -> str:
        return tool_family(self.hls_tool)


def is_hgq(network: FixedNetwork) -> bool:
    """Whether ``network`` carries HGQ's per-element quantizers: such designs have their own error band
    (``estimate.bands.HGQ``; their registers and LUTs follow each element's width, not the layer type's)."""
    return any(isinstance(lay, ActivationLayer) and lay.activation == "quantizer" for lay in network.layers)


class Context:
    """Per-call lookups: the tool family's rule values, the board's speed and usable clock."""

    def __init__(self, board: Board, options: EstimateOptions) -> None:
        fam = options.family
        self.family = fam
        self.r = {k: rule.for_tool(fam) for k, rule in RULES.items()}
        if options.calibration is not None:
            self.r.update(options.calibration.rules_for(fam))
        self.board = board
        self.mul_impl = options.mul_impl
        self.da_proxy = options.da_costing == "proxy"
        unc = options.clock_uncertainty if options.clock_uncertainty is not None else default_clock_uncertainty(fam)
        self.usable_ns = board.clock_period_ns * (1.0 - unc)
        self.ultrascale = board.family in ("ultrascale", "ultrascale+")
        self.speed = self.r["speed_ultrascale_plus"] if self.ultrascale else 1.0
        self.dsp_chains = self.ultrascale and board.clock_period_ns >= self.r["dsp_chain_min_period_ns"]
        # the Dense adder tree's delay scale (a chained DSP product: its own, see RULES)
        self.dense_speed = self.r["speed_dense_chain_ultrascale"] if self.dsp_chains else self.speed
        # Vivado HLS on a 7-series part slower than -3 builds each DSP product as a 2-stage core with registers
        self.mul_core = not self.ultrascale and self.r["mul_core_ff"] > 0 and (speed_grade(board.part) or 1) < 3

    def cycles(self, delay_ns: float, registered: bool = True, speed: float | None = None) -> int:
        """Pipeline stages for a combinational ``delay_ns`` (7-series model); an unregistered
        result (LUT-only logic) chains into the next stage, so one stage fewer."""
        stages = int(math.ceil(delay_ns * (self.speed if speed is None else speed) / self.usable_ns - 1e-9))
        return max(1, stages) if registered else max(0, stages - 1)


@lru_cache(maxsize=64)
def context(board: Board, options: EstimateOptions) -> Context:
    """The (cached) context of one board and set of options: the search asks for the same one thousands of times."""
    return Context(board, options)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LayerEstimate:
    """One layer's hardware.  ``mults_*``: the weight matrix's products (total, nonzero)
    and the hardware multipliers built for them (in DSPs, in LUTs incl. shift/add).
    ``ff_top``: the part of ``ff`` that is the top function's register of this layer's
    output (a layer's own csynth report does not have it)."""

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
    ff_top: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# --------------------------------------------------------------------------- hardware arithmetic


def signed_width(t: FixedType) -> int:
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


def bram18_count(depth: int, width: int, parity: bool = True) -> int:
    """BRAM_18K blocks for a ROM of ``depth`` words of ``width`` bits (best aspect ratio).

    ``parity=False``: the 9th bit of each byte (the x9/x18/x36 shapes) is not used for
    data, so 1024 x 18 takes two blocks (``bram_parity_bits``)."""
    if depth <= 0 or width <= 0:
        return 0
    shapes = BRAM18_SHAPES if parity else tuple((d, w - w // 9) for d, w in BRAM18_SHAPES)
    return min(-(-depth // d) * -(-width // w) for d, w in shapes)


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


def adder_depth(terms: int) -> int:
    return int(math.ceil(math.log2(terms))) if terms > 1 else 0


def rom(depth: int, width: int, ctx: Context) -> tuple[int, int]:
    """(BRAM_18K, LUT) of a ROM: tiny ROMs are LUTs (``rom_lut_max_bits``), others block RAM."""
    if depth * width <= ctx.r["rom_lut_max_bits"]:
        return 0, int(math.ceil(depth * width / 64))  # a LUT6 holds 64 bits
    return bram18_count(depth, width, parity=not (ctx.ultrascale and not ctx.r["bram_parity_bits_ultrascale"])), 0


_TABLE_MAX_WIDTH = 18


@lru_cache(maxsize=32)
def _csd_table(width: int) -> tuple[np.ndarray, np.ndarray]:
    """CSD digits and effective width of every raw value of a ``width``-bit type, offset by 2**(width-1).

    Why: a lookup per weight is several times faster than recomputing CSD digits,
    and the search calls the estimator thousands of times.
    """
    span = np.arange(-(1 << (width - 1)), 1 << width, dtype=np.int64)
    csd, eff = constant_stats(span)
    return csd.astype(np.int64), eff.astype(np.int64)


def weight_stats(w: np.ndarray, ww: int) -> tuple[np.ndarray, np.ndarray]:
    flat = w.ravel()
    if ww <= _TABLE_MAX_WIDTH:
        csd_t, eff_t = _csd_table(ww)
        idx = flat + (1 << (ww - 1))
        return csd_t.take(idx, mode="clip").reshape(w.shape), eff_t.take(idx, mode="clip").reshape(w.shape)
    csd, eff = constant_stats(flat)
    return csd.reshape(w.shape), eff.reshape(w.shape)
