"""io_stream graphs: hls4ml 1.3's ``nnet::clone_stream`` branches and several output streams, end to end.

Import (a clone is no IR layer: its copies are what it reads), estimate (the clone's FIFOs and process, the longest
path), the project's own C simulation vs the bit-accurate model, and our stand-in export with one output stream a
head under Icarus (packed AXI-Stream) and Verilator (per-element FIFOs), each output lane stalled on its own."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from fpga_prune.hls.project import read_project, top_signature
from fpga_prune.outdir import write_tree
from hls_projects import two_head_model, write_stream_project


@pytest.fixture(scope="module")
def two_head_stream(tmp_path_factory) -> Path:
    """hls4ml 1.3's io_stream project of ``two_head_model``: trunk -> clone -> head_a[2], head_b[1] streams."""
    return write_stream_project(two_head_model(), tmp_path_factory.mktemp("sg") / "prj")


def _copy(prj: Path, dst: Path) -> Path:
    shutil.copytree(prj, dst, ignore=shutil.ignore_patterns("build", "verify.*"))
    return dst


def test_clone_stream_becomes_the_irs_branches_and_each_output_stream_a_head(two_head_stream):
    text = (two_head_stream / "firmware" / "myproject.cpp").read_text()
    assert "nnet::clone_stream<layer3_t, layer3_t, 6>(layer3_out, layer8_cpy1, layer8_cpy2)" in text
    sig = top_signature(two_head_stream)
    assert [(a.name, a.size, a.stream) for a in (sig.input, *sig.outputs)] == [
        ("input_6", 5, True),
        ("layer4_out", 2, True),
        ("layer6_out", 1, True),
    ]
    prj = read_project(two_head_stream)
    net = prj.network
    assert prj.io_type == "io_stream" and prj.fifo_depths == (1, 1, 1, 1)  # layer2_out, layer3_out, 2 copies
    assert [(lay.name, lay.inputs) for lay in net.layers] == [
        ("trunk", ()),
        ("trunk_relu", ()),
        ("head_a", ()),
        ("head_b", ("trunk_relu",)),
    ]
    assert net.outputs == ("head_a", "head_b") and net.n_outputs == 3


def test_io_stream_graph_estimate_prices_the_clone_and_takes_the_longest_path(two_head_stream, capsys):
    from fpga_prune.cli.app import main

    assert main(["estimate", str(two_head_stream), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {lay["name"]: lay for lay in doc["layers"]}
    assert [n for n, r in rows.items() if r["kind"] in ("fifo", "clone")] == [
        "fifo trunk",
        "fifo trunk_relu",
        "fifo trunk_relu cpy1",
        "fifo trunk_relu cpy2",
        "clone trunk_relu",
    ]
    assert rows["clone trunk_relu"]["strategy"] == "clone x2"
    # each copy is a FIFO of trunk_relu's word (6 x 16 bits -> 128-bit shift register, Vitis: 2 P + 4 FF)
    assert rows["fifo trunk_relu cpy1"]["ff"] == rows["fifo trunk_relu"]["ff"] == 260
    # trunk (4) -> relu (0) -> clone (0) -> head (4), each process +1 reading its word: 12; II: a Dense's 4 + 1
    assert (doc["latency_cycles"], doc["interval_cycles"]) == (12, 5)


def test_a_stream_read_twice_without_a_clone_and_a_casting_clone_are_exit_2(two_head_stream, tmp_path, capsys):
    from fpga_prune.cli.app import main

    prj = _copy(two_head_stream, tmp_path / "twice")
    top = prj / "firmware" / "myproject.cpp"
    top.write_text(top.read_text().replace("(layer8_cpy2, layer6_out", "(layer8_cpy1, layer6_out"))
    assert main(["estimate", str(prj)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "reads stream layer8_cpy1, which head_a reads too" in err[0]
    prj = _copy(two_head_stream, tmp_path / "cast")
    top = prj / "firmware" / "myproject.cpp"
    top.write_text(top.read_text().replace("clone_stream<layer3_t, layer3_t, 6>", "clone_stream<layer3_t, input_t, 6>"))
    assert main(["estimate", str(prj)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "layer clone_trunk_relu" in err[0] and "carries 5" in err[0]


@pytest.mark.slow
def test_two_head_io_stream_project_verifies_under_both_simulators_and_a_flipped_head_weight_fails(
    two_head_stream, tmp_path
):
    """The C simulation == the model (per layer); our export, one stream per head and no port file, == both under
    Icarus (packed AXI-Stream) and Verilator (per-element FIFOs with Vitis 2023+ fill level / capacity), with random
    stalls on every output lane; a weight of head_b flipped in the RTL is caught."""
    from fpga_prune.rtl.stream import render_stream_rtl
    from fpga_prune.verify.checks import VerifyOptions, check_rtl
    from fpga_prune.verify.foreign import verify_hls_project

    prj = _copy(two_head_stream, tmp_path / "prj")
    net = read_project(prj).network
    n = 40
    for protocol, split, sim in (("axis", False, "icarus"), ("ap_fifo", True, "verilator")):
        files = render_stream_rtl(net, "myproject", "input_6", ("layer4_out", "layer6_out"), protocol, split, split)
        del files["ports.json"]  # real exports have none: the ports are read from the Verilog
        write_tree(tmp_path / f"rtl_{protocol}", files)
        checks = {
            c.name: c
            for c in verify_hls_project(
                prj, VerifyOptions(sims=(sim,), rtl_dir=tmp_path / f"rtl_{protocol}", vectors=n), lambda _m: None
            )
        }
        model = checks["bit_accurate_model"]
        assert model.mismatches == 0 and model.vectors == n
        assert [lay["disagreeing_vectors"] for lay in model.details["layers"]] == [0, 0, 0, 0]
        c = checks[f"rtl_{sim}"]
        assert c.passed and c.mismatches == 0 and c.details["ports"]["stream"] == protocol
        lanes = dict.fromkeys(c.details["ports"]["outputs"])
        assert len(lanes) == (3 if split else 2)  # one handshake per output stream (per element when split)
        tests = c.details["tests"]
        assert tests["back_to_back"]["vectors"] == n and tests["idle_gaps"]["mismatches"] == 0
        assert c.details["ii"] == 1.0
    v = tmp_path / "rtl_axis" / "myproject_net.v"
    text = v.read_text()
    m = next(re.finditer(r"(l4_head_b_\w+ \* -?\d+'sd)(\d+)\)", text))
    v.write_text(text[: m.start(2)] + str(int(m.group(2)) ^ 64) + text[m.end(2) :])
    opts = VerifyOptions(sims=("icarus",), rtl_dir=v.parent, vectors=n)
    c = check_rtl(prj, "icarus", opts, prj / "build" / "verify" / "vectors")
    assert not c.passed and 0 < c.details["tests"]["back_to_back"]["mismatches"] <= n
