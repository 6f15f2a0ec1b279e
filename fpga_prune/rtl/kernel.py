"""The Verilog Vitis-kernel wrapper of our RTL of the network (``--interface vitis-kernel``), and the kernel's
register map.

Why Verilog of our own beside the HLS kernel: the HLS kernel's RTL exists only where Vitis runs; this one
puts ``rtl.render``'s network behind the same interface a Vitis HLS kernel has -- an ``s_axi_control``
AXI-Lite slave with the ap_ctrl_hs register map and the arguments' registers, an ``m_axi_gmem0`` read master
for the input buffer and an ``m_axi_gmem1`` write master for the output buffer, in the bus format of
``arith.axis`` -- so ``sim/test_kernel.py`` runs the whole path (registers, bursts, 4 KiB lines,
backpressure on every channel, done and interrupt) under Verilator and Icarus without vendor tools.

Why the register map lives here: the RTL decodes it, the HLS kernel's project files and the testbench read it
(``hls.kernel_project`` writes it into ``kernel.json``); one table, below the package that renders files.  Its
offsets are laid out by ``arith.axil.layout`` after its ``CONTROL_REGS`` (the AXI-Lite top's too); the ``s_axi_control``
slave's Verilog is that top's too (``hls_templates/rtl/s_axi_slave.v.j2``, ``rtl.s_axi_map.slave_context``).
"""

from __future__ import annotations

from fpga_prune.arith.axil import layout
from fpga_prune.arith.axis import BusFormat
from fpga_prune.rtl.axis import counter_bits, fifo_depth, lane_wiring
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.s_axi_map import slave_context
from fpga_prune.templating import render

#: the kernel's s_axi_control: the map Vitis HLS gives ``void k(const word_t *x, word_t *y, unsigned int n)``
#: (``arith.axil.layout``: from 0x10 on, a 64-bit pointer in three 32-bit words, low, high, reserved; a 32-bit
#: scalar in two, value, reserved)
CONTROL = layout("control", True, [("x", 64), ("y", 64), ("n", 32)], [])
#: the kernel's arguments in order, each (name, register offset, bits): x at 0x10, y at 0x1c, n at 0x28
ARGS = tuple((r.name, r.offset, r.bits) for r in CONTROL.registers)
#: the m_axi bundle of each buffer: x is read, y written
BUNDLES = (("x", "gmem0"), ("y", "gmem1"))
#: the longest burst in beats: Vitis HLS' default max_read/write_burst_length (with its default 16 outstanding
#: requests, the m_axi adapter buffers 16 x 16 words each way); a burst also ends at a 4 KiB line
MAX_BURST = 16
#: the m_axi address width (Vitis kernels: 64-bit device addresses)
ADDR_BITS = 64
#: bits of the beat counters: a run's n (32 bits) times the words of a sample
COUNT_BITS = 40


def max_burst(word_bits: int) -> int:
    """Beats a burst: ``MAX_BURST``, fewer when a 4 KiB line holds fewer words."""
    return min(MAX_BURST, 4096 // (word_bits // 8))


def m_axi_ports(bundle: str, w: int, a: int = ADDR_BITS) -> list[tuple[str, str, int]]:
    """(direction, name, bits) of one m_axi master as Vitis HLS names them (no LOCK/USER), ``a`` address bits."""
    p = f"m_axi_{bundle}_"
    out, inp = "output", "input"
    spec = [
        (out, "AWVALID", 1), (inp, "AWREADY", 1), (out, "AWADDR", a), (out, "AWID", 1), (out, "AWLEN", 8),
        (out, "AWSIZE", 3), (out, "AWBURST", 2), (out, "AWCACHE", 4), (out, "AWPROT", 3), (out, "AWQOS", 4),
        (out, "AWREGION", 4),
        (out, "WVALID", 1), (inp, "WREADY", 1), (out, "WDATA", w), (out, "WSTRB", w // 8), (out, "WLAST", 1),
        (inp, "BVALID", 1), (out, "BREADY", 1), (inp, "BRESP", 2), (inp, "BID", 1),
        (out, "ARVALID", 1), (inp, "ARREADY", 1), (out, "ARADDR", a), (out, "ARID", 1), (out, "ARLEN", 8),
        (out, "ARSIZE", 3), (out, "ARBURST", 2), (out, "ARCACHE", 4), (out, "ARPROT", 3), (out, "ARQOS", 4),
        (out, "ARREGION", 4),
        (inp, "RVALID", 1), (out, "RREADY", 1), (inp, "RDATA", w), (inp, "RLAST", 1), (inp, "RID", 1),
        (inp, "RRESP", 2),
    ]  # fmt: skip
    return [(d, p + n, b) for d, n, b in spec]


def render_kernel_wrapper(ports: PortMap, fmt: BusFormat, kernel: str) -> dict[str, str]:
    """``<kernel>.v``: the kernel around ``ports.top`` (our RTL, whose port map gives its latency)."""
    if ports.latency is None:
        raise ValueError(f"{ports.top}: the port map has no latency (only our rendered RTL can be wrapped)")
    fin, fout = fmt.input, fmt.output
    if max(fin.words_per_sample, fout.words_per_sample) > 255:
        raise ValueError(f"{fin.words_per_sample} words a sample: the kernel's counters hold at most 255")
    w = fmt.word_bits
    lanes = lane_wiring(fmt, "m_axi_gmem0_RDATA")
    outs = [{"port": p, "vld": v} for p, v in zip(ports.outputs, ports.output_vlds, strict=True)]
    depth = fifo_depth(ports.latency)
    m_axi = {bundle: m_axi_ports(bundle, w) for _, bundle in BUNDLES}

    # gmem0 only reads and gmem1 only writes: the other channels' outputs are tied to 0, their inputs unread
    # (as are the responses: RLAST, the IDs, RRESP/BRESP -- a slave error is not reported)
    def channel(name: str) -> str:
        sig = name[len("m_axi_gmem0_") :]
        return sig[:2] if sig[:2] in ("AW", "AR") else sig[0]

    writes, reads = ("AW", "W", "B"), ("AR", "R")
    tied = [n for d, n, _ in m_axi["gmem0"] if d == "output" and channel(n) in writes]
    tied += [n for d, n, _ in m_axi["gmem1"] if d == "output" and channel(n) in reads]
    ignored = {"RLAST", "RID", "RRESP", "BRESP", "BID"}
    unused = [n for d, n, _ in m_axi["gmem0"] if d == "input" and (channel(n) in writes or n[12:] in ignored)] + [
        n for d, n, _ in m_axi["gmem1"] if d == "input" and (channel(n) in reads or n[12:] in ignored)
    ]
    ctx = {
        "kernel": kernel,
        "top": ports.top,
        "ports": ports,
        "w": w,
        "wb": w // 8,
        "lw": (w // 8).bit_length() - 1,
        "fin": fin,
        "fout": fout,
        "depth": depth,
        "aw": counter_bits(depth),
        "ibw": counter_bits(fin.words_per_sample),
        "obw": counter_bits(fout.words_per_sample),
        "in_elems": list(lanes.in_elems),
        "unused_in": list(lanes.unused_in),
        "out_words": list(lanes.out_words),
        "outs": outs,
        "latency": ports.latency,
        "ew": fout.n * fout.width,
        "m_axi": m_axi,
        "unused_m_axi": unused,
        "tied_m_axi": tied,
        "ab": ADDR_BITS,
        "cw": COUNT_BITS,
        "max_burst": max_burst(w),
        "strb": format((1 << (w // 8)) - 1, "x"),
    } | slave_context(CONTROL, "s_axi_control_")
    return {f"{kernel}.v": render("rtl/kernel_top.v.j2", ctx)}
