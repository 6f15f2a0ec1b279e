"""Error bands by band family and repository count, uncalibrated tool versions, and the rules of issue 20.

Each rule test names the public design its numbers come from (``estimate.rules.RULES`` cites them).
"""

from __future__ import annotations

import numpy as np
import pytest

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork
from fpga_prune.boards import at_clock, board_for_part
from fpga_prune.estimate.bands import (
    FORCED,
    HGQ,
    RATIOS,
    REPOSITORIES,
    UNCALIBRATED,
    band_factors,
    band_family,
    family_factors,
    widening,
)
from fpga_prune.estimate.core import EstimateOptions, estimate, estimate_dense
from fpga_prune.estimate.tools import TOOL_FAMILIES, is_calibrated
from fpga_prune.hls.calibration import leave_group_out, observe, predict
from tiers import CALIBRATION, calibration

T16 = FixedType.parse("ap_fixed<16,6>")
VIVADO = EstimateOptions(hls_tool="vivado-2019.2")
U250 = board_for_part("xcu250-figd2104-2L-e", 5.0)


def _dense(w, x=T16, wt=T16, acc=T16, strategy="latency", rf=1):
    w = np.asarray(w, dtype=np.int64)
    return DenseLayer("d", x, wt, wt, acc, acc, w, np.zeros(w.shape[1], np.int64), strategy=strategy, reuse_factor=rf)


def _odd_weights(shape, seed=0, lo=1000, hi=30000):
    """Constants with >= 3 CSD digits (DSP products), random signs."""
    rng = np.random.default_rng(seed)
    w = rng.integers(lo, hi, size=shape) | 0b10101
    return w * rng.choice([-1, 1], size=shape)


def test_fewer_repositories_widen_the_band():
    table = {"vitis": {"lut": (0.8, 0.9, 1.0, 1.1, 1.2) * 2}}
    one = family_factors("vitis", 0.9, table, {"vitis": ("a/x",)})["lut"]
    four = family_factors("vitis", 0.9, table, {"vitis": ("a/x", "b/y", "c/z", "d/w")})["lut"]
    mine = family_factors("vitis", 0.9, table, {})["lut"]  # a user's own ratios: not widened
    assert mine[0] == pytest.approx(0.8) and mine[1] == pytest.approx(1.2)
    assert one[0] < four[0] < mine[0] and one[1] > four[1] > mine[1]
    assert widening(1) == 2.0 and widening(4) == 1.5  # 1 + 1.0 / sqrt(k)
    assert four[1] == pytest.approx(1.2**1.5)


def test_shipped_bands_cover_every_family_and_the_widest_is_the_uncalibrated_one():
    assert set(RATIOS) == set(REPOSITORIES) and {HGQ, FORCED, "vivado", "vitis"} <= set(RATIOS)
    widest = dict((q, (lo, hi)) for q, lo, hi in band_factors(UNCALIBRATED, 0.9))
    for fam in (*TOOL_FAMILIES, HGQ, FORCED):
        for q, lo, hi in band_factors(fam, 0.9):
            assert widest[q][0] <= lo <= 1.0 <= hi <= widest[q][1], (fam, q)
    assert band_family("vitis", hgq=True) == HGQ and band_family("vitis", forced=True, hgq=True) == FORCED
    assert band_family("vivado", calibrated=False, forced=True) == UNCALIBRATED


def test_a_tool_version_outside_every_calibrated_family_says_so_and_gets_the_widest_band():
    assert is_calibrated("vivado-2019.2") and is_calibrated("vitis-2021.1") and is_calibrated("vitis-2025.1")
    assert not is_calibrated("vivado-2018.3") and not is_calibrated("vitis-2026.1")
    net = FixedNetwork("n", T16, 8, (_dense(_odd_weights((8, 4))),))
    known = estimate(net, U250, VIVADO)
    old = estimate(net, U250, EstimateOptions(hls_tool="vivado-2018.3"))
    assert (known.lut, known.ff, known.dsp) == (old.lut, old.ff, old.dsp)  # Vivado HLS's rules either way
    assert known.band_family == "vivado" and old.band_family == UNCALIBRATED
    assert "band_note" not in known.to_dict() and "vivado-2018.3" in old.to_dict()["band_note"]
    k, o = known.bounds(), old.bounds()
    assert all(o[q][0] <= k[q][0] and o[q][1] >= k[q][1] for q in k)
    assert o["latency_cycles"][1] > k["latency_cycles"][1]  # the forced-binding family's latency band is wider


def test_hgq_networks_get_the_hgq_band():
    t = FixedType(True, 4, 2)
    q = ActivationLayer("q", "quantizer", T16, T16, 8, element_types=(t,) * 8)
    net = FixedNetwork("n", T16, 8, (q, _dense(_odd_weights((8, 4)))))
    assert estimate(net, U250).band_family == HGQ
    assert estimate(FixedNetwork("n", T16, 8, (_dense(_odd_weights((8, 4))),)), U250).band_family == "vitis"


def test_vivado_registers_products_split_over_two_dsps_in_fabric():
    # fastmachinelearning/ml4quantum-release forward_problem (Vivado HLS 2019.1, xczu3eg, 5 ns): the 12x20
    # layer of 28-bit inputs x 18-bit weights (2 DSPs a product) has 10,083 FF for 240 products (42 each), the
    # 16x64 layer of jet_f16_rf1_u250_vhls2019 (16 x 16 bits, one DSP each) 2,030 for 960 (2.1 each).
    zu3 = board_for_part("xczu3eg-sbva484-1-e", 5.0)
    wide = _dense(
        _odd_weights((12, 20), lo=3000, hi=100000),
        x=FixedType.parse("ap_ufixed<28,4>"),
        wt=FixedType.parse("ap_fixed<18,4>"),
        acc=FixedType.parse("ap_fixed<64,16>"),
    )
    narrow = _dense(_odd_weights((16, 64)))
    lw, ln = estimate_dense(wide, zu3, VIVADO), estimate_dense(narrow, U250, VIVADO)
    assert lw.dsp == 480 and ln.mults_in_dsp > 1000
    per_wide, per_narrow = lw.ff / 240, ln.ff / ln.mults_in_dsp
    assert 20 <= per_wide <= 80 and per_narrow <= 4  # 42 and 2.1 in the reports


def test_vivado_chains_dsp_products_at_a_long_clock():
    # Kenny-Jia/ToyVAE Vivado_Latency_small_SNL_VAE (Vivado HLS 2019.2, xcvu9p, 25 ns): every Dense 0 cycles;
    # jet_f16_rf1_u250_vhls2019 (5 ns): every Dense 1 cycle.
    layer = _dense(_odd_weights((32, 16)))
    assert estimate_dense(layer, U250, VIVADO).latency_cycles == 1
    slow = estimate_dense(layer, at_clock(U250, 25.0), VIVADO)
    assert slow.latency_cycles == 0 and slow.ff == 0


def test_resource_strategy_registers_grow_with_the_operands():
    # layer_qd_dense27_128x256_res_u250_vhls2019: 30.7k FF for 1024 16 x 16-bit multipliers (~24 each).
    # Gabriele-bot/ALVEO-PYNQ_ML Qkeras_pruned_Dense (Vivado HLS 2020.1, xcu50, 2 ns; a validation design, not
    # fitted): its 784x140 layer of ap_ufixed<2,0> inputs x ap_fixed<4,1> weights at RF 28 has 11,527 FF, which
    # 24 FF per multiplier put at 8.6x and a fixed 2,000 per layer plus 0.75 per operand bit at 2.1x; its LUT
    # products keep few registers (ff_res_per_lut_product_bit), its inputs two each (ff_res_per_input_bit).
    wide = estimate_dense(_dense(_odd_weights((128, 256), lo=1, hi=100), strategy="resource", rf=32), U250, VIVADO)
    assert 28_000 <= wide.ff <= 34_000
    rng = np.random.default_rng(3)
    q = _dense(
        rng.integers(-7, 8, size=(784, 140)),
        x=FixedType.parse("ap_ufixed<2,0>"),
        wt=FixedType.parse("ap_fixed<4,1>"),
        strategy="resource",
        rf=28,
    )
    narrow = estimate_dense(q, board_for_part("xcu50-fsvh2104-2-e", 2.0), VIVADO)
    assert 0.8 * 11_527 <= narrow.ff <= 1.25 * 11_527


@calibration
def test_bands_built_without_a_repository_hold_its_designs():
    """Leave-one-repository-out on the calibration set: the band procedure, fed the other repositories' ratios,
    must hold >= 80% of a left-out repository's (design, resource) pairs (bench_estimator: all repositories)."""
    obs = [observe(p.parent) for p in sorted(CALIBRATION.glob("*/design.json"))]
    rows = [(o, o.real_dict(), predict(o)) for o in obs]
    assert len({o.repository for o in obs}) >= 4
    inside = []
    for o, real, pred in rows:
        table: dict[str, dict[str, list[float]]] = {}
        repos: dict[str, set[str]] = {}
        for p, r2, e2 in rows:
            if p.repository == o.repository:
                continue
            for q in ("dsp", "bram18k", "lut", "ff"):
                if e2[q] > 0:
                    table.setdefault(p.band_family, {}).setdefault(q, []).append(r2[q] / e2[q])
            repos.setdefault(p.band_family, set()).add(p.repository)
        band = family_factors(
            o.band_family,
            0.9,
            {f: {q: tuple(v) for q, v in qs.items()} for f, qs in table.items()},
            {f: tuple(v) for f, v in repos.items()},
        )
        for q in ("dsp", "bram18k", "lut", "ff"):
            lo, hi = band.get(q, (1.0, 1.0))
            inside.append(np.floor(pred[q] * lo + 1e-9) <= real[q] <= np.ceil(pred[q] * hi - 1e-9))
    assert np.mean(inside) >= 0.8
    loro = leave_group_out(obs, lambda o: o.repository)
    assert [o.name for o, _, _ in loro] == [o.name for o in obs]
