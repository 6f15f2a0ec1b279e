"""Networks that are graphs, not chains (issue 20): several heads, shared trunks, merges.

The project is written by hls4ml 1.3 from a Keras functional model with four outputs
(``hls_projects.graph_model``): its C simulation is the reference the bit-accurate model
of the imported graph must equal, and our own RTL of the graph, exported under Vitis'
port names, is verified through the same ``verify --rtl`` users run on real exports.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import emulate
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import NETWORK_INPUT, ActivationLayer, FixedNetwork, MergeLayer
from fpga_prune.errors import InputError
from hls_projects import GRAPH_MERGE_PRECISION, graph_project, run_cli, write_as_export

P = FixedType.parse


@pytest.fixture(scope="module")
def graph_prj(tmp_path_factory) -> Path:
    return graph_project(tmp_path_factory.mktemp("graph") / "prj")


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    """``fpga-prune ARGS`` in this process (no second TensorFlow import): exit code, stdout, stderr."""
    from fpga_prune import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _tiny_graph() -> FixedNetwork:
    """input (ap_fixed<6,3>) -> u = ap_ufixed<4,1>(input); add = input + u; cat = input_2 ++ u; outputs add, u, cat."""
    it, ut = P("ap_fixed<6,3>"), P("ap_ufixed<4,1>")
    u = ActivationLayer("u", "linear", it, ut, 2)
    add = MergeLayer("add", "add", (it, ut), (2, 2), P("ap_fixed<5,2,AP_RND,AP_SAT>"), (NETWORK_INPUT, "u"))
    cat = MergeLayer("cat", "concatenate", (ut, it), (2, 2), P("ap_fixed<4,2,AP_RND,AP_SAT>"), ("u", NETWORK_INPUT))
    return FixedNetwork("tiny", it, 2, (u, add, cat), outputs=("add", "u", "cat"))


def test_merges_compute_as_nnet_merge_does_and_graphs_round_trip_through_json():
    net = _tiny_graph()
    # 0.625, -2.5 and 3.75, 0.875: u wraps into [0, 2); add is exact then rounds/saturates into [-2, 1.875];
    # cat rounds u and the input to quarters (0.625 -> 0.75, 0.875 -> 1.0) and saturates them into [-2, 1.75]
    got = emulate.predict_raw(net, np.array([[5, -20], [30, 7]]))
    assert got.tolist() == [[10, -8, 5, 12, 3, 6, 3, -8], [15, 14, 14, 7, 7, 4, 7, 4]]
    assert net.output_sizes == (2, 2, 4) and net.n_outputs == 8 and not net.is_chain
    assert net.sources == ((-1,), (-1, 0), (0, -1))
    with pytest.raises(ValueError, match="3 types"):
        _ = net.output_type
    floats = emulate.predict(net, np.array([[0.625, -2.5]]))  # each output array in its own type
    assert floats.tolist() == [[1.25, -1.0, 0.625, 1.5, 0.75, 1.5, 0.75, -2.0]]
    back = FixedNetwork.from_json(net.to_json())
    assert back.to_json() == net.to_json() and back.outputs == ("add", "u", "cat")
    assert emulate.predict_raw(back, np.array([[30, 7]])).tolist() == got[1:].tolist()
    doc = json.loads(net.to_json())
    assert doc["outputs"] == ["add", "u", "cat"] and "inputs" not in doc["layers"][0]
    assert doc["layers"][1]["inputs"] == [NETWORK_INPUT, "u"]
    # a layer may only read the input or an earlier layer; outputs must be layers
    with pytest.raises(ValueError, match="layer add reads 'u', not the input nor an earlier layer"):
        FixedNetwork("bad", net.input_type, 2, (net.layers[1], net.layers[0], net.layers[2]))
    with pytest.raises(ValueError, match="output 'nope' is not a layer"):
        FixedNetwork("bad", net.input_type, 2, net.layers, outputs=("nope",))


def test_two_head_firmware_reads_as_a_graph(graph_prj):
    from fpga_prune.hls.project import read_project, top_signature

    net = read_project(graph_prj).network
    sig = top_signature(graph_prj)
    assert [(a.name, a.size) for a in sig.outputs] == [
        ("layer13_out", 3),
        ("layer14_out", 1),
        ("layer16_out", 8),
        ("layer17_out", 4),
        ("layer3_out", 8),
    ]
    assert sig.input.name == "x"  # the trunk's output array is read by the heads, but written by the trunk
    assert net.outputs == ("cls_sm", "reg", "cat", "sub", "trunk_relu") and net.output_sizes == (3, 1, 8, 4, 8)
    reads = {lay.name: lay.inputs for lay in net.layers}
    # a chain step reads () (the layer before it); a branch names what it reads
    assert reads["trunk_relu"] == () and reads["cls"] == ("trunk_relu",) and reads["wide"] == (NETWORK_INPUT,)
    assert reads["add"] == ("h", "deep_relu") and reads["sub"] == ("deep_relu", "h") and reads["cat"] == ("add", "wide")
    merges = {lay.name: lay for lay in net.layers if isinstance(lay, MergeLayer)}
    assert {n: (m.op, str(m.result_type)) for n, m in merges.items()} == {
        "add": ("add", GRAPH_MERGE_PRECISION["add"]),
        "cat": ("concatenate", GRAPH_MERGE_PRECISION["cat"]),
        "sub": ("subtract", GRAPH_MERGE_PRECISION["sub"]),
    }
    assert merges["cat"].sizes == (4, 4)


def test_graph_project_verifies_bit_for_bit_against_its_c_simulation(graph_prj, capsys):
    from fpga_prune.hls.project import read_project
    from fpga_prune.hls.vectors import drawn_inputs

    code, out, err = _cli(capsys, "verify", str(graph_prj), "--vectors", "2000", "--json")
    assert code == 0, out[-2000:] + err[-2000:]
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["hls4ml_csim"]["outputs"] == [
        "layer13_out[3] ap_fixed<12,4>",
        "layer14_out[1] ap_fixed<28,12>",
        "layer16_out[8] ap_fixed<10,4,AP_RND,AP_SAT>",
        "layer17_out[4] ap_fixed<7,3,AP_RND,AP_SAT>",
        "layer3_out[8] ap_fixed<12,4>",
    ]
    model = checks["bit_accurate_model"]
    assert model["modelled"] and model["vectors"] == 2000 and model["mismatches"] == 0
    assert [(lay["layer"], lay["compared"], lay["disagreeing_vectors"]) for lay in model["layers"]] == [
        (n, True, 0)
        for n in ("trunk", "trunk_relu", "h", "deep", "deep_relu", "cls", "add", "wide", "cls_sm", "reg", "cat", "sub")
    ]
    # the merges' casts are exercised: they saturate on a good share of the drawn vectors
    net = read_project(graph_prj).network
    x = drawn_inputs(net.input_type, net.n_inputs, 2000, 0)
    clipped = {row["layer"]: row["vectors_clipped"] for row in emulate.overflow_report(net, x)}
    assert clipped["add"] > 500 and clipped["sub"] > 500 and clipped["cat"] > 100


def test_graph_estimate_takes_the_longest_path(graph_prj, capsys):
    from fpga_prune.boards import board_for_part
    from fpga_prune.estimate.context import context
    from fpga_prune.estimate.core import estimate, top_cycles
    from fpga_prune.hls.project import read_project

    code, out, err = _cli(capsys, "estimate", str(graph_prj), "--json")
    assert code == 0, err[-2000:]
    doc = json.loads(out)
    kinds = {lay["name"]: (lay["kind"], lay["strategy"]) for lay in doc["layers"]}
    assert kinds["add"] == ("merge", "add") and kinds["cat"] == ("merge", "concatenate")
    lat = {lay["name"]: lay["latency_cycles"] for lay in doc["layers"]}
    assert lat["cls_sm"] > 0 and lat["add"] == lat["cat"] == 0
    paths = [
        ("trunk", "trunk_relu", "cls", "cls_sm"),
        ("trunk", "trunk_relu", "reg"),
        ("trunk", "trunk_relu", "h", "deep", "deep_relu", "add", "cat"),
        ("wide", "cat"),
        ("trunk", "trunk_relu", "h", "deep", "deep_relu", "sub"),
    ]
    longest = max(sum(lat[n] for n in p) for p in paths)
    prj = read_project(graph_prj)
    board, opts = board_for_part(prj.part, prj.clock_period_ns), prj.estimate_options()
    est = estimate(prj.network, board, opts)
    top = top_cycles(prj.network, context(board, opts), est.interval_cycles)
    assert top > 0 and est.latency_cycles == doc["latency_cycles"] == longest + top < sum(lat.values()) + top
    assert est.dsp == doc["totals"]["dsp"] == sum(lay["dsp"] for lay in doc["layers"]) > 0


def test_merges_the_ir_does_not_model_are_refused_by_name(graph_prj, tmp_path, capsys):
    from fpga_prune.hls.project import read_project

    prj = shutil.copytree(graph_prj, tmp_path / "mul", ignore=shutil.ignore_patterns("build", "verify.*"))
    top = prj / "firmware" / "myproject.cpp"
    top.write_text(top.read_text().replace("nnet::add<", "nnet::multiply<"))
    with pytest.raises(InputError) as exc:
        read_project(prj)
    msg = str(exc.value)
    assert "layer add: nnet::multiply" in msg and "is not a layer this tool models" in msg and "\n" not in msg
    code, out, err = _cli(capsys, "estimate", str(prj))
    assert code == 2 and not out and "Traceback" not in err
    assert "nnet::multiply" in err.strip().splitlines()[-1]
    code, out, err = _cli(capsys, "verify", str(prj), "--vectors", "20")
    assert code == 2 and "nothing to compare the C simulation with: no --rtl" in err and "nnet::multiply" in err


@pytest.mark.slow
def test_graph_rtl_verifies_under_both_simulators_and_a_flipped_head_weight_fails(graph_prj, tmp_path):
    from fpga_prune.hls.project import read_project, top_signature
    from fpga_prune.rtl.render import render_rtl

    net = read_project(graph_prj).network
    sig = top_signature(graph_prj)
    files = render_rtl(net, top=sig.top, input_name=sig.input.name, output_names=[a.name for a in sig.outputs])
    rtl = write_as_export(files, tmp_path / "rtl")
    text = (rtl / "myproject.v").read_text()
    assert "held back to meet its other input" in text and "held back to leave with the slowest" in text
    r = run_cli("verify", str(graph_prj), "--rtl", str(rtl), "--sim", "all", "--vectors", "300", "--json")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    for sim in ("verilator", "icarus"):
        c = checks[f"rtl_{sim}"]
        assert c["passed"] and c["mismatches"] == 0 and c["vectors"] == 900
        assert c["ports"]["outputs"] == [
            *(f"layer13_out_{i}" for i in range(3)),
            "layer14_out_0",
            *(f"layer16_out_{i}" for i in range(8)),
            *(f"layer17_out_{i}" for i in range(4)),
            *(f"layer3_out_{i}" for i in range(8)),
        ]
        assert c["latency_cycles"] == 10  # trunk 2 + relu 1 + cls 2 + softmax 5: the slowest head
    # bit 6 of one positive weight of the reg head flipped: exit 1, naming that head's output only
    v = rtl / "myproject.v"
    m = next(re.finditer(r"(l10_reg_\w+ \* \d+'sd)(\d+)\)", text))
    v.write_text(text[: m.start(2)] + str(int(m.group(2)) ^ 64) + text[m.end(2) :])
    r = run_cli("verify", str(graph_prj), "--rtl", str(rtl), "--sim", "icarus", "--vectors", "200")
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr[-2000:]
    assert re.search(r"back_to_back\s+[1-9]\d* mismatches / 200 vectors  \(outputs: layer14_out_0 \d+\)", r.stdout)


def test_graph_rtl_is_lint_clean_and_shares_delay_lines(graph_prj, tmp_path):
    from fpga_prune.hls.project import read_project
    from fpga_prune.outdir import write_tree
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.rtl.render import render_rtl
    from fpga_prune.rtl.simulate import verilator_lint

    # u feeds v and add; add waits a cycle for v, so u is held back one cycle for add and two more as an
    # output (which leaves with add): one chain of registers serves both
    it, ut = P("ap_fixed<6,3>"), P("ap_ufixed<4,1>")
    u = ActivationLayer("u", "linear", it, ut, 2)
    v = ActivationLayer("v", "relu", ut, ut, 2)
    add = MergeLayer("add", "subtract", (ut, ut), (2, 2), P("ap_fixed<6,2,AP_RND,AP_SAT>"), ("u", "v"))
    net = FixedNetwork("delays", it, 2, (u, v, add), outputs=("add", "u"))
    files = render_rtl(net, output_names=["diff", "copy"])
    text = files["myproject.v"]
    assert text.count("reg  [3:0] l1_u_y_0_q1;") == 1 and "l1_u_y_0_q2" in text and "l1_u_y_0_q3" not in text
    pm = PortMap.from_json(files["ports.json"])
    assert pm.outputs == ("diff_0", "diff_1", "copy_0", "copy_1") and pm.output_widths == (6, 6, 4, 4)
    assert pm.output_signeds == (True, True, False, False) and pm.latency == 3
    for name, n in (("tiny", net), ("graph", read_project(graph_prj).network)):
        write_tree(tmp_path / name, render_rtl(n))
        ok, log = verilator_lint(tmp_path / name)
        assert ok and "%Warning" not in log, log[-3000:]


@pytest.mark.slow
def test_hls4ml_0x_two_head_top_with_a_size_output_per_head_verifies(tmp_path, capsys):
    """hls4ml 0.x wrote a size reference per output array (``const_size_out_1``, ``const_size_out_2``,
    as public two-head 0.x projects have them): neither is data, both heads are compared."""
    from fpga_prune.hls.project import top_signature
    from hls_projects import two_head_model, write_project

    prj = write_project(two_head_model(), tmp_path / "prj")
    sizes = "unsigned short &const_size_in_1, unsigned short &const_size_out_1, unsigned short &const_size_out_2"
    for f in ("myproject.h", "myproject.cpp"):
        p = prj / "firmware" / f
        text = p.read_text().replace("head_b_result_t layer6_out[1]", f"head_b_result_t layer6_out[1],\n    {sizes}")
        if f.endswith(".cpp"):
            writes = "".join(f"    const_size_{n} = {v};\n" for n, v in (("in_1", 5), ("out_1", 2), ("out_2", 1)))
            text = text.replace("    #pragma HLS PIPELINE\n", "    #pragma HLS PIPELINE\n" + writes, 1)
        p.write_text(text)
    sig = top_signature(prj)
    assert [a.name for a in sig.outputs] == ["layer4_out", "layer6_out"]
    assert [n for n, _t in sig.scalar_types] == ["const_size_in_1", "const_size_out_1", "const_size_out_2"]
    code, out, err = _cli(capsys, "verify", str(prj), "--vectors", "500", "--json")
    assert code == 0, out[-2000:] + err[-2000:]
    model = next(c for c in json.loads(out)["checks"] if c["name"] == "bit_accurate_model")
    assert model["modelled"] and model["vectors"] == 500 and model["mismatches"] == 0
    assert [(lay["layer"], lay["disagreeing_vectors"]) for lay in model["layers"]] == [
        ("trunk", 0),
        ("trunk_relu", 0),
        ("head_a", 0),
        ("head_b", 0),
    ]
