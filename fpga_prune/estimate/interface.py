"""The resources of what wraps the network (``--interface``, or a foreign project's wrapper top), apart from the
network's.

Why apart: the search prices the network a thousand times and the wrapper barely changes between candidates (it
depends on the bus format and the interface), and a user comparing the estimate with a csynth report of the bare
IP must not find the wrapper in it.  Why estimated at all: the board holds network + wrapper (+ DMA), so the
search's fit check adds these figures to the network's (``search.fit``), and ``estimate DIR`` of a
VivadoAccelerator project says what its ``<prj>_axi`` top adds.

- ``vitis-kernel``: the kernel's m_axi adapters and s_axi_control (``RULES`` ``m_axi_*``/``s_axilite_*``, read
  from public Vitis kernel reports); the unpacking and packing loops between them are not counted.
- ``axi-stream``: our ``axi_top`` (s_axi_control, one pipelined bus loop, the element registers and the output
  word select: ``wrap_*``), the AXI DMA of the block design (two channels of the bus width, ``dma_channel_*``)
  and the AXI interconnects and reset Vivado's block automation adds (``bd_interconnect_*``).
- ``axi-lite``: the AXI-Lite top's s_axi_control with its input and result words (``s_axilite_*_per_word``/
  ``_fixed``: derived from the register counts of the kernel reports, not fitted, no band); the GP -> AXI-Lite
  interconnect of its block design is not counted.
- hls4ml's VivadoAccelerator ``<prj>_axi`` (``vivado_accelerator_wrapper``): float <-> ap_fixed loops
  (``wrap_float_*``), io_parallel's variable-index input array (``wrap_insert_*``), io_stream's FIFOs
  (``estimate.stream.fifo_cost``).

The ``wrap_*`` rules are csynth figures (public ``myproject_axi_csynth.rpt`` minus the network's row); the DMA and
interconnect rules are Vivado post-synthesis figures of the IP (it has no csynth report).  An estimate's band
(``band``) comes from the ratios real/estimate of these rules on every public report of ``bench/interface_reports.csv``
(``bench/bench_interface.py`` prints them), widened for the few repositories they come from as
``estimate.bands`` widens the network's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpga_prune.arith.axil import WORD_BITS, register_map
from fpga_prune.arith.axis import BusFormat, bus_format
from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.boards import Board
from fpga_prune.estimate.bands import quantile, widening
from fpga_prune.estimate.context import Context
from fpga_prune.estimate.rules import RULES
from fpga_prune.estimate.stream import fifo_cost
from fpga_prune.outdir import JsonObject

#: the interfaces whose wrapper is estimated
MODELLED = ("vitis-kernel", "axi-stream", "axi-lite")
#: quantities an interface estimate has
QUANTITIES = ("lut", "ff", "bram18k")

# fmt: off
#: quantity -> real/estimate of the rules on the public reports of bench/interface_reports.csv (fitted and held
#: out alike: five wrappers and three AXI DMAs), printed by ``bench/bench_interface.py``; see the module docstring.
RATIOS: dict[str, tuple[float, ...]] = {
    'lut': (0.8695, 0.9798, 0.9828, 0.9959, 0.999, 0.9993, 1.0347, 1.0456),
    'ff': (0.8474, 0.9938, 0.9993, 0.9996, 1.0038, 1.0441, 1.2009, 1.2805),
    'bram18k': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}
#: the source repositories of those ratios (owner/name)
REPOSITORIES: tuple[str, ...] = (
    'ChiRuiChen/AutoEncoder_hls4ml', 'ChiRuiChen/Deepcalo_Linchi', 'Hector-Plata/hls4ml-tutorial',
    'crimson1256/hls4ml_modified_yolo_v3_tiny', 'necst/aca2122-prj-unbalanced-tree', 'pha1aris/EncDecoder',
    'samuelkravitz/RFSOC',
)
# fmt: on


def band(confidence: float) -> tuple[tuple[str, float, float], ...]:
    """((quantity, low, high), ...): real lies in [estimate*low, estimate*high] with ``confidence`` (two-sided),
    by ``estimate.bands``' procedure on ``RATIOS`` widened for ``REPOSITORIES``."""
    a = (1.0 - confidence) / 2.0
    w = widening(len(REPOSITORIES))
    out = []
    for q in QUANTITIES:
        lo, hi = min(quantile(RATIOS[q], a), 1.0), max(quantile(RATIOS[q], 1.0 - a), 1.0)
        out.append((q, round(lo**w, 4), round(hi**w, 4)))
    return tuple(out)


@dataclass(frozen=True)
class PartEstimate:
    """One block of the wrapper: its LUT, FF and BRAM_18K and the rules that priced it."""

    name: str
    lut: int
    ff: int
    bram18k: int
    rules: tuple[str, ...]

    def to_dict(self) -> JsonObject:
        return {"name": self.name, "lut": self.lut, "ff": self.ff, "bram18k": self.bram18k, "rules": list(self.rules)}


@dataclass(frozen=True)
class InterfaceEstimate:
    """The wrapper of one interface, block by block, its totals and (where validated) its band."""

    interface: str
    parts: tuple[PartEstimate, ...]
    #: ((quantity, low factor, high factor), ...) at ``confidence``; () where no report checks the rules
    factors: tuple[tuple[str, float, float], ...] = ()
    confidence: float | None = None

    def totals(self) -> dict[str, int]:
        return {r: sum(getattr(p, r) for p in self.parts) for r in QUANTITIES}

    def bounds(self) -> dict[str, tuple[int, int]]:
        """quantity -> (low, high) at ``confidence`` (empty without a band)."""
        t = self.totals()
        return {q: (int(math.floor(t[q] * lo)), int(math.ceil(t[q] * hi))) for q, lo, hi in self.factors}

    def upper(self) -> dict[str, int]:
        """quantity -> upper bound (the estimate itself without a band): what a fit check adds."""
        b = self.bounds()
        return {q: b[q][1] if q in b else v for q, v in self.totals().items()}

    def describe(self) -> str:
        """One line: the totals, their band and the parts."""
        t, b = self.totals(), self.bounds()
        band_txt = (
            f" (band at {self.confidence:g}: LUT {b['lut'][0]}-{b['lut'][1]}, FF {b['ff'][0]}-{b['ff'][1]})"
            if b
            else ""
        )
        parts = ", ".join(f"{p.name} {p.lut}/{p.ff}/{p.bram18k}" for p in self.parts)
        return f"{t['lut']} LUT, {t['ff']} FF, {t['bram18k']} BRAM_18K{band_txt} [LUT/FF/BRAM_18K: {parts}]"

    def to_dict(self) -> JsonObject:
        doc: JsonObject = {
            "interface": self.interface,
            "totals": self.totals(),
            "parts": [p.to_dict() for p in self.parts],
        }
        if self.factors:
            doc["confidence"] = self.confidence
            doc["bounds"] = {q: list(v) for q, v in self.bounds().items()}
        return doc


def network_bus_format(network: FixedNetwork, word_bits: int) -> BusFormat:
    """The bus format of ``network``'s input and output types on ``word_bits``-bit words (both wrappers')."""
    return bus_format(
        word_bits,
        network.n_inputs,
        network.input_type.width,
        network.input_type.signed,
        network.n_outputs,
        network.output_type.width,
        network.output_type.signed,
    )


def interface_bus(network: FixedNetwork, board: Board, interface: str) -> BusFormat | None:
    """The bus ``interface`` puts ``network`` on, on ``board`` (the DMA's or the kernel's m_axi width); None for
    ``none`` or a board without that width."""
    width = {
        "axi-stream": board.dma_width,
        "vitis-kernel": board.m_axi_width,
        "axi-lite": WORD_BITS if board.ps is not None else None,
    }.get(interface)
    return None if width is None else network_bus_format(network, width)


def interface_estimate(
    network: FixedNetwork, board: Board, interface: str, family: str = "vitis", confidence: float = 0.9
) -> InterfaceEstimate | None:
    """What ``interface`` adds to ``network`` on ``board`` (None for ``none``): the search's fit check adds
    its ``upper()`` to the network's."""
    fmt = interface_bus(network, board, interface)
    return None if fmt is None else estimate_interface(interface, fmt, family, confidence)


def family_rules(family: str) -> dict[str, float]:
    """Every rule's value for the tool ``family`` (what ``Context.r`` holds, without a board)."""
    return {k: rule.for_tool(family) for k, rule in RULES.items()}


def _m_axi(name: str, width: int) -> PartEstimate:
    r = RULES
    return PartEstimate(
        name,
        math.ceil(r["m_axi_lut_fixed"].value + r["m_axi_lut_per_bit"].value * width),
        math.ceil(r["m_axi_ff_fixed"].value + r["m_axi_ff_per_bit"].value * width),
        int(r["m_axi_bram"].value),
        ("m_axi_lut_fixed", "m_axi_lut_per_bit", "m_axi_ff_fixed", "m_axi_ff_per_bit", "m_axi_bram"),
    )


def axi_lite_interface(fmt: BusFormat) -> InterfaceEstimate:
    """The AXI-Lite top's s_axi_control: the block control and its input and result words (no band: no public
    report of an s_axilite array checks the per-word rules)."""
    regs = register_map(fmt.input.words_per_sample, fmt.output.words_per_sample)
    words = regs.x.words + regs.y.words
    r = RULES
    control = PartEstimate(
        f"s_axi_control ({regs.x.words} input + {regs.y.words} result words)",
        math.ceil(r["s_axilite_lut_fixed"].value + r["s_axilite_lut_per_word"].value * words),
        math.ceil(r["s_axilite_ff_fixed"].value + r["s_axilite_ff_per_word"].value * words),
        0,
        ("s_axilite_lut_fixed", "s_axilite_lut_per_word", "s_axilite_ff_fixed", "s_axilite_ff_per_word"),
    )
    return InterfaceEstimate("axi-lite", (control,))


def _control() -> PartEstimate:
    """s_axi_control: the kernel's (pointers and scalars) priced by public kernel reports; our axi_top's holds
    only the block control, so there the figure is an upper bound."""
    return PartEstimate(
        "s_axi_control", int(RULES["s_axilite_lut"].value), int(RULES["s_axilite_ff"].value), 0,
        ("s_axilite_lut", "s_axilite_ff"),
    )  # fmt: skip


def dma_channel(name: str, width: int, r: dict[str, float]) -> PartEstimate:
    """One AXI DMA channel (simple mode, burst 16) of ``width`` bits."""
    return PartEstimate(
        name,
        math.ceil(r["dma_channel_lut_fixed"] + r["dma_channel_lut_per_bit"] * width),
        math.ceil(r["dma_channel_ff_fixed"] + r["dma_channel_ff_per_bit"] * width),
        math.ceil(r["dma_channel_bram18_fixed"] + r["dma_channel_bram18_per_bit"] * width - 1e-9),
        tuple(f"dma_channel_{q}_{k}" for q in ("lut", "ff", "bram18") for k in ("fixed", "per_bit")),
    )


def axi_stream_interface(fmt: BusFormat, family: str = "vitis", confidence: float = 0.9) -> InterfaceEstimate:
    """Our AXI-Stream wrapper (``hls_templates/axis/axi_top.cpp.j2``) on ``fmt``, the block design's AXI DMA
    (MM2S and S2MM of the bus width) and its interconnects."""
    r = family_rules(family)
    fin, fout = fmt.input, fmt.output
    w = fmt.word_bits
    loop = PartEstimate("axi_top bus loop", int(r["wrap_loop_lut"]), int(r["wrap_loop_ff"]), 0,
                        ("wrap_loop_lut", "wrap_loop_ff"))  # fmt: skip
    stage_bits = fin.n * fin.width + fout.n * fout.width + w
    regs = PartEstimate(
        "axi_top registers and word select",
        math.ceil(r["wrap_word_mux_lut_per_bit"] * w * (fout.words_per_sample - 1)),
        math.ceil(r["wrap_stage_ff_per_bit"] * stage_bits),
        0,
        ("wrap_stage_ff_per_bit", "wrap_word_mux_lut_per_bit"),
    )
    interconnect = PartEstimate(
        "AXI interconnects and PS reset", int(r["bd_interconnect_lut"]), int(r["bd_interconnect_ff"]), 0,
        ("bd_interconnect_lut", "bd_interconnect_ff"),
    )  # fmt: skip
    parts = (_control(), loop, regs, dma_channel("axi_dma_0 MM2S", w, r), dma_channel("axi_dma_0 S2MM", w, r),
             interconnect)  # fmt: skip
    return InterfaceEstimate("axi-stream", parts, band(confidence), confidence)


def vivado_accelerator_wrapper(
    *,
    n_in: int,
    in_bits: int,
    in_float: bool,
    n_out: int,
    out_bits: int,
    out_float: bool,
    io_stream: bool,
    ctx: Context,
    confidence: float = 0.9,
) -> InterfaceEstimate:
    """hls4ml's VivadoAccelerator ``<prj>_axi`` (axi_stream, one element a beat) around a network: a read and a
    write loop (casting float beats where the bus type is float), and for io_parallel the input array its read
    loop fills at a variable index, for io_stream the two FIFOs of ``N_IN``/``N_OUT`` words its DATAFLOW joins
    (``in_bits``/``out_bits``: one element's width, or a stream word's for io_stream)."""
    r = ctx.r
    loop_in = ("wrap_float_in_lut", "wrap_float_in_ff") if in_float else ("wrap_loop_lut", "wrap_loop_ff")
    loop_out = ("wrap_float_out_lut", "wrap_float_out_ff") if out_float else ("wrap_loop_lut", "wrap_loop_ff")
    parts = [
        PartEstimate(f"read loop ({'float cast' if in_float else 'no cast'})", int(r[loop_in[0]]), int(r[loop_in[1]]),
                     0, loop_in),
        PartEstimate(f"write loop ({'float cast' if out_float else 'no cast'})", int(r[loop_out[0]]),
                     int(r[loop_out[1]]), 0, loop_out),
    ]  # fmt: skip
    if io_stream:
        for name, depth, bits in (("in_local FIFO", n_in, in_bits), ("out_local FIFO", n_out, out_bits)):
            bram, lut, ff = fifo_cost(depth, bits, ctx)
            parts.append(PartEstimate(f"{name} ({depth} x {bits})", lut, ff, bram, ("stream_fifo_*",)))
    else:
        bits = n_in * in_bits
        parts.append(
            PartEstimate(
                f"input array ({n_in} x {in_bits} bits, variable index)",
                math.ceil(r["wrap_insert_lut_per_bit"] * bits),
                math.ceil(r["wrap_insert_ff_per_bit"] * bits),
                0,
                ("wrap_insert_lut_per_bit", "wrap_insert_ff_per_bit"),
            )
        )
    return InterfaceEstimate("vivado-accelerator axi_stream", tuple(parts), band(confidence), confidence)


def estimate_interface(
    interface: str, fmt: BusFormat, family: str = "vitis", confidence: float = 0.9
) -> InterfaceEstimate | None:
    """The wrapper of ``interface`` on ``fmt``'s bus; None when the interface adds none."""
    if interface == "axi-stream":
        return axi_stream_interface(fmt, family, confidence)
    if interface == "axi-lite":
        return axi_lite_interface(fmt)
    if interface != "vitis-kernel":
        return None
    w = fmt.word_bits
    return InterfaceEstimate(interface, (_m_axi("m_axi_gmem0 (read)", w), _m_axi("m_axi_gmem1 (write)", w), _control()))
