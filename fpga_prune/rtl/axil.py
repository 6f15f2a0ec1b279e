"""The Verilog AXI-Lite wrapper of our RTL of the network (``--interface axi-lite``).

Why Verilog of our own beside the HLS top: the HLS top's RTL exists only where Vitis runs; this one puts
``rtl.render``'s network behind the same ``s_axi_control`` slave (the kernel wrapper's, ``s_axi_slave.v.j2``)
with the register map of ``arith.axil``, so ``sim/test_axil.py`` runs the whole path -- register writes,
ap_start, ap_done, result reads, pauses on every AXI-Lite channel, reset mid-run -- under Verilator and Icarus
without vendor tools.
"""

from __future__ import annotations

from fpga_prune.arith.axil import WORD_BITS, Register, SAxiMap, register_map
from fpga_prune.arith.axis import BusFormat
from fpga_prune.rtl.axis import lane_wiring
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.s_axi_map import slave_context
from fpga_prune.templating import render


def render_axil_wrapper(ports: PortMap, fmt: BusFormat, axil_top: str) -> dict[str, str]:
    """``<axil_top>.v``: the AXI-Lite top around ``ports.top`` (our RTL, whose port map gives its latency)."""
    if ports.latency is None:
        raise ValueError(f"{ports.top}: the port map has no latency (only our rendered RTL can be wrapped)")
    if fmt.word_bits != WORD_BITS:
        raise ValueError(f"the AXI-Lite top has {WORD_BITS}-bit words, the bus format {fmt.word_bits}")
    regs = register_map(fmt.input.words_per_sample, fmt.output.words_per_sample)
    fin, fout = fmt.input, fmt.output
    last = fin.words_per_sample - 1
    lanes = lane_wiring(fmt, f"arg_x_{last}")
    outs = [{"port": p, "vld": v} for p, v in zip(ports.outputs, ports.output_vlds, strict=True)]
    x_offsets, y_offsets = regs.x.offsets(), regs.y.offsets()
    # the input words are read/write registers x_<k> (arg_x_<k>), the result words read-only
    words = SAxiMap("control", True, tuple(Register(f"x_{k}", off, WORD_BITS) for k, off in enumerate(x_offsets)))
    ro_words = tuple((off, f"oword_{k}" if k < fout.words_per_sample else "32'd0") for k, off in enumerate(y_offsets))
    ctx = {
        "axil_top": axil_top,
        "top": ports.top,
        "ports": ports,
        "fin": fin,
        "fout": fout,
        "regs": regs.to_dict(),
        "pad_words": [f"arg_x_{k}" for k in range(fin.words_per_sample, regs.x.words)],
        "in_elems": list(lanes.in_elems),
        "unused_in": list(lanes.unused_in),
        "out_words": list(lanes.out_words),
        "outs": outs,
        "latency": ports.latency,
        "ew": fout.n * fout.width,
    } | slave_context(words, "s_axi_control_", regs.addr_bits, ro_words)
    return {f"{axil_top}.v": render("rtl/axil_top.v.j2", ctx)}
