"""Issue 20: what Vivado HLS builds on 7-series parts, and the softmax variants' cycles (rules in estimate.rules)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import DenseLayer, FixedNetwork
from fpga_prune.boards import board_for_part, speed_grade
from fpga_prune.estimate.context import context
from fpga_prune.estimate.core import RULES, EstimateOptions, estimate, estimate_dense
from fpga_prune.testing import softmax_layer

T16 = FixedType.parse("ap_fixed<16,6>")
VIVADO = EstimateOptions(hls_tool="vivado-2019.2")
# camillaMiao/Hls-and-bambu@15f53439: the same 16x4 Dense (ap_fixed<16,6>) built on both parts at 5 ns
Z7020_1 = board_for_part("xc7z020clg400-1", 5.0)
VX690T_3 = board_for_part("xc7vx690t-ffg1930-3", 5.0)
U250 = board_for_part("xcu250-figd2104-2L-e", 5.0)


def dense16x4() -> DenseLayer:
    w = np.arange(64, dtype=np.int64).reshape(16, 4) * 37 + 301  # 64 distinct constants, 62 with >= 3 CSD digits
    return DenseLayer("d", T16, T16, T16, T16, T16, w, np.zeros(4, np.int64))


def test_speed_grade_of_part_names():
    assert [speed_grade(p) for p in ("xc7z020clg400-1", "xc7vx690t-3ffg1930", "xcu250-figd2104-2L-e")] == [1, 3, 2]
    assert speed_grade("xc7a100t") is None


def test_vivado_7series_registers_every_product_and_its_multiplier_cores():
    slow, fast, us = (estimate_dense(dense16x4(), b, VIVADO) for b in (Z7020_1, VX690T_3, U250))
    assert slow.dsp == fast.dsp == slow.mults_in_dsp == 62
    # -1: a two-stage core of 67 FF per DSP product (the bambu z7020 report: 50 of them), one cycle more than -3
    assert slow.ff - fast.ff >= 62 * RULES["mul_core_ff"].for_tool("vivado")  # and its second boundary
    assert slow.latency_cycles == fast.latency_cycles + 1
    # a 7-series boundary registers the products (or the partial sums after the adder levels before it) in
    # fabric, 1 FF per bit (1605 FF for 64 26-bit products on xc7vx690t-3); UltraScale+ keeps them in the DSP48E2
    crossing = fast.ff - fast.ff_top
    assert 62 * 26 * 0.6 <= crossing <= 64 * 26 * 1.1
    assert us.ff - us.ff_top < crossing / 5
    # Vitis never lists the cores (its 7-series registers: ff_crossing_scale_7series)
    assert not context(Z7020_1, EstimateOptions(hls_tool="vitis-2024.1")).mul_core
    assert context(Z7020_1, VIVADO).mul_core and not context(VX690T_3, VIVADO).mul_core


def _softmax_net(implementation: str) -> FixedNetwork:
    return FixedNetwork("s", T16, 5, (softmax_layer("sm", T16, T16, 5, implementation),))  # type: ignore[arg-type]


def test_latency_softmax_skips_the_max_search():
    # astitwlathe/example-hls4ml@3d789a7f: softmax_latency n=5 in 2 cycles on xcvu9p at 5 ns; stable ones 3-5
    lat = estimate(_softmax_net("latency"), U250, VIVADO).layers[0].latency_cycles
    stable = estimate(_softmax_net("stable"), U250, VIVADO).layers[0].latency_cycles
    assert lat == 2
    assert stable > lat


def test_softmax_with_fabric_products_is_two_cycles_shorter():
    board = board_for_part("xc7z007s-clg225-2", 3.33)
    opts = EstimateOptions(hls_tool="vitis-2021.1", mul_impl="dsp")
    dsp = estimate(_softmax_net("stable"), board, opts).layers[0]
    fabric = estimate(_softmax_net("stable"), board, replace(opts, mul_impl="fabric")).layers[0]
    # ak_jet_tagging (n=5, 3.33 ns): 16 cycles with DSP products, 13 in fabric
    assert dsp.latency_cycles == 16
    assert fabric.latency_cycles == 14


def test_resource_layer_registers_each_input_twice():
    # layer_tt_output_64x1_res_u250_vhls2019 (Vivado HLS 2019.2, RF 32, 16-bit): 2,027 FF, 1,998 of them the
    # rewind and phi registers of its 64 inputs; the fixed 2,000 per layer this replaced gave a 20-input layer as much
    w = np.arange(1, 65, dtype=np.int64).reshape(64, 1) * 37 + 301
    wide = DenseLayer("o", T16, T16, T16, T16, T16, w, np.zeros(1, np.int64), strategy="resource", reuse_factor=32)
    est = estimate_dense(wide, U250, VIVADO)
    assert 0.9 * 2027 <= est.ff <= 1.1 * 2027
    narrow = replace(wide, weights=w[:16], reuse_factor=16)
    assert estimate_dense(narrow, U250, VIVADO).ff < est.ff / 3


def test_a_long_clock_registers_fewer_layer_outputs_but_the_whole_input():
    # Kenny-Jia/ToyVAE small_SNL_VAE Latency builds at 25 ns: 2,851 / 2,339 FF, about the 1,824 input bits
    # plus a fifth of the 3,176 layer-output bits (top_clock_ref_ns 5 / 25)
    net = FixedNetwork("t", T16, 16, (dense16x4(),))
    fast = estimate(net, board_for_part("xcvu9p-flga2104-2-e", 5.0), VIVADO).layers[0]
    slow = estimate(net, board_for_part("xcvu9p-flga2104-2-e", 25.0), VIVADO).layers[0]
    per_bit = RULES["ff_top_per_bit"].value
    assert fast.ff_top == round((16 * 16 + 4 * 16) * per_bit)
    assert slow.ff_top == round((16 * 16 + 4 * 16 * 5 / 25) * per_bit)


def test_a_few_dsp_products_do_not_delay_a_fabric_layers_partial_sums():
    # Lrozzy/hls4ml_OpenML model_3.1_3 (HGQ, Vitis 2024.1, xcu50): 3 DSP products of 235 and 38 registered partial
    # sums, as many as the fabric products alone would leave at the boundary
    rng = np.random.default_rng(0)
    w = rng.choice([1, 2, -4, 8, 3, -6, 12], size=(16, 32)).astype(np.int64)  # shift/adds only
    board, opts = board_for_part("xcu50-fsvh2104-2-e", 5.0), EstimateOptions(hls_tool="vitis-2024.1")
    fabric = estimate_dense(DenseLayer("d", T16, T16, T16, T16, T16, w, np.zeros(32, np.int64)), board, opts)
    w[0, 0] = 301  # one product in a DSP
    mixed = estimate_dense(DenseLayer("d", T16, T16, T16, T16, T16, w, np.zeros(32, np.int64)), board, opts)
    assert mixed.dsp == 1 and mixed.latency_cycles == fabric.latency_cycles == 1
    assert fabric.ff <= mixed.ff <= 1.1 * fabric.ff
    all_dsp = np.full((16, 32), 301, np.int64) + np.arange(32) * 7
    dsp = estimate_dense(DenseLayer("d", T16, T16, T16, T16, T16, all_dsp, np.zeros(32, np.int64)), board, opts)
    assert dsp.ff > 1.8 * fabric.ff  # every sum waits for its DSP products: one adder level fewer


def test_vivado_softmax_registers_a_stage_fewer_but_its_products_are_cores_on_slow_7series():
    # n=5 stable softmax at 5 ns: Vitis HLS 2022.2 on xcu250 5 cycles, Vivado HLS 2019.2 4, 4, 3; on xc7z020-1 13
    net = _softmax_net("stable")
    vitis = estimate(net, U250, EstimateOptions(hls_tool="vitis-2022.2")).layers[0].latency_cycles
    vivado = estimate(net, U250, VIVADO).layers[0].latency_cycles
    z7020 = estimate(net, Z7020_1, VIVADO).layers[0].latency_cycles
    assert (vitis, vivado) == (5, 4)
    assert abs(z7020 - 13) <= 1
