"""io_stream hls4ml projects end to end: import, estimate, C simulation vs the bit-accurate model, RTL through
FIFO / AXI-Stream ports (our network rendered behind io_stream ports, as a Vitis export would have them)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith.ir import ActivationLayer, DenseLayer
from fpga_prune.errors import InputError
from fpga_prune.hls.project import read_project, top_signature
from fpga_prune.outdir import write_tree
from hls_projects import small_model, write_as_export, write_project, write_stream_project


@pytest.fixture(scope="module")
def stream_prj(tmp_path_factory) -> Path:
    """hls4ml 1.3's io_stream project of ``small_model`` (4 -> 5 relu -> 3 softmax), written once."""
    return write_stream_project(small_model(), tmp_path_factory.mktemp("stream") / "prj")


def _copy(prj: Path, dst: Path) -> Path:
    shutil.copytree(prj, dst, ignore=shutil.ignore_patterns("build", "verify.*"))
    return dst


def test_io_stream_top_is_read_into_the_same_ir_as_io_parallel(stream_prj, tmp_path):
    sig = top_signature(stream_prj)
    assert sig.io_type == "io_stream"
    assert [(a.name, a.size, a.ctype, a.stream, str(a.type)) for a in (sig.input, *sig.outputs)] == [
        ("x_in", 4, "input_t", True, "ap_fixed<16,6>"),
        ("layer6_out", 3, "result_t", True, "ap_fixed<16,6>"),
    ]
    prj = read_project(stream_prj)
    assert prj.io_type == "io_stream" and prj.estimate_options().io_type == "io_stream"
    net = prj.network
    assert [(lay.name, type(lay).__name__, str(lay.result_type)) for lay in net.layers] == [
        ("fc1", "DenseLayer", "ap_fixed<35,15>"),
        ("fc1_relu", "ActivationLayer", "ap_fixed<16,6>"),
        ("fc2", "DenseLayer", "ap_fixed<36,16>"),
        ("sm", "ActivationLayer", "ap_fixed<16,6>"),
    ]
    # the same model as hls4ml's io_parallel project: the same weights, types and tables
    par = read_project(write_project(small_model(), tmp_path / "par", default_precision="ap_fixed<16,6>"))
    assert par.io_type == "io_parallel" and par.estimate_options().io_type == "io_parallel"
    for a, b in zip(net.layers, par.network.layers, strict=True):
        assert (a.name, a.input_type, a.result_type) == (b.name, b.input_type, b.result_type)
        if isinstance(a, DenseLayer):
            assert np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)
        if isinstance(a, ActivationLayer) and a.tables:
            assert all(np.array_equal(a.tables[k], b.tables[k]) for k in a.tables)


def test_a_pack_smaller_than_the_layer_is_refused_by_name(stream_prj, tmp_path):
    prj = _copy(stream_prj, tmp_path / "prj")
    defines = prj / "firmware" / "defines.h"
    # relu's output streamed 1 value a word (5 words an inference): a layout this tool does not model
    defines.write_text(
        defines.read_text().replace(
            "nnet::array<ap_fixed<16,6>, 5*1> layer3_t", "nnet::array<ap_fixed<16,6>, 1> layer3_t"
        )
    )
    with pytest.raises(InputError) as exc:
        read_project(prj)
    msg = str(exc.value)
    assert "layer fc1_relu result type" in msg and "layer3_t carries 1 pack of the layer's 5 values" in msg
    assert "\n" not in msg


def test_a_stream_of_plain_values_is_refused_by_name(stream_prj, tmp_path):
    prj = _copy(stream_prj, tmp_path / "prj")
    defines = prj / "firmware" / "defines.h"
    defines.write_text(
        defines.read_text().replace(
            "typedef nnet::array<ap_fixed<16,6>, 4*1> input_t;", "typedef ap_fixed<16,6> input_t;"
        )
    )
    with pytest.raises(InputError) as exc:
        top_signature(prj)
    assert "myproject argument x_in" in str(exc.value) and "does not carry an nnet::array<T, N> pack" in str(exc.value)


def test_io_stream_estimate_adds_fifos_and_dataflow_timing(stream_prj):
    from fpga_prune.boards import board_for_part
    from fpga_prune.estimate.core import estimate
    from fpga_prune.estimate.rules import RULES

    prj = read_project(stream_prj)
    board = board_for_part("xc7z020clg400-1", 5.0)
    par = estimate(prj.network, board, prj.estimate_options(io_type="io_parallel"))
    st = estimate(prj.network, board, prj.estimate_options())
    fifos = [le for le in st.layers if le.kind == "fifo"]
    # one FIFO between each two of the 4 layers: words of 5 x 35, 5 x 16, 3 x 36 bits, 1 deep, priced by Vitis'
    # csynth at the width rounded up to a power of two P (256, 128, 128): 2 P + 4 FF, P + 8 LUT
    assert [(f.name, f.lut, f.ff, f.bram18k) for f in fifos] == [
        ("fifo fc1", 256 + 8, 2 * 256 + 4, 0),
        ("fifo fc1_relu", 128 + 8, 2 * 128 + 4, 0),
        ("fifo fc2", 128 + 8, 2 * 128 + 4, 0),
    ]
    # hls4ml's "#pragma HLS STREAM variable=layerN_out depth=1", read from the top
    assert prj.fifo_depths == (1, 1, 1) and prj.estimate_options().fifo_depths == (1, 1, 1)
    assert [f.strategy for f in fifos] == ["fifo d1"] * 3
    assert RULES["stream_fifo_depth"].value == 1 and RULES["stream_fifo_min_depth"].value == 1
    procs = st.layers[: len(prj.network.layers)]
    assert procs == par.layers  # the layers themselves are what io_parallel builds
    assert st.lut == par.lut + 264 + 136 + 136 and st.ff == par.ff + 516 + 260 + 260 and st.dsp == par.dsp
    assert st.latency_cycles == sum(le.latency_cycles + 1 for le in procs)
    assert st.interval_cycles == max(le.latency_cycles for le in procs) + 1 > par.interval_cycles == 1
    # Vivado HLS 2020.1 counts the data in SRLs as LUTs (5 FF a FIFO) and adds no cycle per process
    # (pominiq/DNNonSilicon's csynth report)
    viv = estimate(prj.network, board, prj.estimate_options(hls_tool="vivado-2020.1"))
    assert [(f.strategy, f.lut, f.ff) for f in viv.layers if f.kind == "fifo"] == [
        ("fifo d1", 175 + 6, 5),
        ("fifo d1", 80 + 6, 5),
        ("fifo d1", 108 + 6, 5),
    ]
    viv_procs = viv.layers[: len(prj.network.layers)]
    assert viv.latency_cycles == sum(le.latency_cycles for le in viv_procs)
    assert viv.interval_cycles == max(le.latency_cycles for le in viv_procs)


def test_stream_depth_pragmas_size_the_fifos(stream_prj, tmp_path):
    """A deeper STREAM pragma (the FIFO depth optimizer's, or a user's) makes a block-RAM FIFO: five BRAM_18K
    (1024 x 18) for 100 x 80 bits, FF = 111 + 7 per address bit under Vitis (the data bits + 3 per address bit + 3
    under Vivado HLS), as public io_stream csynth reports have them; pragmas that are not one per layer boundary
    are not used."""
    from fpga_prune.boards import board_for_part
    from fpga_prune.estimate.core import estimate
    from fpga_prune.hls.project import stream_depths

    prj = _copy(stream_prj, tmp_path / "prj")
    top = prj / "firmware" / "myproject.cpp"
    text = top.read_text()
    assert len(re.findall(r"#pragma HLS STREAM variable=\w+ depth=1\b", text)) == 3
    top.write_text(re.sub(r"(variable=layer\d+_out depth=)1\b", r"\g<1>100", text, count=2).replace("=100", "=1", 1))
    p = read_project(prj)
    assert p.fifo_depths == (1, 100, 1)
    board = board_for_part("xc7z020clg400-1", 5.0)
    fifos = [le for le in estimate(p.network, board, p.estimate_options()).layers if le.kind == "fifo"]
    assert [(f.strategy, f.bram18k, f.ff, f.lut) for f in fifos] == [
        ("fifo d1", 0, 2 * 256 + 4, 256 + 8),
        ("fifo d100", 5, 111 + 7 * 7, 52),  # fc1_relu: 5 x 16 bits, 80 wide: five 1024 x 18 blocks
        ("fifo d1", 0, 2 * 128 + 4, 128 + 8),
    ]
    viv = estimate(p.network, board, p.estimate_options(hls_tool="vivado-2020.1")).layers
    assert [(f.strategy, f.ff) for f in viv if f.kind == "fifo"] == [
        ("fifo d1", 5),
        ("fifo d100", 80 + 3 * 7 + 3),
        ("fifo d1", 5),
    ]
    assert stream_depths(text, 2) == () and stream_depths(text.replace("#pragma HLS STREAM", "//"), 3) == ()


def test_stream_ports_are_read_from_the_verilog_under_every_naming(stream_prj, tmp_path):
    from fpga_prune.rtl.ports import ArraySpec
    from fpga_prune.rtl.stream import render_stream_rtl
    from fpga_prune.rtl.stream_ports import detect_stream_ports

    net = read_project(stream_prj).network
    x, y = ArraySpec("x_in", 4, 16, True, True), ArraySpec("layer6_out", 3, 16, True, True)
    names = {
        "axis": ("TDATA", "TVALID", "TREADY", "TDATA", "TVALID", "TREADY"),
        "ap_fifo": ("dout", "empty_n", "read", "din", "write", "full_n"),
    }
    for protocol in ("axis", "ap_fifo"):
        d_in, v_in, r_in, d_out, v_out, r_out = names[protocol]
        for split in (False, True):
            files = render_stream_rtl(net, "myproject", "x_in", "layer6_out", protocol, split)
            del files["ports.json"]
            d = tmp_path / f"{protocol}_{split}"
            write_tree(d, files)
            pm = detect_stream_ports(d, None, x, (y,), prefer="myproject")
            assert pm.stream == protocol and pm.block_protocol == "ap_ctrl_hs"
            assert pm.reset == ("ap_rst_n" if protocol == "axis" else "ap_rst")
            if split:  # Vivado HLS: one stream per element, x_in_V_data_<i>_V_*
                lanes = [f"x_in_V_data_{i}_V" for i in range(4)]
                outs = [f"layer6_out_V_data_{i}_V" for i in range(3)]
                assert pm.output_offsets == ()
            else:  # Vitis: the whole array in one word
                lanes, outs = ["x_in"], ["layer6_out"] * 3
                assert pm.output_offsets == (0, 16, 32)
            assert pm.input_lanes == tuple(f"{a}_{d_in}" for a in lanes)
            assert pm.input_lane_vlds == tuple(f"{a}_{v_in}" for a in lanes)
            assert pm.input_lane_readies == tuple(f"{a}_{r_in}" for a in lanes)
            assert (pm.input, pm.input_vld) == (pm.input_lanes[0], pm.input_lane_vlds[0])
            assert pm.outputs == tuple(f"{a}_{d_out}" for a in outs)
            assert pm.output_vlds == tuple(f"{a}_{v_out}" for a in outs)
            assert pm.output_readies == tuple(f"{a}_{r_out}" for a in outs)
    # Vitis 2023+ FIFO ports with their fill level and capacity inputs
    files = render_stream_rtl(net, "myproject", "x_in", "layer6_out", "ap_fifo", fifo_status=True)
    del files["ports.json"]
    write_tree(tmp_path / "status", files)
    pm = detect_stream_ports(tmp_path / "status", None, x, (y,), prefer="myproject")
    assert (pm.input_lane_levels, pm.input_lane_caps) == (("x_in_num_data_valid",), ("x_in_fifo_cap",))
    assert pm.output_levels == ("layer6_out_num_data_valid",) * 3 and pm.output_caps == ("layer6_out_fifo_cap",) * 3
    assert "output_caps" not in json.loads(render_stream_rtl(net, "myproject", "x_in", "layer6_out")["ports.json"])
    with pytest.raises(ValueError, match="only ap_fifo"):
        render_stream_rtl(net, "myproject", "x_in", "layer6_out", "axis", fifo_status=True)
    # a top whose stream ports follow no known naming: one line naming the stream
    v = tmp_path / "axis_False" / "myproject.v"
    v.write_text(v.read_text().replace("x_in_TVALID", "x_in_valid"))
    with pytest.raises(InputError) as exc:
        detect_stream_ports(tmp_path / "axis_False", None, x, (y,), prefer="myproject")
    assert "no ports of stream x_in under any known naming" in str(exc.value) and "\n" not in str(exc.value)


def _module(name: str, ports: list[tuple[str, str, int]]) -> str:
    """A Verilog module header with these (direction, name, width) ports, as an export's top declares them."""
    decl = ",\n".join(f"    {d} wire {f'[{w - 1}:0] ' if w > 1 else ''}{n}" for d, n, w in ports)
    return f"module {name} (\n{decl}\n);\nendmodule\n"


def _fifo(base: str, side: str, width: int, status: bool = False) -> list[tuple[str, str, int]]:
    """The ap_fifo ports of one stream lane ``base`` (+ Vitis 2023+'s fill level and capacity inputs)."""
    if side == "in":
        ports = [("input", f"{base}_dout", width), ("input", f"{base}_empty_n", 1), ("output", f"{base}_read", 1)]
    else:
        ports = [("output", f"{base}_din", width), ("input", f"{base}_full_n", 1), ("output", f"{base}_write", 1)]
    return ports + ([("input", f"{base}_num_data_valid", 2), ("input", f"{base}_fifo_cap", 2)] if status else [])


BLOCK = [("input", "ap_clk", 1), ("input", "ap_rst", 1), ("input", "ap_start", 1), ("output", "ap_done", 1)]
BLOCK += [("output", "ap_ready", 1), ("output", "ap_idle", 1)]


def test_stream_ports_as_public_exports_name_them(tmp_path):
    """Port lists as public hls4ml io_stream exports have them (.autopilot/db/*.tbgen.tcl): Vivado HLS 2020.1's
    per-element FIFOs with a one-element output ``layer2_out_V_data_V`` (no index) and ap_continue; Vitis 2023+'s
    packed FIFOs with ``_num_data_valid``/``_fifo_cap`` inputs; Vivado HLS' per-element AXI-Stream with TDATA
    rounded up to whole bytes and hls4ml 0.x's ``const_size_in_1``/``const_size_out_1`` outputs."""
    from fpga_prune.rtl.ports import ArraySpec
    from fpga_prune.rtl.stream_ports import detect_stream_ports

    x32, y1 = ArraySpec("input_1", 32, 32, True, True), ArraySpec("layer2_out", 1, 32, True, True)
    ports = [p for i in range(32) for p in _fifo(f"input_1_V_data_{i}_V", "in", 32)]
    ports += _fifo("layer2_out_V_data_V", "out", 32) + BLOCK + [("input", "ap_continue", 1)]
    (tmp_path / "v2020").mkdir()
    (tmp_path / "v2020" / "myproject.v").write_text(_module("myproject", ports))
    pm = detect_stream_ports(tmp_path / "v2020", None, x32, (y1,))
    assert pm.stream == "ap_fifo" and pm.block_protocol == "ap_ctrl_chain" and len(pm.input_lanes) == 32
    assert (pm.outputs, pm.output_readies) == (("layer2_out_V_data_V_din",), ("layer2_out_V_data_V_full_n",))
    assert pm.input_lane_levels == () and pm.output_levels == ()

    x, y = ArraySpec("layer14_out", 8, 16, True, True), ArraySpec("layer15_out", 16, 21, True, True)
    ports = _fifo("layer14_out", "in", 128, True) + _fifo("layer15_out", "out", 336, True) + BLOCK
    (tmp_path / "v2023").mkdir()
    (tmp_path / "v2023" / "myproject.v").write_text(_module("myproject", ports))
    pm = detect_stream_ports(tmp_path / "v2023", None, x, (y,))
    assert pm.input_lanes == ("layer14_out_dout",) and pm.outputs == ("layer15_out_din",) * 16
    assert pm.output_offsets == tuple(range(0, 336, 21))
    assert pm.input_lane_levels == ("layer14_out_num_data_valid",) and pm.input_lane_caps == ("layer14_out_fifo_cap",)
    assert pm.output_levels == ("layer15_out_num_data_valid",) * 16

    x1, y16 = ArraySpec("input_1", 1, 11, True, True), ArraySpec("layer9_out", 16, 9, False, True)
    ports = [("input", "input_1_V_data_0_V_TDATA", 16), ("input", "input_1_V_data_0_V_TVALID", 1)]
    ports += [("output", "input_1_V_data_0_V_TREADY", 1), ("input", "ap_rst_n", 1)]
    for i in range(16):
        b = f"layer9_out_V_data_{i}_V"
        ports += [("output", f"{b}_TDATA", 16), ("output", f"{b}_TVALID", 1), ("input", f"{b}_TREADY", 1)]
    ports += [p for p in BLOCK if p[1] != "ap_rst"] + [("output", "const_size_in_1", 16)]
    (tmp_path / "axis").mkdir()
    (tmp_path / "axis" / "myproject.v").write_text(_module("myproject", ports))
    pm = detect_stream_ports(tmp_path / "axis", None, x1, (y16,))
    assert pm.stream == "axis" and pm.reset == "ap_rst_n" and pm.reset_active_low
    assert pm.input_lanes == ("input_1_V_data_0_V_TDATA",) and pm.outputs[15] == "layer9_out_V_data_15_V_TDATA"
    assert pm.output_offsets == () and not pm.output_signed


def test_axis_tdata_is_whole_bytes_with_element_zero_low(stream_prj):
    from fpga_prune.rtl.stream import render_stream_rtl

    net = read_project(stream_prj).network
    text = render_stream_rtl(net, "myproject", "x_in", "layer6_out", "axis")["myproject.v"]
    assert "input  wire [63:0] x_in_TDATA," in text and "output wire [47:0] layer6_out_TDATA," in text
    assert "assign x_bus[63:0] = x_in_TDATA[63:0];" in text and "<= {y_2, y_1, y_0};" in text
    assert "assign layer6_out_TDATA = head[47:0];" in text


@pytest.mark.slow
def test_io_stream_project_verifies_through_fifo_and_axis_ports_and_a_flipped_weight_fails(stream_prj, tmp_path):
    """The project's own C simulation == the bit-accurate model, per layer; the RTL behind packed AXI-Stream ports
    (Icarus) and behind per-element FIFO ports with Vitis 2023+'s fill-level/capacity inputs (Verilator), no port
    file, == both; each --rtl directory gets a build of its own, so a flipped weight in the RTL is rebuilt and fails.
    (One simulator per naming: both run the same sim/test_stream.py, whose lanes the naming decides.)"""
    from fpga_prune.rtl.stream import render_stream_rtl
    from fpga_prune.verify.checks import VerifyOptions, check_rtl
    from fpga_prune.verify.foreign import verify_hls_project

    prj = _copy(stream_prj, tmp_path / "prj")
    net = read_project(prj).network
    n = 120
    for protocol, split, sim in (
        ("axis", False, "icarus"),  # Vitis: the array packed into TDATA
        ("ap_fifo", True, "verilator"),  # Vivado HLS: one FIFO per element (x_in_V_data_<i>_V_dout ...)
    ):
        files = render_stream_rtl(net, "myproject", "x_in", "layer6_out", protocol, split, fifo_status=split)
        rtl = write_as_export(files, tmp_path / f"rtl_{protocol}")
        checks = {
            c.name: c
            for c in verify_hls_project(prj, VerifyOptions(sims=(sim,), rtl_dir=rtl, vectors=n), lambda _m: None)
        }
        model = checks["bit_accurate_model"]
        assert model.details["modelled"] and model.mismatches == 0 and model.vectors == n
        assert [lay["disagreeing_vectors"] for lay in model.details["layers"]] == [0, 0, 0, 0]
        c = checks[f"rtl_{sim}"]
        assert c.passed and c.mismatches == 0 and c.details["ports"]["stream"] == protocol
        tests = c.details["tests"]
        assert tests["back_to_back"]["vectors"] == n and tests["idle_gaps"]["mismatches"] == 0
        assert c.details["ii"] == 1.0  # one word a cycle while the output is never full
    v = tmp_path / "rtl_axis" / "myproject_net.v"
    text = v.read_text()
    m = next(re.finditer(r"(l3_fc2_\w+ \* \d+'sd)(\d+)\)", text))
    v.write_text(text[: m.start(2)] + str(int(m.group(2)) ^ 64) + text[m.end(2) :])
    opts = VerifyOptions(sims=("icarus",), rtl_dir=tmp_path / "rtl_axis", vectors=n)
    c = check_rtl(prj, "icarus", opts, prj / "build" / "verify" / "vectors")
    assert not c.passed and 0 < c.details["tests"]["back_to_back"]["mismatches"] <= n
    builds = sorted(d.name.rsplit("-", 1)[0] for d in (prj / "build" / "verify").glob("*-*"))
    assert builds == ["icarus", "icarus", "verilator"]  # one per RTL: the flipped one did not reuse the first


def test_io_stream_estimate_from_the_cli_and_an_unsupported_layout_is_exit_2(stream_prj, tmp_path, capsys):
    from fpga_prune.cli.app import main

    assert main(["estimate", str(stream_prj), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == "hls4ml project (firmware, io_stream)"
    assert [lay["name"] for lay in doc["layers"] if lay["kind"] == "fifo"] == ["fifo fc1", "fifo fc1_relu", "fifo fc2"]
    prj = _copy(stream_prj, tmp_path / "prj")
    top = prj / "firmware" / "myproject.cpp"  # a second output stream that no layer writes
    top.write_text(
        top.read_text().replace(
            "hls::stream<result_t> &layer6_out",
            "hls::stream<result_t> &layer6_out,\n    hls::stream<result_t> &extra_out",
        )
    )
    assert main(["estimate", str(prj)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no layer writes the top's output extra_out" in err[0]


def test_an_io_stream_top_with_a_layer_not_modelled_is_refused_before_any_simulation(stream_prj, tmp_path, capsys):
    """A convolution's input is many stream words an inference: with a layer this tool does not read, verify --rtl
    of an io_stream top stops at once with exit 2 and one line (a real Vivado HLS 2020.1 CNN export ran the RTL
    bench for minutes, starved of words)."""
    from fpga_prune.cli.app import main

    prj = _copy(stream_prj, tmp_path / "prj")
    top = prj / "firmware" / "myproject.cpp"
    top.write_text(top.read_text().replace("nnet::relu<", "nnet::pooling1d_cl<", 1))
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "myproject.v").write_text("module myproject; endmodule\n")
    assert main(["verify", str(prj), "--rtl", str(tmp_path / "rtl"), "--sim", "icarus"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "io_stream top not modelled, words per inference unknown" in err[0]
    assert "pooling1d_cl" in err[0] and not (prj / "build").exists()
