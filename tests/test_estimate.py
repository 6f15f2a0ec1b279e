"""Behaviour of the resource estimator's rules (each rule in isolation, with real numbers)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork, SoftmaxParams
from fpga_prune.boards import Caps, load_board
from fpga_prune.errors import InputError
from fpga_prune.estimate.core import (
    RULES,
    EstimateOptions,
    bram18_count,
    constant_stats,
    dsp_count,
    estimate,
    estimate_dense,
    valid_reuse_factors,
)

T16 = FixedType.parse("ap_fixed<16,6>")
T18 = FixedType.parse("ap_fixed<18,8,AP_RND,AP_SAT>")
SOFTMAX = SoftmaxParams("latency", 1024, 1024, T18, T18)  # hls4ml's default tables
PYNQ = load_board("pynq-z2")  # DSP48E1 25x18
ZCU = load_board("zcu104")  # DSP48E2 27x18


def dense(w, *, x=T16, wt=T16, acc=T16, strategy="latency", rf=1, name="d"):
    w = np.asarray(w, dtype=np.int64)
    return DenseLayer(name, x, wt, wt, acc, acc, w, np.zeros(w.shape[1], np.int64), strategy=strategy, reuse_factor=rf)


def test_constant_stats_csd_and_effective_width():
    csd, eff = constant_stats(np.array([0, 1, -1, 2, 3, 7, 8, -96, 0b1011011, 341]))
    assert csd.tolist() == [0, 1, 1, 1, 2, 2, 1, 2, 4, 5]
    # odd part + sign bit: 96 = 3 * 32 -> 3 bits; 341 = 0b101010101 -> 10 bits
    assert eff.tolist() == [0, 2, 2, 2, 3, 4, 2, 3, 8, 10]


def test_zero_weights_cost_nothing_in_latency_strategy():
    w = np.tile([91, -83, 171, 309], (8, 1))  # every constant has >= 3 CSD digits -> one DSP each
    assert (constant_stats(w.ravel())[0] >= 3).all()
    full = estimate_dense(dense(w), PYNQ)
    w0 = w.copy()
    w0[:, 2:] = 0
    half = estimate_dense(dense(w0), PYNQ)
    assert full.dsp == 32 and half.dsp == 16
    assert half.mults_nonzero == 16 and half.mults_total == 32
    assert half.lut < full.lut and half.ff < full.ff
    allzero = estimate_dense(dense(np.zeros((8, 4))), PYNQ)
    assert (allzero.dsp, allzero.mults_in_dsp, allzero.mults_in_lut) == (0, 0, 0)


def test_power_of_two_weights_are_lut_shifts():
    w = np.array([[1, 2, 4, -8], [16, -32, 64, 128]])  # all +-2^k
    le = estimate_dense(dense(w), PYNQ)
    assert le.dsp == 0 and le.mults_in_lut == 8 and le.mults_in_dsp == 0
    # two CSD digits (2^a +- 2^b) are one adder, still no DSP; three digits need a DSP
    assert estimate_dense(dense([[3, 6, 7, 96]]), PYNQ).dsp == 0
    assert estimate_dense(dense([[11, 0, 0, 0]]), PYNQ).dsp == 1  # 11 = 8+2+1


def test_narrow_operands_go_to_luts_wide_to_dsp():
    x6 = FixedType.parse("ap_ufixed<6,0>")  # 7 bits signed
    w8 = FixedType.parse("ap_fixed<8,1>")
    w = [[0b1011011 - 64, 45, 83, -77]]  # >= 3 CSD digits
    assert estimate_dense(dense(w, x=x6, wt=w8), PYNQ).dsp == 0
    assert estimate_dense(dense(w, x=x6, wt=w8), PYNQ).mults_in_lut == 4
    assert estimate_dense(dense(w, x=T16, wt=w8), PYNQ).dsp == 4  # 16-bit input: DSP even for 7-bit constants


def test_products_wider_than_the_dsp_take_more_dsps():
    assert dsp_count(18, 25, (25, 18)) == 1
    assert dsp_count(19, 24, (25, 18)) == 2  # hls4ml issue #31: "19 x 24 requires two DSPs"
    assert dsp_count(18, 27, (27, 18)) == 1  # fits a DSP48E2 ...
    assert dsp_count(18, 27, (25, 18)) == 2  # ... but not a DSP48E1
    assert dsp_count(35, 25, (25, 18)) == 2  # UG479 wide multiply
    assert dsp_count(32, 32, (25, 18)) == 4
    x26 = FixedType.parse("ap_fixed<26,8>")
    wide = (1 << 17) + (1 << 9) + 5  # 19-bit odd-ish constant, 4 CSD digits
    w = np.array([[wide]])
    # 26-bit input x 20-bit constant: 1 DSP48E2 impossible (26>18 and 20>18 on the B port) -> 2
    assert estimate_dense(dense(w, x=x26, wt=FixedType.parse("ap_fixed<24,6>")), ZCU).dsp == 2
    x18 = FixedType.parse("ap_fixed<18,8>")
    w27 = np.array([[(1 << 24) + (1 << 12) + (1 << 6) + 1]])  # 26-bit constant
    assert estimate_dense(dense(w27, x=x18, wt=FixedType.parse("ap_fixed<28,6>")), ZCU).dsp == 1
    assert estimate_dense(dense(w27, x=x18, wt=FixedType.parse("ap_fixed<28,6>")), PYNQ).dsp == 2


def test_resource_strategy_shares_multipliers_and_stores_weights_in_bram():
    rng = np.random.default_rng(2)
    w = rng.integers(-500, 500, size=(16, 64))
    w[rng.random(w.shape) < 0.9] = 0  # zeros do not help a ROM-fed multiplier
    for rf, block in [(4, 256), (16, 64), (64, 16), (256, 4)]:
        le = estimate_dense(dense(w, strategy="resource", rf=rf), PYNQ)
        assert le.mults_in_dsp == block == -(-16 * 64 // rf)
        assert le.dsp == block
        assert le.interval_cycles == rf and le.latency_cycles >= rf
        # ROM of rf words x block*16 bits in 512x36 / 1Kx18 blocks
        assert le.bram18k == bram18_count(rf, block * 16) > 0
    assert bram18_count(64, 96) == 3 and bram18_count(1024, 18) == 1 and bram18_count(2048, 16) == 2
    le = estimate_dense(dense(w, strategy="resource", rf=1), PYNQ)  # RF=1: constants, like latency
    assert le.bram18k == 0


DISTINCT8 = [91, -83, 171, 309, 45, -77, 107, 229]  # 8 constants with >= 3 CSD digits


def test_latency_strategy_reuse_caps_multipliers():
    w = np.tile(DISTINCT8, (16, 1))  # 128 DSP products, all distinct per input, at RF=1
    assert (constant_stats(np.array(DISTINCT8))[0] >= 3).all()
    assert estimate_dense(dense(w), PYNQ).dsp == 128
    le = estimate_dense(dense(w, rf=4), PYNQ)
    # multiplier_limit = 128/4 = 32; II = min(R, ceil(128 mul ops / 32) + 1) = 4
    assert le.dsp == 32 and le.interval_cycles == 4
    le = estimate_dense(dense(w, rf=64), PYNQ)  # limit 2: II = min(64, 64 + 1)
    assert le.dsp == 2 and le.interval_cycles == 64


def test_one_multiplier_per_distinct_input_constant_pair():
    # Vitis: x_i * c is built once per input and shared by every output using c; x_i * (-c) is another.
    w = np.array([[91, 91, -91, 83], [91, 0, 91, 91]])
    assert estimate_dense(dense(w), PYNQ).dsp == 3 + 1
    # Vivado HLS negates after the multiplier: +-c share (jet_f16_rf1_u250_vhls2019 layer counts)
    viv = EstimateOptions(hls_tool="vivado-2019.2")
    assert estimate_dense(dense(w), PYNQ, viv).dsp == 2 + 1


def test_forced_multiplier_binding():
    x8 = FixedType.parse("ap_fixed<8,2>")
    w8 = FixedType.parse("ap_fixed<8,1>")
    w = np.array([[91, -83, 45, -77]])  # 8-bit x 8-bit, >= 3 CSD digits: LUT multipliers by default
    assert estimate_dense(dense(w, x=x8, wt=w8), PYNQ).dsp == 0
    forced = EstimateOptions(hls_tool="vitis-2021.1", mul_impl="dsp")
    assert estimate_dense(dense(w, x=x8, wt=w8), PYNQ, forced).dsp == 4
    # shift/adds stay in LUTs even when forced ('config_op mul -impl dsp' binds only real multiplications)
    assert estimate_dense(dense([[3, 6, -8, 96]], x=x8, wt=w8), PYNQ, forced).dsp == 0
    fabric = EstimateOptions(mul_impl="fabric")
    assert estimate_dense(dense(np.array([DISTINCT8[:4]])), PYNQ, fabric).dsp == 0


def test_invalid_reuse_factor_lists_valid_ones():
    assert valid_reuse_factors(32, 5) == (1, 2, 4, 8, 16, 32, 160)
    with pytest.raises(InputError) as exc:
        estimate_dense(dense(np.ones((32, 5)), strategy="resource", rf=64, name="output"), PYNQ)
    msg = str(exc.value)
    assert msg.startswith("layer output: reuse_factor: 64 is not valid for a 32x5 Dense")
    assert msg.endswith("valid: 1, 2, 4, 8, 16, 32, 160") and "\n" not in msg


def test_valid_reuse_factors_match_hls4ml():
    from hls4ml.backends import get_backend

    backend = get_backend("Vitis")
    for n_in, n_out in [(12, 64), (64, 32), (32, 5), (7, 3), (16, 64), (30, 1), (1, 9), (24, 36)]:
        assert valid_reuse_factors(n_in, n_out) == tuple(backend.get_valid_reuse_factors(n_in, n_out))


def _mlp(rf=1, strategy="latency", sparsity=0.0, seed=0):
    rng = np.random.default_rng(seed)
    layers, n_prev = [], 12
    for i, n in enumerate([64, 32, 3]):
        w = rng.integers(-512, 512, size=(n_prev, n))
        w[rng.random(w.shape) < sparsity] = 0
        layers.append(
            DenseLayer(
                f"dense{i}",
                T16,
                T16,
                T16,
                T16,
                T16,
                w.astype(np.int64),
                rng.integers(-64, 64, n).astype(np.int64),
                strategy=strategy,
                reuse_factor=rf,
            )
        )
        layers.append(
            ActivationLayer(f"act{i}", "relu", T16, T16, n)
            if n != 3
            else ActivationLayer(f"act{i}", "softmax", T16, T16, n, softmax=SOFTMAX)
        )
        n_prev = n
    return FixedNetwork("mlp", T16, 12, tuple(layers))


def test_network_totals_fit_and_headroom():
    est = estimate(_mlp(), PYNQ)
    assert est.dsp == sum(le.dsp for le in est.layers)
    # the top adds a fixed part and one per Dense call (7-series), packed into fewer cycles at 10 ns than at 5
    top = (RULES["top_cycles"].value + 3 * RULES["top_cycles_per_dense_7series"].value) * 5.0 / 10.0
    # (14: the 'latency' softmax without a max search, rules' softmax_latency_fixed_cycles; 17 before)
    assert est.latency_cycles == sum(le.latency_cycles for le in est.layers) + round(top) == 14 + 4
    assert est.latency_ns == pytest.approx(est.latency_cycles * 10.0)
    assert est.dsp > 220 * 0.8 and not est.fits(PYNQ)  # ~2900 products do not fit 220 DSPs
    assert est.headroom(PYNQ)["dsp"] == 176 - est.dsp
    assert est.utilization(PYNQ)["dsp"] == pytest.approx(est.dsp / 220)
    assert est.fits(load_board("alveo-u250"))
    sparse = estimate(_mlp(sparsity=0.95), PYNQ)
    assert sparse.dsp < est.dsp * 0.1
    assert sparse.fits(PYNQ, Caps(dsp=1.0)) == (
        sparse.dsp <= 220 and sparse.lut <= 37240 and sparse.ff <= 53200 and sparse.bram18k <= 224
    )
    d = est.to_dict(PYNQ)
    assert d["totals"]["dsp"] == est.dsp and d["fits"] is False and len(d["layers"]) == 6


def test_faster_family_needs_fewer_cycles_at_same_clock():
    net = _mlp()
    slow = estimate(net, replace(PYNQ, clock_period_ns=5.0))
    fast = estimate(net, replace(ZCU, clock_period_ns=5.0))
    assert fast.latency_cycles <= slow.latency_cycles
    assert estimate(net, replace(PYNQ, clock_period_ns=2.5)).latency_cycles > slow.latency_cycles


def test_every_rule_has_a_basis():
    assert all(r.basis and len(r.basis) > 20 for r in RULES.values())


def test_fits_upper_uses_the_band():
    net = _mlp(sparsity=0.9)
    est = estimate(net, ZCU)
    up = est.upper()
    assert all(up[r] >= est.used()[r] for r in up) and up["lut"] > est.lut
    # a cap just above the point estimate of LUT: fits on the estimate, not on its upper bound
    lut_cap = (est.lut + 1) / ZCU.lut
    caps = Caps(dsp=1.0, bram=1.0, lut=lut_cap, ff=1.0)
    assert est.fits(ZCU, caps) and not est.fits_upper(ZCU, caps)
    assert est.fits_upper(ZCU, Caps(dsp=1.0, bram=1.0, lut=(up["lut"] + 1) / ZCU.lut, ff=1.0))


def test_layers_add_up_to_the_totals():
    est = estimate(_mlp(sparsity=0.5), ZCU)
    for q in ("dsp", "bram18k", "lut", "ff"):
        assert sum(getattr(le, q) for le in est.layers) == getattr(est, q)


def test_budget_names_the_binding_resource_and_carries_the_bounds():
    from fpga_prune.search.budget import binding_resource, budget_dict

    est = estimate(_mlp(sparsity=0.9), PYNQ)
    doc = budget_dict(
        board=PYNQ,
        caps=Caps(),
        estimate=est,
        fits=est.fits(PYNQ),
        design={},
        accuracy={},
        pruning={"sparsity": 0.9},
        history=[],
        shortfall=None,
    )
    budget = Caps().budget(PYNQ)
    ratios = {r: est.used()[r] / budget[r] for r in ("dsp", "bram18k", "lut", "ff")}
    assert doc["binding_resource"] == max(ratios, key=ratios.get)
    assert doc["bounds"]["confidence"] == 0.9 and doc["bounds"]["dsp"][0] <= est.dsp <= doc["bounds"]["dsp"][1]
    assert binding_resource({"dsp": 0, "bram18k": 0, "uram": 1, "lut": 0, "ff": 0}, PYNQ, Caps()) == "uram"


# ----------------------------------------------------------------------------- Vitis 2022+ rules (public reports)
U250 = load_board("alveo-u250")
VITIS = EstimateOptions(hls_tool="vitis-2024.1")


def test_lut_or_dsp_is_decided_on_the_widths_the_tool_types():
    """A 10-bit unsigned input times a positive 10-bit constant stays in LUTs (csynth: mul_10ns_10ns in LUTs);
    one more input bit, or a signed input of the same width (11 bits with its sign), takes a DSP."""
    c = 0b1011011011  # 10 bits, 6 CSD digits: a real multiplier
    u10, u11, s10 = FixedType(False, 10, 10), FixedType(False, 11, 11), FixedType(True, 11, 11)
    wt = FixedType(True, 12, 12)
    assert estimate_dense(dense([[c]], x=u10, wt=wt), U250, VITIS).dsp == 0
    assert estimate_dense(dense([[c]], x=u11, wt=wt), U250, VITIS).dsp == 1
    assert estimate_dense(dense([[c]], x=s10, wt=wt), U250, VITIS).dsp == 1
    assert estimate_dense(dense([[-c]], x=u10, wt=wt), U250, VITIS).dsp == 1  # a negative constant: 11 bits


def test_outputs_nothing_reads_are_not_counted():
    rng = np.random.default_rng(3)
    w1 = rng.integers(-500, 500, size=(8, 6))
    w2 = rng.integers(-500, 500, size=(6, 2))
    w2[4:, :] = 0  # neurons 4 and 5 of the first layer feed nothing
    net = FixedNetwork(
        "n", T16, 8, (dense(w1, name="a"), ActivationLayer("r", "relu", T16, T16, 6), dense(w2, name="b"))
    )
    est = estimate(net, U250, VITIS)
    alone = estimate_dense(dense(w1[:, :4], name="a"), U250, VITIS)
    assert est.layers[0].dsp == alone.dsp and est.layers[0].mults_nonzero == alone.mults_nonzero == 32
    assert (
        est.layers[1].lut
        == estimate(FixedNetwork("m", T16, 4, (ActivationLayer("r", "relu", T16, T16, 4),)), U250, VITIS).layers[0].lut
    )


def test_softmax_tables_as_vitis_2022_replicates_them():
    """exp table: one dual-port copy per two elements; one inverse table; 1024 x 18 takes two BRAM_18K on
    UltraScale+ (no parity bits for data) and one on a Zynq-7000 (public reports: 8, 12 and 3 BRAM)."""

    def sm_bram(n, board):
        lay = ActivationLayer("sm", "softmax", T16, T16, n, softmax=SOFTMAX, table_types={"exp": T18, "invert": T18})
        return estimate(FixedNetwork("s", T16, n, (lay,)), board, VITIS).bram18k

    assert (sm_bram(5, U250), sm_bram(10, U250), sm_bram(3, PYNQ)) == (3 * 2 + 2, 5 * 2 + 2, 2 + 1)
    assert bram18_count(1024, 18) == 1 and bram18_count(1024, 18, parity=False) == 2
    assert bram18_count(1024, 16, parity=False) == 1


def test_adder_trees_grow_from_the_products_width():
    """Narrow products (4-bit inputs) need narrower adders than 16-bit ones, up to the accumulator."""
    w = np.full((32, 4), 3)  # 2 CSD digits: shift/adds
    wide = estimate_dense(dense(w, x=T16, acc=FixedType(True, 24, 12)), U250, VITIS)
    narrow = estimate_dense(dense(w, x=FixedType(True, 4, 2), acc=FixedType(True, 24, 12)), U250, VITIS)
    assert narrow.lut < 0.6 * wide.lut and narrow.dsp == wide.dsp == 0


def test_top_cycles_per_dense_fewer_at_long_clocks_and_larger_intervals():
    from fpga_prune.estimate.context import context
    from fpga_prune.estimate.core import top_cycles

    net = _mlp()
    ctx5 = context(replace(U250, clock_period_ns=5.0), VITIS)
    ctx25 = context(replace(U250, clock_period_ns=25.0), VITIS)
    per = RULES["top_cycles_per_dense"].for_tool("vitis")
    assert top_cycles(net, ctx5) == RULES["top_cycles"].value + 3 * per == 4  # 3 Dense calls
    assert top_cycles(net, ctx25) == 1  # 25 ns: (1 + 3) x 5/25, rounded
    exp = RULES["top_interval_exponent"].for_tool("vitis")
    assert top_cycles(net, ctx5, interval=4) == round(1 + 3 * per * 4**-exp) == 3 < top_cycles(net, ctx5)


def test_a_shared_dsp_gets_a_multiplexer_beyond_reuse_factor_2_under_vitis():
    rng = np.random.default_rng(5)
    w = rng.integers(-500, 500, size=(8, 6))
    w[np.abs(w) < 10] = 77
    one = estimate_dense(dense(w, rf=1), PYNQ, VITIS)
    four = estimate_dense(dense(w, rf=4), PYNQ, VITIS)
    assert four.dsp == 12 and four.interval_cycles == 4
    # + 12 DSPs x (16 + 16) operand bits x 1.2 LUT of multiplexers, - the glue of the DSPs no longer built
    mux = 12 * 32 * RULES["lut_reuse_mux_per_bit"].for_tool("vitis")
    glue = (one.mults_in_dsp - 12) * RULES["lut_per_dsp_mult"].value
    assert four.lut - one.lut == pytest.approx((mux - glue) * RULES["lut_scale"].for_tool("vitis"), abs=1)
    assert four.latency_cycles >= max(one.latency_cycles, 3) + 2
