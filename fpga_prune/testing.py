"""Networks and inputs for tests and benchmarks: no Keras, no hls4ml, every arithmetic corner; and a dry run of
the generated Vivado Tcl.

Why in the package (not under ``tests/``): the benches, the RTL simulations
and users reproducing a bug need the same fixtures the tests use.  Tables come
from ``fpga_prune.arith.tables``, as the hls4ml adapter builds them.
"""

from __future__ import annotations

import numpy as np

from fpga_prune.arith import tables
from fpga_prune.arith.fixed import OVERFLOW_MODES, QUANT_MODES, FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork, Layer, SoftmaxImplementation, SoftmaxParams


def synthetic_network(
    seed: int = 0,
    n_in: int = 12,
    hidden: tuple[int, ...] = (32, 16),
    n_out: int = 1,
    sparsity: float = 0.7,
    io: FixedType | None = None,
    weight: FixedType | None = None,
    accum: FixedType | None = None,
    result: FixedType | None = None,
    dead_input: bool = True,
) -> FixedNetwork:
    """A sparse dense/relu MLP with a sigmoid head, shaped like the default pruned model.

    Why: simulator and RTL tests need a network independent of Keras training;
    random weights over the full range with tight types exercise saturation.
    """
    rng = np.random.default_rng(seed)
    io = io or FixedType(True, 16, 6)
    weight = weight or FixedType(True, 8, 2)
    accum = accum or FixedType(True, 18, 8, "AP_RND_CONV", "AP_SAT")
    result = result or FixedType(True, 16, 6)
    relu_t = FixedType(False, 12, 4, "AP_RND", "AP_SAT")
    sig_t = FixedType(False, 10, 0, "AP_RND", "AP_SAT")
    layers: list[Layer] = []
    prev, in_t = n_in, io
    sizes = [*hidden, n_out]
    for k, n in enumerate(sizes):
        w = rng.integers(weight.raw_min, weight.raw_max + 1, size=(prev, n))
        w[rng.random((prev, n)) < sparsity] = 0
        if k == 0 and dead_input:
            w[prev - 1, :] = 0  # a pruned-away input
        if k == 1 and n > 1:
            w[:, n - 1] = 0  # a neuron with no input weights (bias only)
        if k == 1 and prev > 1:
            w[prev - 1, :] = 0  # layer-0 neuron no one reads: dead
        b = rng.integers(-(1 << 10), 1 << 10, size=n)
        last = k == len(sizes) - 1
        layers.append(
            DenseLayer(
                name=f"dense_{k}" if k else "dense",
                input_type=in_t,
                weight_type=weight,
                bias_type=weight,
                accum_type=accum,
                result_type=result,
                weights=w.astype(np.int64),
                biases=b.astype(np.int64),
            )
        )
        if last:
            tt = FixedType(True, 18, 8)
            layers.append(tables.sigmoid_layer("sigmoid", result, sig_t, n, 1024, tt))
        else:
            layers.append(
                ActivationLayer(
                    name=f"relu_{k}" if k else "relu", activation="relu", input_type=result, result_type=relu_t, n=n
                )
            )
            in_t = relu_t
        prev = n
    return FixedNetwork(name=f"synthetic_{seed}", input_type=io, n_inputs=n_in, layers=tuple(layers))


def softmax_layer(
    name: str,
    input_type: FixedType,
    result_type: FixedType,
    n: int,
    implementation: SoftmaxImplementation = "stable",
    table_size: int = 1024,
    table_type: FixedType | None = None,
) -> ActivationLayer:
    """A softmax layer with hls4ml's default types and its tables, as the adapter builds them.

    Defaults are what hls4ml 1.3 resolves for ``Dense(n, activation='softmax')``:
    exp/invert tables, accum_t and inv_inp_t ``ap_fixed<18,8,AP_RND,AP_SAT>``,
    ``inp_norm_t = ap_ufixed<W-1,I-1>`` of the input (stable), legacy tables
    ``ap_fixed<18,8>``.
    """
    tt = table_type or FixedType(True, 18, 8, "AP_RND", "AP_SAT")
    norm = FixedType(False, input_type.width - 1, input_type.integer - 1) if implementation == "stable" else None
    params = SoftmaxParams(
        implementation=implementation,
        exp_table_size=table_size,
        inv_table_size=table_size,
        accum_type=tt,
        inv_inp_type=tt,
        inp_norm_type=norm,
    )
    if implementation == "legacy":
        lt = table_type or FixedType(True, 18, 8)
        return tables.softmax_layer(name, input_type, result_type, n, params, lt, lt)
    return tables.softmax_layer(name, input_type, result_type, n, params, tt, tt)


def synthetic_softmax_network(
    seed: int = 0,
    n_in: int = 8,
    hidden: tuple[int, ...] = (12,),
    n_classes: int = 3,
    implementation: SoftmaxImplementation = "stable",
    sparsity: float = 0.5,
) -> FixedNetwork:
    """A small sparse relu MLP with a softmax head (the ``direction3`` model's shape)."""
    base = synthetic_network(seed, n_in=n_in, hidden=hidden, n_out=n_classes, sparsity=sparsity, dead_input=False)
    last = base.layers[-2]
    head = softmax_layer("softmax", last.result_type, FixedType(True, 16, 6), n_classes, implementation)
    return FixedNetwork(
        name=f"synthetic_softmax_{implementation}_{seed}",
        input_type=base.input_type,
        n_inputs=n_in,
        layers=(*base.layers[:-1], head),
    )


def cast_sweep_network(seed: int = 0, width: int = 4) -> FixedNetwork:
    """Dense layers whose accum/result types cover every rounding x overflow mode the RTL supports.

    Why: the RTL renders each distinct cast as its own Verilog function; this
    network makes every mode (7 quantization x 4 overflow = 28 types, two per
    layer) both round (bits are dropped) and overflow (narrow types, large
    weights), so one simulation proves them all against the bit-accurate model.
    """
    rng = np.random.default_rng(seed)
    combos = [(q, o) for o in OVERFLOW_MODES for q in QUANT_MODES]
    io = FixedType(True, 10, 4)
    weight = FixedType(True, 6, 2)  # products: 10 fractional bits
    layers: list[Layer] = []
    in_t, prev = io, width
    for k in range(0, len(combos), 2):
        (qa, oa), (qr, orr) = combos[k], combos[k + 1]
        accum = FixedType(True, 12, 5, qa, oa)  # 7 fractional bits: products round; +-16: sums overflow
        result = FixedType(True, 9, 4, qr, orr)  # 5 fractional bits; +-8
        w = rng.integers(weight.raw_min, weight.raw_max + 1, size=(prev, width))
        w[rng.random((prev, width)) < 0.2] = 0
        b = rng.integers(-40, 40, size=width)
        layers.append(
            DenseLayer(
                name=f"dense_{k // 2}",
                input_type=in_t,
                weight_type=weight,
                bias_type=weight,
                accum_type=accum,
                result_type=result,
                weights=w.astype(np.int64),
                biases=b.astype(np.int64),
            )
        )
        in_t, prev = result, width
    return FixedNetwork(name=f"cast_sweep_{seed}", input_type=io, n_inputs=width, layers=tuple(layers))


def random_inputs(network: FixedNetwork, n: int, seed: int = 0) -> np.ndarray:
    """Raw inputs spread over the whole input range (extremes included)."""
    rng = np.random.default_rng(seed)
    t = network.input_type
    x = np.round(rng.normal(0, 2.0, size=(n, network.n_inputs)) * 2**t.frac).astype(np.int64)
    x = np.clip(x, t.raw_min, t.raw_max)
    k = min(n, 4)
    x[:k] = np.array([t.raw_max, t.raw_min, 0, 1], dtype=np.int64)[:k, None]
    return x


def tcl_dry_run(script: str) -> list[str]:
    """Runs a Vivado block-design Tcl script with each Vivado command stubbed to record its call (returned in
    order): it must be complete Tcl that reaches its end.  Why: the block designs are tested without Vivado."""
    import tkinter  # noqa: PLC0415  (only the tests that run Tcl need it)

    tcl = tkinter.Tcl()
    tcl.eval("set ::calls {}")
    for cmd in (
        "create_bd_design",
        "apply_bd_automation",
        "set_property",
        "connect_bd_intf_net",
        "assign_bd_address",
        "validate_bd_design",
        "save_bd_design",
    ):
        tcl.eval(f"proc {cmd} args {{ lappend ::calls [concat {cmd} $args]; return {{}} }}")
    tcl.eval("proc create_bd_cell args { lappend ::calls [concat create_bd_cell $args]; return [lindex $args end] }")
    tcl.eval(
        "proc get_ipdefs args { set n [lindex [split [lindex $args end] :] 2]; "
        "return [list xilinx.com:ip:$n:1.0 xilinx.com:ip:$n:2.1] }"
    )
    tcl.eval("proc get_bd_intf_pins args { return [lindex $args end] }")
    tcl.eval("proc get_bd_pins args { return [lindex $args end] }")
    tcl.eval("proc get_bd_nets args { return {} }")
    assert tcl.eval(f"info complete {{{script}}}") == "1"
    tcl.eval(script)
    return [str(c) for c in tcl.splitlist(tcl.eval("set ::calls"))]
