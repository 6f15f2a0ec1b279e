"""The estimator against public hls4ml synthesis reports (each test names its source).

Tolerances are stated per quantity and are honest: DSP and BRAM follow mechanically
from the hls4ml templates; LUT/FF are heuristics whose constants were calibrated on
the first report below (so that test guards the calibration, not an independent check);
the second report is independent of the calibration.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork, SoftmaxParams
from fpga_prune.boards import load_board
from fpga_prune.estimate.core import EstimateOptions, estimate

# github.com/camillaMiao/Hls-and-bambu, vivadohls/model_single_dense/hls4ml_prj:
# firmware/weights/w2.h (16x4 Keras Dense, ap_fixed<16,6> everywhere, biases all zero),
# myproject_prj/solution1/syn/report/dense_latency_ap_fixed_ap_fixed_config2_0_0_0_0_0_csynth.rpt:
# Vivado HLS 2019.2, xc7vx690t-ffg1930-3, 5 ns clock, Strategy Latency, ReuseFactor 1 ->
# DSP48E 55, FF 1605, LUT 1731, BRAM 0, latency 2 cycles, II 1.
W2 = [
    0.0607030988,
    -0.3053082824,
    0.3997552395,
    0.3037489057,
    0.1589673758,
    0.0332601666,
    -0.5319032669,
    0.4091588259,
    -0.0331681371,
    -0.1240822971,
    0.4230104685,
    0.1498450637,
    -0.5456667542,
    0.3919103146,
    -0.4295465946,
    0.5039720535,
    -0.3161664605,
    0.1780302525,
    -0.4151838422,
    -0.3842934370,
    0.5336163044,
    0.3775234222,
    -0.4790917933,
    0.1720689535,
    -0.0421561599,
    0.5297911167,
    0.4272217751,
    0.2914144397,
    0.2749270201,
    -0.2233490944,
    -0.0449110270,
    0.1957942843,
    -0.2665536404,
    0.1735829711,
    0.3112035990,
    0.5352047682,
    -0.3109483123,
    -0.5284721851,
    -0.0009819865,
    -0.4406368732,
    0.5134999752,
    0.3907418251,
    0.3920695186,
    -0.0304863453,
    0.0266354680,
    0.2055535913,
    0.0930700302,
    0.2459003329,
    -0.4900744557,
    -0.2917698920,
    0.5349042416,
    -0.3901861906,
    0.4259216189,
    0.2941711545,
    -0.2656918764,
    -0.5313456059,
    0.3234823346,
    -0.0070515871,
    0.2256483436,
    -0.0305917859,
    0.2654577494,
    -0.1909091473,
    -0.0670752227,
    -0.3062797189,
]

F16_6 = FixedType.parse("ap_fixed<16,6>")


def _virtex7_5ns():
    """xc7vx690t has DSP48E1 (25x18) like our 7-series boards; only the clock differs."""
    return replace(load_board("pynq-z2"), name="xc7vx690t", part="xc7vx690t-ffg1930-3", clock_period_ns=5.0)


def test_single_dense_latency_vivado_hls_2019_2():
    # ap_fixed(double) truncates toward -inf (AP_TRN): raw = floor(w * 2^10).
    raw = np.floor(np.asarray(W2) * 1024).astype(np.int64).reshape(16, 4)
    layer = DenseLayer("dense_1", F16_6, F16_6, F16_6, F16_6, F16_6, raw, np.zeros(4, np.int64))
    est = estimate(
        FixedNetwork("single_dense", F16_6, 16, (layer,)), _virtex7_5ns(), EstimateOptions(hls_tool="vivado-2019.2")
    )
    le = est.layers[0]
    assert le.dsp == 55  # exact: the 9 weights with <= 2 CSD digits are shift/add
    assert le.mults_in_dsp == 55 and le.mults_in_lut == 9
    assert le.bram18k == 0
    # LUT: Vivado's lut_scale (0.85) is fitted on this layer (1.02) and the *_vhls2019 designs (0.70): +-20%.
    assert abs(le.lut - 1731) <= 0.20 * 1731
    # FF is NOT asserted: this layer registers 0.78 FF per product-bit per stage, the UltraScale+ Vivado
    # reports 0.13 (see RULES["ff_per_product_bit_stage"]); the band covers the spread, not this point.
    assert abs(le.latency_cycles - 2) <= 1
    assert le.interval_cycles == 1


def _tutorial7_network() -> FixedNetwork:
    """hls4ml-tutorial part 7 model: the part-4 QKeras jet tagger 16-64-32-32-5, 6-bit weights
    (quantized_bits(6,0,alpha=1) -> ap_fixed<6,1>), quantized_relu(6) -> ap_ufixed<6,0>,
    input ap_fixed<16,6>, softmax with 18-bit tables, 75% of weights pruned.  Weight values
    are synthetic: Resource-strategy DSP/BRAM do not depend on them."""
    rng = np.random.default_rng(0)
    w6 = FixedType.parse("ap_fixed<6,1>")
    relu_t = FixedType.parse("ap_ufixed<6,0>")
    acc = FixedType.parse("ap_fixed<24,12>")
    layers = []
    n_prev, x_t = 16, F16_6
    for i, (n, rf) in enumerate([(64, 64), (32, 64), (32, 64), (5, 32)]):
        w = rng.integers(-32, 32, size=(n_prev, n))
        w[rng.random(w.shape) < 0.75] = 0
        last = i == 3
        layers.append(
            DenseLayer(
                f"fc{i + 1}" if not last else "output",
                x_t,
                w6,
                w6,
                acc,
                F16_6 if last else acc,
                w.astype(np.int64),
                np.zeros(n, np.int64),
                strategy="resource",
                reuse_factor=rf,
            )
        )
        if not last:
            layers.append(ActivationLayer(f"relu{i + 1}", "relu", acc, relu_t, n))
            x_t = relu_t
        n_prev = n
    t18 = FixedType.parse("ap_fixed<18,8>")
    layers.append(
        ActivationLayer(
            "softmax",
            "softmax",
            F16_6,
            F16_6,
            5,
            table_types={"exp": t18, "invert": FixedType.parse("ap_fixed<18,4>")},
            softmax=SoftmaxParams("latency", 1024, 1024, t18, t18),
        )
    )
    return FixedNetwork("jet_qkeras_pruned", F16_6, 16, tuple(layers))


def test_tutorial7_resource_rf64_pynq_z2():
    # github.com/fastmachinelearning/hls4ml-tutorial/issues/40 (2023-05-03): the part-7 model on
    # PYNQ-Z2 (xc7z020clg400-1), VivadoAccelerator backend, Strategy Resource, ReuseFactor 64
    # (the 32x5 output layer falls back to hls4ml's closest valid RF, 32), Vivado HLS
    # csynth "Instance" row: BRAM_18K 16, DSP48E 21.
    est = estimate(_tutorial7_network(), load_board("pynq-z2"), EstimateOptions(hls_tool="vivado-2019.2"))
    by = {le.name: le for le in est.layers}
    assert by["fc1"].dsp == 16  # 16-bit input x 6-bit weight: block_factor 1024/64 DSPs
    assert by["fc2"].dsp == by["fc3"].dsp == by["output"].dsp == 0  # 7-bit x 6-bit: LUT multipliers
    assert by["softmax"].dsp == 5  # exp_res[i] * inv_sum, 18x18
    assert est.dsp == 21  # published: 21
    assert abs(est.bram18k - 16) <= 2  # published: 16 (our 13 weight ROMs + 4 softmax tables = 17)
    assert by["fc1"].interval_cycles == 64
