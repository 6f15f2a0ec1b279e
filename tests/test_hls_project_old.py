"""hls4ml projects as older tools wrote them (issue 20): hls4ml 0.x firmware and Vivado HLS 2018-2020 ports.

Nothing of a real export is used: a project written by hls4ml 1.3 is rewritten the
way hls4ml 0.x wrote its firmware (``hls_projects.as_hls4ml_0x``), and the RTL is
our renderer's core inside a top whose ports are named as Vivado HLS 2019.2/2020.1
names them (``x_V``, ``layer5_out_0_V``, ``const_size_in_1``), non-ANSI like theirs,
or packed (ARRAY_RESHAPE on the output), or as Vitis HLS names them under ap_hs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fpga_prune import cli
from fpga_prune.errors import InputError
from fpga_prune.rtl.ports import NAMINGS, ArraySpec, detect_ports
from hls_projects import as_hls4ml_0x, bn_model, run_cli, write_project


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """(the hls4ml 1.3 project, the same project as hls4ml 0.x wrote it)."""
    import shutil

    base = tmp_path_factory.mktemp("old")
    new = write_project(bn_model(), base / "new", default_precision="ap_fixed<14,5>")
    old = base / "old"
    shutil.copytree(new, old)
    return new, as_hls4ml_0x(old)


# ----------------------------------------------------------------------------- 0.x firmware layouts
def test_0x_layout_imports_to_the_same_network_at_the_build_scripts_clock(projects):
    from fpga_prune.hls.project import read_project, top_signature

    new, old = projects
    assert not (old / "firmware" / "defines.h").exists()
    assert "#define N_INPUT_1_1 6" in (old / "firmware" / "parameters.h").read_text()
    got, want = read_project(old), read_project(new)
    assert got.network.to_json() == want.network.to_json()
    assert [lay.name for lay in got.network.layers] == ["fc1", "fc1_relu", "bn", "fc2"]
    assert (got.part, got.clock_period_ns) == ("xcku115-flvb2104-2-i", 3.33)  # build_prj.tcl's literals
    # Trace's host-only save_layer_output reads the output array too: it is still the output, not an input
    assert 'nnet::save_layer_output<result_t>(layer5_out, "fc2"' in (old / "firmware" / "myproject.cpp").read_text()
    sig = top_signature(old)
    assert (sig.input.name, sig.input.size) == ("x", 6)
    assert [(a.name, a.size) for a in sig.outputs] == [("layer5_out", 3)]
    assert sig.scalar_types == (("const_size_in_1", "unsigned short"), ("const_size_out_1", "unsigned short"))
    assert sig.args == ("x", "layer5_out", "const_size_in_1", "const_size_out_1")


def test_0x_layout_estimates_and_an_unknown_size_is_a_one_line_refusal(projects, capsys, tmp_path):
    import shutil

    new, old = projects
    code = cli.main(["estimate", str(old), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    est = json.loads(out)
    assert est["clock_period_ns"] == 3.33 and est["part"] == "xcku115-flvb2104-2-i"
    assert [layer["name"] for layer in est["layers"]] == ["fc1", "fc1_relu", "bn", "fc2"]
    assert est["totals"]["dsp"] > 0 and est["latency_cycles"] >= 2
    # exactly the estimate of the same network as hls4ml 1.3 wrote it, on the same part and clock
    assert cli.main(["estimate", str(new), "--json", "--part", "xcku115-flvb2104-2-i", "--clock", "3.33"]) == 0
    same = json.loads(capsys.readouterr().out)
    for key in ("totals", "latency_cycles", "bounds", "layers"):
        assert same[key] == est[key], key

    broken = tmp_path / "broken"
    shutil.copytree(old, broken)
    params = broken / "firmware" / "parameters.h"
    params.write_text(params.read_text().replace("#define N_LAYER_2 8\n", ""))
    code = cli.main(["estimate", str(broken)])
    _out, err = capsys.readouterr()
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert f"{params}: config2.n_out: 'N_LAYER_2' is not an integer" in line and "Traceback" not in err


def test_weights_passed_into_the_top_and_unforeseen_layouts_are_refused_in_one_line(
    projects, capsys, tmp_path, monkeypatch
):
    import shutil

    from fpga_prune.hls import project as project_mod

    _new, old = projects
    passed = tmp_path / "passed"
    shutil.copytree(old, passed)
    for name in ("myproject.h", "myproject.cpp"):  # the last layer's weights become top-function arguments
        f = passed / "firmware" / name
        f.write_text(
            f.read_text().replace(
                "    unsigned short &const_size_out_1\n)",
                "    unsigned short &const_size_out_1,\n    fc2_weight_t w5[24],\n    fc2_bias_t b5[3]\n)",
            )
        )
    code = cli.main(["estimate", str(passed)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "myproject arguments w5, b5: weights passed into the top function are not supported" in err
    with pytest.raises(InputError, match="arguments w5, b5: weights passed into the top function"):
        project_mod.top_signature(passed)

    # whatever else a reader did not foresee is still a one-line refusal naming the top's source, never exit 1
    def unforeseen(*_args, **_kw):
        raise IndexError("list index out of range")

    monkeypatch.setattr(project_mod, "network_from_firmware", unforeseen)
    code = cli.main(["estimate", str(old)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "myproject.cpp: firmware not understood (IndexError: list index out of range)" in err


def test_clock_overrides_the_build_scripts_and_feeds_latency_and_registers(projects, capsys):
    _new, old = projects
    docs = {}
    for clock in ("", "1.5", "10"):
        code = cli.main(["estimate", str(old), "--json", *(["--clock", clock] if clock else [])])
        out, err = capsys.readouterr()
        assert code == 0, err
        docs[clock] = json.loads(out)
    assert [docs[c]["clock_period_ns"] for c in ("", "1.5", "10")] == [3.33, 1.5, 10.0]
    assert docs["1.5"]["latency_ns"] == docs["1.5"]["latency_cycles"] * 1.5
    assert docs["1.5"]["latency_cycles"] > docs[""]["latency_cycles"] > docs["10"]["latency_cycles"]
    assert docs["1.5"]["totals"]["ff"] > docs[""]["totals"]["ff"] > docs["10"]["totals"]["ff"]
    assert docs["1.5"]["totals"]["dsp"] == docs[""]["totals"]["dsp"] == docs["10"]["totals"]["dsp"]
    assert cli.main(["estimate", str(old), "--clock", "1.5"]) == 0
    assert "xcku115-flvb2104-2-i at 1.5 ns" in capsys.readouterr().out.splitlines()[0]


def test_constexpr_sizes_of_namespaced_hls4ml_are_read():
    from fpga_prune.hls.cpp import define_int, read_defines

    d = read_defines("#define N_A 3\ninline constexpr int N_INPUT_1_1 = 29;\nconstexpr unsigned N_B = N_A*2;\n")
    assert define_int("N_INPUT_1_1", d) == 29 and define_int("N_B", d) == 6 and define_int("N_A*N_B", d) == 18
    # an include guard has no value (not the next line's first word); a trailing // comment is no part of one
    d = read_defines("#ifndef P_H_\n#define P_H_\n\n#include <x>\n#define N_MAX 28 //28 112\n#define N_C N_MAX * 2\n")
    assert "P_H_" not in d and define_int("N_MAX", d) == 28 and define_int("N_C", d) == 56


# ----------------------------------------------------------------------------- Vivado HLS port names
def _vivado_top(
    core: str,
    top: str,
    inp: str,
    n_in_bits: int,
    outs: list[tuple[str, int]],
    sizes: dict,
    packed: str = "",
    suffix: str = "_V",
    ap_hs: bool = False,
) -> str:
    """A non-ANSI top named as Vivado HLS 2019.2 (``suffix`` ``_V``) or Vitis HLS (``""``) names an hls4ml top's
    ports, around our rendered core.

    ``packed``: the output array's name when it is one port (ARRAY_RESHAPE on the output); ``ap_hs``: every data
    port also has ``_ap_ack`` (INTERFACE ap_hs), and an output is valid only while its ack is high.
    """
    din = f"{inp}{suffix}"
    ports = ["ap_clk", "ap_rst", "ap_start", "ap_done", "ap_idle", "ap_ready", f"{din}_ap_vld", din]
    decl = [
        "input   ap_clk;",
        "input   ap_rst;",
        "input   ap_start;",
        "output   ap_done;",
        "output   ap_idle;",
        "output   ap_ready;",
        f"input   {din}_ap_vld;",
        f"input  [{n_in_bits - 1}:0] {din};",
    ]
    conn = [".ap_clk(ap_clk)", ".ap_rst(ap_rst)", ".ap_start(ap_start)", ".ap_done(ap_done)"]
    conn += [".ap_idle(ap_idle)", ".ap_ready(ap_ready)", f".{inp}({din})", f".{inp}_ap_vld({din}_ap_vld)"]
    assigns = []
    if ap_hs:
        ports.append(f"{din}_ap_ack")
        decl.append(f"output   {din}_ap_ack;")
        assigns.append(f"assign {din}_ap_ack = ap_ready;")
    for name, width in outs:  # the core's outputs on wires of their own (core_<name>)
        decl += [f"wire  [{width - 1}:0] core_{name};", f"wire   core_{name}_ap_vld;"]
        conn += [f".{name}(core_{name})", f".{name}_ap_vld(core_{name}_ap_vld)"]
    if packed:
        total = sum(w for _n, w in outs)
        ports += [f"{packed}{suffix}", f"{packed}{suffix}_ap_vld"]
        decl += [f"output  [{total - 1}:0] {packed}{suffix};", f"output   {packed}{suffix}_ap_vld;"]
        assigns += [
            f"assign {packed}{suffix} = {{{', '.join(f'core_{n}' for n, _w in reversed(outs))}}};",  # element 0 low
            f"assign {packed}{suffix}_ap_vld = core_{outs[0][0]}_ap_vld;",
        ]
    else:
        for name, width in outs:
            port = f"{name}{suffix}"
            ports += [port, f"{port}_ap_vld"]
            decl += [f"output  [{width - 1}:0] {port};", f"output   {port}_ap_vld;"]
            assigns.append(f"assign {port} = core_{name};")
            if ap_hs:
                ports.append(f"{port}_ap_ack")
                decl.append(f"input   {port}_ap_ack;")
                assigns.append(f"assign {port}_ap_vld = core_{name}_ap_vld & {port}_ap_ack;")
            else:
                assigns.append(f"assign {port}_ap_vld = core_{name}_ap_vld;")
    for name, value in sizes.items():  # unsigned short &const_size_*: 16 bits, written every call
        ports += [name, f"{name}_ap_vld"]
        decl += [f"output  [15:0] {name};", f"output   {name}_ap_vld;"]
        assigns += [f"assign {name} = 16'd{value};", f"assign {name}_ap_vld = ap_start;"]
    return (
        "// ==============================================================\n"
        "// RTL generated by Vivado(TM) HLS - High-Level Synthesis from C, C++ and OpenCL (emulated)\n"
        "// Version: 2019.2\n"
        "// ==============================================================\n"
        "`timescale 1 ns / 1 ps\n"
        f"module {top} (\n        " + ",\n        ".join(ports) + "\n);\n\n" + "\n".join(decl) + "\n\n"
        f"{top}_core core (\n    "
        + ",\n    ".join(conn)
        + "\n);\n"
        + "\n".join(assigns)
        + "\nendmodule\n\n"
        + core.replace(f"module {top} (", f"module {top}_core (", 1)
    )


def _vivado_rtl(prj: Path, out: Path, packed: bool = False, suffix: str = "_V", ap_hs: bool = False) -> Path:
    from fpga_prune.hls.project import read_project, top_signature
    from fpga_prune.rtl.render import render_rtl

    net = read_project(prj).network
    sig = top_signature(prj)
    out_arr = sig.outputs[0]
    files = render_rtl(net, top=sig.top, input_name=sig.input.name, output_name=out_arr.name)
    core = files[f"{sig.top}.v"].replace("Generated by fpga_prune", "Generated by Vivado HLS (emulated)")
    text = _vivado_top(
        core,
        sig.top,
        sig.input.name,
        sig.input.size * sig.input.type.width,
        [(f"{out_arr.name}_{i}", out_arr.type.width) for i in range(out_arr.size)],
        {"const_size_in_1": sig.input.size, "const_size_out_1": out_arr.size},
        packed=out_arr.name if packed else "",
        suffix=suffix,
        ap_hs=ap_hs,
    )
    out.mkdir(parents=True)
    (out / f"{sig.top}.v").write_text(text)
    return out


def test_every_naming_has_the_parts_a_port_map_needs():
    assert [n.element for n in NAMINGS] == ["{a}_{i}", "{a}_{i}_V"]
    for n in NAMINGS:
        assert "{a}" in n.packed and all("{a}" in s for s in n.single)


def test_vivado_hls_ports_with_v_suffix_and_size_outputs_are_read(tmp_path):
    core = (
        "module myproject (input wire ap_clk, input wire ap_rst, input wire ap_start, output wire ap_done,\n"
        " output wire ap_idle, output wire ap_ready, input wire [59:0] x, input wire x_ap_vld,\n"
        " output wire [15:0] y_0, output wire y_0_ap_vld, output wire [15:0] y_1, output wire y_1_ap_vld,\n"
        " output wire [15:0] y_2, output wire y_2_ap_vld);\nendmodule\n"
    )
    d = tmp_path / "rtl"
    d.mkdir()
    outs = [(f"y_{i}", 16) for i in range(3)]
    (d / "myproject.v").write_text(
        _vivado_top(core, "myproject", "x", 60, outs, {"const_size_in_1": 6, "const_size_out_1": 3})
    )
    x, y = ArraySpec("x", 6, 10, True), ArraySpec("y", 3, 16, True)
    pm = detect_ports(d, None, x, (y,), ignore=("const_size_in_1", "const_size_out_1"))
    assert pm.top == "myproject" and pm.input == "x_V" and pm.input_vld == "x_V_ap_vld" and pm.input_elem_width == 10
    assert pm.outputs == ("y_0_V", "y_1_V", "y_2_V")
    assert pm.output_vlds == ("y_0_V_ap_vld", "y_1_V_ap_vld", "y_2_V_ap_vld")
    # without the top function's arguments: the size outputs are still not data; outputs grouped by name
    pm2 = detect_ports(d, None, ArraySpec("anything", 6, 10, True))
    assert pm2.outputs == ("y_0_V", "y_1_V", "y_2_V") and pm2.input == "x_V"
    (d / "myproject.v").write_text(_vivado_top(core, "myproject", "x", 60, outs, {"const_size_in": 6}))  # 0.1
    assert detect_ports(d, None, ArraySpec("anything", 6, 10, True)).outputs == ("y_0_V", "y_1_V", "y_2_V")
    # a size-1 array keeps its _0 in Vivado HLS 2019.2 exports (layer6_out_0_V)
    one = tmp_path / "one"
    one.mkdir()
    (one / "myproject.v").write_text(_vivado_top(core, "myproject", "x", 60, [("y_0", 16)], {}))
    assert detect_ports(one, None, x, (ArraySpec("y", 1, 16, True),)).outputs == ("y_0_V",)


def test_a_packed_output_array_is_read_as_its_elements(tmp_path):
    d = tmp_path / "rtl"
    d.mkdir()
    (d / "myproject.v").write_text(
        "module myproject (ap_clk, ap_rst, ap_start, ap_done, ap_idle, ap_ready, x_V, x_V_ap_vld, y_V, y_V_ap_vld);\n"
        "input ap_clk; input ap_rst; input ap_start; output ap_done; output ap_idle; output ap_ready;\n"
        "input [59:0] x_V; input x_V_ap_vld; output [47:0] y_V; output y_V_ap_vld;\nendmodule\n"
    )
    pm = detect_ports(d, None, ArraySpec("x", 6, 10, True), (ArraySpec("y", 3, 16, True),))
    assert pm.outputs == ("y_V", "y_V", "y_V") and pm.output_vlds == ("y_V_ap_vld",) * 3
    assert pm.output_offsets == (0, 16, 32) and pm.output_width == 16 and pm.width_of(2) == 16
    assert type(pm).from_json(pm.to_json()) == pm
    # a packed port of another width is no array of the top function's: a one-line refusal
    with pytest.raises(InputError) as exc:
        detect_ports(d, None, ArraySpec("x", 6, 10, True), (ArraySpec("y", 3, 15, True),))
    assert "do not form the arrays y[3]" in str(exc.value) and "\n" not in str(exc.value)


def test_ap_hs_acks_are_held_high_and_not_data(tmp_path):
    core = "module myproject (input wire ap_clk);\nendmodule\n"
    d = tmp_path / "rtl"
    d.mkdir()
    outs = [(f"y_{i}", 16) for i in range(2)]
    (d / "myproject.v").write_text(_vivado_top(core, "myproject", "x", 60, outs, {}, suffix="", ap_hs=True))
    pm = detect_ports(d, None, ArraySpec("x", 6, 10, True), (ArraySpec("y", 2, 16, True),))
    assert pm.input == "x" and pm.outputs == ("y_0", "y_1") and pm.hold_high == ("y_0_ap_ack", "y_1_ap_ack")
    assert type(pm).from_json(pm.to_json()) == pm and json.loads(pm.to_json())["hold_high"] == list(pm.hold_high)
    # without ap_hs nothing is held and the port map's JSON has no such key (earlier port maps stay identical)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "myproject.v").write_text(_vivado_top(core, "myproject", "x", 60, outs, {}, suffix=""))
    pm2 = detect_ports(plain, None, ArraySpec("x", 6, 10, True), (ArraySpec("y", 2, 16, True),))
    assert pm2.hold_high == () and "hold_high" not in json.loads(pm2.to_json())


@pytest.mark.slow
@pytest.mark.parametrize(
    "packed,suffix,ap_hs",
    [(False, "_V", False), (True, "_V", False), (False, "", True)],
    ids=["vivado-partitioned", "vivado-packed", "vitis-ap_hs"],
)
def test_0x_project_with_exported_rtl_verifies_under_both_simulators(projects, tmp_path, packed, suffix, ap_hs):
    """Both simulators on the first naming; the port mapping does not depend on the simulator, so the other
    namings run under Icarus alone (each Verilator build is half a minute of CPU)."""
    _new, old = projects
    rtl = _vivado_rtl(old, tmp_path / "rtl", packed=packed, suffix=suffix, ap_hs=ap_hs)
    assert re.search(r"output  \[15:0\] const_size_in_1;", (rtl / "myproject.v").read_text())
    sims = ("verilator", "icarus") if not (packed or ap_hs) else ("icarus",)
    sim_arg = "all" if len(sims) == 2 else sims[0]
    r = run_cli("verify", str(old), "--rtl", str(rtl), "--vectors", "800", "--sim", sim_arg, "--json")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["bit_accurate_model"]["modelled"] and checks["bit_accurate_model"]["mismatches"] == 0
    assert sorted(n for n in checks if n.startswith("rtl_")) == sorted(f"rtl_{sim}" for sim in sims)
    for sim in sims:
        c = checks[f"rtl_{sim}"]
        assert c["passed"] and c["mismatches"] == 0, c
        assert c["ports"] == {
            "block_protocol": "ap_ctrl_hs",
            "input": f"x{suffix}",
            "input_vld": f"x{suffix}_ap_vld",
            "outputs": [f"layer5_out{suffix}"] * 3 if packed else [f"layer5_out_{k}{suffix}" for k in range(3)],
        }
        assert c["tests"]["back_to_back"]["vectors"] == 800


def test_a_dataflow_io_parallel_top_is_read_and_priced_with_its_channels(projects, tmp_path):
    """hls4ml 0.x's Resource strategy put '#pragma HLS DATAFLOW' in an io_parallel top: every element between two
    layers becomes a depth-2 FIFO (rules dataflow_channel_*; nicologhielmetti/hls4ml-pynq's 262 of them)."""
    import shutil

    from fpga_prune.boards import board_for_part
    from fpga_prune.estimate.core import estimate
    from fpga_prune.hls.project import read_project

    _, old = projects
    flow = tmp_path / "flow"
    shutil.copytree(old, flow)
    top = flow / "firmware" / "myproject.cpp"
    text = top.read_text()
    top.write_text(re.sub(r"(void\s+myproject\s*\([^)]*\)\s*\{)", r"\1\n    #pragma HLS DATAFLOW", text, count=1))
    plain, dataflow = read_project(old), read_project(flow)
    assert not plain.dataflow and dataflow.dataflow
    board = board_for_part("xc7z020clg400-1", 5.0)
    a = estimate(plain.network, board, plain.estimate_options("vivado-2019.2"))
    b = estimate(dataflow.network, board, dataflow.estimate_options("vivado-2019.2"))
    channels = [le for le in b.layers if le.name.startswith("channels ")]
    net = dataflow.network
    readers = net.consumers()
    n_fifos = sum(net.source_size(j) for j in range(len(net.layers)) if readers[j])
    assert channels and sum(int(le.strategy.split("x")[-1]) for le in channels) == n_fifos
    assert b.ff - a.ff == 5 * n_fifos  # Vivado HLS: 5 FF a depth-2 FIFO (its pointer and flags)
    assert b.lut > a.lut + 13 * n_fifos
