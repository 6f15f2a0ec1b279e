"""An emulated export of hls4ml's VivadoAccelerator top ``<project>_axi`` around our RTL of the network.

Why: ``verify DIR --rtl EXPORT`` drives a real export's ports (``in_r_TDATA/TLAST/TVALID/TREADY``, ``out_r_*``,
ap_ctrl_none, as Vivado HLS 2019.2 writes them); without Vitis, the tests need Verilog with those ports and
that behaviour.  This one puts the float <-> ap_fixed casts hls4ml's wrapper writes (``arith.floatbus``) in
front of and behind ``rtl.axis``'s wrapper, whose words are one lane each, so the handshakes, framing and
backpressure are the ones the AXI-Stream wrapper already has.
"""

from __future__ import annotations

from fpga_prune.arith.axis import LANE_BITS, BusFormat, Layout
from fpga_prune.arith.fixed import FixedType
from fpga_prune.rtl.axis import counter_bits, render_axis_wrapper
from fpga_prune.rtl.portmap import PortMap
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
