"""Read an hls4ml output directory into the IR: what the firmware computes, not what Keras meant.

Why from the firmware: users bring projects written by other scripts and other
hls4ml versions (hand-edited reuse factors, 6-decimal weight text, typedefs
that differ from ``hls4ml_config.yml``).  What was synthesized is the
firmware, so types come from the typedefs in ``defines.h``/``parameters.h``,
layer configs from the ``struct configN`` blocks of ``parameters.h``, the
layer graph from the ``nnet::`` calls of the top function (which array each
call reads and writes; the top's output arrays in its argument order), and raw weights
from ``firmware/weights/w*.txt`` (else the ``w*.h`` literals), each decimal
parsed as a double and cast to the weight type with its own rounding and
overflow, as ``load_weights_from_txt`` and the header literal do.

A calibration folder of ``../shared/vitis-calibration`` carries no headers,
only ``firmware/weights`` and a ``design.json`` whose precisions were resolved
from the project's typedefs; it is read through that manifest instead.

Chains and graphs (several heads, ``add``/``subtract``/``concatenate1d`` merges)
of Dense, BatchNormalization (``normalize``), relu/linear/sigmoid/softmax
activations and HGQ's quantizer masks and ``unary_lut`` tables are modelled; any
other layer is a one-line ``InputError`` naming the layer and the file.  This
module locates the project, its top function and prototype and its build
settings (part, clock, tool); how each ``nnet::`` call becomes an IR layer is
``nnet_layers``, and the C++ text itself is read by ``cpp``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork, Layer
from fpga_prune.arith.tables import sigmoid_layer
from fpga_prune.boards import Board
from fpga_prune.errors import InputError
from fpga_prune.estimate.context import Context, EstimateOptions
from fpga_prune.estimate.interface import InterfaceEstimate, vivado_accelerator_wrapper
from fpga_prune.estimate.stream import stream_fifos
from fpga_prune.estimate.tools import DEFAULT_HLS_TOOL, parse_uncertainty
from fpga_prune.hls.cpp import (
    Symbols,
    read_symbols,
    read_weights,
    read_yaml,
    split_args,
    strip_comments,
    synthesized,
    weight_arguments,
)
from fpga_prune.hls.graph_rules import HLS4ML_TABLE_TYPE
from fpga_prune.hls.nnet_layers import (
    ACTIVATION_FUNCS,
    TopGlue,
    firmware_glue,
    input_arguments,
    network_from_firmware,
    normalize_layer,
    softmax_activation,
    top_glue,
)
from fpga_prune.hls.settings import to_fixed_type


@dataclass(frozen=True)
class HlsProject:
    """An imported hls4ml project: its network and the build settings the project records.

    ``clock_uncertainty`` keeps the project's spelling ("27%", "0.62"); ``mul_impl``
    is "dsp"/"fabric" when the build forced multiplier binding (``config_op mul -impl``);
    ``hls_tool`` is the tool that built it when a report says so (``vitis-2022.2``).
    """

    path: Path
    network: FixedNetwork
    part: str | None
    clock_period_ns: float | None
    clock_uncertainty: str | None
    hls4ml_version: str | None
    hls_tool: str | None
    mul_impl: str | None
    source: str  # "firmware" or "design.json"
    #: hls4ml's IOType as the firmware shows it: ``io_stream`` when the top takes ``hls::stream`` arguments
    io_type: str = "io_parallel"
    #: io_stream: each inter-layer FIFO's ``#pragma HLS STREAM variable=... depth=D``, in layer order (() = none
    #: given, or not one a layer boundary)
    fifo_depths: tuple[int, ...] = ()
    #: io_parallel top with ``#pragma HLS DATAFLOW`` (hls4ml 0.x's Resource strategy): layers as processes
    dataflow: bool = False
    #: the synthesized top around the network (VivadoAccelerator's ``<project>_axi``), if any
    wrapper: AxiWrapper | None = None
    #: the top's own code that turns scalar arguments into the network's input array, if any
    glue: TopGlue | None = None

    def estimate_options(
        self, hls_tool: str | None = None, clock_ns: float | None = None, **kw: Any
    ) -> EstimateOptions:
        """The estimator's options as the project records them: its tool, multiplier binding and uncertainty.

        ``clock_ns`` (``--clock``) is the period an uncertainty given in ns is a fraction of."""
        tool = hls_tool or self.hls_tool or DEFAULT_HLS_TOOL
        unc = parse_uncertainty(self.clock_uncertainty, clock_ns or self.clock_period_ns or 5.0)
        kw.setdefault("io_type", self.io_type)
        kw.setdefault("fifo_depths", self.fifo_depths)
        kw.setdefault("dataflow", self.dataflow)
        return EstimateOptions(hls_tool=tool, mul_impl=self.mul_impl, clock_uncertainty=unc, **kw)


# ----------------------------------------------------------------------------- a wrapper around the network
@dataclass(frozen=True)
class AxiWrapper:
    """hls4ml's VivadoAccelerator top around the network (``firmware/<project>_axi.cpp``), as its source says.

    Why read it: that top, not the network, is what ``build_prj.tcl`` synthesizes and what a board's DMA
    drives, so estimate must say what it adds and verify must drive its ports.  ``interface`` is
    ``axi_stream`` (one element a beat, TLAST) or ``axi_lite``/``axi_master``; ``in_ctype``/``out_ctype``
    the bus element types (``float``, or the network's own types); ``ap_ctrl`` the block protocol
    (``ap_ctrl_none``, ``s_axilite``, ``ap_ctrl_hs``)."""

    top: str
    network_top: str
    source: Path
    interface: str
    n_in: int
    n_out: int
    in_ctype: str
    out_ctype: str
    ap_ctrl: str
    #: each ``#pragma HLS INTERFACE`` of the top: (port, mode, bundle or "")
    pragmas: tuple[tuple[str, str, str], ...] = ()

    def bundle(self, port: str) -> str:
        """The ``bundle=`` of ``port``'s INTERFACE pragma ("" when none is given)."""
        return next((b for p, _, b in self.pragmas if p == port), "")

    @property
    def beats_per_sample(self) -> int:
        """Cycles the wrapper's pipelined read and write loops spend on one sample's beats, at least: in
        sequence around an io_parallel network (``n_in + n_out``); an io_stream wrapper overlaps them
        (DATAFLOW) and is bound by the longer."""
        return self.n_in + self.n_out

    def to_dict(self) -> dict[str, object]:
        return {
            "top": self.top,
            "network_top": self.network_top,
            "interface": self.interface,
            "n_in": self.n_in,
            "n_out": self.n_out,
            "in_ctype": self.in_ctype,
            "out_ctype": self.out_ctype,
            "ap_ctrl": self.ap_ctrl,
            "estimated": self.interface == "axi_stream",
        }

    def estimate(
        self, network: FixedNetwork, io_type: str, board: Board, options: EstimateOptions
    ) -> InterfaceEstimate | None:
        """What the wrapper adds to the network (``estimate.interface.vivado_accelerator_wrapper``, from public
        ``myproject_axi`` reports); None for an axi_lite / axi_master top (no public report to price it by)."""
        if self.interface != "axi_stream":
            return None
        stream = io_type == "io_stream"  # a FIFO word is hls4ml's nnet::array of the whole vector
        return vivado_accelerator_wrapper(
            n_in=self.n_in,
            in_bits=network.input_type.width * (network.n_inputs if stream else 1),
            in_float=self.in_ctype == "float",
            n_out=self.n_out,
            out_bits=network.output_type.width * (network.n_outputs if stream else 1),
            out_float=self.out_ctype == "float",
            io_stream=stream,
            ctx=Context(board, options),
            confidence=options.confidence,
        )

    def describe(self, io_type: str, cost: InterfaceEstimate | None = None) -> str:
        """One line: what the wrapper adds to the network's estimate (which does not include it)."""
        beats = self.beats_per_sample if io_type == "io_parallel" else max(self.n_in, self.n_out)
        conv = (
            f"{self.n_in} {self.in_ctype}->input_t and {self.n_out} result_t->{self.out_ctype} conversions"
            if "float" in (self.in_ctype, self.out_ctype)
            else "no type conversions"
        )
        priced = (
            f"it adds {cost.describe()} (rules wrap_*, bench/interface_reports.csv; the AXI DMA and interconnects "
            "of a block design around it are not counted)"
            if cost is not None
            else f"the LUT/FF of an {self.interface} wrapper are not estimated (no public report prices one)"
        )
        return (
            f"wrapper {self.top} (VivadoAccelerator, {self.interface}, {self.ap_ctrl}) is the synthesized top, "
            f"NOT in the figures above: {conv}, one element a bus beat, so >= {beats} cycles a sample "
            f"(interval) and +{self.n_in + self.n_out} cycles of latency; {priced}"
        )


def axi_wrapper(path: str | Path, network_top: str) -> AxiWrapper | None:
    """The wrapper top of the project at ``path`` whose network top is ``network_top``, or None."""
    fw = Path(path) / "firmware"
    top = f"{network_top}_axi"
    src, hdr = fw / f"{top}.cpp", fw / f"{top}.h"
    if not src.is_file():
        return None
    if not hdr.is_file():
        raise InputError(hdr, None, f"missing: the header of the wrapper top {top} ({src.name} exists)")
    text = strip_comments(src.read_text(errors="replace"))
    head = strip_comments(hdr.read_text(errors="replace"))
    if not re.search(rf"\b{re.escape(network_top)}\s*\(", text.split(top, 1)[-1]):
        raise InputError(src, top, f"does not call the network top {network_top}: not a VivadoAccelerator wrapper")

    def const(name: str) -> int:
        m = re.search(rf"\bconst\s+unsigned(?:\s+int)?\s+{name}\s*=\s*(\d+)\s*;", head)
        if not m:
            raise InputError(hdr, name, "no `static const unsigned` of this name: not a VivadoAccelerator wrapper")
        return int(m.group(1))

    def ctype(*names: str) -> str:
        # axi_stream: T_in/T_out in the beat structs; axi_lite/axi_master: the array elements input_axi_t/output_axi_t
        for name in names:
            m = re.search(rf"typedef\s+([\w:<>, ]+?)\s+{name}\s*;", head)
            if m:
                return " ".join(m.group(1).split())
        return "?"

    pragmas = re.findall(r"#pragma\s+HLS\s+INTERFACE\s+([^\n]*)", text)
    modes = {}
    found = []
    for p in pragmas:
        port = re.search(r"port\s*=\s*(\w+)", p)
        mode = re.search(r"(?:mode\s*=\s*)?\b(axis|s_axilite|m_axi|ap_ctrl_none|ap_ctrl_hs|ap_ctrl_chain)\b", p)
        bundle = re.search(r"bundle\s*=\s*(\w+)", p)
        if port and mode:
            modes[port.group(1)] = mode.group(1)
            found.append((port.group(1), mode.group(1), bundle.group(1) if bundle else ""))
    data = {m for k, m in modes.items() if k != "return"}
    interface = "axi_stream" if data == {"axis"} else "axi_master" if "m_axi" in data else "axi_lite"
    return AxiWrapper(
        top=top,
        network_top=network_top,
        source=src,
        interface=interface,
        n_in=const("N_IN"),
        n_out=const("N_OUT"),
        in_ctype=ctype("T_in", "input_axi_t"),
        out_ctype=ctype("T_out", "output_axi_t"),
        ap_ctrl=modes.get("return", "ap_ctrl_hs"),
        pragmas=tuple(found),
    )


# ----------------------------------------------------------------------------- top function
_STREAM_DEPTH = re.compile(r"#pragma\s+HLS\s+STREAM\s+variable\s*=\s*(\w+)\s+depth\s*=\s*(\d+)", re.I)


def stream_depths(top_text: str, n_fifos: int) -> tuple[int, ...]:
    """The depth of each stream between two layers of an io_stream top, from its ``#pragma HLS STREAM
    variable=layerN_out depth=D`` lines (hls4ml writes one after each layer's ``hls::stream`` declaration, in
    layer order; a graph's clones and their copies too, ``estimate.stream.stream_fifos``); () when they are not
    one per FIFO (the estimate then takes hls4ml's default)."""
    local = set(re.findall(r"hls::stream<[^;(]*?>\s+(\w+)\s*[(;{]", top_text))
    depths = tuple(int(d) for var, d in _STREAM_DEPTH.findall(top_text) if var in local)
    return depths if len(depths) == n_fifos else ()


def _top_file(fw: Path, project_name: str | None) -> Path:
    names = [f"{project_name}.cpp"] if project_name else []
    names.append("myproject.cpp")
    for n in names:
        if (fw / n).is_file():
            return fw / n
    for cand in sorted(fw.glob("*.cpp")):
        if "nnet::" in cand.read_text(errors="replace"):
            return cand
    raise InputError(fw, None, "no top function source (<project>.cpp calling nnet:: layers)")


# ----------------------------------------------------------------------------- top signature
@dataclass(frozen=True)
class TopArray:
    """One array argument of the top function: C name, element count, element type."""

    name: str
    size: int
    type: FixedType
    ctype: str  # the C++ spelling in the prototype (input_t)
    #: an io_stream argument ``hls::stream<input_t> &name``: ``size`` elements in one ``nnet::array`` word
    stream: bool = False


@dataclass(frozen=True)
class TopSignature:
    """The top function as ``firmware/<top>.h`` declares it (what the C simulation runner calls).

    ``scalar_types`` are the reference arguments of old hls4ml tops
    (``unsigned short &const_size_in_1``); ``args`` is every argument's name
    in call order; ``namespace`` the C++ namespace around the prototype, if any.
    """

    top: str
    header: Path
    input: TopArray
    outputs: tuple[TopArray, ...]
    args: tuple[str, ...]  # every argument's name in order
    scalar_types: tuple[tuple[str, str], ...]  # (name, C type) of non-array arguments
    namespace: str | None = None  # hls4ml >= 1.0 WriterConfig Namespace: the top and its types live in it
    #: the input arrays after ``input`` (a Keras functional model with several ``Input``s), in argument order
    extra_inputs: tuple[TopArray, ...] = ()
    #: the top's own code that fills the network's input (``input``, then a local array) from by-value scalars
    glue: TopGlue | None = None

    @property
    def inputs(self) -> tuple[TopArray, ...]:
        """Every input array, in argument order (a raw input vector holds them side by side)."""
        return (self.input, *self.extra_inputs)

    @property
    def n_inputs(self) -> int:
        return sum(a.size for a in self.inputs)

    @property
    def n_outputs(self) -> int:
        return sum(a.size for a in self.outputs)

    @property
    def io_type(self) -> str:
        """``io_stream`` when the top moves its arrays through ``hls::stream`` arguments, else ``io_parallel``."""
        return "io_stream" if self.input.stream else "io_parallel"


def top_signature(path: str | Path, top: str | None = None) -> TopSignature:
    """Parse the top function's prototype from ``firmware/<top>.h`` of an hls4ml project."""
    path = Path(path)
    fw = path / "firmware"
    cfg = read_yaml(path / "hls4ml_config.yml") if (path / "hls4ml_config.yml").is_file() else {}
    name = top or cfg.get("ProjectName") or _top_file(fw, None).stem
    header = fw / f"{name}.h"
    if not header.is_file():
        raise InputError(header, None, "missing: the top function's header (give --top NAME of the project)")
    text = strip_comments(header.read_text(errors="replace"))
    m = re.search(rf"void\s+{re.escape(name)}\s*\(([^)]*)\)\s*;", text)
    if not m:
        raise InputError(header, name, "no prototype of the top function")
    symbols = read_symbols(fw)
    types = symbols.types
    arrays: list[TopArray] = []
    args: list[str] = []
    scalars: list[tuple[str, str]] = []
    for arg in split_args(" ".join(m.group(1).split())):
        a = re.fullmatch(r"(?:const\s+)?([\w:<>, ]+?)\s+(\w+)\s*\[\s*([^\]]+)\]", arg)
        if a:
            size = symbols.size(a.group(3), f"{name} argument {a.group(2)}", header)
            arrays.append(
                TopArray(
                    a.group(2),
                    size,
                    types.resolve(a.group(1), where=f"{name} argument {a.group(2)}"),
                    a.group(1).strip(),
                )
            )
            args.append(a.group(2))
            continue
        st = stream_argument(arg)
        if st is not None:
            arrays.append(stream_array(st[0], st[1], symbols, f"{name} argument {st[1]}", header))
            args.append(st[1])
            continue
        sc = re.fullmatch(r"(.+?)\s*&\s*(\w+)", arg)
        if not sc and re.fullmatch(r"(?:const\s+)?[\w:<>, ]+?\s+\w+", arg):
            args.append(arg.split()[-1])  # by value: an input of the top's own code before the network (TopGlue)
            continue
        if not sc:
            raise InputError(
                header,
                f"{name} argument {arg!r}",
                "neither an array, an hls::stream nor a reference: not an hls4ml top",
            )
        scalars.append((sc.group(2), sc.group(1).strip()))
        args.append(sc.group(2))
    cpp = fw / f"{name}.cpp"
    ctext = cpp.read_text(errors="replace") if cpp.is_file() else ""
    weights = weight_arguments(ctext, [a.name for a in arrays])
    if weights:
        raise InputError(
            header,
            f"{name} arguments {', '.join(weights)}",
            "weights passed into the top function are not supported (only weights built into the firmware)",
        )
    body = synthesized(ctext)
    d = re.search(rf"void\s+{re.escape(name)}\s*\(([^)]*)\)\s*\{{", body)
    glue = top_glue(cpp, name, d.group(1), body[d.end() :], symbols) if d else None
    names = input_arguments(body, [a.name for a in arrays]) if glue is None else []
    inputs = [a for a in arrays if a.name in names]
    outputs = tuple(a for a in arrays if a not in inputs)
    if len({a.stream for a in arrays}) > 1:
        raise InputError(header, name, "mixes hls::stream and array arguments: io_parallel or io_stream tops only")
    if glue is not None:
        g_t = types.resolve(glue.ctype, where=f"{name} local {glue.array}")
        inputs = [TopArray(glue.array, glue.size, g_t, glue.ctype)]
    if not inputs or not outputs:
        raise InputError(
            header,
            name,
            f"{len(inputs)} input and {len(outputs)} output arrays: at least one input array and "
            "at least one output array are supported",
        )
    return TopSignature(
        name,
        header,
        inputs[0],
        outputs,
        tuple(args),
        tuple(scalars),
        _namespace_at(text, m.start()),
        tuple(inputs[1:]),
        glue,
    )


def stream_argument(arg: str) -> tuple[str, str] | None:
    """(element type, name) of an io_stream top argument ``hls::stream<input_t> &name``, else None."""
    m = re.fullmatch(r"(?:const\s+)?hls::stream\s*<\s*(.+?)\s*>\s*&\s*(\w+)", arg.strip())
    return (m.group(1), m.group(2)) if m else None


def stream_array(ctype: str, name: str, symbols: Symbols, where: str, source: Path) -> TopArray:
    """The :class:`TopArray` of stream argument ``name`` whose words are ``ctype`` (an ``nnet::array`` pack).

    One word carries a whole array (hls4ml 1.x and 0.8 write ``nnet::array<T, N>`` with N the layer's width for a
    Dense/activation chain); a stream of single values (not a pack) is refused by name."""
    pack = symbols.types.pack_size(ctype)
    if pack is None:
        raise InputError(source, where, f"hls::stream<{ctype}> does not carry an nnet::array<T, N> pack: not modelled")
    return TopArray(name, symbols.size(pack, where, source), symbols.types.resolve(ctype, where=where), ctype, True)


def _namespace_at(text: str, pos: int) -> str | None:
    """The innermost ``namespace X {`` still open at ``pos`` of ``text`` (comment-free C++), if any."""
    for m in reversed(list(re.finditer(r"\bnamespace\s+(\w+)\s*\{", text[:pos]))):
        between = text[m.end() : pos]
        if between.count("{") - between.count("}") >= 0:
            return m.group(1)
    return None


# ----------------------------------------------------------------------------- calibration manifest
def _design_types(text: str, n: int, where: Path, fld: str) -> list[FixedType]:
    parts = [p.strip() for p in text.split(";") if p.strip()] if text else []
    if len(parts) == 1:
        parts = parts * n
    if len(parts) != n:
        raise InputError(where, fld, f"{len(parts)} precisions for {n} Dense layers")
    try:
        return [to_fixed_type(p.split(":", 1)[-1] if ":" in p and not p.startswith("ap_") else p) for p in parts]
    except ValueError as exc:
        raise InputError(where, fld, str(exc)) from None


def _network_from_design(path: Path, design: dict, layer_rows: list[dict], cfg: dict) -> FixedNetwork:
    """A calibration folder: layer chain and precisions from ``design.json``, raw weights from the text."""
    src = path / "design.json"
    chain = design.get("layers", "")
    toks = chain.split(">")
    if len(toks) < 2:
        raise InputError(src, "layers", f"not a layer chain: {chain!r}")
    widths, acts, norms = [], [], []
    for tok in toks:
        # "3(bn)+relu": a Dense of 3, BatchNormalization (hls4ml's normalize), then relu
        m = re.fullmatch(r"(\d+)(?:\((\w+)\))?(?:\+(\w+))?", tok.strip())
        if not m or (m.group(3) and m.group(2) != "bn"):
            raise InputError(
                src,
                f"layer {tok.strip()}",
                "not modelled: only Dense layers with bn (BatchNormalization), relu, linear, sigmoid or softmax are",
            )
        widths.append(int(m.group(1)))
        norms.append(m.group(2) == "bn")
        acts.append(m.group(3) if m.group(2) == "bn" else m.group(2))
    n_dense = len(widths) - 1
    for a in acts:
        if a is not None and a not in ACTIVATION_FUNCS:
            raise InputError(src, f"layer {a}", f"activation {a!r} is not modelled (relu, linear, sigmoid, softmax)")
    wdir = path / "firmware" / "weights"
    by_index = lambda p: int(re.sub(r"\D", "", p.stem) or 0)  # noqa: E731
    w_files = sorted(wdir.glob("w*.txt"), key=by_index)
    s_files = sorted(wdir.glob("s*.txt"), key=by_index)
    if len(w_files) != n_dense:
        raise InputError(wdir, None, f"{len(w_files)} weight files for {n_dense} Dense layers")
    if len(s_files) != sum(norms):
        raise InputError(wdir, None, f"{len(s_files)} scale files (s*.txt) for {sum(norms)} BatchNormalization layers")
    get = lambda k: _design_types(design.get(k, ""), n_dense, src, k)  # noqa: E731
    w_ts, b_ts, acc_ts, res_ts = (
        get("weight_precision"),
        get("bias_precision"),
        get("accum_precision"),
        get("result_precision"),
    )
    act_prec = [p.split(":", 1) for p in design.get("act_precision", "").split(";") if p.strip()]
    dense_rows = [r for r in layer_rows if r.get("config")]
    strategy = (design.get("strategy") or "latency").lower()
    model_cfg = (cfg.get("HLSConfig") or {}).get("Model") or {}
    # hls4ml gives a layer without its own precision (a BatchNormalization's scale and bias) the model default
    prec = model_cfg.get("Precision", "fixed<16,6>")
    prec = prec.get("default", "fixed<16,6>") if isinstance(prec, dict) else prec
    try:
        default_t = to_fixed_type(str(prec))
    except ValueError as exc:
        raise InputError(path / "hls4ml_config.yml", "HLSConfig.Model.Precision", str(exc)) from None
    sm_cfg = next(
        (
            v
            for v in ((cfg.get("HLSConfig") or {}).get("LayerName") or {}).values()
            if isinstance(v, dict) and "exp_table_t" in v
        ),
        {},
    )
    cur_t = to_fixed_type(design["input_precision"])
    input_type = cur_t
    layers: list[Layer] = []
    ai = 0
    for i in range(n_dense):
        n_in, n_out = widths[i], widths[i + 1]
        fw = w_files[i]
        rf = (
            int(dense_rows[i]["reuse_factor"])
            if i < len(dense_rows) and dense_rows[i].get("reuse_factor")
            else int(design.get("reuse_factor") or 1)
        )
        w = read_weights(fw.parent, fw.stem, w_ts[i], n_in * n_out)
        w = w.reshape(n_out, n_in).T if strategy == "resource" else w.reshape(n_in, n_out)
        b = read_weights(fw.parent, "b" + fw.stem[1:], b_ts[i], n_out)
        name = f"dense{fw.stem[1:]}"
        layers.append(
            DenseLayer(
                name,
                cur_t,
                w_ts[i],
                b_ts[i],
                acc_ts[i],
                res_ts[i],
                np.ascontiguousarray(w),
                b,
                strategy=strategy,
                reuse_factor=rf,
            )
        )
        cur_t = res_ts[i]
        if norms[i + 1]:
            sf = s_files.pop(0)
            bn_t = to_fixed_type(act_prec[ai][1]) if ai < len(act_prec) and act_prec[ai][0] == "bn" else cur_t
            ai += ai < len(act_prec) and act_prec[ai][0] == "bn"
            layers.append(
                normalize_layer(
                    f"bn{sf.stem[1:]}",
                    cur_t,
                    default_t,
                    default_t,
                    bn_t,
                    read_weights(wdir, sf.stem, default_t, n_out),
                    read_weights(wdir, "b" + sf.stem[1:], default_t, n_out),
                )
            )
            cur_t = bn_t
        act = acts[i + 1]
        if act is None:
            continue
        a_t = to_fixed_type(act_prec[ai][1]) if ai < len(act_prec) else cur_t
        ai += 1
        aname = f"{act}{fw.stem[1:]}"
        if act == "softmax":
            exp_t = to_fixed_type(str(sm_cfg.get("exp_table_t", "ap_fixed<18,8,AP_RND,AP_SAT>")))
            inv_t = to_fixed_type(str(sm_cfg.get("inv_table_t", "ap_fixed<18,8,AP_RND,AP_SAT>")))
            size = int(model_cfg.get("TableSize", 1024))
            layers.append(
                softmax_activation(
                    aname,
                    cur_t,
                    a_t,
                    n_out,
                    str(sm_cfg.get("Implementation", "stable")),
                    size,
                    size,
                    1.0,
                    {
                        "exp_table_t": exp_t,
                        "inv_table_t": inv_t,
                        "accum_t": exp_t,
                        "inv_inp_t": exp_t,
                        "inp_norm_t": FixedType(False, cur_t.width, cur_t.integer),
                    },
                )
            )
        elif act == "sigmoid":
            layers.append(sigmoid_layer(aname, cur_t, a_t, n_out, 1024, HLS4ML_TABLE_TYPE))
        else:
            layers.append(ActivationLayer(aname, act, cur_t, a_t, n_out))
        cur_t = a_t
    return FixedNetwork(
        name=design.get("design_id", path.name), input_type=input_type, n_inputs=widths[0], layers=tuple(layers)
    )


# ----------------------------------------------------------------------------- project settings
def _tool_from_reports(path: Path) -> str | None:
    """``vivado-2019.2`` / ``vitis-2022.2`` from the header of a csynth report, if any."""
    for rpt in sorted(path.glob("*_prj/solution1/syn/report/*csynth.rpt")):
        head = rpt.read_text(errors="replace")[:600]
        kind = re.search(r"==\s*(Vivado|Vitis) HLS Report", head)
        ver = re.search(r"\*\s*Version:\s*(\d{4}\.\d)", head)
        if kind and ver:
            return f"{kind.group(1).lower()}-{ver.group(1)}"
    return None


def _tcl_value(text: str, key: str) -> str | None:
    m = re.search(rf"^\s*set\s+{key}\s+\"?([^\"\n]+?)\"?\s*$", text, re.M)
    return m.group(1).strip() if m else None


def read_project(path: str | Path) -> HlsProject:
    """Import the hls4ml project (or calibration folder) at ``path``."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, None, "not a directory")
    cfg = read_yaml(path / "hls4ml_config.yml") if (path / "hls4ml_config.yml").is_file() else {}
    tcl = (path / "project.tcl").read_text(errors="replace") if (path / "project.tcl").is_file() else ""
    build = "".join(p.read_text(errors="replace") for p in sorted(path.glob("build_*.tcl")))
    design_json = path / "design.json"
    fw = path / "firmware"
    mul = re.search(r"^\s*config_op\s+mul\s+.*-impl\s+(dsp|fabric)", build, re.M)
    mul_impl = mul.group(1) if mul else None
    # hls4ml >= 0.6 writes project.tcl; 0.x wrote the literals into build_prj.tcl and XilinxPart into the YAML
    set_part = re.search(r"^\s*set_part\s+\{?([\w-]+)\}?", build, re.M)
    create_clock = re.search(r"^\s*create_clock\s+-period\s+([\d.]+)", build, re.M)
    part = _tcl_value(tcl, "part") or (set_part and set_part.group(1)) or cfg.get("Part") or cfg.get("XilinxPart")
    clock = _tcl_value(tcl, "clock_period") or (create_clock and create_clock.group(1)) or cfg.get("ClockPeriod")
    unc = _tcl_value(tcl, "clock_uncertainty") or cfg.get("ClockUncertainty")
    version = _tcl_value(tcl, "version") or cfg.get("Version")
    io_type = "io_parallel"
    fifo_depths: tuple[int, ...] = ()
    dataflow = False
    wrapper = None
    glue = None
    if (fw / "parameters.h").is_file() or list(fw.glob("*.cpp")):
        # The "version" of project.tcl / hls4ml_config.yml is the IP's (1.0.0), not hls4ml's: none is recorded.
        top_file = _top_file(fw, cfg.get("ProjectName"))
        try:
            network = network_from_firmware(fw, top_file, None)
        except InputError:
            raise
        except (ValueError, KeyError, IndexError, TypeError) as exc:  # a layout no reader anticipated
            raise InputError(
                top_file, None, f"firmware not understood ({type(exc).__name__}: {exc}); not modelled"
            ) from None
        source = "firmware"
        wrapper = axi_wrapper(path, cfg.get("ProjectName") or top_file.stem)
        glue = firmware_glue(top_file)
        top_text = top_file.read_text(errors="replace")
        if re.search(r"void\s+\w+\s*\([^)]*hls::stream", top_text):
            io_type = "io_stream"
            fifo_depths = stream_depths(top_text, len(stream_fifos(network)))
        else:
            dataflow = re.search(r"^\s*#pragma\s+HLS\s+DATAFLOW", top_text, re.M | re.I) is not None
    elif design_json.is_file():
        try:
            doc = json.loads(design_json.read_text())
            design, rows = doc["design"], doc.get("layers", [])
        except (ValueError, KeyError) as exc:
            raise InputError(design_json, None, f"not a calibration manifest ({exc})") from None
        network = _network_from_design(path, design, rows, cfg)
        source = "design.json"
        part = design.get("part") or part
        clock = design.get("clock_period_ns") or clock
        unc_m = re.match(r"\s*([\d.]+%)", design.get("clock_uncertainty", ""))
        unc = unc_m.group(1) if unc_m else unc
        m = re.search(r"config_op mul -impl (dsp|fabric)", design.get("nondefault_options", ""))
        mul_impl = m.group(1) if m else mul_impl
    else:
        raise InputError(path, "firmware", "no parameters.h or top .cpp: not an hls4ml project directory")
    tool = _tool_from_reports(path)
    try:
        clock_ns = float(clock) if clock not in (None, "") else None
    except (TypeError, ValueError):
        raise InputError(path, "clock period", f"{clock!r} is not a number of nanoseconds") from None
    return HlsProject(
        path=path,
        network=network,
        part=str(part) if part else None,
        clock_period_ns=clock_ns,
        clock_uncertainty=str(unc) if unc not in (None, "") else None,
        hls4ml_version=str(version) if version else None,
        hls_tool=tool,
        mul_impl=mul_impl,
        source=source,
        io_type=io_type,
        fifo_depths=fifo_depths,
        dataflow=dataflow,
        wrapper=wrapper,
        glue=glue,
    )
