"""Tops whose input is not one array (issue 20): several input arrays, and scalar arguments the top's own code
turns into the network's input.

The two-input project is hls4ml 1.3's own (``hls_projects.write_two_input_project``: Input(4) and Input(3) of
different types, a Dense each, Concatenate, Dense); its C simulation is the reference the bit-accurate model must
equal.  The scalar top is an hls4ml project rewritten the way a public trigger project wrote its top
(``hls_projects.as_scalar_top``).
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
from fpga_prune.arith.ir import ActivationLayer, FixedNetwork, MergeLayer, NetworkInput
from fpga_prune.hls.project import read_project, top_signature
from hls_projects import as_scalar_top, run_cli, small_model, write_as_export, write_project, write_two_input_project

P = FixedType.parse


@pytest.fixture(scope="module")
def two_in(tmp_path_factory) -> Path:
    return write_two_input_project(tmp_path_factory.mktemp("two_in") / "prj")


@pytest.fixture(scope="module")
def scalar_prj(tmp_path_factory) -> Path:
    return as_scalar_top(write_project(small_model(), tmp_path_factory.mktemp("scalar") / "prj"))


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    from fpga_prune import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _copy(prj: Path, dst: Path) -> Path:
    shutil.copytree(prj, dst, ignore=shutil.ignore_patterns("build", "verify.*"))
    return dst


def test_two_input_network_reads_each_array_and_round_trips():
    """a (ap_fixed<6,3>[2]) and b (ap_ufixed<4,1>[2]): u = relu(b); cat = a ++ u, add = a + b."""
    at, bt = P("ap_fixed<6,3>"), P("ap_ufixed<4,1>")
    u = ActivationLayer("u", "relu", bt, bt, 2, inputs=("b",))
    cat = MergeLayer("cat", "concatenate", (at, bt), (2, 2), P("ap_fixed<8,4>"), ("a", "u"))
    add = MergeLayer("add", "add", (at, bt), (2, 2), P("ap_fixed<8,4>"), ("a", "b"))
    ins = (NetworkInput("a", at, 2), NetworkInput("b", bt, 2))
    net = FixedNetwork("two", at, 4, (u, cat, add), outputs=("cat", "add"), input_arrays=ins)
    assert net.sources == ((-2,), (-1, 0), (-1, -2)) and not net.is_chain
    assert net.consumers()[-1] == [1, 2] and net.consumers()[-2] == [0, 2]
    x = np.array([[-32, 31, 15, 3]])  # a = -4, 3.875; b = 1.875, 0.375
    got = emulate.predict_raw(net, x)
    # cat: a (frac 3 -> 4: x2), u = b (frac 3 -> 4: x2); add: a + b = -2.125, 4.25 in frac 4
    assert got.tolist() == [[-64, 62, 30, 6, -34, 68]]
    # each array in its own type: -1.0 wraps to 1.0 in b's ap_ufixed<4,1> (raw 8), not in a's
    assert emulate.quantize_inputs(net, [[-1.0, 3.875, 1.875, -1.0]]).tolist() == [[-8, 31, 15, 8]]
    doc = json.loads(net.to_json())
    assert doc["input_arrays"] == [
        {"name": "a", "type": "ap_fixed<6,3>", "size": 2},
        {"name": "b", "type": "ap_ufixed<4,1>", "size": 2},
    ]
    back = FixedNetwork.from_json(net.to_json())
    assert back.to_json() == net.to_json() and back.input_types == (at, bt)
    with pytest.raises(ValueError, match="total/first"):
        FixedNetwork("bad", at, 3, (u,), input_arrays=ins)


def test_hls4ml_two_input_top_is_read_as_named_inputs(two_in):
    sig = top_signature(two_in)
    assert [(a.name, a.size, str(a.type)) for a in sig.inputs] == [
        ("in_a", 4, "ap_fixed<16,6>"),
        ("in_b", 3, "ap_fixed<10,3>"),
    ]
    assert [a.name for a in sig.outputs] == ["layer8_out"] and sig.args == ("in_a", "in_b", "layer8_out")
    net = read_project(two_in).network
    assert [(a.name, a.size) for a in net.inputs] == [("in_a", 4), ("in_b", 3)] and net.n_inputs == 7
    assert [(lay.name, lay.inputs) for lay in net.layers] == [
        ("fa", ()),
        ("fa_relu", ()),
        ("fb", ("in_b",)),
        ("cat", ("fa_relu", "fb")),
        ("out", ()),
    ]
    assert net.layers[2].input_type == P("ap_fixed<10,3>")


def test_two_input_project_verifies_against_its_c_simulation_and_estimates(two_in, tmp_path, capsys):
    prj = _copy(two_in, tmp_path / "prj")
    code, out, err = _cli(capsys, "verify", str(prj), "--vectors", "300", "--json")
    assert code == 0, out[-2000:] + err[-2000:]
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    model = checks["bit_accurate_model"]
    assert model["mismatches"] == 0 and model["vectors"] == 300
    assert all(r["compared"] and r["disagreeing_vectors"] == 0 for r in model["layers"])
    assert checks["hls4ml_csim"]["inputs"] == ["in_a[4] ap_fixed<16,6>", "in_b[3] ap_fixed<10,3>"]
    # each array drawn over its own type: in_b reaches ap_fixed<10,3>'s raw range and no further
    x = np.loadtxt(prj / "build" / "verify" / "csim" / "run" / "inputs_raw.dat", dtype=np.int64)
    assert x.shape == (300, 7) and (x[:, 4:].min(), x[:, 4:].max()) == (-512, 511)
    assert (x[:, :4].min(), x[:, :4].max()) == (-32768, 32767)
    # the inputs swapped would not do: the model reads each array where the top does
    net = read_project(prj).network
    assert not np.array_equal(emulate.predict_raw(net, x[:, ::-1]), emulate.predict_raw(net, x))
    code, out, err = _cli(capsys, "estimate", str(prj), "--json")
    assert code == 0, err
    est = json.loads(out)
    rows = {r["name"]: r for r in est["layers"]}
    assert list(rows) == ["fa", "fa_relu", "fb", "cat", "out"] and rows["fb"]["dsp"] >= 1


@pytest.mark.slow
def test_two_input_rtl_verifies_port_by_port_and_a_flipped_weight_of_the_second_input_fails(two_in, tmp_path):
    """Our RTL of the imported graph under Vitis' port names (one packed port and ap_vld per input array), read
    back from the Verilog as a real export's; a flipped weight of fb (which reads in_b only) must be caught."""
    from fpga_prune.rtl.render import render_rtl

    prj = _copy(two_in, tmp_path / "prj")
    net, sig = read_project(prj).network, top_signature(prj)
    files = render_rtl(net, top=sig.top, input_name=sig.input.name, output_names=[a.name for a in sig.outputs])
    rtl = write_as_export(files, tmp_path / "rtl")
    text = (rtl / "myproject.v").read_text()
    assert "input  wire [29:0] in_b," in text and "ap_start & in_a_ap_vld & in_b_ap_vld" in text
    r = run_cli("verify", str(prj), "--rtl", str(rtl), "--sim", "icarus", "--vectors", "200", "--json")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    c = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["rtl_icarus"]
    assert c["passed"] and c["mismatches"] == 0 and c["vectors"] == 600
    assert c["ports"]["input"] == "in_a" and c["ports"]["extra_inputs"] == ["in_b"]
    m = next(re.finditer(r"(l3_fb_\w+ \* \d+'sd)(\d+)\)", text))
    (rtl / "myproject.v").write_text(text[: m.start(2)] + str(int(m.group(2)) ^ 8) + text[m.end(2) :])
    r = run_cli("verify", str(prj), "--rtl", str(rtl), "--sim", "icarus", "--vectors", "200")
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr[-2000:]
    assert re.search(r"back_to_back\s+[1-9]\d* mismatches / 200 vectors", r.stdout)


def test_two_input_io_stream_top_estimates_and_verifies_its_c_simulation_and_refuses_rtl(tmp_path, capsys):
    prj = write_two_input_project(tmp_path / "stream", io_type="io_stream")
    sig = top_signature(prj)
    assert sig.io_type == "io_stream" and [(a.name, a.size, a.stream) for a in sig.inputs] == [
        ("in_a", 4, True),
        ("in_b", 3, True),
    ]
    code, out, err = _cli(capsys, "estimate", str(prj), "--json")
    assert code == 0, err
    rows = [r["name"] for r in json.loads(out)["layers"]]
    assert rows == ["fa", "fa_relu", "fb", "cat", "out", "fifo fa", "fifo fa_relu", "fifo fb", "fifo cat"]
    code, out, err = _cli(capsys, "verify", str(prj), "--vectors", "200", "--json")
    assert code == 0, out[-2000:] + err[-2000:]
    model = {c["name"]: c for c in json.loads(out)["checks"]}["bit_accurate_model"]
    assert model["mismatches"] == 0 and model["vectors"] == 200
    assert all(r["compared"] and r["disagreeing_vectors"] == 0 for r in model["layers"])
    code, out, err = _cli(capsys, "verify", str(prj), "--rtl", str(tmp_path), "--vectors", "10")
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
    assert "myproject argument in_b: --rtl of an io_stream top with 2 input streams is not supported" in err


def test_scalar_top_estimates_the_network_and_says_what_it_leaves_out(scalar_prj, capsys):
    sig = top_signature(scalar_prj)
    assert sig.glue is not None and [n for n, _t in sig.glue.scalars] == ["s_0", "s_1", "s_2", "s_3"]
    assert (sig.input.name, sig.input.size, sig.args[:2]) == ("x_in", 4, ("s_0", "s_1"))
    net = read_project(scalar_prj).network
    assert net.n_inputs == 4 and not net.input_arrays and net.is_chain
    code, out, err = _cli(capsys, "estimate", str(scalar_prj), "--json")
    assert code == 0, err
    est = json.loads(out)
    assert est["glue"]["scalar_arguments"] == ["int s_0", "int s_1", "int s_2", "int s_3"]
    assert est["glue"]["network_input"] == "input_t x_in[4]" and est["glue"]["estimated"] is False
    code, out, err = _cli(capsys, "estimate", str(scalar_prj))
    assert "own code before the network (its 4 scalar arguments of int turned into input_t x_in[4]" in out


def test_scalar_top_verifies_from_the_array_its_own_code_fills(scalar_prj, tmp_path, capsys):
    prj = _copy(scalar_prj, tmp_path / "prj")
    code, out, err = _cli(capsys, "verify", str(prj), "--vectors", "300", "--json")
    assert code == 0, out[-2000:] + err[-2000:]
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    model = checks["bit_accurate_model"]
    assert model["mismatches"] == 0 and model["vectors"] == 300
    assert [r["layer"] for r in model["layers"] if r["compared"] and r["disagreeing_vectors"] == 0] == [
        "fc1",
        "fc1_relu",
        "fc2",
        "sm",
    ]
    assert checks["hls4ml_csim"]["glue"]["network_input"] == "input_t x_in[4]"
    # the scalars are drawn over 16 bits of int; the model ran on what the top's shifts made of them
    s = np.loadtxt(prj / "build" / "verify" / "csim" / "run" / "inputs_raw.dat", dtype=np.int64)
    assert s.shape == (300, 4) and (s.min(), s.max()) == (-32768, 32767)
    captured = [int(v, 16) for v in (prj / "build" / "verify" / "csim" / "run" / "trace_0.dat").read_text().split()]
    t = P("ap_fixed<16,6>")
    raw = [(v ^ (1 << 15)) - (1 << 15) for v in captured[:4]]  # vector 0 is all zeros
    assert raw == [0, 0, 0, 0] and len(captured) == 4 * 300
    row = 1  # all max: 32767 >> 8, >> 3, >> 0, << 1 in ap_fixed<30,21>, then wrapped into input_t
    want = [int(np.floor(32767 / 2.0**sh * 2**t.frac)) for sh in (8, 3, 0, -1)]
    want = [((v + (1 << 15)) % (1 << 16)) - (1 << 15) for v in want]
    got = [(v ^ (1 << 15)) - (1 << 15) for v in captured[4 * row : 4 * row + 4]]
    assert got == want


@pytest.mark.slow
def test_scalar_top_export_from_the_array_verifies_and_one_of_the_scalars_is_refused(scalar_prj, tmp_path, capsys):
    """The public trigger project's export starts at the network's array (port ``inputs``, not its 44 scalars):
    it is driven with what the top's own code made of the scalars and compared with the C simulation of the
    same scalars.  A stand-in export: our RTL of the network, its input port ``x_in``."""
    from fpga_prune.rtl.render import render_rtl

    prj = _copy(scalar_prj, tmp_path / "prj")
    net, sig = read_project(prj).network, top_signature(prj)
    for name, port in (("rtl", "x_in"), ("scalar_rtl", "s_0")):
        files = render_rtl(net, top=sig.top, input_name=port, output_names=[a.name for a in sig.outputs])
        write_as_export(files, tmp_path / name)
    r = run_cli("verify", str(prj), "--rtl", str(tmp_path / "rtl"), "--sim", "icarus", "--vectors", "200", "--json")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    c = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["rtl_icarus"]
    assert c["passed"] and c["mismatches"] == 0 and c["vectors"] == 600 and c["ports"]["input"] == "x_in"
    code, out, err = _cli(capsys, "verify", str(prj), "--rtl", str(tmp_path / "scalar_rtl"), "--vectors", "10")
    assert code == 2 and not out and len(err.strip().splitlines()) == 1
    assert "myproject.v: module myproject port s_0: no port x_in" in err
