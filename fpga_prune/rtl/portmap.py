"""The top's ports: :class:`PortMap`, the contract between a Verilog top and the testbench.

Why its own module: the port map is shared by everything that drives or
reads a top -- the renderer writes it as ``ports.json`` next to our Verilog,
``hls.vectors`` packs the input bus by it, ``rtl.ports`` builds one from an
exported top's Verilog, ``rtl.simulate`` and ``rtl.yosys`` read it back --
and the vectors, the port reader and the simulator need nothing else of the
renderer.

Top ports (Vitis HLS for hls4ml's io_parallel top: ``ARRAY_RESHAPE`` on the
input, ``ARRAY_PARTITION`` on the output, ``INTERFACE ap_vld`` on both, block
protocol ``ap_ctrl_hs``) -- see :class:`PortMap` and ``docs`` in the header
of the generated top; :class:`PortConvention` names the other conventions
Vitis exports follow.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TypedDict

from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.outdir import json_text


class Probe(TypedDict):
    """One layer's outputs as internal signals, for the testbench's "first layer that differs"."""

    layer: str
    index: int
    latency: int  # cycles after the vector is taken
    width: int
    signed: bool
    signals: dict[str, str]  # live output index -> signal name


@dataclass(frozen=True)
class PortMap:
    """Names and widths of the top's ports: the contract with the testbench.

    Defaults follow what Vitis HLS emits for hls4ml's io_parallel top
    ``void myproject(input_t input_1[N_IN], result_t layer5_out[N_OUT])``:
    the reshaped input array becomes one packed port ``input_1`` (element 0 in
    the least significant bits) with ``input_1_ap_vld``; each partitioned
    output element becomes ``layer5_out_<k>`` with ``layer5_out_<k>_ap_vld``.
    The array names themselves come from the Keras model (input layer name,
    ``layer<index>_out`` of the last layer), which only hls4ml knows: pass
    them in (``input_name``/``output_name``) or edit ``ports.json``.
    """

    top: str
    input: str
    input_vld: str | None  # None: Vitis made the input ap_none (HLS 207-5555), no valid signal
    input_elem_width: int
    n_inputs: int
    outputs: tuple[str, ...]
    output_vlds: tuple[str, ...]
    output_width: int
    input_signed: bool = True
    output_signed: bool = True
    clock: str = "ap_clk"
    reset: str = "ap_rst"
    # Block protocol: ap_ctrl_hs has start/done/idle/ready; ap_ctrl_chain adds
    # ap_continue; ap_ctrl_none has none of them (all None).
    start: str | None = "ap_start"
    done: str | None = "ap_done"
    idle: str | None = "ap_idle"
    ready: str | None = "ap_ready"
    cont: str | None = None  # ap_continue (ap_ctrl_chain), held high by the testbench
    reset_active_low: bool = False  # ap_rst_n
    # Per output port width/signedness when output arrays differ (several heads); () = all output_width.
    output_widths: tuple[int, ...] = ()
    output_signeds: tuple[bool, ...] = ()
    # Bit offset of each output element in its port when a whole array is one packed port (ARRAY_RESHAPE on
    # the output, as hls4ml 0.x wrote it: ``outputs`` then repeats the port); () = every output is a port.
    output_offsets: tuple[int, ...] = ()
    # Inputs the testbench holds at 1: the outputs' ``<port>_ap_ack`` under ``INTERFACE ap_hs`` (the consumer is
    # always ready, so each output behaves as ap_vld); () = none.
    hold_high: tuple[str, ...] = ()
    # An io_stream top (hls4ml's ``hls::stream<nnet::array<T, N>>`` arguments): "ap_fifo" or "axis"; None for
    # io_parallel.  Each stream is one or more lanes, a lane a valid/ready handshake of its own: one lane carrying
    # the whole packed array (Vitis: ``x_TDATA``, element 0 in the low bits) or one lane per element (Vivado HLS:
    # ``x_V_data_0_V_TDATA`` ...).  ``input_lanes``/``input_lane_vlds``/``input_lane_readies``: each input lane's
    # data, valid (``x_TVALID`` / ``x_empty_n``) and the DUT's take (``x_TREADY`` / ``x_read``), ``input`` and
    # ``input_vld`` being lane 0's; ``outputs``/``output_vlds`` name each output element's lane (repeated for a packed
    # lane, with ``output_offsets``) and ``output_readies`` the testbench's ready of it (``y_TREADY`` / ``y_full_n``).
    stream: str | None = None
    input_lanes: tuple[str, ...] = ()
    input_lane_vlds: tuple[str, ...] = ()
    input_lane_readies: tuple[str, ...] = ()
    output_readies: tuple[str, ...] = ()
    # Vitis 2023+ FIFO ports' extra inputs (``x_num_data_valid``, ``x_fifo_cap``): each input lane's and each output
    # element's lane's fill level and capacity, driven by the testbench as a FIFO would; () = the ports have none.
    input_lane_levels: tuple[str, ...] = ()
    input_lane_caps: tuple[str, ...] = ()
    output_levels: tuple[str, ...] = ()
    output_caps: tuple[str, ...] = ()
    # The input arrays after the first (a top with several, one per Keras Input): each a packed port like ``input``
    # (element 0 in the low bits), its ``_ap_vld`` ("" when none), element width, element count and signedness.  The
    # vectors' input bus holds every array side by side, the first in the low bits.  () = one input array.
    extra_inputs: tuple[str, ...] = ()
    extra_input_vlds: tuple[str, ...] = ()
    extra_input_widths: tuple[int, ...] = ()
    extra_input_sizes: tuple[int, ...] = ()
    extra_input_signeds: tuple[bool, ...] = ()
    # Internal per-layer probes (only our generated RTL has them).
    probes: tuple[Probe, ...] = field(default_factory=tuple)
    latency: int | None = None

    @property
    def input_width(self) -> int:
        """Bits of the first input array's port."""
        return self.input_elem_width * self.n_inputs

    def input_arrays(self) -> list[tuple[str, str | None, int, int, bool]]:
        """(port, valid or None, element width, elements, signed) of every input array, in bus order."""
        first = (self.input, self.input_vld, self.input_elem_width, self.n_inputs, self.input_signed)
        extra = zip(
            self.extra_inputs,
            self.extra_input_vlds,
            self.extra_input_widths,
            self.extra_input_sizes,
            self.extra_input_signeds,
            strict=True,
        )
        return [first, *((p, v or None, w, n, sg) for p, v, w, n, sg in extra)]

    def to_json(self) -> str:
        doc = asdict(self)
        for key, default in _OPTIONAL_DEFAULTS.items():  # absent = default: earlier port maps stay byte-identical
            if doc[key] == default:
                del doc[key]
        doc["format"] = "fpga_prune.ports/1"
        return json_text(doc, indent=1)

    @classmethod
    def from_json(cls, text: str) -> PortMap:
        doc = json.loads(text)
        if doc.pop("format", None) != "fpga_prune.ports/1":
            raise ValueError("not an fpga_prune port map (format != fpga_prune.ports/1)")
        doc["outputs"] = tuple(doc["outputs"])
        doc["output_vlds"] = tuple(doc["output_vlds"])
        doc["probes"] = tuple(doc.get("probes", ()))
        for key in (
            "output_widths",
            "output_signeds",
            "output_offsets",
            "hold_high",
            "input_lanes",
            "input_lane_vlds",
            "input_lane_readies",
            "output_readies",
            "input_lane_levels",
            "input_lane_caps",
            "output_levels",
            "output_caps",
            "extra_inputs",
            "extra_input_vlds",
            "extra_input_widths",
            "extra_input_sizes",
            "extra_input_signeds",
        ):
            doc[key] = tuple(doc.get(key, ()))
        return cls(**doc)

    @property
    def block_protocol(self) -> str:
        if self.start is None:
            return "ap_ctrl_none"
        return "ap_ctrl_chain" if self.cont else "ap_ctrl_hs"

    def width_of(self, k: int) -> int:
        return self.output_widths[k] if self.output_widths else self.output_width

    def signed_of(self, k: int) -> bool:
        return self.output_signeds[k] if self.output_signeds else self.output_signed


#: PortMap fields for the other Vitis conventions, left out of the JSON when they hold the default
_OPTIONAL_DEFAULTS: dict[str, object] = {
    "cont": None,
    "reset_active_low": False,
    "output_widths": (),
    "output_signeds": (),
    "output_offsets": (),
    "hold_high": (),
    "stream": None,
    "input_lanes": (),
    "input_lane_vlds": (),
    "input_lane_readies": (),
    "output_readies": (),
    "input_lane_levels": (),
    "input_lane_caps": (),
    "output_levels": (),
    "output_caps": (),
    "extra_inputs": (),
    "extra_input_vlds": (),
    "extra_input_widths": (),
    "extra_input_sizes": (),
    "extra_input_signeds": (),
}

#: the stream protocols of :attr:`PortMap.stream` (Vitis ``INTERFACE ap_fifo`` / ``INTERFACE axis``)
STREAM_PROTOCOLS = ("ap_fifo", "axis")


@dataclass(frozen=True)
class PortConvention:
    """Which of Vitis HLS's port conventions a rendered top follows (all seen in real exports).

    ``input_vld=False``: Vitis 2022.1 turns a reshaped array input into
    ``ap_none`` (HLS 207-5555), so there is no ``<input>_ap_vld``;
    ``block`` is the ``INTERFACE ap_ctrl_*`` of the top; ``suffix_single=False``:
    a size-1 output array is one port ``<name>`` (no ``_0``), as in Vitis'
    ``hls_design_meta.cpp`` of public exports (``layer24_out`` + ``layer24_out_ap_vld``).
    """

    input_vld: bool = True
    block: str = "ap_ctrl_hs"  # ap_ctrl_hs | ap_ctrl_chain | ap_ctrl_none
    suffix_single: bool = True


def default_port_map(
    network: FixedNetwork,
    top: str = "myproject",
    input_name: str = "input_1",
    output_name: str | None = None,
    convention: PortConvention | None = None,
    output_names: Sequence[str] | None = None,
) -> PortMap:
    """The port names Vitis HLS gives hls4ml's top (hls4ml's naming conventions).

    One port per output element, array by array (``output_names``; default: hls4ml's
    ``layer<N>_out`` of each output layer, ``output_name`` for a chain's one array)."""
    conv = convention or PortConvention()
    if conv.block not in ("ap_ctrl_hs", "ap_ctrl_chain", "ap_ctrl_none"):
        raise ValueError(f"unknown block protocol {conv.block!r}")
    idx = network.output_indices
    if output_names is None:
        output_names = (
            [output_name or f"layer{len(network.layers) + 1}_out"]
            if len(idx) == 1
            else [f"layer{k + 2}_out" for k in idx]
        )
    if len(output_names) != len(idx):
        raise ValueError(f"{len(output_names)} output array names for {len(idx)} outputs")
    outs: list[str] = []
    widths: list[int] = []
    signeds: list[bool] = []
    for name, size, t in zip(output_names, network.output_sizes, network.output_types, strict=True):
        outs.extend([name] if size == 1 and not conv.suffix_single else [f"{name}_{k}" for k in range(size)])
        widths.extend([t.width] * size)
        signeds.extend([t.signed] * size)
    hs = conv.block != "ap_ctrl_none"
    first = network.inputs[0]
    if network.input_arrays:  # several input arrays: the first is ``input_name``, the others their C names
        input_name = input_name if input_name != "input_1" else first.name
    extra = network.inputs[1:]
    return PortMap(
        top=top,
        input=input_name,
        input_vld=f"{input_name}_ap_vld" if conv.input_vld else None,
        start="ap_start" if hs else None,
        done="ap_done" if hs else None,
        idle="ap_idle" if hs else None,
        ready="ap_ready" if hs else None,
        cont="ap_continue" if conv.block == "ap_ctrl_chain" else None,
        input_elem_width=first.type.width,
        n_inputs=first.size,
        outputs=tuple(outs),
        output_vlds=tuple(f"{o}_ap_vld" for o in outs),
        output_width=max(widths),
        input_signed=network.input_type.signed,
        output_signed=signeds[0],
        output_widths=tuple(widths) if len(set(widths)) > 1 else (),
        output_signeds=tuple(signeds) if len(set(signeds)) > 1 else (),
        extra_inputs=tuple(a.name for a in extra),
        extra_input_vlds=tuple(f"{a.name}_ap_vld" if conv.input_vld else "" for a in extra),
        extra_input_widths=tuple(a.type.width for a in extra),
        extra_input_sizes=tuple(a.size for a in extra),
        extra_input_signeds=tuple(a.type.signed for a in extra),
    )
