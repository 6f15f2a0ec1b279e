"""Our RTL of the network behind the ports of an hls4ml io_stream top, as Vitis exports them.

Why: ``verify DIR --rtl EXPORT`` of an io_stream project drives the export through its FIFO or AXI-Stream ports
(``rtl.stream_ports``); without Vitis there is no such export to test that path on, so this renders one:
``rtl.render``'s network (``<top>_net``) inside a top whose ports are those Vitis gives
``void <top>(hls::stream<input_t> &x, hls::stream<result_t> &y)`` under ``INTERFACE axis`` or ``ap_fifo``
(one packed word an array, element 0 in the low bits; ``ap_ctrl_hs``).  Results wait in a FIFO of
``rtl.axis.fifo_depth`` words and the top takes a word only when its result has room, so backpressure on the
output never loses one.
"""

from __future__ import annotations

import re
from dataclasses import asdict

from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.rtl.axis import fifo_depth
from fpga_prune.rtl.portmap import STREAM_PROTOCOLS, PortMap
from fpga_prune.rtl.render import render_rtl
from fpga_prune.rtl.stream_ports import data_bits, naming
from fpga_prune.templating import render


def render_stream_rtl(
    network: FixedNetwork,
    top: str = "myproject",
    input_name: str = "input_1",
    output_name: str | None = None,
    protocol: str = "axis",
) -> dict[str, str]:
    """Relative path -> text: ``<top>.v`` (the stream top), the network as ``<top>_net.v`` (+ ROMs), ``ports.json``."""
    if protocol not in STREAM_PROTOCOLS:
        raise ValueError(f"unknown stream protocol {protocol!r}; valid: {', '.join(STREAM_PROTOCOLS)}")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        raise ValueError(f"top name {top!r} is not a Verilog identifier")
    out_name = output_name or f"layer{len(network.layers) + 1}_out"
    files = render_rtl(network, top=f"{top}_net", input_name="net_in", output_name="net_out")
    core = PortMap.from_json(files.pop("ports.json"))
    assert core.latency is not None
    n = naming(protocol)
    iw, ow = network.input_type.width, network.output_type.width
    n_in, n_out = network.n_inputs, network.n_outputs
    depth = fifo_depth(core.latency)
    ports = PortMap(
        top=top,
        input=n.in_data.format(a=input_name),
        input_vld=n.in_valid.format(a=input_name),
        input_elem_width=iw,
        n_inputs=n_in,
        outputs=(n.out_data.format(a=out_name),) * n_out,
        output_vlds=(n.out_valid.format(a=out_name),) * n_out,
        output_width=ow,
        input_signed=network.input_type.signed,
        output_signed=network.output_type.signed,
        reset="ap_rst_n" if protocol == "axis" else "ap_rst",
        reset_active_low=protocol == "axis",
        output_offsets=tuple(k * ow for k in range(n_out)),
        stream=protocol,
        input_ready=n.in_ready.format(a=input_name),
        output_ready=n.out_ready.format(a=out_name),
        latency=core.latency,
    )
    ctx = {
        "top": top,
        "network": network.name,
        "protocol": protocol,
        "ports": ports,
        "core": core,
        "in_bits": n_in * iw,
        "out_bits": n_out * ow,
        "in_port_bits": data_bits(protocol, n_in * iw),
        "out_port_bits": data_bits(protocol, n_out * ow),
        "ow": ow,
        "outs": [{"port": p, "vld": v} for p, v in zip(core.outputs, core.output_vlds, strict=True)],
        "depth": depth,
        "aw": max(1, (depth - 1).bit_length()),
        "input_name": input_name,
        "output_name": out_name,
    }
    files[f"{top}.v"] = render("rtl/stream_top.v.j2", ctx)
    files["ports.json"] = PortMap(**{**asdict(ports), "probes": ()}).to_json()
    return files
