"""The resources of what wraps the network (``--interface``), estimated apart from the network's.

Why apart: the search prices the network a thousand times and the wrapper is the same for every candidate
(it depends only on the bus width and the interface), and a user comparing the estimate with a csynth
report of the bare IP must not find the wrapper in it.  The Vitis kernel's m_axi adapters and
s_axi_control are most of it (``RULES``, read from public Vitis kernel reports); the AXI-Lite top's is its
s_axi_control with the input and result words (``RULES`` ``s_axilite_*_per_word``/``_fixed``: derived from the
register counts of the same reports, not fitted).  The unpacking and packing between them and the network are
wires and a few registers, not counted.  The AXI-Stream wrapper (no adapters: the AXI DMA is outside it) is not
modelled yet, nor is the block design's AXI interconnect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpga_prune.arith.axil import register_map
from fpga_prune.arith.axis import BusFormat
from fpga_prune.estimate.rules import RULES
from fpga_prune.outdir import JsonObject

#: the interfaces whose wrapper is estimated
MODELLED = ("vitis-kernel", "axi-lite")


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
    """The wrapper of one interface, block by block, and its totals."""

    interface: str
    parts: tuple[PartEstimate, ...]

    def totals(self) -> dict[str, int]:
        return {r: sum(getattr(p, r) for p in self.parts) for r in ("lut", "ff", "bram18k")}

    def to_dict(self) -> JsonObject:
        return {"interface": self.interface, "totals": self.totals(), "parts": [p.to_dict() for p in self.parts]}


def _m_axi(name: str, width: int) -> PartEstimate:
    r = RULES
    return PartEstimate(
        name,
        math.ceil(r["m_axi_lut_fixed"].value + r["m_axi_lut_per_bit"].value * width),
        math.ceil(r["m_axi_ff_fixed"].value + r["m_axi_ff_per_bit"].value * width),
        int(r["m_axi_bram"].value),
        ("m_axi_lut_fixed", "m_axi_lut_per_bit", "m_axi_ff_fixed", "m_axi_ff_per_bit", "m_axi_bram"),
    )


def estimate_interface(interface: str, fmt: BusFormat) -> InterfaceEstimate | None:
    """The wrapper of ``interface`` on ``fmt``'s bus; None when the interface adds none or is not modelled."""
    if interface == "axi-lite":
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
        return InterfaceEstimate(interface, (control,))
    if interface != "vitis-kernel":
        return None
    control = PartEstimate(
        "s_axi_control", int(RULES["s_axilite_lut"].value), int(RULES["s_axilite_ff"].value), 0,
        ("s_axilite_lut", "s_axilite_ff"),
    )  # fmt: skip
    w = fmt.word_bits
    return InterfaceEstimate(interface, (_m_axi("m_axi_gmem0 (read)", w), _m_axi("m_axi_gmem1 (write)", w), control))
