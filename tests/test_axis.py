"""--interface axi-stream: the bus format, the option's defaults and refusals, the wrappers' checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import axis
from fpga_prune.cli import main

# ----------------------------------------------------------------------------- the bus format


def test_pack_puts_each_value_sign_extended_in_its_own_lane_little_end_first():
    lay = axis.Layout(n=3, width=12, signed=True, word_bits=32)
    assert (lay.lane_bits, lay.lanes_per_word, lay.words_per_sample, lay.sample_bytes) == (16, 2, 2, 8)
    data = axis.pack(np.array([[1, -1, -2048], [2047, 0, 5]]), lay)
    assert data.hex() == "0100ffff00f80000" + "ff07000005000000"
    assert axis.words(data, lay) == [0xFFFF0001, 0x0000F800, 0x000007FF, 0x00000005]
    assert axis.unpack(data, lay).tolist() == [[1, -1, -2048], [2047, 0, 5]]


def test_lane_sizes_follow_the_width_and_unsigned_values_are_zero_extended():
    assert [axis.Layout(1, w, True, 64).lane_bits for w in (1, 8, 9, 16, 17, 33, 64)] == [8, 8, 16, 16, 32, 64, 64]
    lay = axis.Layout(n=16, width=16, signed=True, word_bits=64)
    assert (lay.lanes_per_word, lay.words_per_sample) == (4, 4)
    assert axis.Layout(n=16, width=16, signed=True, word_bits=128).words_per_sample == 2
    u = axis.Layout(n=1, width=10, signed=False, word_bits=32)
    assert axis.pack(np.array([[1023]]), u).hex() == "ff030000"
    assert axis.unpack(bytes.fromhex("ff030000"), u).tolist() == [[1023]]


def test_a_lane_that_is_not_the_sign_extension_reads_as_another_value():
    """A wrapper that forgot to sign-extend gives a different number, so the comparison catches it."""
    lay = axis.Layout(n=1, width=12, signed=True, word_bits=32)
    assert axis.unpack(bytes.fromhex("ff0f0000"), lay).tolist() == [[4095]]  # -1 zero-extended
    assert axis.unpack(bytes.fromhex("ffff0000"), lay).tolist() == [[-1]]


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        ({"n": 1, "width": 65, "signed": True, "word_bits": 128}, "element width 65 is not in 1..64 bits"),
        ({"n": 1, "width": 40, "signed": True, "word_bits": 32}, "a 64-bit lane does not fit a 32-bit bus word"),
        ({"n": 1, "width": 8, "signed": True, "word_bits": 12}, "bus width 12 is not a whole number of bytes"),
    ],
)
def test_impossible_layouts_are_refused(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        axis.Layout(**kwargs)


def test_values_outside_the_type_and_partial_samples_are_refused():
    lay = axis.Layout(n=2, width=8, signed=True, word_bits=32)
    with pytest.raises(ValueError, match=r"outside \[-128, 127\]"):
        axis.pack(np.array([[128, 0]]), lay)
    with pytest.raises(ValueError, match="not a whole number of 4-byte samples"):
        axis.unpack(b"\x00\x01\x02", lay)


def test_batches_cut_in_turn_and_keep_the_rest():
    assert axis.batches(10, (1, 3, 100)) == [(0, 1), (1, 4), (4, 10)]
    assert axis.batches(5, (2,)) == [(0, 2), (2, 4), (4, 5)]


def test_word_lines_set_tlast_on_each_batchs_last_word():
    from fpga_prune.hls.axis_project import read_word_lines, word_lines

    lay = axis.Layout(n=3, width=16, signed=True, word_bits=32)
    text = word_lines(np.array([[1, 2, 3], [-1, -2, -3], [4, 5, 6]]), lay, (1, 2))
    assert read_word_lines(text) == [
        (0x00020001, 0),
        (0x00000003, 1),
        (0xFFFEFFFF, 0),
        (0x0000FFFD, 0),
        (0x00050004, 0),
        (0x00000006, 1),
    ]


# ----------------------------------------------------------------------------- the option


@pytest.mark.parametrize(
    "argv,needle",
    [
        (
            ["--board", "pynq-z2", "--interface", "vitis-kernel"],
            "--interface: vitis-kernel needs an Alveo board with a Vitis platform; pynq-z2 has no 'platform'",
        ),
        (
            ["--board", "pynq-z2", "--interface", "pcie"],
            "--interface: unknown interface 'pcie'; valid: axi-stream, axi-lite, vitis-kernel, none",
        ),
        (["--board", "alveo-u55c", "--interface", "axi-stream"], "axi-stream needs a board with a processing system"),
        (["--board", "alveo-u55c", "--interface", "axi-lite"], "axi-lite needs a board with a processing system"),
    ],
)
def test_refused_interfaces_exit_2_in_one_line_writing_nothing(pruned_pynq, tmp_path, capsys, argv, needle):
    out = tmp_path / "proj"
    assert main(["generate", "--model", str(pruned_pynq), "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err
    assert not out.exists()


def test_run_and_sweep_refuse_an_interface_the_board_cannot_have(tmp_path, capsys):
    assert main(["run", "--board", "alveo-u55c", "--out", str(tmp_path / "r"), "--interface", "axi-lite"]) == 2
    assert "axi-lite needs a board with a processing system" in capsys.readouterr().err
    assert main(["sweep", "--board", "kv260", "--interface", "none,pcie", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "field interface: bad value 'pcie'" in err and "unknown interface" in err
    argv = ["sweep", "--board", "kv260,alveo-u55c", "--interface", "axi-stream", "--out", str(tmp_path / "s")]
    assert main(argv) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]  # after the note on the built-in sample
    assert "field interface: point alveo-u55c__interface-axi-stream: axi-stream needs a board with a" in last
    assert not (tmp_path / "s").exists()


def test_sweep_interface_axis_sets_the_generate_option():
    from fpga_prune.flow.generate import GenerateOptions
    from fpga_prune.flow.grid import AXES, replace_field

    assert AXES["interface"].value("none") == "none"
    assert replace_field(GenerateOptions(), "interface", "axi-stream").interface == "axi-stream"


# ----------------------------------------------------------------------------- the project and its checks

#: the files --interface axi-stream adds to the project
AXI_FILES = {
    "axis.json",
    "driver/fpga_prune_axis.py",
    "driver/fpga_prune_fixed.py",
    "driver/myproject_axi_driver.py",
    "scripts/bitstream.tcl",
    "scripts/block_design.tcl",
    "firmware/myproject_axi.cpp",
    "firmware/myproject_axi.h",
    "rtl_axi/myproject_axi.v",
    "scripts/build_axi.tcl",
    "tb/csim_include/ap_axi_sdata.h",
    "tb/tb_axi.cpp",
    "tb_data/axis_expected.dat",
    "tb_data/axis_in.dat",
}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def axi_projects(tmp_path_factory, pruned_pynq, bybit_csv) -> tuple[Path, Path]:
    """The pynq-z2 project with its default interface (axi-stream) and with --interface none."""
    root = tmp_path_factory.mktemp("axis")
    common = ["--model", str(pruned_pynq), "--board", "pynq-z2", "--data", str(bybit_csv), "--vectors", "300"]
    common += ["--stress", "16", "--quiet"]
    assert main(["generate", *common, "--out", str(root / "axi")]) == 0
    assert main(["generate", *common, "--out", str(root / "none"), "--interface", "none"]) == 0
    return root / "axi", root / "none"


def test_axi_stream_adds_the_wrappers_and_changes_no_other_file(axi_projects):
    axi, none = (_tree(p) for p in axi_projects)
    assert set(axi) - set(none) == AXI_FILES
    assert not set(none) - set(axi)
    changed = {name for name in none if none[name] != axi[name]}
    assert changed == {"README.md", "Makefile", "manifest.json"}  # they describe the wrapper
    # budget.json: the wrapper's, DMA's and interconnects' estimate (estimate.interface), apart from the network's,
    # as the search reserved it from the board's budget (prune's default: the board's axi-stream)
    iface = json.loads(axi["budget.json"])["interface"]
    assert iface["reserved"] == {"bram18k": 6, "ff": 8092, "lut": 4823}
    assert iface["totals"] == {"lut": 4558, "ff": 322 + 16 + (16 * 16 + 16 + 64) + 2 * 1642 + 1974, "bram18k": 6}
    assert (
        iface["bounds"]["lut"] == [3990, 4823] and "Estimated for the wrapper, the AXI DMA" in axi["README.md"].decode()
    )
    assert not any(name.startswith("tb_data/axis") for name in none)
    doc = json.loads(axi["axis.json"])
    assert doc["bus"]["input"] == {
        "n": 16,
        "width": 16,
        "signed": True,
        "word_bits": 64,
        "lane_bits": 16,
        "lanes_per_word": 4,
        "words_per_sample": 4,
    }
    assert (doc["bus"]["output"]["n"], doc["bus"]["output"]["words_per_sample"]) == (1, 1)
    assert json.loads(axi["manifest.json"])["interface"]["top"] == "myproject_axi"
    lines = axi["tb_data/axis_in.dat"].decode().splitlines()
    assert len(lines) == 316 * 4 and sum(line.endswith(" 1") for line in lines) == 5  # 1, 2, 7, 64, 242


def test_axis_csim_is_bit_exact_and_catches_tlast_on_the_wrong_word(axi_projects, tmp_path):
    import shutil

    from fpga_prune.verify.checks import check_axis_csim

    axi, _ = axi_projects
    c = check_axis_csim(axi)
    assert (c.name, c.kind, c.vectors, c.mismatches, c.passed) == ("axis_csim", "csim", 316, 0, True)
    assert c.details["words"] == {"expected": 316, "got": 316} and c.details["batches"] == 5
    bad = tmp_path / "bad"
    shutil.copytree(axi, bad)
    cpp = bad / "firmware" / "myproject_axi.cpp"
    cpp.write_text(
        cpp.read_text().replace("word.last = last && w == OUT_WORDS - 1;", "word.last = w == OUT_WORDS - 1;")
    )
    c = check_axis_csim(bad)  # TLAST after every sample: all but the 5 batch ends differ
    assert (c.mismatches, c.passed, c.failure) == (316 - 5, False, "")
    assert c.details["first_mismatches"][:3] == [1, 3, 4]  # samples 0 and 2 end the batches of 1 and 2


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_wrapped_rtl_streams_bit_exact_with_backpressure_and_reset(axi_projects, sim):
    from fpga_prune.verify.checks import VerifyOptions, check_axis_rtl

    axi, _ = axi_projects
    c = check_axis_rtl(axi, sim, VerifyOptions())
    assert c.passed, c.failure
    tests = c.details["tests"]
    assert {name: (t["vectors"], t["mismatches"], t["passed"]) for name, t in tests.items()} == {
        "axis_batches": (316, 0, True),
        "axis_backpressure": (316, 0, True),
        "axis_reset_mid_frame": (60, 0, True),
        "axis_driver": (200, 0, True),  # the PYNQ driver's encode/decode against the simulated wrapper
    }
    assert c.vectors == 316 + 316 + 60 + 200
    # idle gaps on 30 % of the input cycles (TREADY low on 40 % of the output ones) did stall it
    assert tests["axis_backpressure"]["cycles"] > 1.4 * (4 * 316 + 11)
    # a transfer of n samples alone: its 4n input beats (16 x 16 bits on the 64-bit bus), the network's 9-cycle
    # latency and a cycle each into and out of the wrapper, whichever simulator
    assert c.details["cycles_per_batch"] == {"1": 15, "3": 23, "16": 75, "250": 1011}
    assert 0.2 < c.details["samples_per_cycle"] <= 0.25  # back to back: a quarter sample a cycle, less the fill


def test_wrapped_rtl_check_catches_tlast_on_every_sample(axi_projects, tmp_path):
    import shutil

    from fpga_prune.verify.checks import VerifyOptions, check_axis_rtl

    axi, _ = axi_projects
    bad = tmp_path / "bad"
    shutil.copytree(axi, bad, ignore=shutil.ignore_patterns("build"))
    v = bad / "rtl_axi" / "myproject_axi.v"
    text = v.read_text()
    assert "assign out_r_TLAST = head[16] & out_last_beat;" in text
    v.write_text(text.replace("assign out_r_TLAST = head[16] & out_last_beat;", "assign out_r_TLAST = out_last_beat;"))
    c = check_axis_rtl(bad, "icarus", VerifyOptions())
    assert not c.passed and c.mismatches > 0
    assert c.details["tests"]["axis_batches"]["framing_errors"][0].startswith("batch [1, 4): 8 bytes up to TLAST")


# ----------------------------------------------------------------------------- the PYNQ driver and Vivado scripts


def test_driver_ships_fpga_prunes_own_packing_and_imports_without_pynq_or_fpga_prune(axi_projects):
    import subprocess
    import sys

    from fpga_prune.arith import fixed

    axi, _ = axi_projects
    assert (axi / "driver" / "fpga_prune_axis.py").read_text() == Path(axis.__file__).read_text()
    assert (axi / "driver" / "fpga_prune_fixed.py").read_text() == Path(fixed.__file__).read_text()
    code = (
        "import sys; sys.path.insert(0, 'driver'); import numpy as np; import myproject_axi_driver as d; "
        "x = np.loadtxt('tb_data/inputs_raw.dat', dtype=np.int64, ndmin=2)[:3]; "
        "print(d.encode(x).hex(), 'pynq' in sys.modules, any(m.startswith('fpga_prune.') for m in sys.modules)); "
        "d.Accelerator()"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=axi, capture_output=True, text=True)
    x = np.loadtxt(axi / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)[:3]
    lay = axis.Layout(16, 16, True, 64)
    assert r.stdout.split() == [axis.pack(x, lay).hex(), "False", "False"]
    assert "No module named 'pynq'" in r.stderr  # pynq only when an overlay is opened


class _Buffer(np.ndarray):
    def flush(self) -> None: ...

    def invalidate(self) -> None: ...

    def freebuffer(self) -> None: ...


class _Channel:
    def __init__(self, dma) -> None:
        self.dma, self.buf = dma, None

    def transfer(self, buf) -> None:
        self.buf = buf

    def wait(self) -> None:
        self.dma.run()


class _Dma:
    """A loopback DMA through the bit-accurate model: what the wrapper does, for the driver's plumbing."""

    def __init__(self, network, lay_in, lay_out) -> None:
        self.network, self.lay_in, self.lay_out = network, lay_in, lay_out
        self.sendchannel, self.recvchannel, self.transfers = _Channel(self), _Channel(self), 0

    def run(self) -> None:
        from fpga_prune.arith import emulate

        if self.sendchannel.buf is None:
            return
        x = axis.unpack(bytes(self.sendchannel.buf), self.lay_in)
        out = axis.pack(emulate.predict_raw(self.network, x), self.lay_out)
        self.recvchannel.buf[:] = np.frombuffer(out, dtype=np.uint8)
        self.sendchannel.buf = None
        self.transfers += 1


def test_driver_batches_floats_through_a_loopback_dma_bit_exactly(axi_projects, monkeypatch):
    import sys
    import types

    from fpga_prune.arith import emulate, fixed
    from fpga_prune.arith.ir import FixedNetwork

    axi, _ = axi_projects
    network = FixedNetwork.from_json((axi / "network.json").read_text())
    dma = _Dma(network, axis.Layout(16, 16, True, 64), axis.Layout(1, 16, True, 64))
    writes = []
    overlay = types.SimpleNamespace(
        axi_dma_0=dma, myproject_axi_0=types.SimpleNamespace(write=lambda a, v: writes.append((a, v)))
    )
    pynq = types.ModuleType("pynq")
    pynq.Overlay = lambda bitfile, download=True: overlay
    pynq.allocate = lambda shape, dtype: np.zeros(shape, dtype=dtype).view(_Buffer)
    monkeypatch.setitem(sys.modules, "pynq", pynq)
    monkeypatch.syspath_prepend(str(axi / "driver"))
    import myproject_axi_driver as drv

    acc = drv.Accelerator("overlay/myproject_axi.bit")
    assert writes == [(0x00, 0x81)]  # ap_start with auto-restart: a batch per transfer
    x_raw = np.loadtxt(axi / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)
    y_raw, timing = acc.predict_raw(x_raw, batch=100)
    assert (timing.samples, timing.batches, dma.transfers) == (316, 4, 4)
    assert np.array_equal(y_raw, np.loadtxt(axi / "tb_data" / "expected_raw.dat", dtype=np.int64, ndmin=2))
    y, _ = acc.predict(fixed.to_float(x_raw, network.input_type), batch=1000)
    assert np.array_equal(y, fixed.to_float(emulate.predict_raw(network, x_raw), network.output_type))


def test_block_design_connects_ps_dma_and_ip_for_each_ps_type(axi_projects):
    from fpga_prune.boards import load_board
    from fpga_prune.hls.axis_project import SCRIPT_CONTEXT
    from fpga_prune.templating import render
    from fpga_prune.testing import tcl_dry_run

    axi, _ = axi_projects
    calls = tcl_dry_run((axi / "scripts" / "block_design.tcl").read_text())
    assert "create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7:2.1 ps" in calls
    assert "create_bd_cell -type ip -vlnv xilinx.com:hls:myproject_axi:1.0 myproject_axi_0" in calls
    assert "connect_bd_intf_net axi_dma_0/M_AXIS_MM2S myproject_axi_0/in_r" in calls
    assert "connect_bd_intf_net myproject_axi_0/out_r axi_dma_0/S_AXIS_S2MM" in calls
    text = " ".join(calls)
    assert "CONFIG.PCW_S_AXI_HP0_DATA_WIDTH 64" in text and "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100" in text
    assert "CONFIG.c_m_axis_mm2s_tdata_width 64" in text and calls[-1] == "save_bd_design"
    kv = load_board("kv260")
    bus = axis.bus_format(128, 16, 16, True, 1, 16, True)
    ctx = {
        "axi_top": "myproject_axi",
        "board": kv,
        "fmt": bus.to_dict(),
        "clock_period_ns": kv.clock_period_ns,
        "ip_version": "1.0",
        "fpga_prune_version": "x",
        **SCRIPT_CONTEXT,
    }
    text = " ".join(tcl_dry_run(render("axis/block_design.tcl.j2", ctx)))
    assert "xilinx.com:ip:zynq_ultra_ps_e:2.1 ps" in text and "CONFIG.PSU__SAXIGP2__DATA_WIDTH 128" in text
    assert "CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 200" in text and "Master /ps/M_AXI_HPM0_FPD" in text
    assert "apply_bd_automation -rule xilinx.com:bd_rule:clkrst -config {Clk /ps/pl_clk0}" in text
    bit = (axi / "scripts" / "bitstream.tcl").read_text()
    assert "get_board_parts -quiet tul.com.tw:pynq-z2:part0:*" in bit and "overlay/myproject_axi.hwh" in bit


def test_report_sums_the_wrappers_checks_with_the_networks():
    """A mismatch in the wrapped design must not be hidden by the plain design's 0 (or the reverse)."""
    from fpga_prune.report.sections import mismatches_by_check

    def check(name, kind, sim, mismatches, failure=""):
        return {"name": name, "kind": kind, "simulator": sim, "mismatches": mismatches, "failure": failure}

    ver = {
        "checks": [
            check("bit_accurate_model", "bit_accurate", None, 0),
            check("hls4ml_csim", "csim", None, 2),
            check("axis_csim", "csim", None, 0),
            check("rtl_verilator", "rtl", "verilator", 0),
            check("rtl_axis_verilator", "rtl", "verilator", 3),
            check("rtl_icarus", "rtl", "icarus", 0),
            check("rtl_axis_icarus", "rtl", "icarus", 0, failure="axis_reset_mid_frame: 1 transfers nobody sent"),
        ]
    }
    assert mismatches_by_check(ver) == {"bit_accurate": 0, "csim": 2, "verilator": 3, "icarus": None}


def test_wrapper_of_odd_widths_on_a_32_bit_bus_lints_clean_and_streams_bit_exact(tmp_path):
    """12-bit signed inputs and three 10-bit unsigned (sigmoid) outputs on 32-bit words: unused lane bits,
    6 input words and 2 output words a sample (the last half empty), zero extension, the output word mux."""
    from fpga_prune.arith import emulate
    from fpga_prune.arith.fixed import FixedType
    from fpga_prune.hls.axis_project import AxisDesign
    from fpga_prune.hls.vectors import write_vectors
    from fpga_prune.outdir import write_tree
    from fpga_prune.rtl import render, simulate
    from fpga_prune.rtl.axis import render_axis_wrapper
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.testing import synthetic_network

    net = synthetic_network(3, n_in=12, hidden=(8,), n_out=3, io=FixedType(True, 12, 4))
    bus = axis.bus_format(32, 12, 12, True, 3, net.output_type.width, net.output_type.signed)
    assert (bus.input.words_per_sample, bus.output.words_per_sample, bus.output.signed) == (6, 2, False)
    rng = np.random.default_rng(0)
    x = rng.integers(-2048, 2048, size=(300, 12))
    y = emulate.predict_raw(net, x)
    rtl_files = render.render_rtl(net, top="myproject")
    ports = PortMap.from_json(rtl_files["ports.json"])
    files = {f"rtl/{k}": v for k, v in rtl_files.items()}
    files |= {f"rtl_axi/{k}": v for k, v in render_axis_wrapper(ports, bus, "myproject_axi").items()}
    files |= {f"vectors/{k}": v for k, v in write_vectors(net, x, y, ports=ports).items()}
    files["axis.json"] = AxisDesign("myproject", "myproject_axi", bus).to_json()
    files["tb_data/inputs_raw.dat"] = "".join(" ".join(map(str, r)) + "\n" for r in x)
    files["tb_data/expected_raw.dat"] = "".join(" ".join(map(str, r)) + "\n" for r in y)
    write_tree(tmp_path, files)
    import shutil
    import subprocess

    with simulate.tool_path():
        lint = subprocess.run(
            [
                shutil.which("verilator") or "verilator",
                "--lint-only",
                "-Wall",
                "--default-language",
                "1364-2001",
                "--top-module",
                "myproject_axi",
                *sorted(str(p) for p in (tmp_path / "rtl").glob("*.v")),
                str(tmp_path / "rtl_axi" / "myproject_axi.v"),
            ],
            capture_output=True,
            text=True,
        )
    assert lint.returncode == 0, lint.stderr
    build = simulate.build_rtl(
        tmp_path / "rtl", "icarus", build_dir=tmp_path / "b", wrapper=(tmp_path / "rtl_axi", "myproject_axi")
    )
    env = {"FPGA_PRUNE_AXIS": str(tmp_path / "axis.json"), "FPGA_PRUNE_RAW": str(tmp_path / "tb_data")}
    tests = ("axis_batches", "axis_backpressure", "axis_reset_mid_frame")
    res = simulate.run_tests(build, tmp_path / "vectors", tests, test_module="test_axis", extra_env=env)
    got = {name: (t["vectors"], t["mismatches"], t["passed"]) for name, t in res.tests.items()}
    assert got == {
        "axis_batches": (300, 0, True),
        "axis_backpressure": (300, 0, True),
        "axis_reset_mid_frame": (60, 0, True),
    }
    # 6 input beats a sample: a sixth of a sample a cycle, each further sample 6 cycles
    cpb = res.tests["axis_batches"]["cycles_per_batch"]
    assert cpb["16"] - cpb["3"] == 13 * 6 and cpb["250"] - cpb["16"] == 234 * 6


def test_hls_wrapper_packs_unsigned_multi_word_outputs_bit_exact(tmp_path):
    """The HLS wrapper around a stand-in firmware (``y[k] = x[k]`` into ap_ufixed<10,0>) on a 32-bit bus: the
    lane loops, zero extension, a half-empty last word and TLAST, compared with arith.fixed's cast packed by
    arith.axis."""
    import shutil

    import hls4ml

    from fpga_prune.arith.fixed import FixedType, cast
    from fpga_prune.hls.axis_project import CSIM_BATCHES, compare_words, read_word_lines, word_lines
    from fpga_prune.hls.csim import run_axis_csim
    from fpga_prune.templating import render

    src, dst = FixedType(True, 12, 4), FixedType(False, 10, 0)
    bus = axis.bus_format(32, 12, 12, True, 3, 10, False)
    (tmp_path / "firmware").mkdir()
    shutil.copytree(
        Path(hls4ml.__file__).parent / "templates" / "vivado" / "ap_types", tmp_path / "firmware" / "ap_types"
    )
    (tmp_path / "firmware" / "myproject.h").write_text(
        '#include "ap_fixed.h"\ntypedef ap_fixed<12, 4> input_t;\ntypedef ap_ufixed<10, 0> result_t;\n'
        "void myproject(input_t x[12], result_t y[3]);\n"
    )
    (tmp_path / "firmware" / "myproject.cpp").write_text(
        '#include "myproject.h"\nvoid myproject(input_t x[12], result_t y[3]) {\n'
        "    for (int k = 0; k < 3; k++) y[k] = x[k];\n}\n"
    )
    ctx = {
        "top": "myproject",
        "axi_top": "myproject_axi",
        "fpga_prune_version": "test",
        "input_type": str(src),
        "output_type": str(dst),
        "input_ctype": "input_t",
        "output_ctype": "result_t",
        "fmt": bus.to_dict(),
        "fin": bus.input.to_dict(),
        "fout": bus.output.to_dict(),
    }
    files = {
        "firmware/myproject_axi.h": render("axis/axi_top.h.j2", ctx),
        "firmware/myproject_axi.cpp": render("axis/axi_top.cpp.j2", ctx),
        "tb/tb_axi.cpp": render("axis/tb_axi.cpp.j2", ctx),
        "tb/csim_include/ap_axi_sdata.h": render("axis/ap_axi_sdata.h.j2", ctx),
    }
    rng = np.random.default_rng(1)
    x = rng.integers(-2048, 2048, size=(100, 12))
    y = cast(x[:, :3], src, dst)
    assert y.max() > 0 and len(np.unique(y)) > 50  # the cast keeps the low 10 bits of each value: a real spread
    files["tb_data/axis_in.dat"] = word_lines(x, bus.input, CSIM_BATCHES)
    files["tb_data/axis_expected.dat"] = word_lines(y, bus.output, CSIM_BATCHES)
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    run = run_axis_csim(tmp_path)
    want = read_word_lines(files["tb_data/axis_expected.dat"])
    got = read_word_lines(run.words_text)
    assert (len(got), run.returncode) == (200, 0) and compare_words(got, want, bus.output) == (0, [])
    assert run.tb_summary == "fpga_prune tb_axi: 5 batches, 600 words in, 200 words out, 0 mismatching words"
