"""hls4ml's ``nnet::`` layers as IR layers: the top function's calls read into a ``FixedNetwork``.

Why a module of its own: turning each call of the top function (``nnet::dense``,
``nnet::normalize``, the relu/linear/sigmoid/softmax activations, HGQ's quantizer
masks and ``unary_lut`` tables) into the IR layer that computes the same thing is
one job, the knowledge of what each hls4ml layer does; locating a project, its
top function, its prototype and its build settings is another (``project``).
The softmax and normalize builders are shared with ``project``'s reader of
calibration manifests, which describe the same hls4ml layers without firmware.
The C++ text itself is read by ``cpp``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import (
    NETWORK_INPUT,
    STABLE_PRE_1_0,
    ActivationLayer,
    DenseLayer,
    FixedNetwork,
    Layer,
    MergeLayer,
    MergeOp,
    NetworkInput,
    SoftmaxParams,
    exact_sum_type,
    layer_size,
)
from fpga_prune.arith.tables import sigmoid_layer, softmax_layer
from fpga_prune.errors import InputError
from fpga_prune.hls.cpp import (
    ConfigStruct,
    Symbols,
    TypeTable,
    read_configs,
    read_symbols,
    read_weights,
    split_args,
    strip_comments,
    synthesized,
    weight_arguments,
)
from fpga_prune.hls.graph_rules import HLS4ML_TABLE_TYPE

#: ``nnet::`` functions of the top function that are one IR layer each.
DENSE_FUNCS = ("dense", "dense_latency", "dense_resource")
ACTIVATION_FUNCS = ("relu", "linear", "sigmoid", "softmax", "unary_lut")


# ----------------------------------------------------------------------------- layer builders
def softmax_activation(
    name: str,
    in_t: FixedType,
    out_t: FixedType,
    n: int,
    impl: str,
    exp_size: int,
    inv_size: int,
    exp_scale: float,
    types: dict[str, FixedType],
) -> ActivationLayer:
    """The softmax layer as ``adapter.network_from_hls`` describes it (same tables and params)."""
    if impl == "legacy":
        exp_t = inv_t = types.get("table_t", HLS4ML_TABLE_TYPE)
    else:
        exp_t, inv_t = types["exp_table_t"], types["inv_table_t"]
    params = SoftmaxParams(
        implementation=impl,
        exp_table_size=exp_size,
        inv_table_size=inv_size,
        accum_type=types["accum_t"],
        inv_inp_type=types["inv_inp_t"],
        inp_norm_type=types["inp_norm_t"] if impl == "stable" else None,
        exp_scale=exp_scale,
    )
    return softmax_layer(name, in_t, out_t, n, params, exp_t, inv_t)


def normalize_layer(
    name: str,
    in_t: FixedType,
    scale_t: FixedType,
    bias_t: FixedType,
    out_t: FixedType,
    scale: np.ndarray,
    bias: np.ndarray,
) -> DenseLayer:
    """hls4ml's ``nnet::normalize`` as the diagonal Dense with the same arithmetic.

    Why a Dense: ``res[i] = product(data[i], scale[i]) + bias[i]`` is computed at full
    precision (``product::mult`` returns ``decltype(a * w)``) and cast once to ``res_T``;
    a diagonal Dense whose accumulator holds that exact sum (``exact_sum_type``) is the
    same function, so the bit-accurate model, the estimator (one constant product and
    one adder per element) and the RTL need nothing new.
    """
    n = scale.size
    w = np.zeros((n, n), dtype=np.int64)
    w[np.arange(n), np.arange(n)] = scale
    acc = exact_sum_type(in_t, scale_t, bias_t, w, bias)
    return DenseLayer(
        name=name,
        input_type=in_t,
        weight_type=scale_t,
        bias_type=bias_t,
        accum_type=acc,
        result_type=out_t,
        weights=w,
        biases=np.asarray(bias, dtype=np.int64),
        op="normalize",
    )


def _number(text: str, source: Path, where: str) -> float:
    try:
        return float(text.strip().rstrip("fF"))
    except ValueError:
        raise InputError(source, where, f"{text!r} is not a number") from None


# ----------------------------------------------------------------------------- the top function's calls
_MASK_LINE = re.compile(r"out\[(\d+)\]\s*=\s*(?:(ap_u?fixed<[^>]*>)\s*\(\s*inp\[(\d+)\]\s*\)|0)\s*;")


def _quantizer_types(sources: list[tuple[Path, str]], func: str, n: int) -> tuple[FixedType | None, ...] | None:
    """The per-element types of HGQ ``FixedPointQuantizer`` mask function ``func``, or None if it is not one.

    hls4ml (``backends/fpga/passes/hgq_proxy_model.py``, ``generate_mask_fn``) writes it into
    ``firmware/nnet_utils/nnet_code_gen.h`` as ``void <layer>(input_t *inp, output_t *out)`` with one
    ``out[i] = ap_fixed<b,i,AP_RND,AP_SAT>(inp[i]);`` (or ``out[i] = 0;`` for a zero-bit element) per
    element, and calls it ``nnet::<layer><in_t, out_t>(in, out)``.  ``sources``: (file, comment-free
    text) of the firmware's headers, sources and generated code (``_mask_sources``).
    """
    head = re.compile(rf"void\s+{re.escape(func)}\s*\([^)]*\*\s*inp\s*,[^)]*\*\s*out\s*\)\s*\{{")
    for f, text in sources:
        m = head.search(text)
        if not m:
            continue
        body = text[m.end() : text.find("}", m.end())]
        types: dict[int, FixedType | None] = {}
        for line in _MASK_LINE.finditer(body):
            i = int(line.group(1))
            if line.group(3) is not None and int(line.group(3)) != i:
                raise InputError(f, f"{func} out[{i}]", f"reads inp[{line.group(3)}]: only element-wise masks")
            try:
                types[i] = None if line.group(2) is None else FixedType.parse(line.group(2))
            except ValueError as e:
                raise InputError(f, f"{func} out[{i}]", str(e)) from None
        if sorted(types) != list(range(n)):
            raise InputError(f, func, f"sets {len(types)} of the {n} elements the previous layer gives")
        return tuple(types[i] for i in range(n))
    return None


def _mask_sources(fw: Path) -> list[tuple[Path, str]]:
    """Where hls4ml may have written mask functions, each file read once per import."""
    files = sorted(fw.glob("*.h")) + sorted(fw.glob("*.cpp")) + sorted((fw / "nnet_utils").glob("*code_gen*.h"))
    return [(f, strip_comments(f.read_text(errors="replace"))) for f in files]


def stream_arguments(params: str, types: TypeTable) -> list[tuple[str, str, str]]:
    """(element type, name, pack size) of each ``hls::stream<T> &name`` argument of an io_stream top's parameter
    list ``params`` (``T`` an ``nnet::array<E, N>`` pack: N elements a word)."""
    out = []
    for m in re.finditer(r"hls::stream\s*<\s*(\w+)\s*>\s*&\s*(\w+)", params):
        pack = types.pack_size(m.group(1))
        if pack is None:
            raise InputError(
                types.source, f"argument {m.group(2)}", f"hls::stream<{m.group(1)}> is not an nnet::array pack"
            )
        out.append((m.group(1), m.group(2), pack))
    return out


def check_pack(types: TypeTable, symbols: Symbols, ctype: str, n: int, where: str, source: Path) -> None:
    """Under io_stream, ``ctype`` must be a pack of all ``n`` values of the layer: one word an inference.

    Why: hls4ml streams a 1-D Dense/activation chain one whole ``nnet::array`` a call; a pack of fewer
    elements (a layer applied to each of several words, a softmax per word) computes something else."""
    pack = types.pack_size(ctype)
    got = None if pack is None else symbols.size(pack, where, source)
    if got != n:
        raise InputError(
            source,
            where,
            f"{ctype} carries {got if got is not None else 'no'} pack of the layer's {n} values: only io_stream "
            "layers that move a whole array in one word are modelled",
        )


def call_arrays(text: str) -> tuple[set[str], set[str]]:
    """The arrays the layer calls of a top's body read and write (host-only weight loading and Trace's
    ``save_layer_output`` are not in a synthesized body): ``f(in, out, ...)``, a merge ``f(a, b, out)``."""
    read: set[str] = set()
    written: set[str] = set()
    for m in re.finditer(r"nnet::(\w+)\s*<[^;]*?>\s*\(([^;]*?)\)\s*;", text):
        args = split_args(m.group(2))
        n_in = 2 if m.group(1) in MERGE_FUNCS else 1
        read.update(args[:n_in])
        written.update(args[n_in:] if m.group(1) in STREAM_COPY_FUNCS else args[n_in : n_in + 1])
    return read, written


def input_arguments(body: str, arrays: list[str]) -> list[str]:
    """The top's input arrays among its array arguments ``arrays`` (argument order): those a layer call of the
    synthesized ``body`` reads and none writes (a head's output may feed another head too); the first argument
    when no call tells (a body this reader does not follow)."""
    read, written = call_arrays(body)
    return [a for a in arrays if a in read and a not in written] or arrays[:1]


@dataclass(frozen=True)
class TopGlue:
    """A top's own code before the network: scalar arguments (by value) it turns into the local array the
    first ``nnet::`` call reads (a public trigger project casts 44 ``int`` to ``ap_fixed`` and shifts them).

    Why apart from the network: that code is the project's, not an hls4ml layer; the network starts at
    ``array`` (``ctype array[size]``), and what comes before it is said, not estimated or modelled."""

    top: str
    scalars: tuple[tuple[str, str], ...]  # (name, C type) of each by-value argument, in order
    array: str
    ctype: str
    size: int

    def to_dict(self) -> dict[str, object]:
        return {
            "top": self.top,
            "scalar_arguments": [f"{t} {n}" for n, t in self.scalars],
            "network_input": f"{self.ctype} {self.array}[{self.size}]",
            "estimated": False,
        }

    def describe(self) -> str:
        """One line: what the estimate leaves out."""
        types = sorted({t for _n, t in self.scalars})
        return (
            f"the top {self.top}'s own code before the network (its {len(self.scalars)} scalar arguments of "
            f"{', '.join(types)} turned into {self.ctype} {self.array}[{self.size}], which the first layer reads) "
            "is NOT in the figures above: the network is estimated from that array on"
        )


def top_glue(source: Path, top: str, params: str, body: str, symbols: Symbols | None = None) -> TopGlue | None:
    """The :class:`TopGlue` of top ``top`` (its parameter list ``params``, synthesized ``body``), or None when
    the first ``nnet::`` call reads an argument of the top (every hls4ml-written top)."""
    scalars = []
    for arg in split_args(" ".join(params.split())):
        a = re.fullmatch(r"(?:const\s+)?((?:unsigned\s+|signed\s+)?[\w:<>, ]+?)\s+(\w+)", arg)
        if a and "[" not in arg and "&" not in arg and "hls::stream" not in arg:
            scalars.append((a.group(2), " ".join(a.group(1).split())))
    first = re.search(r"nnet::(?!load_)\w+\s*<[^;]*?>\s*\(\s*(\w+)", body)
    if not scalars or first is None:
        return None
    local = re.search(rf"([\w:<>, ]+?)\s+{re.escape(first.group(1))}\s*\[\s*([^\]]+?)\s*\]\s*;", body)
    if local is None:
        raise InputError(
            source,
            f"{top} argument {scalars[0][0]}",
            f"a scalar argument, and the first layer reads {first.group(1)}, not a local array: not modelled",
        )
    syms = symbols or read_symbols(source.parent)
    n = syms.size(local.group(2), f"{top} local {first.group(1)}", source)
    return TopGlue(top, tuple(scalars), first.group(1), local.group(1).strip(), n)


def firmware_glue(top: Path) -> TopGlue | None:
    """The :class:`TopGlue` of the top function defined in ``top`` (its source), or None."""
    text = top.read_text(errors="replace")
    sig = re.search(r"void\s+(\w+)\s*\(([^)]*)\)\s*\{", text)
    return top_glue(top, sig.group(1), sig.group(2), synthesized(text[sig.end() :])) if sig else None


def network_from_firmware(fw: Path, top: Path, version: str | None = None) -> FixedNetwork:
    """The ``nnet::`` calls in ``top`` (the top function's source in ``fw``) as IR layers, in call order.

    Each call reads the array it names first (the input, or what an earlier call wrote: a chain
    step reads the previous layer's, a head or a branch any earlier one's); a merge reads two.
    The top's output arrays, in its argument order, are the network's ``outputs``.

    Types and sizes come from the firmware's headers (``cpp.read_symbols``: ``defines.h``,
    or ``parameters.h`` in hls4ml 0.x layouts), each call's config
    from its ``struct configN`` and its weights from ``fw/weights``; ``version`` (hls4ml's,
    when the caller knows it) only words the error of a call that is not modelled.
    """
    made_by = f"hls4ml {version}" if version else "the project does not record its hls4ml version"
    params_h = fw / "parameters.h"
    ptext = strip_comments(params_h.read_text(errors="replace")) if params_h.is_file() else ""
    ttext = top.read_text(errors="replace")
    symbols = read_symbols(fw)
    types = symbols.types
    configs = read_configs(ptext)

    def size(value: str, where: str, source: Path = params_h) -> int:
        return symbols.size(value, where, source)

    sig = re.search(r"void\s+(\w+)\s*\(([^)]*)\)\s*\{", ttext)
    if not sig:
        raise InputError(top, None, "no top function definition found")
    arrays = [(t, v, n.strip()) for t, v, n in re.findall(r"(\w+)\s+(\w+)\s*\[([^\]]+)\]", sig.group(2))]
    streams = stream_arguments(sig.group(2), types)
    if streams and arrays:
        raise InputError(top, sig.group(1), "mixes hls::stream and array arguments: io_parallel or io_stream tops only")
    arrays = arrays or streams
    weights = weight_arguments(ttext, [name for _t, name, _n in arrays])
    if weights:
        raise InputError(
            top,
            f"{sig.group(1)} arguments {', '.join(weights)}",
            "weights passed into the top function are not supported (only weights built into the firmware)",
        )
    body = ttext[sig.end() :]
    body = synthesized(body)
    # hls4ml writes a Flatten/Reshape as a reference to the same array: auto& layer2_out = x;
    aliases = dict(re.findall(r"auto\s*&\s*(\w+)\s*=\s*(\w+)\s*;", body))

    def _var(name: str) -> str:
        for _ in range(16):
            if name not in aliases:
                break
            name = aliases[name]
        return name

    glue = top_glue(top, sig.group(1), sig.group(2), body)
    in_arrays = input_arguments(body, [name for _t, name, _n in arrays])
    if glue is not None:  # the top's own code fills a local array from scalars; the network starts there
        in_arrays = [glue.array]
        arrays = [(glue.ctype, glue.array, str(glue.size)), *arrays]
    if len(arrays) < 2 or not in_arrays or len(in_arrays) == len(arrays):
        raise InputError(top, sig.group(1), "expected input and output arrays in the top function's arguments")
    net_inputs: list[NetworkInput] = []
    for t_name, var, n_text in arrays:
        if var in in_arrays:
            where = f"{sig.group(1)} argument {var}"
            net_inputs.append(NetworkInput(var, types.resolve(t_name, where=where), size(n_text, where, top)))
    input_type, n_inputs = net_inputs[0].type, sum(a.size for a in net_inputs)

    calls = re.finditer(r"nnet::(\w+)\s*<([^;]*?)>\s*\(([^;]*?)\)\s*;[ \t]*(?://[ \t]*(\S+))?", body)
    layers: list[Layer] = []
    # every array a layer can read: the input and each layer's output -> (layer index or -1, type, elements)
    written: dict[str, tuple[int, FixedType, int]] = {
        _var(a.name): (-1 - i, a.type, a.size) for i, a in enumerate(net_inputs)
    }
    cur_t, width = input_type, net_inputs[0].size
    several = len(net_inputs) > 1

    def _source(j: int) -> str:
        """What a layer's ``inputs`` call source index ``j`` (an input array or a layer)."""
        if j >= 0:
            return layers[j].name
        return net_inputs[-1 - j].name if several else NETWORK_INPUT

    src = -1  # what the current call reads (index into layers, -1: the input)
    sources: list[tuple[Path, str]] | None = None  # read when a call is not a known nnet:: layer
    read_once: dict[str, str] = {}  # io_stream: each stream -> the call that reads it

    def _reads(j: int) -> tuple[str, ...]:
        """A layer's ``inputs``: () when it reads the layer before it (a chain), else what it reads."""
        if j == len(layers) - 1:
            return ()
        return (_source(j),)

    def _result_type(lname: str, cargs: list[str], targs: list[str], n_out: int | None = None) -> FixedType:
        """The layer's result type, once it is checked to read an array the input or a layer wrote (under
        io_stream: in one ``nnet::array`` word, and writes its ``n_out`` results in one word)."""
        if _var(cargs[0]) not in written:
            raise InputError(
                top, f"layer {lname}", f"reads {cargs[0]}, which neither the top's input nor an earlier layer writes"
            )
        if streams:
            check_pack(types, symbols, targs[0], width, f"layer {lname} input type", params_h)
            n_res = width if n_out is None else n_out
            check_pack(types, symbols, targs[1], n_res, f"layer {lname} result type", params_h)
        return types.resolve(targs[1], where=f"layer {lname} result type")

    for m in calls:
        func, targs, cargs, comment = m.group(1), split_args(m.group(2)), split_args(m.group(3)), m.group(4)
        cfg = configs.get(targs[-1]) if targs else None
        lname = comment or (cfg.layer if cfg else func)
        if cargs and _var(cargs[0]) in written:  # a layer reads the array it names first
            src, cur_t, width = written[_var(cargs[0])]
        reads = _reads(src)  # hence () in every chain: network.json of a chain is as before graphs
        if streams:
            for a in cargs[: 2 if func in MERGE_FUNCS else 1]:
                if _var(a) in read_once:
                    raise InputError(
                        top,
                        f"layer {lname}",
                        f"reads stream {a}, which {read_once[_var(a)]} reads too (an hls::stream is read once: "
                        "hls4ml copies it with nnet::clone_stream)",
                    )
                read_once[_var(a)] = lname
        if func in STREAM_COPY_FUNCS:
            if not streams:
                raise InputError(top, f"layer {lname}", f"nnet::{func} in a top without hls::stream arguments")
            _stream_copy(top, params_h, lname, func, targs, cargs, width, types, symbols, size)
            for c in cargs[1:]:  # each copy is what the clone reads: no layer of its own in the IR
                written[_var(c)] = written[_var(cargs[0])]
            continue
        if func in MERGE_FUNCS:
            layers.append(
                _merge_layer(top, params_h, lname, func, targs, cargs, cfg, written, _source, _var, types, size)
            )
            written[_var(cargs[2])] = (len(layers) - 1, layers[-1].result_type, layer_size(layers[-1]))
            continue
        if func == "normalize" and (cfg is None or len(cargs) < 4 or len(targs) < 3):
            raise InputError(
                top, f"layer {lname}", "not an nnet::normalize<in_t, out_t, config>(in, out, scale, bias) call"
            )
        if func == "normalize":
            n = size(cfg.values.get("n_in", str(width)), f"{cfg.name}.n_in")
            if n != width:
                raise InputError(params_h, f"{cfg.name}.n_in", f"{n}, but the previous layer gives {width}")
            n_filt = size(cfg.values.get("n_filt", "-1"), f"{cfg.name}.n_filt")
            n_sb = n_filt if n_filt > 0 else n
            s_t = types.resolve(cfg.types.get("scale_t", ""), where=f"layer {lname} scale_t")
            b_t = types.resolve(cfg.types.get("bias_t", ""), where=f"layer {lname} bias_t")
            reps = -(-n // n_sb)  # n_filt > 0: the scale and bias repeat every n_filt elements
            sc = np.tile(read_weights(fw / "weights", cargs[2], s_t, n_sb), reps)[:n]
            bi = np.tile(read_weights(fw / "weights", cargs[3], b_t, n_sb), reps)[:n]
            out_t = _result_type(lname, cargs, targs)
            layers.append(replace(normalize_layer(lname, cur_t, s_t, b_t, out_t, sc, bi), inputs=reads))
            written[_var(cargs[1])] = (len(layers) - 1, out_t, width)
            continue
        if func not in DENSE_FUNCS + ACTIVATION_FUNCS:
            elems = None
            if len(targs) == 2:  # a mask function: nnet::<layer><in_t, out_t>(in, out)
                sources = sources if sources is not None else _mask_sources(fw)
                elems = _quantizer_types(sources, func, width)
            if elems is not None:
                out_t = _result_type(lname, cargs, targs)
                layers.append(
                    ActivationLayer(
                        name=lname,
                        activation="quantizer",
                        input_type=cur_t,
                        result_type=out_t,
                        n=width,
                        element_types=elems,
                        inputs=reads,
                    )
                )
                written[_var(cargs[1])] = (len(layers) - 1, out_t, width)
                continue
            raise InputError(
                top,
                f"layer {lname}",
                f"nnet::{func} ({made_by}) is not a layer this tool models "
                "(supported: dense, normalize, relu, linear, sigmoid, softmax, unary_lut, HGQ FixedPointQuantizer "
                "masks)",
            )
        if cfg is None:
            raise InputError(params_h, f"layer {lname}", f"config struct {targs[-1] if targs else '?'} not found")
        if len(cargs) < 2 or len(targs) < 3:
            raise InputError(top, f"layer {lname}", "unexpected call arguments")
        vals = cfg.values
        dense_out = size(vals["n_out"], f"{cfg.name}.n_out") if func in DENSE_FUNCS and "n_out" in vals else None
        out_t = _result_type(lname, cargs, targs, dense_out)

        def t(key: str, default: FixedType | None = None, _cfg: ConfigStruct = cfg, _l: str = lname) -> FixedType:
            if key in _cfg.types:
                return types.resolve(_cfg.types[key], where=f"layer {_l} {key}")
            if default is None:
                raise InputError(params_h, f"{_cfg.name}.{key}", "typedef missing")
            return default

        if func in DENSE_FUNCS:
            missing = [k for k in ("n_in", "n_out") if k not in vals]
            if missing:
                raise InputError(params_h, f"{cfg.name}.{missing[0]}", "missing from the dense config struct")
            n_in, n_out = size(vals["n_in"], f"{cfg.name}.n_in"), size(vals["n_out"], f"{cfg.name}.n_out")
            if n_in != width:
                raise InputError(params_h, f"{cfg.name}.n_in", f"{n_in}, but the previous layer gives {width}")
            strategy = vals.get("strategy", "nnet::latency").split("::")[-1]
            if strategy not in ("latency", "resource"):
                raise InputError(params_h, f"{cfg.name}.strategy", f"{strategy!r} is not modelled (latency, resource)")
            if len(cargs) < 4:
                raise InputError(top, f"layer {lname}", "dense call without weight and bias arrays")
            w_t, b_t = t("weight_t"), t("bias_t")
            w = read_weights(fw / "weights", cargs[2], w_t, n_in * n_out)
            w = w.reshape(n_out, n_in).T if strategy == "resource" else w.reshape(n_in, n_out)
            layers.append(
                DenseLayer(
                    name=lname,
                    input_type=cur_t,
                    weight_type=w_t,
                    bias_type=b_t,
                    accum_type=t("accum_t"),
                    result_type=out_t,
                    weights=np.ascontiguousarray(w),
                    biases=read_weights(fw / "weights", cargs[3], b_t, n_out),
                    strategy=strategy,
                    reuse_factor=size(vals.get("reuse_factor", "1"), f"{cfg.name}.reuse_factor"),
                    inputs=reads,
                )
            )
            width = n_out
        elif func == "softmax":
            impl = vals.get("implementation", "nnet::softmax_implementation::stable").split("::")[-1]
            if impl == "stable" and "inp_norm_t" not in cfg.types:
                # hls4ml < 1.0: max subtracted in a copy of the input type, un-negated exp table (issue #10).
                # Recorded under its own name so the bit-accurate model refuses it instead of guessing.
                impl = STABLE_PRE_1_0
            if (
                size(vals.get("n_inner", "1"), f"{cfg.name}.n_inner") != 1
                or size(vals.get("n_outer", "1"), f"{cfg.name}.n_outer") != 1
            ):
                raise InputError(params_h, f"{cfg.name}", "multi-dimensional softmax is not modelled")
            sm_types = {k: t(k) for k in ("exp_table_t", "inv_table_t") if k in cfg.types or impl != "legacy"}
            sm_types["accum_t"] = t("accum_t", sm_types.get("exp_table_t", HLS4ML_TABLE_TYPE))
            sm_types["inv_inp_t"] = t("inv_inp_t", sm_types.get("exp_table_t", HLS4ML_TABLE_TYPE))
            if impl == "stable":
                sm_types["inp_norm_t"] = t("inp_norm_t")
            if "table_t" in cfg.types:
                sm_types["table_t"] = t("table_t")
            layers.append(
                softmax_activation(
                    lname,
                    cur_t,
                    out_t,
                    width,
                    impl,
                    size(vals.get("exp_table_size", vals.get("table_size", "1024")), f"{cfg.name}.exp_table_size"),
                    size(vals.get("inv_table_size", vals.get("table_size", "1024")), f"{cfg.name}.inv_table_size"),
                    _number(vals.get("exp_scale", "1.0"), params_h, f"{cfg.name}.exp_scale"),
                    sm_types,
                )
            )
            layers[-1] = replace(layers[-1], inputs=reads)
        elif func == "sigmoid":
            layers.append(
                sigmoid_layer(
                    lname,
                    cur_t,
                    out_t,
                    width,
                    size(vals.get("table_size", "1024"), f"{cfg.name}.table_size"),
                    t("table_t", HLS4ML_TABLE_TYPE),
                )
            )
            layers[-1] = replace(layers[-1], inputs=reads)
        elif func == "unary_lut":  # HGQ's UnaryLUT: res[i] = table[raw bits of data[i]]
            n_table = size(vals.get("table_size", "0"), f"{cfg.name}.table_size")
            if n_table != 1 << cur_t.width:
                raise InputError(
                    params_h,
                    f"{cfg.name}.table_size",
                    f"{n_table}, but {cur_t} indexes {1 << cur_t.width} entries (one per raw input value)",
                )
            if len(cargs) < 3:
                raise InputError(top, f"layer {lname}", "unary_lut call without its table array")
            tab_t = t("table_t", HLS4ML_TABLE_TYPE)
            table = read_weights(fw / "weights", cargs[2], tab_t, n_table)
            layers.append(
                ActivationLayer(
                    name=lname,
                    activation="unary_lut",
                    input_type=cur_t,
                    result_type=out_t,
                    n=width,
                    tables={"table": table},
                    table_types={"table": tab_t},
                    table_size=n_table,
                    inputs=reads,
                )
            )
        else:
            layers.append(
                ActivationLayer(name=lname, activation=func, input_type=cur_t, result_type=out_t, n=width, inputs=reads)
            )
        written[_var(cargs[1])] = (len(layers) - 1, out_t, width)
    if not layers:
        raise InputError(top, None, "no nnet:: layer calls in the top function")
    outs = [name for _t, name, _n in arrays if name not in in_arrays]
    missing = [o for o in outs if _var(o) not in written or written[_var(o)][0] < 0]
    if missing:
        raise InputError(top, sig.group(1), f"no layer writes the top's output {missing[0]}")
    out_layers = tuple(layers[written[_var(o)][0]].name for o in outs)
    try:
        return FixedNetwork(
            name=sig.group(1),
            input_type=input_type,
            n_inputs=n_inputs,
            layers=tuple(layers),
            outputs=() if out_layers == (layers[-1].name,) and not several else out_layers,
            input_arrays=tuple(net_inputs) if several else (),
        )
    except ValueError as exc:  # a graph whose layers share a name (no // comment to tell them apart)
        raise InputError(top, sig.group(1), str(exc)) from None


#: io_stream calls that copy a stream word for word (``nnet_stream.h``): ``clone_stream`` feeds several readers of
#: one layer's output (hls4ml's clone pass), ``repack_stream`` with the same pack on both sides moves it unchanged.
#: Neither computes anything, so neither is an IR layer; ``estimate.stream`` prices the clones from the graph.
STREAM_COPY_FUNCS = ("clone_stream", "repack_stream")


def _stream_copy(
    top: Path,
    params_h: Path,
    lname: str,
    func: str,
    targs: list[str],
    cargs: list[str],
    width: int,
    types: TypeTable,
    symbols: Symbols,
    size: Callable[[str, str], int],
) -> None:
    """Check ``nnet::clone_stream<data_T, res_T, N>(in, out1, ...)`` / ``repack_stream<data_T, res_T, N>(in, out)``
    copies the whole array of what it reads, unchanged (same element type, one word of all ``width`` values)."""
    n_out = 1 if func == "repack_stream" else 2
    if len(targs) != 3 or len(cargs) < 1 + n_out or (func == "repack_stream" and len(cargs) != 2):
        raise InputError(top, f"layer {lname}", f"not an nnet::{func}<data_T, res_T, N>(in, out...) call")
    n = size(targs[2], f"layer {lname} N")
    if n != width:
        raise InputError(top, f"layer {lname}", f"copies {n} elements, but what it reads gives {width}")
    for k, what in ((0, "input"), (1, "result")):
        check_pack(types, symbols, targs[k], width, f"layer {lname} {what} type", params_h)
    t_in = types.resolve(targs[0], where=f"layer {lname} input type")
    t_out = types.resolve(targs[1], where=f"layer {lname} result type")
    if t_in != t_out:
        raise InputError(top, f"layer {lname}", f"casts {t_in} to {t_out}: only copies of the same type are modelled")


#: hls4ml's merges the IR models (``nnet_merge.h``) -> ``MergeLayer.op``
MERGE_FUNCS: dict[str, MergeOp] = {"add": "add", "subtract": "subtract", "concatenate1d": "concatenate"}


def _merge_layer(
    top: Path,
    params_h: Path,
    lname: str,
    func: str,
    targs: list[str],
    cargs: list[str],
    cfg: ConfigStruct | None,
    written: dict[str, tuple[int, FixedType, int]],
    name: Callable[[int], str],
    var: Callable[[str], str],
    types: TypeTable,
    size: Callable[[str, str], int],
) -> MergeLayer:
    """``nnet::add|subtract|concatenate1d<in1_t, in2_t, res_t, config>(a, b, res)`` as a :class:`MergeLayer`."""
    if len(targs) < 4 or len(cargs) != 3 or cfg is None:
        raise InputError(top, f"layer {lname}", f"not an nnet::{func}<in1_t, in2_t, res_t, config>(a, b, res) call")
    srcs = []
    for a in cargs[:2]:
        if var(a) not in written:
            raise InputError(top, f"layer {lname}", f"reads {a}, which neither the top's input nor a layer writes")
        srcs.append(written[var(a)])
    op = MERGE_FUNCS[func]
    if op == "concatenate":
        declared = [size(cfg.values.get(f"n_elem{i}_0", "0"), f"{cfg.name}.n_elem{i}_0") for i in (1, 2)]
        axis = cfg.values.get("axis", "-1")
        if size(cfg.values.get("n_elem1_1", "0"), f"{cfg.name}.n_elem1_1") or axis not in ("-1", "0"):
            raise InputError(params_h, f"{cfg.name}", "only 1-D concatenation is modelled")
    else:
        declared = [size(cfg.values.get(f"n_elem{i}", "0"), f"{cfg.name}.n_elem{i}") for i in (1, 2)]
    for i, (s, (_j, _t, n)) in enumerate(zip(declared, srcs, strict=True)):
        if s != n:
            raise InputError(params_h, f"{cfg.name}", f"input {i + 1} has {s} elements, but what it reads gives {n}")
    (j1, t1, n1), (j2, t2, n2) = srcs
    try:
        return MergeLayer(
            name=lname,
            op=op,
            input_types=(t1, t2),
            sizes=(n1, n2),
            result_type=types.resolve(targs[2], where=f"layer {lname} result type"),
            inputs=(name(j1), name(j2)),
        )
    except ValueError as exc:
        raise InputError(top, f"layer {lname}", str(exc)) from None
