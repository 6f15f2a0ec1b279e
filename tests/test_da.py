"""Distributed arithmetic (hls4ml ``Strategy: distributed_arithmetic``, da4ml adder graphs) everywhere.

The claim under test: a DA Dense is the exact sum of its constant products
and bias, cast once to the result type - checked here against hls4ml's own C
simulation of DA projects (not assumed), then carried through the estimate,
the RTL under both simulators and ``generate``/``verify``.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from fpga_prune.arith import emulate, fixed
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import DA, ActivationLayer, DenseLayer, FixedNetwork, exact_sum_type
from fpga_prune.boards import load_board
from fpga_prune.errors import InputError
from fpga_prune.hls.settings import HlsSettings


# ----------------------------------------------------------------------------- settings
def test_settings_round_trip_and_old_files_unchanged():
    s = HlsSettings(strategy=DA).with_layer("fc1", weight="ap_fixed<6,1>")
    assert HlsSettings.from_json(s.to_json()).to_json() == s.to_json()
    assert json.loads(s.to_json())["strategy"] == "distributed_arithmetic"
    mixed = HlsSettings(strategy="resource", reuse_factor=4).with_layer("dense_1", strategy=DA)
    back = HlsSettings.from_json(mixed.to_json())
    assert back.strategy_of("dense_1") == DA and back.reuse_factor_of("dense_1") == 1
    assert back.reuse_factor_of("dense") == 4
    old = HlsSettings().to_json()  # a pre-DA file: no new field, same bytes after a round trip
    assert "distributed" not in old and HlsSettings.from_json(old).to_json() == old


def test_settings_refuse_da_with_reuse_factor():
    with pytest.raises(InputError, match="reuse_factor: must be 1 with strategy distributed_arithmetic"):
        HlsSettings(strategy=DA, reuse_factor=2).validate()
    with pytest.raises(InputError, match="layers.dense.reuse_factor"):
        HlsSettings().with_layer("dense", strategy=DA, reuse_factor=4).validate()


# ----------------------------------------------------------------------------- exact type
def test_exact_sum_type_bounds_the_sum():
    i8 = FixedType(True, 8, 3)
    w4 = FixedType(True, 4, 1)
    b = FixedType(True, 10, 2)
    w = np.array([[7, -8], [0, 3]])
    t = exact_sum_type(i8, w4, b, w, np.array([511, -512]))
    assert t.frac == max(i8.frac + w4.frac, b.frac) == 8
    # extremes: -128*-8 + 127*0... = 1024 + 511<<0 (bias frac 8 = sum frac) ; column 1: -128*3 - 127*8 ...
    lo = min(-128 * 7 + 511, 127 * -8 + 127 * 0 * 0 - 128 * 3 - 512)
    hi = max(127 * 7 + 127 * 0 + 511, -128 * -8 + 127 * 3 - 512)
    assert t.raw_min <= lo and t.raw_max >= hi
    assert not (t.raw_min // 2 <= lo and t.raw_max // 2 >= hi)  # one bit narrower would not hold it
    with pytest.raises(ValueError, match="sums exactly"):
        DenseLayer("d", i8, w4, b, FixedType(True, 18, 8), FixedType(True, 8, 3), w, np.zeros(2, np.int64), strategy=DA)


# ----------------------------------------------------------------------------- emulate == hls4ml C sim
def _keras_mlp(seed: int, sizes: tuple[int, ...], head: str):
    import tf_keras as keras

    rng = np.random.default_rng(seed)
    layers = [keras.layers.Input((sizes[0],))]
    for k, n in enumerate(sizes[1:]):
        last = k == len(sizes) - 2
        layers.append(keras.layers.Dense(n, activation=head if last else "relu", name=f"d{k}"))
    m = keras.Sequential(layers)
    ws = []
    for w in m.get_weights():
        v = rng.normal(scale=0.8, size=w.shape).astype("float32")
        v[rng.random(w.shape) < 0.3] = 0.0  # pruned weights
        ws.append(v)
    m.set_weights(ws)
    return m


CASES = [
    # (seed, sizes, head, settings)
    (0, (5, 7, 3), "linear", HlsSettings(default_precision="ap_fixed<8,3>", strategy=DA)),
    (
        1,
        (6, 5, 2),
        "relu",
        HlsSettings(default_precision="ap_fixed<10,4>", strategy=DA)
        .with_layer("d0", weight="ap_fixed<5,1>", result="ap_fixed<7,2,AP_RND,AP_SAT>")
        .with_layer("d1", weight="ap_fixed<4,1>", result="ap_fixed<6,1,AP_RND_CONV,AP_SAT>"),
    ),
    (
        2,
        (4, 6, 1),
        "sigmoid",
        HlsSettings(default_precision="ap_fixed<12,5>", strategy="latency").with_layer(
            "d0", strategy=DA, weight="ap_fixed<6,2>", result="ap_fixed<9,3,AP_RND,AP_WRAP>"
        ),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(CASES)))
def test_emulate_equals_hls4ml_csim(case, tmp_path):
    from fpga_prune.hls import adapter as hls_adapter

    seed, sizes, head, settings = CASES[case]
    m = _keras_mlp(seed, sizes, head)
    hls_model = hls_adapter.convert(m, settings, tmp_path / "prj")
    net = hls_adapter.network_from_hls(hls_model, name="myproject")
    assert net.to_json() == hls_adapter.network_from_keras(m, settings).to_json()
    assert any(isinstance(lay, DenseLayer) and lay.strategy == DA for lay in net.layers)
    hls_model.compile()
    rng = np.random.default_rng(seed)
    t = net.input_type
    x_raw = np.concatenate(
        [
            rng.integers(t.raw_min, t.raw_max + 1, size=(3000, net.n_inputs)),
            np.full((1, net.n_inputs), t.raw_min),
            np.full((1, net.n_inputs), t.raw_max),
        ]
    )
    x = fixed.to_float(x_raw, t)
    got = np.asarray(hls_model.predict(np.ascontiguousarray(x)), dtype=np.float64).reshape(len(x), -1)
    want = fixed.to_float(emulate.predict_raw(net, x_raw), net.output_type)
    assert np.array_equal(got, want)
    assert all(emulate.dense_plan(lay).mode == "float" for lay in net.layers if isinstance(lay, DenseLayer))
    if case == 1:  # the final casts really round and saturate here
        da = [lay for lay in net.layers if isinstance(lay, DenseLayer)]
        assert all(lay.result_type.frac < lay.accum_type.frac for lay in da)
        report = emulate.overflow_report(net, x_raw)
        assert all(r["points"]["result"]["values"] > 0 for r in report if r["kind"] == "dense")


# ----------------------------------------------------------------------------- estimate
def _da_net(seed: int = 0, sizes=(16, 24, 12, 1), wbits: int = 6) -> FixedNetwork:
    rng = np.random.default_rng(seed)
    io = FixedType(True, 16, 6)
    wt = FixedType(True, wbits, 1)
    layers = []
    cur = io
    for k, (a, n) in enumerate(itertools.pairwise(sizes)):
        w = rng.integers(wt.raw_min, wt.raw_max + 1, size=(a, n))
        w[rng.random(w.shape) < 0.4] = 0
        b = rng.integers(-300, 300, size=n)
        res = FixedType(True, 16, 6)
        layers.append(DenseLayer(f"dense_{k}", cur, wt, io, exact_sum_type(cur, wt, io, w, b), res, w, b, strategy=DA))
        if k < len(sizes) - 2:
            cur = FixedType(False, 15, 5)
            layers.append(ActivationLayer(f"relu_{k}", "relu", res, cur, n))
    return FixedNetwork("da", io, sizes[0], tuple(layers))


def test_estimate_da_zero_dsp_plausible_lut_ff_latency():
    from fpga_prune.estimate.core import estimate

    board = load_board("pynq-z2")
    est = estimate(_da_net(), board)
    dense = [le for le in est.layers if le.kind == "dense"]
    assert est.dsp == 0 and est.bram18k == 0
    # 16x24 and 24x12 6-bit constants (60% kept) on 16-bit inputs: hundreds of ~20-bit adders each
    assert 2000 < dense[0].lut < 12000 and 2000 < dense[1].lut < 12000
    assert all(1 <= le.latency_cycles <= 6 for le in dense)
    assert est.ff > 0 and est.latency_cycles >= sum(le.latency_cycles for le in est.layers)
    from fpga_prune.estimate import da as da_cost

    layer = _da_net().layers[0]
    assert da_cost.adder_graph(layer) is da_cost.adder_graph(layer)  # solved once, then cached
    narrow = estimate(_da_net(wbits=3), board)
    assert narrow.lut < 0.8 * est.lut  # fewer CSD digits per constant: fewer adders


@pytest.mark.parametrize("wbits", [3, 6])
def test_the_proxy_ranks_like_the_solver_and_bounds_it(wbits):
    """The CSD proxy is within 25% of da4ml's adder bits on both layers, orders them as the solver does,
    and the estimate built on it (``da_costing="proxy"``) costs the network within the same margin."""
    from fpga_prune.estimate import da as da_cost
    from fpga_prune.estimate.core import EstimateOptions, estimate

    net = _da_net(wbits=wbits)
    dense = [lay for lay in net.layers if isinstance(lay, DenseLayer)]
    exact = [da_cost.adder_graph(lay) for lay in dense]
    proxy = [da_cost.proxy_graph(lay) for lay in dense]
    for e, p in zip(exact, proxy):
        assert 0.75 < e.adder_bits / p.adder_bits < 1.25, (e, p)
        assert p.depth >= 1 and sum(p.level_bits) == pytest.approx(p.adder_bits, abs=p.depth)
    assert (exact[0].adder_bits > exact[1].adder_bits) == (proxy[0].adder_bits > proxy[1].adder_bits)
    board = load_board("pynq-z2")
    e_est = estimate(net, board)
    p_est = estimate(net, board, EstimateOptions(da_costing="proxy"))
    assert p_est.dsp == e_est.dsp == 0
    assert da_cost.PROXY_LOW_RATIO * p_est.lut <= e_est.lut < 1.25 * p_est.lut
    with pytest.raises(InputError, match="da_costing"):
        EstimateOptions(da_costing="guess")


def test_da_firmware_compiles_at_O0_others_at_O2():
    from fpga_prune.hls.csim import CXXFLAGS, firmware_cxxflags

    da_code = "template <typename inp_t, typename out_t>\nvoid dense_da_2(inp_t model_inp[4], out_t model_out[3]) {"
    assert firmware_cxxflags(da_code).split()[0] == "-O0"
    assert firmware_cxxflags("void dense_latency(...)") == CXXFLAGS == firmware_cxxflags(None)


# ----------------------------------------------------------------------------- RTL and generate/verify
@pytest.mark.slow
def test_rtl_equals_emulate_under_icarus_and_verilator(tmp_path):
    from fpga_prune.hls.vectors import write_vector_dir
    from fpga_prune.outdir import write_tree
    from fpga_prune.rtl import render as rtl
    from fpga_prune.rtl.simulate import build_rtl, run_tests, verilator_lint
    from fpga_prune.testing import random_inputs

    net = _da_net(sizes=(6, 5, 3, 1))
    write_tree(tmp_path / "rtl", rtl.render_rtl(net))
    ok, log = verilator_lint(tmp_path / "rtl")
    assert ok, log
    write_vector_dir(net, random_inputs(net, 300, seed=3), tmp_path / "vectors")
    for sim in ("icarus", "verilator"):
        res = run_tests(
            build_rtl(tmp_path / "rtl", sim, build_dir=tmp_path / f"build_{sim}"),
            tmp_path / "vectors",
            tests=("back_to_back",),
        )
        assert res.passed and res.mismatches == 0 and res.vectors == 300, sim


@pytest.mark.slow
def test_generate_and_verify_small_da_model(tmp_path, bybit_csv):
    from fpga_prune.cli import main
    from fpga_prune.data import load
    from fpga_prune.model import features
    from fpga_prune.model import training as model

    candles = load(bybit_csv)
    spec = features.FeatureSpec()
    splits = features.split(features.build(candles, spec), spec)
    cfg = model.ModelConfig(hidden=(6,), epochs=1, patience=1, seed=1)
    net, _ = model.train(splits, cfg, threads=1)
    bundle = tmp_path / "da_model"
    pre = model.preprocess_dict(spec, splits.scaler, splits.train.feature_names, cfg)
    model.save_bundle(bundle, net, pre, {"data": {"source": str(bybit_csv)}})
    HlsSettings(strategy=DA).with_layer("fc1", weight="ap_fixed<6,1>").write(bundle / "hls_config.json")
    proj = tmp_path / "proj"
    assert (
        main(
            [
                "generate",
                "--model",
                str(bundle),
                "--board",
                "pynq-z2",
                "--out",
                str(proj),
                "--data",
                str(bybit_csv),
                "--vectors",
                "600",
                "--quiet",
            ]
        )
        == 0
    )
    network = FixedNetwork.from_json((proj / "network.json").read_text())
    assert [lay.strategy for lay in network.layers if isinstance(lay, DenseLayer)] == [DA, DA]
    assert main(["verify", str(proj), "--sim", "all", "--quiet"]) == 0
    doc = json.loads((proj / "verify.json").read_text())
    assert doc  # verify.json written; mismatches are asserted by the exit code above


def test_search_leaves_da_out_without_da4ml(monkeypatch):
    """A user without the ``da`` extra still gets a search (over the multiplier strategies)."""
    from fpga_prune.arith.ir import DA, STRATEGIES
    from fpga_prune.estimate import da as da_cost

    assert da_cost.available() and da_cost.usable_strategies() == STRATEGIES and DA in STRATEGIES
    monkeypatch.setattr(da_cost, "available", lambda: False)
    assert da_cost.usable_strategies() == ("latency", "resource")


def test_the_solver_waits_while_an_install_step_compiles_it(monkeypatch):
    """``warm`` holds ``WARM_LOCK`` while it compiles; a process that needs the solver meanwhile waits for
    it (CI compiles beside its tests) instead of compiling the same kernels a second time."""
    import subprocess
    import sys
    import time

    from fpga_prune.estimate import da as da_cost

    hold = (
        "import fcntl, sys, time; from pathlib import Path; "
        f"f = (Path(sys.prefix) / {da_cost.WARM_LOCK!r}).open('a'); fcntl.flock(f, fcntl.LOCK_EX); "
        "print('held', flush=True); time.sleep(3)"
    )
    proc = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    monkeypatch.setattr(da_cost, "_solver_ready", False)
    t0 = time.monotonic()
    da_cost.wait_for_solver()
    waited = time.monotonic() - t0
    proc.wait(timeout=30)
    assert 1.5 < waited < 20
    t0 = time.monotonic()
    da_cost.wait_for_solver()  # once per process
    assert time.monotonic() - t0 < 0.1
