"""The ports of an io_stream top as Vitis/Vivado HLS export them: FIFO or AXI-Stream, one packed word an array.

Why its own module: hls4ml's io_stream top ``void myproject(hls::stream<input_t> &x, hls::stream<result_t> &y)``
moves each array as one ``nnet::array<T, N>`` word, and the export turns each stream into a handshake of its own
instead of ``rtl.ports``' one port per element with ``_ap_vld``.  What public exports show
(``.autopilot/db/*.tbgen.tcl`` port lists and Verilog of hls4ml io_stream projects):

* ``INTERFACE axis`` (what hls4ml 1.x writes): ``x_TDATA``, ``x_TVALID``, ``x_TREADY`` in, ``y_TDATA``,
  ``y_TVALID``, ``y_TREADY`` out, the N elements packed into ``TDATA`` (element 0 in the low bits,
  ``input_2_TDATA[47:0]`` for three 16-bit values, ``layer25_out_TDATA[159:0]`` for ten), ``TDATA`` widened to
  whole bytes; reset ``ap_rst_n``;
* ``ap_fifo`` (a stream without an INTERFACE pragma): ``x_dout``, ``x_empty_n``, ``x_read`` in, ``y_din``,
  ``y_full_n``, ``y_write`` out; reset ``ap_rst``; Vitis HLS 2023+ add two inputs to each FIFO port, its fill
  level and capacity (``x_num_data_valid``, ``x_fifo_cap``: :data:`FIFO_STATUS`);
* Vivado HLS 2017-2020 insert ``_V`` after the argument (``x_V_dout``, ``x_V_TDATA``) and, as hls4ml 0.x wrote
  the pack without DATA_PACK, split it into one stream per element (``input_1_V_data_0_V_TDATA``,
  ``layer6_out_V_data_2_V_TVALID`` ...: one handshake each, "lanes");
* block protocol ``ap_ctrl_hs`` (a DATAFLOW top: ``ap_start`` held high streams inference after inference) or
  ``ap_ctrl_none``.

Both handshakes are valid/ready pairs, so one :class:`PortMap` shape serves them all (``PortMap.stream`` and its
lanes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpga_prune.errors import InputError
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.ports import ArraySpec, Port, find_top, module_ports


@dataclass(frozen=True)
class StreamNaming:
    """The ports of one stream argument ``{a}`` under one protocol: data, valid, ready (input and output side)."""

    protocol: str  # ap_fifo | axis
    in_data: str
    in_valid: str
    in_ready: str  # driven by the DUT
    out_data: str
    out_valid: str  # driven by the DUT
    out_ready: str


#: Every stream port convention of hls4ml io_stream exports; ``{a}`` is the argument's name (``x`` or, from Vivado
#: HLS, ``x_V``).  The first whose ports all exist wins.
STREAM_NAMINGS: tuple[StreamNaming, ...] = (
    StreamNaming("axis", "{a}_TDATA", "{a}_TVALID", "{a}_TREADY", "{a}_TDATA", "{a}_TVALID", "{a}_TREADY"),
    StreamNaming("ap_fifo", "{a}_dout", "{a}_empty_n", "{a}_read", "{a}_din", "{a}_write", "{a}_full_n"),
)
#: how a stream argument ``{a}`` becomes lanes: Vitis packs the ``nnet::array`` into one word (``{a}``); Vivado HLS
#: 2017-2020 appends ``_V`` and, without a DATA_PACK, splits it into one stream per element (``{a}_V_data_{i}_V``:
#: ``input_1_V_data_0_V_TDATA``, ``layer6_out_V_data_2_V_TVALID`` in public exports and their testbenches).
#: A one-element array split by Vivado HLS 2020.1 is ``{a}_V_data_V`` (no index: ``layer2_out_V_data_V_din`` of a
#: public hls4ml io_stream export's port list), a lane as a packed word is.
PACKED_BASES = ("{a}", "{a}_V", "{a}_V_data_V")
SPLIT_BASES = ("{a}_V_data_{i}_V", "{a}_data_{i}")
#: Vitis HLS 2023+ give each ``ap_fifo`` port two more inputs: the FIFO's fill level and its capacity
#: (``layer14_out_num_data_valid``, ``layer14_out_fifo_cap`` beside ``layer14_out_dout``/``_empty_n``/``_read`` in the
#: ``.autopilot/db`` port lists of public hls4ml io_stream exports, e.g. abdennour-GUESSOUM/Lenet5-hls4ml and
#: alex-yang-upenn/accelerator_wrapper); the testbench drives them as a FIFO of that capacity would.
FIFO_STATUS = ("{a}_num_data_valid", "{a}_fifo_cap")


def naming(protocol: str) -> StreamNaming:
    """The :data:`STREAM_NAMINGS` entry of ``protocol`` (``ap_fifo`` or ``axis``)."""
    for n in STREAM_NAMINGS:
        if n.protocol == protocol:
            return n
    raise ValueError(f"unknown stream protocol {protocol!r}; valid: {', '.join(n.protocol for n in STREAM_NAMINGS)}")


def data_bits(protocol: str, bits: int) -> int:
    """Width of the data port of a ``bits``-bit word: AXI-Stream ``TDATA`` is whole bytes, a FIFO exactly ``bits``."""
    return -(-bits // 8) * 8 if protocol == "axis" else bits


def lane_ports(n: StreamNaming, base: str, side: str) -> tuple[str, str, str]:
    """(data, valid, ready) port names of the lane ``base`` on the input or output ``side``."""
    if side == "in":
        return n.in_data.format(a=base), n.in_valid.format(a=base), n.in_ready.format(a=base)
    return n.out_data.format(a=base), n.out_valid.format(a=base), n.out_ready.format(a=base)


@dataclass(frozen=True)
class StreamLanes:
    """How one stream argument was exported: its protocol, each lane's (data, valid, ready) ports and, when the
    FIFO ports have them (Vitis 2023+), each lane's (fill level, capacity) inputs."""

    protocol: str
    lanes: list[tuple[str, str, str]]
    status: list[tuple[str, str]] | None = None


def stream_lanes(names: dict[str, Port] | set[str], arr: ArraySpec, side: str) -> StreamLanes | None:
    """The lanes of stream ``arr`` under the first naming whose ports all exist: one packed lane, else one lane per
    element; None when no naming fits."""
    for n in STREAM_NAMINGS:
        found: list[str] = []
        for base in PACKED_BASES:
            if all(p in names for p in lane_ports(n, base.format(a=arr.name), side)):
                found = [base.format(a=arr.name)]
                break
        else:
            for base in SPLIT_BASES:
                bases = [base.format(a=arr.name, i=i) for i in range(arr.size)]
                if all(p in names for b in bases for p in lane_ports(n, b, side)):
                    found = bases
                    break
        if found:
            status = [(FIFO_STATUS[0].format(a=b), FIFO_STATUS[1].format(a=b)) for b in found]
            has_status = n.protocol == "ap_fifo" and all(p in names for st in status for p in st)
            return StreamLanes(n.protocol, [lane_ports(n, b, side) for b in found], status if has_status else None)
    return None


def stream_port_map(
    top: str,
    protocol: str,
    in_lanes: list[tuple[str, str, str]],
    out_lanes: list[list[tuple[str, str, str]]],
    input_array: ArraySpec,
    outputs: list[ArraySpec],
    reset: str,
    block: set[str],
    latency: int | None = None,
    in_status: list[tuple[str, str]] | None = None,
    out_status: list[list[tuple[str, str]]] | None = None,
) -> PortMap:
    """The :class:`PortMap` of a stream top with these lanes (``out_lanes``/``out_status``: per output stream, in
    the top's argument order -- several heads, several streams; ``block``: which ``ap_*`` block ports it has;
    ``in_status``/``out_status``: each lane's FIFO fill-level and capacity inputs, when it has them)."""
    lane_of: list[tuple[str, str, str]] = []
    status_of: list[tuple[str, str]] = []
    offsets: list[int] = []
    for j, (out, lanes) in enumerate(zip(outputs, out_lanes, strict=True)):
        packed = len(lanes) == 1  # one word the whole array: element k at k x width
        lane_of += [lanes[0 if packed else k] for k in range(out.size)]
        offsets += [k * out.width if packed else 0 for k in range(out.size)]
        if out_status:
            status_of += [out_status[j][0 if packed else k] for k in range(out.size)]
    widths = [o.width for o in outputs for _ in range(o.size)]
    signeds = [o.signed for o in outputs for _ in range(o.size)]
    mixed = len(set(widths)) > 1 or len(set(signeds)) > 1
    return PortMap(
        top=top,
        input=in_lanes[0][0],
        input_vld=in_lanes[0][1],
        input_elem_width=input_array.width,
        n_inputs=input_array.size,
        outputs=tuple(lane[0] for lane in lane_of),
        output_vlds=tuple(lane[1] for lane in lane_of),
        output_width=outputs[0].width,
        input_signed=input_array.signed,
        output_signed=outputs[0].signed,
        reset=reset,
        reset_active_low=reset == "ap_rst_n",
        start="ap_start" if "ap_start" in block else None,
        done="ap_done" if "ap_done" in block else None,
        idle="ap_idle" if "ap_idle" in block else None,
        ready="ap_ready" if "ap_ready" in block else None,
        cont="ap_continue" if "ap_continue" in block else None,
        output_widths=tuple(widths) if mixed else (),
        output_signeds=tuple(signeds) if mixed else (),
        output_offsets=tuple(offsets) if any(offsets) else (),
        stream=protocol,
        input_lanes=tuple(lane[0] for lane in in_lanes),
        input_lane_vlds=tuple(lane[1] for lane in in_lanes),
        input_lane_readies=tuple(lane[2] for lane in in_lanes),
        output_readies=tuple(lane[2] for lane in lane_of),
        input_lane_levels=tuple(st[0] for st in in_status or ()),
        input_lane_caps=tuple(st[1] for st in in_status or ()),
        output_levels=tuple(st[0] for st in status_of),
        output_caps=tuple(st[1] for st in status_of),
        latency=latency,
    )


def detect_stream_ports(
    rtl_dir: str | Path,
    top: str | None,
    input_array: ArraySpec,
    outputs: tuple[ArraySpec, ...],
    prefer: str | None = None,
) -> PortMap:
    """The port map of an io_stream top in ``rtl_dir`` whose stream arguments are ``input_array`` and ``outputs``
    (one or several output streams, each a head of the network)."""
    rtl_dir = Path(rtl_dir)
    top, file = find_top(rtl_dir, top, prefer)
    ports = module_ports(file.read_text(errors="replace"), top, file)
    names = {p.name: p for p in ports}
    where = f"module {top}"
    if "ap_clk" not in names or not ({"ap_rst", "ap_rst_n"} & set(names)):
        raise InputError(file, where, "no ap_clk/ap_rst ports: not a Vitis HLS top")
    if not outputs:
        raise InputError(file, where, "no output stream")
    conventions = ", ".join(f"{n.in_data}/{n.in_valid}/{n.in_ready}" for n in STREAM_NAMINGS)
    arrays = (input_array, *outputs)
    found = [stream_lanes(names, arr, "in" if k == 0 else "out") for k, arr in enumerate(arrays)]
    for arr, lanes in zip(arrays, found, strict=True):
        if lanes is None:
            raise InputError(
                file,
                where,
                f"no ports of stream {arr.name} under any known naming ({conventions}; {{a}} = "
                f"{', '.join(PACKED_BASES + SPLIT_BASES)})",
            )
    got = [f for f in found if f is not None]
    for arr, f in zip(arrays[1:], got[1:], strict=True):
        if f.protocol != got[0].protocol:
            raise InputError(
                file, where, f"input stream is {got[0].protocol}, output stream {arr.name} {f.protocol}: not modelled"
            )
    for arr, f in zip(arrays, got, strict=True):
        per_lane = arr.size // len(f.lanes)
        for lane in f.lanes:
            if names[lane[0]].width < per_lane * arr.width:
                raise InputError(
                    file,
                    f"{where} port {lane[0]}",
                    f"{names[lane[0]].width} bits cannot hold {per_lane} of {arr.name}'s {arr.width}-bit elements",
                )
    reset = "ap_rst" if "ap_rst" in names else "ap_rst_n"
    status = [f.status for f in got[1:]]
    return stream_port_map(
        top,
        got[0].protocol,
        got[0].lanes,
        [f.lanes for f in got[1:]],
        input_array,
        list(outputs),
        reset,
        set(names),
        in_status=got[0].status,
        out_status=[st for st in status if st is not None] if all(st is not None for st in status) else None,
    )


def stream_default_ports(top: str, input_array: ArraySpec, outputs: list[ArraySpec], protocol: str = "axis") -> PortMap:
    """The ports Vitis HLS gives an hls4ml io_stream top with these streams (hls4ml 1.x: ``INTERFACE axis``,
    ``ap_ctrl_hs``, reset ``ap_rst_n``, packed): what a vector set records before the export's own ports are read."""
    n = naming(protocol)
    return stream_port_map(
        top,
        protocol,
        [lane_ports(n, input_array.name, "in")],
        [[lane_ports(n, o.name, "out")] for o in outputs],
        input_array,
        outputs,
        "ap_rst_n" if protocol == "axis" else "ap_rst",
        {"ap_start", "ap_done", "ap_idle", "ap_ready"},
    )
