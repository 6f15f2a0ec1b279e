"""Foreign VivadoAccelerator tops on memory-mapped buses: hls4ml 1.3's ``axi_master`` (m_axi in/out, ap_ctrl_hs on
s_axilite bundle CTRL_BUS; what it writes for Alveo boards) and ``axi_lite`` (in/out as s_axilite memories,
ap_ctrl_none) driven by ``verify --rtl`` with cocotbext-axi (AxiRam, AxiLiteMaster).

The exported RTL is a STAND-IN: there is no Vitis here, so ``rtl.wrapped.render_mm_export`` writes Verilog with the
ports, bundles and register maps a Vitis HLS export of these tops has (``s_axi_CTRL_BUS``: ap_ctrl_hs; the m_axi
offsets and s_axilite arrays in the default bundle ``control``, 64-bit offsets; ``m_axi_IN_BUS``/``m_axi_OUT_BUS``),
its map atop each ``*_s_axi.v`` as Vitis writes it, around our RTL of the network and the wrapper's float casts,
placed in ``myproject_prj/solution1/impl/verilog`` as Vitis would.  hls4ml 1.3's ``write()`` raises for both
interfaces before it writes the wrapper (no tcl script for axi_master on any board, no ``axi_lite_driver.py``), so
the projects are finished with the writer's own ``write_axi_wrapper``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fpga_prune import cli
from hls_projects import set_weights

EXPORT = Path("myproject_prj") / "solution1" / "impl" / "verilog"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _mm_project(out: Path, board: str, interface: str) -> Path:
    """Dense(5)+relu -> Dense(3) on 4 inputs (float elements), hls4ml's VivadoAccelerator ``interface`` top on
    ``board``, with the stand-in export."""
    import hls4ml
    import keras

    from fpga_prune.hls.project import read_project
    from fpga_prune.outdir import write_tree
    from fpga_prune.rtl import render
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.rtl.wrapped import render_mm_export

    inp = keras.layers.Input((4,), name="x_in")
    x = keras.layers.Dense(5, activation="relu", name="fc1")(inp)
    model = set_weights(keras.Model(inp, keras.layers.Dense(3, name="fc2")(x)), 5)
    cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="VivadoAccelerator")
    cfg["Model"]["Precision"] = "ap_fixed<16,6>"
    cfg["LayerName"]["fc2"]["Precision"]["result"] = "ap_fixed<16,6>"
    hm = hls4ml.converters.convert_from_keras_model(
        model, hls_config=cfg, output_dir=str(out), backend="VivadoAccelerator", board=board, interface=interface
    )
    with pytest.raises(Exception, match="tcl script|axi_lite_driver"):  # hls4ml 1.3 cannot write() these
        hm.write()
    writer = hm.config.backend.writer
    writer.write_wrapper_test(hm)
    writer.write_axi_wrapper(hm)
    writer.modify_build_script(hm)
    net = read_project(out).network
    files = render.render_rtl(net, top="myproject")
    ports = PortMap.from_json(files.pop("ports.json"))  # a Vitis export has no port map
    files |= render_mm_export(ports, net.input_type, net.output_type, True, True, "myproject_axi", interface)
    write_tree(out / EXPORT, files)
    return out


@pytest.fixture(scope="module")
def master_project(tmp_path_factory) -> Path:
    return _mm_project(tmp_path_factory.mktemp("mm") / "prj", "alveo-u50", "axi_master")


@pytest.fixture(scope="module")
def lite_project(tmp_path_factory) -> Path:
    return _mm_project(tmp_path_factory.mktemp("lite") / "prj", "pynq-z2", "axi_lite")


def test_register_map_round_trip_and_vitis_layout():
    """The map reader reads a Vitis HLS header's form (as public ``*_hw.h`` headers have it) and what we write."""
    from fpga_prune.arith.axil import layout
    from fpga_prune.rtl.s_axi_map import address_info, parse_address_info

    vitis = (
        "// 0x10 : Data signal of in_r\n//        bit 31~0 - in_r[31:0] (Read/Write)\n"
        "// 0x14 : Data signal of in_r\n//        bit 31~0 - in_r[63:32] (Read/Write)\n// 0x18 : reserved\n"
        "// 0x40 ~\n// 0x7f : Memory 'x' (16 * 16b)\n//        Word n : bit [15: 0] - x[2n]\n"
    )
    m = parse_address_info(vitis, "control")
    assert (m.register("in_r").offset, m.register("in_r").bits, m.ap_ctrl) == (0x10, 64, False)
    assert (m.memory("x").base, m.memory("x").high, m.memory("x").per_word) == (0x40, 0x7F, 2)
    # Vitis HLS' allocation: two 64-bit pointers in three words each; memories at their power-of-two span
    lay = layout("control", True, [("in_r", 64), ("out_r", 64)], [("a", 16, 32), ("b", 20, 32)])
    assert [r.offset for r in lay.registers] == [0x10, 0x1C]
    assert [(x.base, x.high) for x in lay.memories] == [(0x40, 0x7F), (0x80, 0xFF)]
    assert parse_address_info(address_info(lay), "control") == lay
    # the AXI-Lite top's map is the same rule: a one-word array in a window of MIN_WORDS words
    one = layout("control", True, [], [("x", 1, 32), ("y", 3, 16)])
    assert [(x.base, x.high, x.words) for x in one.memories] == [(0x10, 0x17, 1), (0x18, 0x1F, 2)]


def test_axi_master_driven_under_both_simulators(master_project, capsys):
    from fpga_prune.hls.project import read_project

    w = read_project(master_project).wrapper
    assert (w.interface, w.ap_ctrl, w.in_ctype, w.out_ctype) == ("axi_master", "s_axilite", "float", "float")
    assert (w.bundle("return"), w.bundle("in"), w.bundle("out")) == ("CTRL_BUS", "IN_BUS", "OUT_BUS")
    code, out, err = _run(
        capsys, "verify", str(master_project), "--rtl", str(master_project / EXPORT), "--sim", "all",
        "--vectors", "12", "--json",
    )  # fmt: skip
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 0, err[-2000:]
    assert checks["wrapper_csim"]["mismatches"] == 0 and checks["wrapper_csim"]["vectors"] == 12
    for sim in ("verilator", "icarus"):
        rtl = checks[f"rtl_wrapped_{sim}"]
        assert (rtl["vectors"], rtl["mismatches"]) == (24, 0), rtl
        assert rtl["registers"]["control"] == {"bundle": "CTRL_BUS"}
        assert rtl["registers"]["pointers"]["in"] == {"bundle": "control", "offset": 0x10, "bits": 64}
        assert rtl["registers"]["pointers"]["out"]["offset"] == 0x1C
        assert rtl["tests"]["wrapped_mm_backpressure"]["protocol_errors"] == []


def test_axi_lite_driven_and_a_wrong_offset_counted(lite_project, tmp_path, capsys):
    """The axi_lite top under Icarus: 0 mismatches; the same export whose map puts out_r at in_r's address (the
    bench reads the inputs back as results): every sample mismatches, exit 1."""
    export = lite_project / EXPORT
    args = ("verify", str(lite_project), "--sim", "icarus", "--vectors", "8", "--json")
    code, out, err = _run(capsys, *args, "--rtl", str(export))
    rtl = {c["name"]: c for c in json.loads(out)["checks"]}["rtl_wrapped_icarus"]
    assert code == 0 and (rtl["vectors"], rtl["mismatches"]) == (16, 0), err[-2000:]
    assert rtl["registers"]["memories"]["in_base"] == 0x10 and rtl["registers"]["memories"]["out_base"] == 0x20
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in export.glob("*.v"):
        (bad / p.name).write_text(
            p.read_text().replace("// 0x20 ~\n// 0x2f : Memory 'out_r'", "// 0x10 ~\n// 0x1f : Memory 'out_r'")
        )
    assert (bad / "myproject_axi_control_s_axi.v").read_text() != (export / "myproject_axi_control_s_axi.v").read_text()
    code, out, _ = _run(capsys, *args, "--rtl", str(bad))
    rtl = {c["name"]: c for c in json.loads(out)["checks"]}["rtl_wrapped_icarus"]
    assert code == 1 and rtl["mismatches"] == 16


def test_unsupported_layouts_refused_by_name(master_project, tmp_path, capsys):
    """No register map, or m_axi bundles other than the pragma's: exit 2, one line, before any simulation."""
    export = master_project / EXPORT
    bare = tmp_path / "bare"
    bare.mkdir()
    for p in export.glob("*.v"):
        if not p.name.endswith("_s_axi.v"):
            (bare / p.name).write_text(p.read_text())
    code, _, err = _run(capsys, "verify", str(master_project), "--rtl", str(bare), "--vectors", "4")
    assert code == 2 and "myproject_axi_<bundle>_s_axi.v: missing" in err and len(err.strip().splitlines()) == 1
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    for p in export.glob("*.v"):
        (renamed / p.name).write_text(p.read_text().replace("m_axi_IN_BUS_", "m_axi_gmem0_"))
    code, _, err = _run(capsys, "verify", str(master_project), "--rtl", str(renamed), "--vectors", "4")
    assert code == 2 and "no m_axi_IN_BUS_* master" in err and len(err.strip().splitlines()) == 1
