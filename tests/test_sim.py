"""cocotb testbench under Verilator and Icarus: correct RTL passes, broken RTL fails loudly."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import emulate
from fpga_prune.hls.vectors import write_vector_dir
from fpga_prune.outdir import write_tree
from fpga_prune.resources import asset_path
from fpga_prune.rtl import render as rtl
from fpga_prune.rtl.simulate import SIMULATORS, build_rtl, format_mismatch, run_tests, simulator_spec
from fpga_prune.testing import cast_sweep_network, random_inputs, synthetic_network, synthetic_softmax_network

N_VEC = 300


@pytest.fixture(scope="session")
def design(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("rtl_design")
    net = synthetic_network(0)
    write_tree(root / "rtl", rtl.render_rtl(net))
    write_vector_dir(net, random_inputs(net, N_VEC, seed=0), root / "vectors")
    return {"root": root, "net": net}


@pytest.fixture(scope="session")
def verilator_result(design):
    """One Verilator build, reused by every test that needs it."""
    build = build_rtl(design["root"] / "rtl", "verilator", build_dir=design["root"] / "build_verilator")
    return run_tests(build, design["root"] / "vectors", aux_vectors=200)


def _assert_clean(res, n):
    assert res.passed, {k: v.get("failure") for k, v in res.tests.items()}
    assert res.mismatches == 0 and res.vectors == n
    assert res.latency_cycles == 9 and res.ii == 1.0
    assert Path(res.junit).exists()


@pytest.mark.slow
def test_verilator_matches_model(verilator_result):
    _assert_clean(verilator_result, N_VEC)
    assert verilator_result.simulator == "verilator"
    assert verilator_result.tests["back_to_back"]["checked"] == N_VEC


@pytest.mark.slow
def test_icarus_matches_model(design):
    build = build_rtl(design["root"] / "rtl", "icarus", build_dir=design["root"] / "build_icarus")
    assert build.top == "myproject" and build.build_dir == (design["root"] / "build_icarus").resolve()
    res = run_tests(build, design["root"] / "vectors", aux_vectors=200)
    assert str(asset_path("sim")) not in sys.path  # the testbench was importable only during the run
    _assert_clean(res, N_VEC)
    assert res.version.startswith("Icarus Verilog")


@pytest.mark.slow
def test_idle_gaps_and_reset_mid_stream(verilator_result):
    gaps = verilator_result.tests["idle_gaps"]
    assert gaps["passed"] and gaps["checked"] == 200 and gaps["ii"] > 1.2  # the gaps really happened
    rst = verilator_result.tests["reset_mid_stream"]
    assert rst["passed"] and rst["reset_cycle"] is not None
    assert rst["dropped_by_reset"] > 0  # results were in flight when ap_rst hit
    assert rst["checked"] == 200 and rst["stale_outputs"] == 0


@pytest.mark.slow
def test_one_bit_weight_mutation_is_caught(design, tmp_path):
    files = rtl.render_rtl(design["net"])
    top = files["myproject.v"]
    # the first product of the output layer (l5_dense_2): flip bit 4 of its weight
    m = re.search(r"(l5_dense_2_m_\d+_0_r <= \w+\(l5_dense_2_xe_\d+ \* )(-?)(\d+)'sd(\d+)\)", top)
    assert m, "no output-layer product found"
    w = -int(m.group(4)) if m.group(2) else int(m.group(4))
    w2 = w ^ (1 << 4)
    lit = f"-{m.group(3)}'sd{-w2}" if w2 < 0 else f"{m.group(3)}'sd{w2}"
    files["myproject.v"] = top[: m.start()] + m.group(1) + lit + ")" + top[m.end() :]
    write_tree(tmp_path / "rtl", files)
    res = run_tests(
        build_rtl(tmp_path / "rtl", "icarus", build_dir=tmp_path / "build"),
        design["root"] / "vectors",
        tests=("back_to_back",),
    )
    assert not res.passed and res.mismatches > 0
    first = res.first_mismatches[0]
    assert {"index", "input", "expected", "got", "expected_real", "got_real"} <= set(first)
    assert first["expected"] != first["got"]
    assert first["first_bad_layer"]["layer"] == "dense_2"  # the mutated layer is named
    assert "failure" in res.tests["back_to_back"] and "mismatches" in res.tests["back_to_back"]["failure"]
    assert f"vector {first['index']}" in format_mismatch(first)


N_SOFTMAX = 1200


@pytest.fixture(scope="session")
def softmax_design(tmp_path_factory) -> dict:
    """3-class relu MLP with hls4ml's default (stable) softmax head; vectors spread over the classes."""
    root = tmp_path_factory.mktemp("rtl_softmax")
    net = synthetic_softmax_network(0)
    write_tree(root / "rtl", rtl.render_rtl(net))
    x = random_inputs(net, N_SOFTMAX, seed=1)
    write_vector_dir(net, x, root / "vectors")
    return {"root": root, "net": net, "x": x}


@pytest.mark.slow
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_softmax_stable_matches_model(softmax_design, sim):
    root = softmax_design["root"]
    out = emulate.predict_raw(softmax_design["net"], softmax_design["x"])
    # the vectors really exercise the softmax: every class wins somewhere, many distinct probabilities
    assert set(np.argmax(out, axis=1)) == {0, 1, 2} and len(np.unique(out)) > 100
    res = run_tests(build_rtl(root / "rtl", sim, build_dir=root / f"build_{sim}"), root / "vectors", aux_vectors=100)
    assert res.passed, {k: v.get("failure") for k, v in res.tests.items()}
    assert res.mismatches == 0 and res.vectors == N_SOFTMAX
    assert res.latency_cycles == 2 + 1 + 2 + rtl.SOFTMAX_STAGES["stable"] and res.ii == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("impl", ["latency", "legacy", "argmax"])
def test_other_softmax_implementations_match_model(impl, tmp_path):
    net = synthetic_softmax_network(0, implementation=impl)
    write_tree(tmp_path / "rtl", rtl.render_rtl(net))
    write_vector_dir(net, random_inputs(net, 400, seed=1), tmp_path / "vectors")
    res = run_tests(
        build_rtl(tmp_path / "rtl", "icarus", build_dir=tmp_path / "build"),
        tmp_path / "vectors",
        tests=("back_to_back",),
    )
    assert res.passed and res.mismatches == 0 and res.vectors == 400
    assert res.latency_cycles == 5 + rtl.SOFTMAX_STAGES[impl] and res.ii == 1.0


@pytest.mark.slow
def test_every_cast_mode_matches_model_in_rtl(tmp_path):
    """28 accum/result types (7 quantization x 4 overflow modes), each rounding and overflowing."""
    net = cast_sweep_network(0)
    x = random_inputs(net, 800, seed=2)
    for row in emulate.overflow_report(net, x):  # every cast point clips on some vectors
        assert row["points"]["accum"]["vectors"] > 0 and row["points"]["result"]["vectors"] > 0
    write_tree(tmp_path / "rtl", rtl.render_rtl(net))
    write_vector_dir(net, x, tmp_path / "vectors")
    res = run_tests(
        build_rtl(tmp_path / "rtl", "icarus", build_dir=tmp_path / "build"),
        tmp_path / "vectors",
        tests=("back_to_back",),
    )
    assert res.passed and res.mismatches == 0 and res.vectors == 800
    assert res.latency_cycles == 2 * len(net.layers)


def test_unknown_simulator_lists_valid_names(tmp_path):
    assert sorted(SIMULATORS) == ["icarus", "verilator"]
    with pytest.raises(ValueError, match="valid: icarus, verilator"):
        simulator_spec("modelsim")
    with pytest.raises(ValueError, match="unknown simulator 'modelsim'; valid: icarus, verilator"):
        build_rtl(tmp_path, "modelsim")


def test_a_build_is_named_after_its_sources(tmp_path):
    """``sources_key``: the same files and top -> the same build, wherever they are (the key is part of verify.json,
    which a rerun elsewhere must reproduce); another name, another byte or another top -> another build (a reused
    build of other sources is stale: Icarus skips older files, Verilator links the old model)."""
    from fpga_prune.rtl.simulate import sources_key

    a, b = tmp_path / "a", tmp_path / "b"
    write_tree(a, {"top.v": "module top; endmodule\n", "net.v": "module net; endmodule\n"})
    write_tree(b, {"top.v": "module top; endmodule\n", "net.v": "module net; endmodule\n"})
    key = sources_key(sorted(a.glob("*.v")), "top")
    assert re.fullmatch(r"[0-9a-f]{12}", key) and key == sources_key(sorted(a.glob("*.v")), "top")
    assert sources_key(sorted(b.glob("*.v")), "top") == key  # same files elsewhere: the same build
    (b / "net.v").rename(b / "other.v")
    assert sources_key(sorted(b.glob("*.v")), "top") != key
    assert sources_key(sorted(a.glob("*.v")), "net") != key
    (a / "net.v").write_text("module net; wire w; endmodule\n")
    assert sources_key(sorted(a.glob("*.v")), "top") != key


def test_icarus_reads_a_braced_replication_count_as_vivado_hls_writes_it(tmp_path):
    """Vivado HLS 2020.1's regslice_core.v writes ``{{W-1}{1'b0}}``, which Icarus refuses: its copy has ``(W-1)``."""
    from fpga_prune.rtl.simulate import icarus_sources

    write_tree(
        tmp_path / "rtl",
        {
            "regslice_core.v": "reg [W-1:0] ireg = {1'b0, {{W-1}{1'b0}}};\n",
            "top.v": "module top; wire [3:0] w = {4{1'b0}}; endmodule\n",
        },
    )
    srcs = sorted((tmp_path / "rtl").glob("*.v"))
    out = icarus_sources(srcs, tmp_path / "b")
    assert out == [tmp_path / "b" / "regslice_core.v", srcs[1]]
    assert out[0].read_text() == "reg [W-1:0] ireg = {1'b0, {(W-1){1'b0}}};\n"
    assert srcs[0].read_text().count("{{W-1}") == 1  # the export itself is left as it is
