"""An emulated export of hls4ml's VivadoAccelerator top ``<project>_axi`` around our RTL of the network.

Why: ``verify DIR --rtl EXPORT`` drives a real export's ports (``in_r_TDATA/TLAST/TVALID/TREADY``, ``out_r_*``,
ap_ctrl_none, as Vivado HLS 2019.2 writes them); without Vitis, the tests need Verilog with those ports and
that behaviour.  This one puts the float <-> ap_fixed casts hls4ml's wrapper writes (``arith.floatbus``) in
front of and behind ``rtl.axis``'s wrapper, whose words are one lane each, so the handshakes, framing and
backpressure are the ones the AXI-Stream wrapper already has.
"""

from __future__ import annotations

from fpga_prune.arith.axil import SAxiMap, layout
from fpga_prune.arith.axis import LANE_BITS, BusFormat, Layout
from fpga_prune.arith.fixed import FixedType
from fpga_prune.rtl.axis import counter_bits, render_axis_wrapper
from fpga_prune.rtl.kernel import m_axi_ports
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.s_axi_map import address_info, slave_context
from fpga_prune.templating import render


def _lane(width: int) -> int:
    return next(b for b in LANE_BITS if b >= width)


def render_float_axis_export(
    ports: PortMap, in_t: FixedType, out_t: FixedType, float_in: bool, float_out: bool, axi_top: str
) -> dict[str, str]:
    """``<axi_top>.v`` (the export's top) and ``<axi_top>_fixed.v`` (the inner ``rtl.axis`` wrapper)."""
    if float_in and (in_t.rounding != "AP_TRN" or in_t.saturation != "AP_WRAP" or in_t.width > 64):
        raise ValueError(f"input type {in_t}: this emulated export casts floats with AP_TRN, AP_WRAP only")
    if float_out and out_t.width > 24:
        raise ValueError(f"result type {out_t}: wider than a float's 24-bit mantissa")
    if ports.output_width != out_t.width or ports.input_elem_width != in_t.width:
        raise ValueError(f"{ports.top}: port widths differ from {in_t} in, {out_t} out")
    lin, lout = _lane(in_t.width), _lane(out_t.width)
    fmt = BusFormat(
        Layout(ports.n_inputs, in_t.width, in_t.signed, lin),
        Layout(len(ports.outputs), out_t.width, out_t.signed, lout),
    )
    inner = f"{axi_top}_fixed"
    files = render_axis_wrapper(ports, fmt, inner)
    ctx = {
        "axi_top": axi_top,
        "inner": inner,
        "n_in": fmt.input.n,
        "n_out": fmt.output.n,
        "in_t": in_t,
        "out_t": out_t,
        "float_in": float_in,
        "float_out": float_out,
        "tin": 32 if float_in else 8 * -(-in_t.width // 8),
        "tout": 32 if float_out else 8 * -(-out_t.width // 8),
        "lin": lin,
        "lout": lout,
        "ibw": counter_bits(fmt.input.n),
        "keep_in": format((1 << (lin // 8)) - 1, "x"),
    }
    files[f"{axi_top}.v"] = render("rtl/float_axis_top.v.j2", ctx)
    return files


#: the form hls4ml writes for each interface, as Vitis HLS exports it: the bundle of ``port=return`` (ap_ctrl_hs
#: registers), the default bundle the ``m_axi`` offsets or ``s_axilite`` arrays fall into, the m_axi bundles
VITIS_DEFAULT_BUNDLE = "control"


def element_bytes(bits: int) -> int:
    """Bytes of one array element in memory: C's ``sizeof`` of a float or an ap_fixed of ``bits`` (a power of two)."""
    b = -(-bits // 8)
    return 1 << (b - 1).bit_length()


def mm_maps(interface: str, n_in: int, n_out: int, in_bits: int, out_bits: int) -> tuple[SAxiMap, ...]:
    """The s_axilite bundles Vitis HLS gives hls4ml's ``axi_master`` top (``CTRL_BUS``: ap_ctrl_hs; ``control``: the
    64-bit ``in_r``/``out_r`` offsets, UG1399's rule for m_axi offsets without an s_axilite pragma) or
    ``axi_lite`` top (``control``: the ``in_r``/``out_r`` memories; ap_ctrl_none)."""
    if interface == "axi_master":
        return (SAxiMap("CTRL_BUS", True), layout(VITIS_DEFAULT_BUNDLE, False, [("in_r", 64), ("out_r", 64)], []))
    mems = [("in_r", n_in, 8 * element_bytes(in_bits)), ("out_r", n_out, 8 * element_bytes(out_bits))]
    return (layout(VITIS_DEFAULT_BUNDLE, False, [], mems),)


def render_mm_export(
    ports: PortMap,
    in_t: FixedType,
    out_t: FixedType,
    float_in: bool,
    float_out: bool,
    axi_top: str,
    interface: str,
    maps: tuple[SAxiMap, ...] | None = None,
) -> dict[str, str]:
    """An emulated Vitis HLS export of hls4ml's ``axi_master`` or ``axi_lite`` top: ``<axi_top>.v``, one
    ``<axi_top>_<bundle>_s_axi.v`` a bundle (the map atop it, ``maps`` or ``mm_maps``'s), and the casts and network
    behind ``<axi_top>_axis`` (``render_float_axis_export``)."""
    inner = f"{axi_top}_axis"
    files = render_float_axis_export(ports, in_t, out_t, float_in, float_out, inner)
    tin = 32 if float_in else 8 * -(-in_t.width // 8)
    tout = 32 if float_out else 8 * -(-out_t.width // 8)
    in_bits, out_bits = 8 * element_bytes(tin), 8 * element_bytes(tout)
    if max(in_bits, out_bits) > 32:
        raise ValueError(f"{in_bits}/{out_bits}-bit elements: this emulated export moves at most 32 bits")
    n_in, n_out = ports.n_inputs, len(ports.outputs)
    maps = maps or mm_maps(interface, n_in, n_out, tin, tout)
    module_of = {m.bundle: f"{axi_top}_{m.bundle}_s_axi" for m in maps}
    for m in maps:
        slave = slave_context(m, "") | {"module": module_of[m.bundle], "info": address_info(m).rstrip("\n")}
        files[f"{module_of[m.bundle]}.v"] = render("rtl/s_axi_slave.v.j2", slave)
    decls = ["    input  wire ap_clk", "    input  wire ap_rst_n"]
    for m in maps:
        b, ab = f"s_axi_{m.bundle}_", m.addr_bits
        decls += [
            f"    input  wire [{ab - 1}:0] {b}AWADDR", f"    input  wire {b}AWVALID", f"    output wire {b}AWREADY",
            f"    input  wire [31:0] {b}WDATA", f"    input  wire [3:0] {b}WSTRB", f"    input  wire {b}WVALID",
            f"    output wire {b}WREADY", f"    output wire [1:0] {b}BRESP", f"    output wire {b}BVALID",
            f"    input  wire {b}BREADY", f"    input  wire [{ab - 1}:0] {b}ARADDR", f"    input  wire {b}ARVALID",
            f"    output wire {b}ARREADY", f"    output wire [31:0] {b}RDATA", f"    output wire [1:0] {b}RRESP",
            f"    output wire {b}RVALID", f"    input  wire {b}RREADY",
        ]  # fmt: skip
    ctx: dict[str, object] = {
        "top": axi_top,
        "inner": inner,
        "interface": interface,
        "maps": maps,
        "module_of": module_of,
        "n_in": n_in,
        "n_out": n_out,
        "tin": tin,
        "tout": tout,
        "in_bits": in_bits,
        "out_bits": out_bits,
        "cb": max(1, counter_bits(max(n_in, n_out) + 1)),
    }
    out_ext = f"{{{{{out_bits - tout}{{1'b0}}}}, out_data}}" if out_bits > tout else "out_data"
    if interface == "axi_master":
        in_b, out_b = "IN_BUS", "OUT_BUS"
        regs = {r.name: r for m in maps for r in m.registers}
        ab = 64 if regs["in_r"].bits > 32 else 32
        m_in, m_out = m_axi_ports(in_b, in_bits, ab), m_axi_ports(out_b, out_bits, ab)
        reads, writes = ("AR", "R"), ("AW", "W", "B")

        def channel(name: str, bundle: str) -> str:
            sig = name[len(f"m_axi_{bundle}_") :]
            return sig[:2] if sig[:2] in ("AW", "AR") else sig[0]

        driven = {"ARVALID", "ARADDR", "ARLEN", "ARSIZE", "ARBURST", "RREADY", "AWVALID", "AWADDR", "AWLEN",
                  "AWSIZE", "AWBURST", "WVALID", "WDATA", "WSTRB", "WLAST", "BREADY"}  # fmt: skip
        tied = [
            n
            for d, n, _ in m_in
            if d == "output" and (channel(n, in_b) in writes or n[len("m_axi_IN_BUS_") :] not in driven)
        ]
        tied += [
            n
            for d, n, _ in m_out
            if d == "output" and (channel(n, out_b) in reads or n[len("m_axi_OUT_BUS_") :] not in driven)
        ]
        decls += [
            f"    {d}{' ' if d == 'input' else ''} wire {f'[{b - 1}:0] ' if b > 1 else ''}{n}"
            for d, n, b in m_in + m_out
        ]
        decls += ["    /* verilator lint_off SYMRSVDWORD */\n    output wire interrupt"]
        decls[-1] += "\n    /* verilator lint_on SYMRSVDWORD */"
        ctrl = next(m.bundle for m in maps if m.ap_ctrl)
        ctx |= {
            "ctrl": ctrl,
            "in_bundle": in_b,
            "out_bundle": out_b,
            "in_reg": regs["in_r"],
            "out_reg": regs["out_r"],
            "tied": tied,
            "ab": ab,
            "in_bytes": in_bits // 8,
            "out_bytes": out_bits // 8,
            "in_size": (in_bits // 8).bit_length() - 1,
            "out_size": (out_bits // 8).bit_length() - 1,
            "out_strb": format((1 << (out_bits // 8)) - 1, "x"),
            "out_word": out_ext,
            "m_axi": m_in + m_out,
        }
    else:
        mi, mo = maps[0].memories
        per_in, per_out = 32 // in_bits, 32 // out_bits
        sh_in, sh_out = per_in.bit_length() - 1, per_out.bit_length() - 1
        lane_in = f" >> {{i[{sh_in - 1}:0], {in_bits.bit_length() - 1}'d0}}" if sh_in else ""
        lane_out = f" << {{i[{sh_out - 1}:0], {out_bits.bit_length() - 1}'d0}}" if sh_out else ""
        lane_we = f" << i[{sh_out - 1}:0] * {out_bits // 8}" if sh_out else ""
        ctx |= {
            "mi": mi,
            "mo": mo,
            "mi_aw": max(1, ((mi.high - mi.base + 1) // 4 - 1).bit_length()),
            "mo_aw": max(1, ((mo.high - mo.base + 1) // 4 - 1).bit_length()),
            "in_shift": sh_in,
            "out_shift": sh_out,
            "in_sel": f"in_q0{lane_in}" if tin == 32 else f"(in_q0{lane_in})",
            "out_we": f"(4'h{(1 << (out_bits // 8)) - 1:x}{lane_we})",
            "out_d": f"({{{{{32 - out_bits}{{1'b0}}}}, {out_ext}}}{lane_out})" if out_bits < 32 else f"{out_ext}",
        }
    ctx["port_decls"] = decls
    files[f"{axi_top}.v"] = render("rtl/wrapped_mm_top.v.j2", ctx)
    return files
