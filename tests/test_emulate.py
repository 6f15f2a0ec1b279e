"""emulate and hls_adapter without compiling: order, fast path, settings JSON."""

from __future__ import annotations

import numpy as np
import pytest

import fpga_prune  # noqa: F401
from fpga_prune import emulate
from fpga_prune import hls_adapter as ha
from fpga_prune.errors import InputError
from fpga_prune.fixed import FixedType
from fpga_prune.ir import ActivationLayer, DenseLayer, FixedNetwork

INT8 = FixedType.parse("ap_fixed<8,8>")


def _dense(w, b, strategy="latency", rf=1, accum="ap_fixed<4,4,AP_TRN,AP_SAT>"):
    w = np.asarray(w, dtype=np.int64)
    return DenseLayer(name="d", input_type=INT8, weight_type=INT8, bias_type=INT8,
                      accum_type=FixedType.parse(accum), result_type=FixedType.parse("ap_fixed<8,8>"),
                      weights=w, biases=np.asarray(b, dtype=np.int64), strategy=strategy, reuse_factor=rf)


def test_resource_rf_leq_nin_accumulates_in_strided_order():
    layer = _dense(np.ones((64, 32)), np.zeros(32), strategy="resource", rf=8)
    order = emulate.accumulation_order(layer)
    assert order[:10].tolist() == [0, 8, 16, 24, 32, 40, 48, 56, 1, 9]
    assert sorted(order.tolist()) == list(range(64))
    assert emulate.accumulation_order(_dense(np.ones((12, 64)), np.zeros(64), "resource", 24)).tolist() == list(range(12))


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
    assert rep[0]["points"]["accum"] == {"mode": "saturate", "type": "ap_fixed<4,4,AP_TRN,AP_SAT>",
                                         "vectors": 1, "values": 1}


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
        ActivationLayer("b_sig", "sigmoid", acc_t, res_t, 1,
                        tables={"sigmoid": ha.sigmoid_table(1024, FixedType(True, 18, 8))},
                        table_types={"sigmoid": FixedType(True, 18, 8)}, params={"table_size": 1024}),
    )
    net = FixedNetwork("n", in_t, 12, layers)
    x = rng.integers(-32768, 32768, (5000, 12))
    fast = emulate.predict_raw(net, x)
    exact = emulate.trace(net, x)
    assert np.array_equal(fast, exact[-1])
    wrapped = emulate.overflow_report(net, x)[1]["points"]["result"]
    assert wrapped["mode"] == "wrap" and wrapped["vectors"] > 100


@pytest.mark.parametrize("acc, res", [
    ("ap_ufixed<19,14>", "ap_fixed<3,2,AP_TRN_ZERO,AP_WRAP>"),  # found by bench/fuzz_bitexact.py (seed 1, #19)
    ("ap_fixed<9,5>", "ap_fixed<8,5,AP_RND_ZERO,AP_SAT>"),  # signed accumulator that wraps, saturating result
    ("ap_fixed<9,5>", "ap_fixed<9,5>"),  # result == accum: the wrap is the only cast
])
def test_fast_path_wraps_the_accumulator_before_the_result_cast(acc, res):
    """A sum that leaves a wrapping accum_t is wrapped there first (C++ ``acc[j] += mult``), then cast."""
    rng = np.random.default_rng(1)
    in_t = w_t = FixedType.parse("ap_fixed<4,3,AP_RND_ZERO,AP_WRAP>")
    layer = DenseLayer("fc1", in_t, w_t, w_t, FixedType.parse(acc), FixedType.parse(res),
                       rng.integers(-8, 8, (16, 4)), rng.integers(-8, 8, 4))
    net = FixedNetwork("n", in_t, 16, (layer,))
    assert emulate.dense_plan(layer).mode == "float" and not emulate.dense_plan(layer).accum_safe
    x = rng.integers(-8, 8, (3000, 16))
    exact = emulate.trace(net, x)[-1]
    assert np.array_equal(emulate.predict_raw(net, x), exact)
    # the reference by hand: exact sum, wrapped into accum_t, then cast to result_t
    from fpga_prune import fixed

    acc_t, res_t = layer.accum_type, layer.result_type
    total = (x @ layer.weights) * 2 ** (acc_t.frac - 2) + fixed.cast(layer.biases, w_t, acc_t)
    want = fixed.cast(fixed.cast(total, acc_t, acc_t), acc_t, res_t)
    assert np.array_equal(exact, want)


def test_sigmoid_table_endpoints_and_midpoint():
    t = FixedType(True, 18, 8)
    table = ha.sigmoid_table(1024, t)
    assert table[512] == 512  # sigmoid(0) = 0.5 -> 0.5 * 2**10
    assert table[0] == 0  # sigmoid(-8) = 3.35e-4 truncates to 0 at 10 fractional bits
    assert table[-1] == 1023  # sigmoid(7.98) = 0.99966 -> floor(1023.65)


def test_settings_json_round_trip_and_errors(tmp_path):
    s = (ha.HlsSettings(strategy="resource", reuse_factor=2)
         .with_layer("fc2", accum="ap_fixed<20,8,AP_RND,AP_SAT>", reuse_factor=8))
    p = tmp_path / "hls_config.json"
    s.write(p)
    assert ha.HlsSettings.read(p) == s
    assert ha.HlsSettings.read(p).layer("fc2").reuse_factor == 8
    with pytest.raises(InputError, match="strategy"):
        ha.HlsSettings.from_json('{"strategy": "fastest"}')
    with pytest.raises(InputError, match="layers.fc1.accum"):
        ha.HlsSettings.from_json('{"layers": {"fc1": {"accum": "ap_fixed<20"}}}')
    with pytest.raises(InputError, match="unknown setting"):
        ha.HlsSettings.from_json('{"reuse": 2}')


def test_hls4ml_precision_strings_parse_to_fixed_types():
    assert str(ha.to_fixed_type("fixed<27,10,TRN,WRAP,0>")) == "ap_fixed<27,10>"
    assert str(ha.to_fixed_type("ufixed<8,2,RND_CONV,SAT>")) == "ap_ufixed<8,2,AP_RND_CONV,AP_SAT>"
    assert ha.to_fixed_type("ap_int<6>") == FixedType(True, 6, 6)
