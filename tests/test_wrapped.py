"""Foreign wrapped projects: hls4ml 1.3's VivadoAccelerator ``myproject_axi`` (AXI-Stream, float beats).

estimate names the wrapper and what it adds; verify casts floats as the wrapper does (``arith.floatbus``),
refuses by name what is not bit-exact, and with ``--rtl`` drives an export's ``in_r``/``out_r`` ports under
cocotbext-axi (an emulated export here: ``rtl.wrapped`` around our RTL of the network).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from fpga_prune import cli
from fpga_prune.arith import floatbus
from fpga_prune.arith.fixed import FixedType
from hls_projects import set_weights


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _va_project(out: Path, result: str | None) -> Path:
    """Dense(5)+relu -> Dense(3) on 4 inputs, written by hls4ml's VivadoAccelerator backend (pynq-z2, axi_stream);
    ``result`` narrows the last layer's result type (else hls4ml's 36-bit accumulator type)."""
    import hls4ml
    import keras

    inp = keras.layers.Input((4,), name="x_in")
    x = keras.layers.Dense(5, activation="relu", name="fc1")(inp)
    model = set_weights(keras.Model(inp, keras.layers.Dense(3, name="fc2")(x)), 5)
    cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="VivadoAccelerator")
    cfg["Model"]["Precision"] = "ap_fixed<16,6>"
    if result:
        cfg["LayerName"]["fc2"]["Precision"]["result"] = result
    hls4ml.converters.convert_from_keras_model(
        model, hls_config=cfg, output_dir=str(out), backend="VivadoAccelerator", board="pynq-z2", interface="axi_stream"
    ).write()
    return out


@pytest.fixture(scope="module")
def va_project(tmp_path_factory) -> Path:
    return _va_project(tmp_path_factory.mktemp("va") / "prj", "ap_fixed<16,6>")


def test_wrapper_read_and_named_by_estimate(va_project, capsys):
    from fpga_prune.hls.project import read_project

    w = read_project(va_project).wrapper
    assert w is not None
    assert (w.top, w.network_top, w.interface) == ("myproject_axi", "myproject", "axi_stream")
    assert w.ap_ctrl == "ap_ctrl_none"
    assert (w.n_in, w.n_out, w.in_ctype, w.out_ctype) == (4, 3, "float", "float")
    code, out, _ = _run(capsys, "estimate", str(va_project), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["wrapper"]["top"] == "myproject_axi" and doc["wrapper"]["estimated"] is True
    assert ">= 7 cycles a sample" in doc["wrapper"]["note"]  # 4 beats in, then 3 out (io_parallel: no overlap)
    # what it adds (estimate.interface.vivado_accelerator_wrapper): two float loops and the 4 x 8-bit input
    # array its read loop fills at a variable index (Vitis 2021+ rules: 5.65 LUT and 1 FF a bit; 4 x 16 bits)
    parts = {p["name"]: (p["lut"], p["ff"]) for p in doc["wrapper"]["estimate"]["parts"]}
    assert parts == {
        "read loop (float cast)": (1019, 243),
        "write loop (float cast)": (1079, 140),
        "input array (4 x 16 bits, variable index)": (362, 64),
    }
    assert doc["wrapper"]["estimate"]["totals"] == {"lut": 2460, "ff": 447, "bram18k": 0}
    code, out, _ = _run(capsys, "estimate", str(va_project))
    assert re.search(r"note: wrapper myproject_axi .*NOT in the figures above: 4 float->input_t", out)
    assert "it adds 2460 LUT, 447 FF, 0 BRAM_18K (band at 0.9: LUT" in out


def test_floatbus_casts_as_ap_fixed():
    t = FixedType(True, 8, 4)  # ap_fixed<8,4>: lsb 1/16, range [-8, 8)
    x = np.array([0.03125, -0.03125, 1.0 / 3, -1.0 / 3, 8.5, -8.0, 7.9375], dtype=np.float32)
    # floor (AP_TRN) of x * 16, wrapped to 8 bits (AP_WRAP): -0.5 -> -1, 8.5 * 16 = 136 -> -120
    assert floatbus.inputs(x, t).tolist() == [0, -1, 5, -6, -120, -128, 127]
    assert floatbus.outputs(np.array([-128, 127, 1, 0]), t).tolist() == [-8.0, 7.9375, 0.0625, 0.0]
    assert floatbus.refusal(FixedType(True, 24, 10), "out") is None
    assert "25 bits" in floatbus.refusal(FixedType(True, 25, 10), "out")
    beats = floatbus.draw(t, np.array([[5, -6, 0]] * 3), seed=1)
    assert beats.dtype == np.float32 and (floatbus.inputs(beats[0], t) == [5, -6, 0]).all()  # on the grid
    assert not np.isin(beats[1] * 16, np.round(beats[1] * 16)).all()  # between grid points


def test_refusals_by_name(tmp_path, capsys):
    prj = _va_project(tmp_path / "wide", None)  # result_t ap_fixed<36,16>: its float cast rounds
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "myproject_axi.v").write_text("module myproject_axi(input wire ap_clk);\nendmodule\n")
    code, _, err = _run(capsys, "verify", str(prj), "--rtl", str(tmp_path / "export"), "--vectors", "20")
    assert code == 2 and "result_t ap_fixed<36,16> has 36 bits" in err and "not modelled bit-exactly" in err
    src = prj / "firmware" / "myproject_axi.cpp"
    src.write_text(src.read_text().replace("ap_ctrl_none port=return", "s_axilite port=return"))
    code, _, err = _run(capsys, "verify", str(prj), "--rtl", str(tmp_path / "export"), "--vectors", "20")
    assert code == 2 and "s_axilite: only ap_ctrl_none is driven" in err
    assert len(err.strip().splitlines()) == 1


def test_verify_drives_the_exported_wrapper(va_project, tmp_path, capsys):
    """The wrapper's own C simulation agrees with the model; the emulated export under Icarus: 0 mismatches; the
    same export with the input cast's floor of negative values made a truncation toward zero: mismatches (the
    off-grid floats reach the outputs)."""
    from fpga_prune.hls.project import read_project
    from fpga_prune.outdir import write_tree
    from fpga_prune.rtl import render
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.rtl.wrapped import render_float_axis_export

    net = read_project(va_project).network
    files = render.render_rtl(net, top="myproject")
    ports = PortMap.from_json(files.pop("ports.json"))  # a Vitis export has no port map
    files |= render_float_axis_export(ports, net.input_type, net.output_type, True, True, "myproject_axi")
    for name, text in (("good", files["myproject_axi.v"]), ("trunc", None)):
        if text is None:
            text = files["myproject_axi.v"].replace("q = ~(q + {63'd0, rem}) + 64'd1;", "q = ~q + 64'd1;")
            assert text != files["myproject_axi.v"]
        write_tree(tmp_path / name, {**files, "myproject_axi.v": text})
        code, out, err = _run(
            capsys, "verify", str(va_project), "--rtl", str(tmp_path / name), "--sim", "icarus", "--vectors", "90",
            "--json",
        )  # fmt: skip
        checks = {c["name"]: c for c in json.loads(out)["checks"]}
        rtl = checks["rtl_wrapped_icarus"]
        assert rtl["top"] == "myproject_axi" and rtl["vectors"] == 180, err[-2000:]
        assert checks["bit_accurate_model"]["mismatches"] == 0
        # hls4ml's own myproject_axi.cpp under g++: its casts are arith.floatbus's on every off-grid float
        assert checks["wrapper_csim"]["vectors"] == 90 and checks["wrapper_csim"]["mismatches"] == 0
        if name == "good":
            assert code == 0 and rtl["mismatches"] == 0, rtl
            assert 0.2 < rtl["samples_per_cycle"] <= 0.25  # 4 float beats a sample
        else:
            assert code == 1 and rtl["mismatches"] > 0


def test_fixed_beats_are_cast_and_hls4ml_13_spelling_is_refused(tmp_path):
    """T_in/T_out as ap_fixed types (hls4ml's AcceleratorConfig input_type/output_type, widths rounded up to bytes):
    beats are raw values of T_in cast to input_t, results cast to T_out; hls4ml 1.3's `fixed<...>` is refused."""
    from fpga_prune.errors import InputError
    from fpga_prune.hls.project import AxiWrapper, TopArray, TopSignature
    from fpga_prune.verify.wrapped import wrapped_bus

    in_t, out_t = FixedType(True, 12, 4), FixedType(True, 10, 3)
    sig = TopSignature(
        "myproject",
        tmp_path / "myproject.h",
        TopArray("x", 2, in_t, "input_t"),
        (TopArray("y", 1, out_t, "result_t"),),
        ("x", "y"),
        (),
    )

    def wrapper(t_in: str, t_out: str) -> AxiWrapper:
        src = tmp_path / "myproject_axi.cpp"
        return AxiWrapper("myproject_axi", "myproject", src, "axi_stream", 2, 1, t_in, t_out, "ap_ctrl_none")

    bus = wrapped_bus(wrapper("ap_fixed<16,8>", "ap_fixed<16,8,AP_RND,AP_SAT>"), sig)
    assert (bus.in_bits, bus.out_bits) == (16, 16)
    # T_in and input_t both have 8 fraction bits: the values pass unchanged
    assert bus.inputs(np.array([[291, -1]])).tolist() == [[291, -1]]
    bus = wrapped_bus(wrapper("ap_fixed<8,6>", "ap_fixed<8,6>"), sig)  # 2 fraction bits in, 8 in input_t
    assert bus.inputs(np.array([[5, -3]])).tolist() == [[5 << 6, -3 << 6]]
    assert bus.outputs(np.array([[127, -1]]).T).tolist() == [[3], [-1]]  # 127/128, -1/128 floored to quarters
    assert bus.words(np.array([[-1]]), FixedType(True, 8, 6)).tolist() == [[255]]
    with pytest.raises(InputError, match=r"fixed<16,6,TRN,WRAP,0> is not a C\+\+ type"):
        wrapped_bus(wrapper("fixed<16,6,TRN,WRAP,0>", "float"), sig)
