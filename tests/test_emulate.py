"""emulate without compiling: hardware order under saturation, the fast path, overflow counts."""

from __future__ import annotations

import numpy as np
import pytest

from fpga_prune.arith import emulate
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork
from fpga_prune.arith.tables import sigmoid_table

INT8 = FixedType.parse("ap_fixed<8,8>")


def _dense(w, b, strategy="latency", rf=1, accum="ap_fixed<4,4,AP_TRN,AP_SAT>"):
    w = np.asarray(w, dtype=np.int64)
    return DenseLayer(
        name="d",
        input_type=INT8,
        weight_type=INT8,
        bias_type=INT8,
        accum_type=FixedType.parse(accum),
        result_type=FixedType.parse("ap_fixed<8,8>"),
        weights=w,
        biases=np.asarray(b, dtype=np.int64),
        strategy=strategy,
        reuse_factor=rf,
    )


def test_saturating_accumulator_result_depends_on_hardware_order():
    # products 7, -7, 7, -7 into ap_fixed<4,4,AP_TRN,AP_SAT> (range -8..7)
    w = [[7], [-7], [7], [-7]]
    x = np.array([[1, 1, 1, 1]])
    lat = FixedNetwork("n", INT8, 4, (_dense(w, [7]),))
    res = FixedNetwork("n", INT8, 4, (_dense(w, [7], "resource", 2),))
    # latency: 7 +7 ->7 (sat) -7 ->0 +7 ->7 -7 ->0
    assert emulate.predict_raw(lat, x).tolist() == [[0]]
    # resource RF=2 walks inputs 0,2,1,3: 7 +7 ->7 +7 ->7 -7 ->0 -7 ->-7
    assert emulate.predict_raw(res, x).tolist() == [[-7]]
    assert emulate.dense_plan(lat.layers[0]).mode == "ordered"
    rep = emulate.overflow_report(res, x)
    assert rep[0]["points"]["accum"] == {
        "mode": "saturate",
        "type": "ap_fixed<4,4,AP_TRN,AP_SAT>",
        "vectors": 1,
        "values": 1,
    }


def test_fast_float_path_equals_exact_integer_path():
    rng = np.random.default_rng(0)
    in_t = FixedType.parse("ap_fixed<16,6>")
    w_t = FixedType.parse("ap_fixed<16,6>")
    acc_t = FixedType.parse("ap_fixed<37,17>")
    res_t = FixedType.parse("ap_fixed<16,6>")
    w1 = rng.integers(-30000, 30000, (12, 20))
    w2 = rng.integers(-3000, 3000, (20, 1))
    layers = (
        DenseLayer("a", in_t, w_t, w_t, acc_t, acc_t, w1, rng.integers(-2000, 2000, 20)),
        ActivationLayer("a_relu", "relu", acc_t, res_t, 20),  # wraps: values far beyond +-32
        DenseLayer("b", res_t, w_t, w_t, acc_t, acc_t, w2, rng.integers(-2000, 2000, 1)),
        ActivationLayer(
            "b_sig",
            "sigmoid",
            acc_t,
            res_t,
            1,
            tables={"sigmoid": sigmoid_table(1024, FixedType(True, 18, 8))},
            table_types={"sigmoid": FixedType(True, 18, 8)},
            table_size=1024,
        ),
    )
    net = FixedNetwork("n", in_t, 12, layers)
    x = rng.integers(-32768, 32768, (5000, 12))
    fast = emulate.predict_raw(net, x)
    exact = emulate.trace(net, x)
    assert np.array_equal(fast, exact[-1])
    wrapped = emulate.overflow_report(net, x)[1]["points"]["result"]
    assert wrapped["mode"] == "wrap" and wrapped["vectors"] > 100


@pytest.mark.parametrize(
    "acc, res",
    [
        ("ap_ufixed<19,14>", "ap_fixed<3,2,AP_TRN_ZERO,AP_WRAP>"),  # found by bench/fuzz_bitexact.py (seed 1, #19)
        ("ap_fixed<9,5>", "ap_fixed<8,5,AP_RND_ZERO,AP_SAT>"),  # signed accumulator that wraps, saturating result
        ("ap_fixed<9,5>", "ap_fixed<9,5>"),  # result == accum: the wrap is the only cast
    ],
)
def test_fast_path_wraps_the_accumulator_before_the_result_cast(acc, res):
    """A sum that leaves a wrapping accum_t is wrapped there first (C++ ``acc[j] += mult``), then cast."""
    rng = np.random.default_rng(1)
    in_t = w_t = FixedType.parse("ap_fixed<4,3,AP_RND_ZERO,AP_WRAP>")
    layer = DenseLayer(
        "fc1",
        in_t,
        w_t,
        w_t,
        FixedType.parse(acc),
        FixedType.parse(res),
        rng.integers(-8, 8, (16, 4)),
        rng.integers(-8, 8, 4),
    )
    net = FixedNetwork("n", in_t, 16, (layer,))
    assert emulate.dense_plan(layer).mode == "float" and not emulate.dense_plan(layer).accum_safe
    x = rng.integers(-8, 8, (3000, 16))
    exact = emulate.trace(net, x)[-1]
    assert np.array_equal(emulate.predict_raw(net, x), exact)
    # the reference by hand: exact sum, wrapped into accum_t, then cast to result_t
    from fpga_prune.arith import fixed

    acc_t, res_t = layer.accum_type, layer.result_type
    total = (x @ layer.weights) * 2 ** (acc_t.frac - 2) + fixed.cast(layer.biases, w_t, acc_t)
    want = fixed.cast(fixed.cast(total, acc_t, acc_t), acc_t, res_t)
    assert np.array_equal(exact, want)


def test_fast_path_sat_sym_moves_an_in_range_minimum():
    """AP_SAT_SYM maps the type's minimum itself to min + 1, also when nothing overflows (fuzz seed 1, #279)."""
    t_in = FixedType.parse("ap_fixed<4,3>")
    res = FixedType.parse("ap_fixed<12,3,AP_TRN,AP_SAT_SYM>")
    layer = DenseLayer(
        "fc1", t_in, t_in, t_in, FixedType.parse("ap_fixed<20,11>"), res, np.array([[2]]), np.array([0])
    )  # y = 1.0 * x
    net = FixedNetwork("n", t_in, 1, (layer,))
    assert emulate.dense_plan(layer).mode == "float"
    x = np.arange(-8, 8).reshape(-1, 1)  # -4.0 .. 3.5
    fast, exact = emulate.predict_raw(net, x), emulate.trace(net, x)[-1]
    assert np.array_equal(fast, exact)
    assert int(exact[0, 0]) == -2047 and int(exact[1, 0]) == -7 * 2**8  # -4.0 -> -max; -3.5 exact
