"""Verilog rendering of a :class:`~fpga_prune.arith.ir.FixedNetwork` with the Vitis HLS top's ports.

Why our own RTL next to hls4ml's HLS project: it lets CI prove, without
Vitis, that a hardware description of the *pruned* network computes bit for
bit what the bit-accurate model computes, under real simulators, through the
same ports the HLS top will have.  The cocotb testbench (``sim/``) then runs
unchanged on RTL a user exports from Vitis.

Architecture (flushable pipeline, II = 1, every multiplier a constant):

* dense layer: 2 register stages.  Stage 1 registers every product
  ``cast<accum_t>(x_i * w_ij)`` for the *nonzero* weights only; stage 2
  accumulates from ``cast<accum_t>(bias_j)`` in hls4ml's order
  (``analysis.accumulation_order``: i = 0..n_in-1 for the latency strategy)
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
* merge (``add``/``subtract``/``concatenate``): 1 register stage, the exact
  sum of the two aligned operands (or each element) cast to ``result_t``.
* neurons whose outputs no later weight uses are removed (dead-neuron
  elimination across the layer graph), so neither they nor their products
  appear in the netlist.
* a graph (several heads, branches that merge): each layer starts when what it
  reads is ready; a branch that is ready earlier is delayed by registers to
  meet the other, and every output to the slowest one, so all outputs leave
  together after one latency (one ``ap_done``, one valid per output port).

The top's ports are :mod:`fpga_prune.rtl.portmap`'s; the casts, literals,
ROMs and table indices every layer is built from are
:mod:`fpga_prune.rtl.blocks`'s.  This module turns each layer of the network
into template data from those pieces and renders the design.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from fpga_prune.arith import fixed
from fpga_prune.arith.analysis import accumulation_order, input_live, live_neurons, reduce_tree
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import STABLE_PRE_1_0, ActivationLayer, DenseLayer, FixedNetwork, MergeLayer
from fpga_prune.errors import InputError
from fpga_prune.rtl.blocks import (
    Casts,
    addr_bits,
    cast_raw,
    extend,
    hex_literal,
    rom_context,
    sdec_literal,
    slice_top,
    table_index,
)
from fpga_prune.rtl.portmap import PortConvention, PortMap, Probe, default_port_map
from fpga_prune.templating import TemplateContext, render

SUPPORTED_ACTIVATIONS = ("linear", "relu", "sigmoid", "softmax")

# Register stages per layer kind (the top's latency is their sum).
DENSE_STAGES = 2
ACTIVATION_STAGES = 1
MERGE_STAGES = 1
SOFTMAX_STAGES = {"stable": 5, "latency": 5, "legacy": 4, "argmax": 1}


# --------------------------------------------------------------------------- helpers


def _ident(name: str) -> str:
    """A Verilog identifier from a Keras layer name."""
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = "l_" + s
    return s


# --------------------------------------------------------------------------- rendering


def _sigmoid_table(layer: ActivationLayer) -> tuple[list[int], int]:
    if "sigmoid" not in layer.tables or "sigmoid" not in layer.table_types:
        raise ValueError(f"layer {layer.name}: sigmoid needs tables['sigmoid'] and table_types['sigmoid']")
    table = np.asarray(layer.tables["sigmoid"], dtype=np.int64)
    size = int(layer.table_size if layer.table_size is not None else len(table))
    if size != len(table) or size < 2:
        raise ValueError(f"layer {layer.name}: table_size={size} but the table has {len(table)} entries")
    ttype = layer.table_types["sigmoid"]
    return [cast_raw(int(v), ttype, layer.result_type) for v in table], size


def _softmax_context(
    layer: ActivationLayer, lname: str, prefix: str, prev: dict[int, str], live: list[int], casts: Casts
) -> TemplateContext:
    """Template data for one softmax layer (see the module docstring and ``emulate._softmax``)."""
    sp = layer.softmax
    assert sp is not None  # ActivationLayer checks a softmax has its params
    impl = sp.implementation
    if impl == STABLE_PRE_1_0:
        raise InputError(
            f"layer {lname}", "softmax implementation", "hls4ml < 1.0 'stable' softmax has no RTL rendering here"
        )
    it, rt = layer.input_type, layer.result_type
    n = layer.n
    xw = it.width + 2  # inputs sign-extended: max - x and x_j - x_i fit
    xe = [{"j": j, "sig": f"{lname}_xe_{j}", "expr": extend(prev[j], it.width, it.signed, xw)} for j in range(n)]
    ctx: TemplateContext = {
        "impl": impl,
        "xw": xw,
        "xe": xe,
        "roms": [],
        "ys": [{"j": j, "y": f"{lname}_y_{j}"} for j in live],
    }
    if impl == "argmax":
        one = int(np.asarray(fixed.from_float(1.0, rt)))
        ctx.update(
            {
                "one": hex_literal(one, rt.width),
                "zero": f"{rt.width}'d0",
                "first_max": [
                    {
                        "j": j,
                        "y": f"{lname}_y_{j}",
                        "cond": " & ".join(
                            [f"({xe[j]['sig']} > {xe[i]['sig']})" for i in range(j)]
                            + [f"({xe[j]['sig']} >= {xe[i]['sig']})" for i in range(j + 1, n)]
                        )
                        or "1'b1",
                    }
                    for j in live
                ],
            }
        )
        return ctx
    n_exp, n_inv = sp.exp_table_size, sp.inv_table_size
    exp_tab = np.asarray(layer.tables["exp"], np.int64)
    inv_tab = np.asarray(layer.tables["invert"], np.int64)
    if len(exp_tab) != n_exp or len(inv_tab) != n_inv or n_exp < 2 or n_inv < 2:
        raise ValueError(
            f"layer {layer.name}: softmax tables have {len(exp_tab)}/{len(inv_tab)} entries, params say {n_exp}/{n_inv}"
        )
    eb, ib = addr_bits(n_exp), addr_bits(n_inv)
    if impl == "legacy":
        tt = layer.table_types["exp"]
        tw = tt.width
        one = int(np.asarray(fixed.from_float(1.0, tt)))
        exp_rom = rom_context(
            f"{prefix}{lname}_exp_rom",
            f"softmax (legacy) exp table of layer {layer.name}",
            [int(v) for v in exp_tab],
            tw,
            eb,
            str(tt),
        )
        inv_rom = rom_context(
            f"{prefix}{lname}_inv_rom",
            f"softmax (legacy) invert table of layer {layer.name}, cast to {rt}",
            [cast_raw(int(v), layer.table_types["invert"], rt) for v in inv_tab],
            rt.width,
            ib,
            str(rt),
        )
        pairs, rows = [], []
        for i in live:
            terms = []
            for j in range(n):
                if i == j:
                    terms.append(hex_literal(one, tw))
                    continue
                base = f"{lname}_p_{i}_{j}"
                d = f"{base}_d"
                pairs.append(
                    {
                        "i": i,
                        "j": j,
                        "d": d,
                        "dw": xw,
                        "a": xe[j]["sig"],
                        "b": xe[i]["sig"],
                        "addr": f"{base}_a",
                        "e": f"{base}_e",
                        "index": table_index(base, d, xw, True, n_exp, it.frac + 4, n_exp // 2, n_exp - 1, eb),
                    }
                )
                terms.append(f"{base}_e")
            inv_shift = tt.frac + 6 if tt.frac >= 0 else 6
            rows.append(
                {
                    "i": i,
                    "terms": terms,
                    "acc": f"{lname}_acc_{i}",
                    "addr": f"{lname}_ia_{i}",
                    "y": f"{lname}_y_{i}",
                    "index": table_index(
                        f"{lname}_s_{i}", f"{lname}_acc_{i}", tw, tt.signed, n_inv, inv_shift, 0, n_inv - 1, ib
                    ),
                }
            )
        ctx.update(
            {
                "tw": tw,
                "eb": eb,
                "ib": ib,
                "exp_rom": exp_rom["module"],
                "inv_rom": inv_rom["module"],
                "roms": [exp_rom, inv_rom],
                "pairs": pairs,
                "rows": rows,
                "zero_t": f"{tw}'d0",
                "satadd": f"{prefix}{lname}_satadd",
                "tsigned": tt.signed,
                "sum_cast": casts.get(tt, tt, src_width=tw + 1),
            }
        )
        return ctx
    acc_t, inv_inp_t = sp.accum_type, sp.inv_inp_type
    exp_t, inv_t = layer.table_types["exp"], layer.table_types["invert"]
    aw, vw = acc_t.width, inv_t.width
    exp_rom = rom_context(
        f"{prefix}{lname}_exp_rom",
        f"softmax ({impl}) exp table of layer {layer.name}, cast to {acc_t}",
        [cast_raw(int(v), exp_t, acc_t) for v in exp_tab],
        aw,
        eb,
        str(acc_t),
    )
    inv_rom = rom_context(
        f"{prefix}{lname}_inv_rom",
        f"softmax ({impl}) invert table of layer {layer.name}",
        [int(v) for v in inv_tab],
        vw,
        ib,
        str(inv_t),
    )
    addrs: list[TemplateContext] = []
    for j in range(n):
        if impl == "stable":
            norm_t = sp.inp_norm_type
            assert norm_t is not None  # SoftmaxParams checks 'stable' has it
            d_t = FixedType(True, xw, xw - it.frac)
            addrs.append(
                {
                    "j": j,
                    "d": f"{lname}_d_{j}",
                    "dn": f"{lname}_dn_{j}",
                    "norm_cast": casts.get(d_t, norm_t),
                    "nw": norm_t.width,
                    "slice": slice_top(f"{lname}_dn_{j}", norm_t.width, eb),
                    "addr": f"{lname}_ea_{j}",
                    "e": f"{lname}_e_{j}",
                    "e1": f"{lname}_e1_{j}",
                    "e2": f"{lname}_e2_{j}",
                }
            )
        else:
            addrs.append(
                {
                    "j": j,
                    "xl": f"{lname}_xl_{j}",
                    "src": prev[j],
                    "w": it.width,
                    "slice": slice_top(f"{lname}_xl_{j}", it.width, eb),
                    "addr": f"{lname}_ea_{j}",
                    "e": f"{lname}_e_{j}",
                    "e1": f"{lname}_e1_{j}",
                    "e2": f"{lname}_e2_{j}",
                }
            )
    # nnet::reduce's adder tree (one plan with emulate): operand k < n is exp entry k, then add k - n
    sigs = [a["e"] for a in addrs]
    nodes: list[dict[str, str]] = []
    for a, b in reduce_tree(len(sigs)):
        sigs.append(f"{lname}_sum_{len(nodes)}")
        nodes.append({"sig": sigs[-1], "a": sigs[a], "b": sigs[b]})
    root = sigs[-1]
    pw = aw + vw + 2
    prod_t = FixedType(True, pw, pw - (acc_t.frac + inv_t.frac))
    ctx.update(
        {
            "aw": aw,
            "vw": vw,
            "eb": eb,
            "ib": ib,
            "pw": pw,
            "roms": [exp_rom, inv_rom],
            "exp_rom": exp_rom["module"],
            "inv_rom": inv_rom["module"],
            "addrs": addrs,
            "max_chain": [f"{lname}_mx_{j}" for j in range(n)],
            "nodes": [
                {**nd, "ea": extend(nd["a"], aw, acc_t.signed, aw + 1), "eb": extend(nd["b"], aw, acc_t.signed, aw + 1)}
                for nd in nodes
            ],
            "add_cast": casts.get(acc_t, acc_t, src_width=aw + 1),
            "sum": root,
            "es": f"{lname}_es",
            "es_cast": casts.get(acc_t, inv_inp_t),
            "iw_inp": inv_inp_t.width,
            "inv_slice": slice_top(f"{lname}_es", inv_inp_t.width, ib),
            "inv_addr": f"{lname}_ia",
            "inv": f"{lname}_inv",
            "res_cast": casts.get(prod_t, rt),
            "e_ext": {a["j"]: extend(a["e2"], aw, acc_t.signed, pw) for a in addrs},
            "inv_ext": extend(f"{lname}_inv", vw, inv_t.signed, pw),
        }
    )
    return ctx


class _Delays:
    """Registers that hold a signal back a number of cycles, each chain built once and extended on demand."""

    def __init__(self) -> None:
        self.chains: dict[str, list[str]] = {}

    def get(self, sig: str, width: int, cycles: int, steps: list[TemplateContext]) -> str:
        """``sig`` ``cycles`` later; the registers this adds go to ``steps`` (rendered where they are needed)."""
        chain = self.chains.setdefault(sig, [sig])
        while len(chain) <= cycles:
            nxt = f"{sig}_q{len(chain)}"
            steps.append({"width": width, "src": chain[-1], "dst": nxt})
            chain.append(nxt)
        return chain[cycles]


def _merge_context(
    layer: MergeLayer, lname: str, ins: tuple[dict[int, str], dict[int, str]], live: list[int], casts: Casts
) -> TemplateContext:
    """Template data of one merge: ``y_j = cast<result_t>(a_j +/- b_j)`` or each element of ``a ++ b`` cast."""
    (t1, t2), rt = layer.input_types, layer.result_type
    elems = []
    if layer.op == "concatenate":
        n1 = layer.sizes[0]
        for j in live:
            src, t = (ins[0][j], t1) if j < n1 else (ins[1][j - n1], t2)
            elems.append({"y": f"{lname}_y_{j}", "expr": f"{casts.get(t, rt)}({src})"})
        return {"kind": "merge", "op": layer.op, "elems": elems}
    f = max(t1.frac, t2.frac)
    sw = max(t.width + (f - t.frac) + (not t.signed) for t in (t1, t2)) + 1
    sum_cast = casts.get(FixedType(True, sw, sw - f), rt)

    def aligned(sig: str, t: FixedType) -> str:
        sh = f - t.frac
        ext = extend(sig, t.width, t.signed, sw - sh)
        return ext if sh == 0 else "{" + ext + ", " + f"{sh}'d0" + "}"

    sign = "+" if layer.op == "add" else "-"
    for j in live:
        a, b = aligned(ins[0][j], t1), aligned(ins[1][j], t2)
        elems.append({"y": f"{lname}_y_{j}", "expr": f"{sum_cast}({a} {sign} {b})"})
    return {"kind": "merge", "op": layer.op, "elems": elems}


def _layer_context(
    network: FixedNetwork, prefix: str, casts: Casts, delays: _Delays
) -> tuple[list[TemplateContext], list[Probe], list[int], dict[int, str]]:
    """Per-layer template data, the probe list, the cycle each layer's output is ready and the input signals."""
    live = live_neurons(network)
    layers_ctx: list[TemplateContext] = []
    probes: list[Probe] = []
    inputs = {i: f"x_{i}" for i in input_live(network)}  # live index (of the input bus) -> signal name
    # per input array (source -1 - a): its live elements' signals by index in the array
    by_array = [
        {i - o: v for i, v in inputs.items() if o <= i < o + a.size}
        for o, a in zip(network.input_offsets, network.inputs, strict=True)
    ]
    signals: list[dict[int, str]] = []  # per layer: live output index -> signal name
    ready: list[int] = []  # per layer: cycles after the input is taken until its output holds
    for k, (layer, srcs) in enumerate(zip(network.layers, network.sources, strict=True)):
        lname = f"l{k + 1}_{_ident(layer.name)}"
        start = max(ready[j] if j >= 0 else 0 for j in srcs)
        steps: list[TemplateContext] = []
        reads: list[dict[int, str]] = []
        for j in srcs:  # what the layer reads, each source held back to ``start``
            sig = by_array[-1 - j] if j < 0 else signals[j]
            late = start - (ready[j] if j >= 0 else 0)
            w = network.source_type(j).width
            reads.append({i: delays.get(v, w, late, steps) if late else v for i, v in sig.items()})
        prev = reads[0]
        outs: dict[int, str] = {j: f"{lname}_y_{j}" for j in live[k]}
        if isinstance(layer, MergeLayer):
            for t, j in zip(layer.input_types, srcs, strict=True):
                if t != network.source_type(j):
                    raise ValueError(f"layer {layer.name}: input type {t} != {network.source_type(j)} it reads")
            ctx: TemplateContext = {
                "name": lname,
                "src_name": layer.name,
                "index": k + 1,
                "result_width": layer.result_type.width,
                "result_type": str(layer.result_type),
                "input_type": ", ".join(str(t) for t in layer.input_types),
                "outs": [{"j": j, "sig": s} for j, s in outs.items()],
                "delays": steps,
                **_merge_context(layer, lname, (reads[0], reads[1]), live[k], casts),
            }
            ready.append(start + MERGE_STAGES)
            layers_ctx.append(ctx)
            signals.append(outs)
            probes.append(_probe(layer.name, k, ready[-1], layer.result_type, outs))
            continue
        prev_type = network.source_type(srcs[0])
        if layer.input_type != prev_type:
            raise ValueError(f"layer {layer.name}: input_type {layer.input_type} != previous result type {prev_type}")
        stage = start
        ctx = {
            "name": lname,
            "src_name": layer.name,
            "index": k + 1,
            "result_width": layer.result_type.width,
            "result_type": str(layer.result_type),
            "input_type": str(layer.input_type),
            "outs": [{"j": j, "sig": s} for j, s in outs.items()],
            "delays": steps,
        }
        if isinstance(layer, DenseLayer):
            xw, ww = layer.input_type.width, layer.weight_type.width
            pw = xw + ww + 2
            aw = layer.accum_type.width
            prod_frac = layer.input_type.frac + layer.weight_type.frac
            prod_type = FixedType(True, pw, pw - prod_frac)
            used_inputs = sorted({i for j in live[k] for i in range(layer.n_in) if layer.weights[i, j] != 0})
            ext = [
                {
                    "i": i,
                    "src": prev[i],
                    "sig": f"{lname}_xe_{i}",
                    "expr": extend(prev[i], xw, layer.input_type.signed, pw),
                }
                for i in used_inputs
            ]
            products = []
            neurons = []
            order = [int(i) for i in accumulation_order(layer)]
            for j in live[k]:
                terms = []
                for i in order:
                    w = int(layer.weights[i, j])
                    if w == 0:
                        continue
                    base = f"{lname}_m_{i}_{j}"
                    products.append(
                        {
                            "i": i,
                            "j": j,
                            "p": f"{base}_p",
                            "c": f"{base}_c",
                            "r": f"{base}_r",
                            "xe": f"{lname}_xe_{i}",
                            "w": sdec_literal(w, pw),
                            "w_int": w,
                            "cast": casts.get(prod_type, layer.accum_type),
                        }
                    )
                    terms.append(f"{base}_r")
                bias = cast_raw(int(layer.biases[j]), layer.bias_type, layer.accum_type)
                neurons.append(
                    {
                        "j": j,
                        "terms": terms,
                        "bias": hex_literal(bias, aw),
                        "bias_int": bias,
                        "acc": f"{lname}_acc_{j}",
                        "yc": f"{lname}_yc_{j}",
                        "y": outs[j],
                    }
                )
            ctx.update(
                {
                    "kind": "dense",
                    "n_in": layer.n_in,
                    "n_out": layer.n_out,
                    "pw": pw,
                    "aw": aw,
                    "accum_type": str(layer.accum_type),
                    "weight_type": str(layer.weight_type),
                    "nnz": int(np.count_nonzero(layer.weights)),
                    "n_products": len(products),
                    "wrap": layer.accum_type.saturation == "AP_WRAP",
                    "acc_signed": layer.accum_type.signed,
                    "sum_cast": casts.get(layer.accum_type, layer.accum_type, src_width=aw + 1),
                    "satadd": f"{prefix}{lname}_satadd",
                    "res_cast": casts.get(layer.accum_type, layer.result_type),
                    "ext": ext,
                    "products": products,
                    "neurons": neurons,
                }
            )
            stage += DENSE_STAGES
        elif isinstance(layer, ActivationLayer):
            if layer.activation not in SUPPORTED_ACTIVATIONS:
                raise ValueError(
                    f"layer {layer.name}: activation {layer.activation!r} has no RTL template; "
                    f"supported: {', '.join(SUPPORTED_ACTIVATIONS)}"
                )
            it = layer.input_type
            ctx.update(
                {
                    "kind": layer.activation,
                    "n": layer.n,
                    "iw": it.width,
                    "in_signed": it.signed,
                    "cast": casts.get(it, layer.result_type) if layer.activation in ("linear", "relu") else None,
                    "roms": [],
                    "ins": [{"j": j, "x": prev[j], "c": f"{lname}_c_{j}", "y": outs[j]} for j in live[k]],
                }
            )
            if layer.activation == "sigmoid":
                table, size = _sigmoid_table(layer)
                ab = addr_bits(size)
                rom = rom_context(
                    f"{prefix}{lname}_rom",
                    f"sigmoid table of layer {layer.name}",
                    table,
                    layer.result_type.width,
                    ab,
                    str(layer.result_type),
                )
                # index = trunc0(x * size / 16) + size / 2, x = raw * 2**-frac
                ctx.update(
                    {
                        "size": size,
                        "half": size // 2,
                        "rom": rom["module"],
                        "roms": [rom],
                        "index": {
                            j: table_index(
                                f"{lname}_c_{j}",
                                prev[j],
                                it.width,
                                it.signed,
                                size,
                                it.frac + 4,
                                size // 2,
                                size - 1,
                                ab,
                            )
                            for j in live[k]
                        },
                    }
                )
            elif layer.activation == "softmax":
                ctx.update(_softmax_context(layer, lname, prefix, prev, live[k], casts))
            stage += SOFTMAX_STAGES[ctx["impl"]] if layer.activation == "softmax" else ACTIVATION_STAGES
        else:  # pragma: no cover - the IR has three layer kinds
            raise TypeError(type(layer))
        ready.append(stage)
        probes.append(_probe(layer.name, k, stage, layer.result_type, outs))
        layers_ctx.append(ctx)
        signals.append(outs)
    return layers_ctx, probes, ready, inputs


def _probe(name: str, k: int, latency: int, t: FixedType, outs: dict[int, str]) -> Probe:
    return {
        "layer": name,
        "index": k + 1,
        "latency": latency,
        "width": t.width,
        "signed": t.signed,
        "signals": {str(j): s for j, s in outs.items()},
    }


def render_rtl(
    network: FixedNetwork,
    top: str = "myproject",
    input_name: str = "input_1",
    output_name: str | None = None,
    convention: PortConvention | None = None,
    output_names: Sequence[str] | None = None,
) -> dict[str, str]:
    """Relative path -> text of the Verilog design and its ``ports.json``.

    Files: ``<top>.v`` (the top, with one function per distinct cast),
    ``<top>_<layer>_<table>rom.v`` for each lookup table (sigmoid, softmax
    exp/invert), ``ports.json``.  ``output_names``: the top's output arrays
    of a network with several (``output_name``: the one of a chain).
    Deterministic: same network and names give byte-identical files.
    """
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        raise ValueError(f"top name {top!r} is not a Verilog identifier")
    prefix = f"{top}_"
    casts = Casts(prefix)
    delays = _Delays()  # one set of delay lines: an output may reuse a branch's
    layers_ctx, probes, ready, inputs = _layer_context(network, prefix, casts, delays)
    latency = max(ready[k] for k in network.output_indices)
    ports = default_port_map(network, top, input_name, output_name, convention, output_names)
    ports = PortMap(
        **{
            **asdict(ports),
            "outputs": ports.outputs,
            "output_vlds": ports.output_vlds,
            "output_widths": ports.output_widths,
            "output_signeds": ports.output_signeds,
            "probes": tuple(probes),
            "latency": latency,
        }
    )
    iw = network.input_type.width
    in_elems: list[TemplateContext] = []  # every element of every input array: its signal, or unused
    dead_in: list[str] = []
    for off, (in_port, _vld, w, n, _sg) in zip(network.input_offsets, ports.input_arrays(), strict=True):
        for i in range(n):
            if off + i in inputs:
                in_elems.append({"i": off + i, "sig": inputs[off + i], "lo": i * w, "w": w, "port": in_port})
            else:
                dead_in.append(f"{in_port}[{i * w + w - 1}:{i * w}]")
    out_delays: list[TemplateContext] = []
    outputs = []
    port = 0
    for k in network.output_indices:  # each output array's live elements, held back to the slowest output
        t = network.layers[k].result_type
        sigs = {o["j"]: o["sig"] for o in layers_ctx[k]["outs"]}
        for j in range(network.source_size(k)):
            if j in sigs:
                late = latency - ready[k]
                sig = delays.get(sigs[j], t.width, late, out_delays) if late else sigs[j]
                outputs.append(
                    {"port": ports.outputs[port], "vld": ports.output_vlds[port], "sig": sig, "w": t.width, "type": t}
                )
            port += 1
    ctx = {
        "top": top,
        "prefix": prefix,
        "network": network.name,
        "ports": ports,
        "latency": latency,
        "iw": iw,
        "inputs": in_elems,
        "dead_inputs": dead_in,
        "extra_inputs": [
            {"port": p, "vld": v, "bits": w * n, "n": n, "type": str(a.type)}
            for (p, v, w, n, _sg), a in zip(ports.input_arrays()[1:], network.inputs[1:], strict=True)
        ],
        "in_vld": " & ".join(v for _p, v, _w, _n, _sg in ports.input_arrays() if v),
        "layers": layers_ctx,
        "casts": casts.functions(),
        "outputs": outputs,
        "out_delays": out_delays,
        "input_type": str(network.input_type),
    }
    files = {f"{top}.v": render("rtl/top.v.j2", ctx), "ports.json": ports.to_json()}
    for lc in layers_ctx:
        for rom in lc.get("roms", ()):
            files[f"{rom['module']}.v"] = render("rtl/rom.v.j2", {"rom": rom, "network": network.name})
    return files
