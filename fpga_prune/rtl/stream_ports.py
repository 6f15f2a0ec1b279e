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
  ``y_full_n``, ``y_write`` out; reset ``ap_rst``;
* Vivado HLS 2017-2020 insert ``_V`` after the argument (``x_V_dout``, ``x_V_TDATA``), as for io_parallel ports;
* block protocol ``ap_ctrl_hs`` (a DATAFLOW top: ``ap_start`` held high streams inference after inference) or
  ``ap_ctrl_none``.

Both handshakes are valid/ready pairs, so one :class:`PortMap` shape serves them (``PortMap.stream``).
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
#: argument-name spellings: Vitis keeps the C name, Vivado HLS appends ``_V``
STREAM_BASES = ("{a}", "{a}_V")


def naming(protocol: str) -> StreamNaming:
    """The :data:`STREAM_NAMINGS` entry of ``protocol`` (``ap_fifo`` or ``axis``)."""
    for n in STREAM_NAMINGS:
        if n.protocol == protocol:
            return n
    raise ValueError(f"unknown stream protocol {protocol!r}; valid: {', '.join(n.protocol for n in STREAM_NAMINGS)}")


def data_bits(protocol: str, bits: int) -> int:
    """Width of the data port of a ``bits``-bit word: AXI-Stream ``TDATA`` is whole bytes, a FIFO exactly ``bits``."""
    return -(-bits // 8) * 8 if protocol == "axis" else bits


def _find(names: dict[str, Port], a: str, side: str) -> tuple[StreamNaming, str] | None:
    for n in STREAM_NAMINGS:
        for base in STREAM_BASES:
            b = base.format(a=a)
            want = (n.in_data, n.in_valid, n.in_ready) if side == "in" else (n.out_data, n.out_valid, n.out_ready)
            if all(w.format(a=b) in names for w in want):
                return n, b
    return None


def detect_stream_ports(
    rtl_dir: str | Path,
    top: str | None,
    input_array: ArraySpec,
    outputs: tuple[ArraySpec, ...],
    prefer: str | None = None,
) -> PortMap:
    """The port map of an io_stream top in ``rtl_dir`` whose stream arguments are ``input_array`` and ``outputs``."""
    rtl_dir = Path(rtl_dir)
    top, file = find_top(rtl_dir, top, prefer)
    ports = module_ports(file.read_text(errors="replace"), top, file)
    names = {p.name: p for p in ports}
    where = f"module {top}"
    if "ap_clk" not in names or not ({"ap_rst", "ap_rst_n"} & set(names)):
        raise InputError(file, where, "no ap_clk/ap_rst ports: not a Vitis HLS top")
    if len(outputs) != 1:
        raise InputError(file, where, f"{len(outputs)} output streams: one output stream is supported")
    found_in = _find(names, input_array.name, "in")
    out = outputs[0]
    found_out = _find(names, out.name, "out")
    conventions = ", ".join(f"{n.in_data}/{n.in_valid}/{n.in_ready}" for n in STREAM_NAMINGS)
    for arr, found in ((input_array, found_in), (out, found_out)):
        if found is None:
            raise InputError(
                file, where, f"no ports of stream {arr.name} under any known naming ({conventions}, with or without _V)"
            )
    assert found_in is not None and found_out is not None
    (nin, bin_), (nout, bout) = found_in, found_out
    if nin.protocol != nout.protocol:
        raise InputError(file, where, f"input stream is {nin.protocol}, output stream {nout.protocol}: not modelled")
    din = names[nin.in_data.format(a=bin_)]
    dout = names[nout.out_data.format(a=bout)]
    for arr, port in ((input_array, din), (out, dout)):
        if port.width < arr.size * arr.width:
            raise InputError(
                file,
                f"{where} port {port.name}",
                f"{port.width} bits cannot hold {arr.name}'s {arr.size} x {arr.width}-bit elements in one word",
            )
    hs = "ap_start" in names
    return PortMap(
        top=top,
        input=din.name,
        input_vld=nin.in_valid.format(a=bin_),
        input_elem_width=input_array.width,
        n_inputs=input_array.size,
        outputs=(dout.name,) * out.size,
        output_vlds=(nout.out_valid.format(a=bout),) * out.size,
        output_width=out.width,
        input_signed=input_array.signed,
        output_signed=out.signed,
        reset="ap_rst" if "ap_rst" in names else "ap_rst_n",
        reset_active_low="ap_rst" not in names,
        start="ap_start" if hs else None,
        done="ap_done" if "ap_done" in names else None,
        idle="ap_idle" if "ap_idle" in names else None,
        ready="ap_ready" if "ap_ready" in names else None,
        cont="ap_continue" if "ap_continue" in names else None,
        output_offsets=tuple(i * out.width for i in range(out.size)),
        stream=nin.protocol,
        input_ready=nin.in_ready.format(a=bin_),
        output_ready=nout.out_ready.format(a=bout),
    )


def stream_default_ports(top: str, input_array: ArraySpec, outputs: list[ArraySpec], protocol: str = "axis") -> PortMap:
    """The ports Vitis HLS gives an hls4ml io_stream top with these streams (hls4ml 1.x: ``INTERFACE axis``,
    ``ap_ctrl_hs``, reset ``ap_rst_n``): what a vector set records before the export's own ports are read."""
    if len(outputs) != 1:
        raise InputError(top, None, f"{len(outputs)} output streams: one output stream is supported")
    n = naming(protocol)
    out = outputs[0]
    return PortMap(
        top=top,
        input=n.in_data.format(a=input_array.name),
        input_vld=n.in_valid.format(a=input_array.name),
        input_elem_width=input_array.width,
        n_inputs=input_array.size,
        outputs=(n.out_data.format(a=out.name),) * out.size,
        output_vlds=(n.out_valid.format(a=out.name),) * out.size,
        output_width=out.width,
        input_signed=input_array.signed,
        output_signed=out.signed,
        reset="ap_rst_n" if protocol == "axis" else "ap_rst",
        reset_active_low=protocol == "axis",
        output_offsets=tuple(i * out.width for i in range(out.size)),
        stream=protocol,
        input_ready=n.in_ready.format(a=input_array.name),
        output_ready=n.out_ready.format(a=out.name),
    )
