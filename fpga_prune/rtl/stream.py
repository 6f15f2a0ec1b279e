"""Our RTL of the network behind the ports of an hls4ml io_stream top, as Vitis / Vivado HLS export them.

Why: ``verify DIR --rtl EXPORT`` of an io_stream project drives the export through its FIFO or AXI-Stream ports
(``rtl.stream_ports``); without Vitis there is no such export to test that path on, so this renders one:
``rtl.render``'s network (``<top>_net``) inside a top whose ports are those the HLS tools give
``void <top>(hls::stream<input_t> &x, hls::stream<result_t> &y)`` under ``INTERFACE axis`` or ``ap_fifo``:
one packed word an array (Vitis, element 0 in the low bits) or, ``split``, one stream per element (Vivado HLS's
``x_V_data_<i>_V``), with ``ap_ctrl_hs``; a several-head network writes one output stream a head, each
stalled on its own by its consumer.  Results wait in a FIFO of ``rtl.axis.fifo_depth`` words and the top
takes a vector only when its result has room, so backpressure on the output never loses one.
"""

from __future__ import annotations

import re
from typing import Any

from fpga_prune.arith.ir import FixedNetwork, layer_size
from fpga_prune.rtl.axis import fifo_depth
from fpga_prune.rtl.portmap import STREAM_PROTOCOLS, PortMap
from fpga_prune.rtl.ports import ArraySpec
from fpga_prune.rtl.render import render_rtl
from fpga_prune.rtl.stream_ports import (
    FIFO_STATUS,
    PACKED_BASES,
    SPLIT_BASES,
    data_bits,
    lane_ports,
    naming,
    stream_port_map,
)
from fpga_prune.templating import render

#: width of the emulated fill-level and capacity inputs: Vitis' for a 2-deep FIFO (``sc_lv 2`` in public port lists)
STATUS_BITS = 2


def _lanes(protocol: str, name: str, n: int, width: int, side: str, split: bool, status: bool) -> list[dict[str, Any]]:
    """Each lane of stream ``name[n]``: its ports (``status``: with the FIFO's fill level and capacity inputs), the
    elements it carries and its data port's width."""
    nm = naming(protocol)
    bases = [SPLIT_BASES[0].format(a=name, i=i) for i in range(n)] if split else [PACKED_BASES[0].format(a=name)]
    out = []
    for k, base in enumerate(bases):
        data, vld, rdy = lane_ports(nm, base, side)
        elems = [k] if split else list(range(n))
        lane = {"data": data, "vld": vld, "rdy": rdy, "elems": elems, "bits": data_bits(protocol, len(elems) * width)}
        if status:
            lane["level"], lane["cap"] = (f.format(a=base) for f in FIFO_STATUS)
        out.append(lane)
    return out


def render_stream_rtl(
    network: FixedNetwork,
    top: str = "myproject",
    input_name: str = "input_1",
    output_name: str | tuple[str, ...] | None = None,
    protocol: str = "axis",
    split: bool = False,
    fifo_status: bool = False,
) -> dict[str, str]:
    """Relative path -> text: ``<top>.v`` (the stream top), the network as ``<top>_net.v`` (+ ROMs), ``ports.json``.

    ``output_name``: the output stream's name, or one per output of a several-head network (its output arrays in
    order, each a stream of its own, as hls4ml writes a multi-output io_stream top).
    ``fifo_status`` (``ap_fifo`` only): each FIFO port also has Vitis 2023+'s fill-level and capacity inputs
    (:data:`FIFO_STATUS`), and the top moves a word only when they say the FIFO has one (has room for one).
    """
    if protocol not in STREAM_PROTOCOLS:
        raise ValueError(f"unknown stream protocol {protocol!r}; valid: {', '.join(STREAM_PROTOCOLS)}")
    if fifo_status and protocol != "ap_fifo":
        raise ValueError("fifo_status: only ap_fifo ports have fill-level and capacity inputs")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        raise ValueError(f"top name {top!r} is not a Verilog identifier")
    heads = network.output_indices
    if isinstance(output_name, str):
        out_names: tuple[str, ...] = (output_name,)
    else:
        out_names = output_name or tuple(f"layer{k + 2}_out" for k in heads)
    if len(out_names) != len(heads):
        raise ValueError(f"{len(out_names)} output stream names for {len(heads)} outputs")
    files = render_rtl(network, top=f"{top}_net", input_name="net_in", output_name="net_out")
    core = PortMap.from_json(files.pop("ports.json"))
    assert core.latency is not None
    iw = network.input_type.width
    in_lanes = _lanes(protocol, input_name, network.n_inputs, iw, "in", split, fifo_status)
    # each head's lanes; its elements numbered across all outputs (the network's output order), its bits placed in
    # the one result word the top buffers (element k at sum of the widths before it)
    specs: list[ArraySpec] = []
    out_lanes: list[dict[str, Any]] = []
    lanes_of: list[list[dict[str, Any]]] = []
    ows: list[int] = []
    first = 0
    for name, k in zip(out_names, heads, strict=True):
        lay = network.layers[k]
        n, t = layer_size(lay), lay.result_type
        specs.append(ArraySpec(name, n, t.width, t.signed, True))
        lanes = _lanes(protocol, name, n, t.width, "out", split, fifo_status)
        for lane in lanes:
            lane["elems"] = [first + e for e in lane["elems"]]
            lane["lo"] = sum(ows) + (lane["elems"][0] - first) * t.width
            lane["hi"] = lane["lo"] + len(lane["elems"]) * t.width - 1
            lane["used"] = len(lane["elems"]) * t.width
        ows += [t.width] * n
        first += n
        out_lanes += lanes
        lanes_of.append(lanes)
    reset = "ap_rst_n" if protocol == "axis" else "ap_rst"
    ports = stream_port_map(
        top,
        protocol,
        [(lane["data"], lane["vld"], lane["rdy"]) for lane in in_lanes],
        [[(lane["data"], lane["vld"], lane["rdy"]) for lane in lanes] for lanes in lanes_of],
        ArraySpec(input_name, network.n_inputs, iw, network.input_type.signed, True),
        specs,
        reset,
        {"ap_start", "ap_done", "ap_idle", "ap_ready"},
        latency=core.latency,
        in_status=[(lane["level"], lane["cap"]) for lane in in_lanes] if fifo_status else None,
        out_status=[[(lane["level"], lane["cap"]) for lane in lanes] for lanes in lanes_of] if fifo_status else None,
    )
    depth = fifo_depth(core.latency)
    ctx = {
        "top": top,
        "network": network.name,
        "protocol": protocol,
        "split": split,
        "status": fifo_status,
        "status_bits": STATUS_BITS,
        "ports": ports,
        "core": core,
        "iw": iw,
        "ows": ows,
        "word_bits": sum(ows),
        "in_lanes": in_lanes,
        "out_lanes": out_lanes,
        "heads": [(s.name, s.size, s.width) for s in specs],
        "n_out": network.n_outputs,
        "depth": depth,
        "aw": max(1, (depth - 1).bit_length()),
        "input_name": input_name,
        "output_names": out_names,
    }
    files[f"{top}.v"] = render("rtl/stream_top.v.j2", ctx)
    files["ports.json"] = ports.to_json()
    return files
