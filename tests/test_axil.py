"""--interface axi-lite: the register map, the project's files, the top's C simulation, the Verilog top under
cocotbext-axi's AxiLiteMaster (both simulators), the PYNQ driver's packing and polling, the estimate."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import axis
from fpga_prune.cli import main

#: the files --interface axi-lite adds to the project
AXIL_FILES = {
    "axil.json",
    "driver/fpga_prune_axis.py",
    "driver/fpga_prune_fixed.py",
    "driver/myproject_axil_driver.py",
    "firmware/myproject_axil.cpp",
    "firmware/myproject_axil.h",
    "rtl_axil/myproject_axil.v",
    "scripts/bitstream.tcl",
    "scripts/block_design.tcl",
    "scripts/build_axil.tcl",
    "tb/tb_axil.cpp",
    "tb_data/axil_expected.dat",
    "tb_data/axil_in.dat",
}
#: the pynq-z2 design: 16 x ap_fixed<16,..> in (two lanes a 32-bit word: 8 words), one 16-bit result (one word)
IN_LAYOUT = axis.Layout(16, 16, True, 32)
OUT_LAYOUT = axis.Layout(1, 16, True, 32)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def axil_projects(tmp_path_factory, pruned_pynq, bybit_csv) -> tuple[Path, Path]:
    """The pynq-z2 design with --interface axi-lite (C simulation checked) and with --interface none (files only)."""
    root = tmp_path_factory.mktemp("axil")
    common = ["--model", str(pruned_pynq), "--board", "pynq-z2", "--data", str(bybit_csv), "--vectors", "300"]
    common += ["--stress", "16", "--quiet"]
    assert main(["generate", *common, "--out", str(root / "axil"), "--interface", "axi-lite"]) == 0
    assert main(["generate", *common, "--out", str(root / "none"), "--interface", "none", "--no-check"]) == 0
    return root / "axil", root / "none"


@pytest.fixture(scope="module")
def firmware_object(axil_projects, tmp_path_factory) -> Path:
    """The project's firmware compiled once (with its own C simulation), linked by the top's C simulations."""
    from fpga_prune.hls.csim import run_csim

    bdir = tmp_path_factory.mktemp("fw")
    assert run_csim(axil_projects[0], build_dir=bdir).ok
    return bdir / "myproject.o"


# ----------------------------------------------------------------------------- the register map and the option


def test_register_map_follows_vitis_windows():
    from fpga_prune.arith.axil import register_map

    # the public Vitis maps the rule is read from (fpga_prune/arith/axil.py): 10 x 32 bits at 0x40, 0x80, 0xc0 ...
    assert (register_map(10, 10).x.base, register_map(10, 10).y.base) == (0x40, 0x80)
    # ... 16 x 16 bits (8 words) at 0x20-0x3f, then 5 x 16 bits (3 words) at 0x40-0x4f, 7 address bits
    m = register_map(8, 3)
    assert (m.x.base, m.x.high, m.y.base, m.y.high, m.addr_bits) == (0x20, 0x3F, 0x40, 0x4F, 7)
    # one word is padded to two (no public map of a one-element array); windows are aligned to their size
    m = register_map(1, 1)
    assert (m.x.base, m.x.words, m.y.base, m.y.words, m.addr_bits) == (0x10, 2, 0x18, 2, 5)
    assert register_map(3, 1).y.base == 0x20


def test_axi_lite_is_no_board_default_and_needs_a_processing_system():
    from fpga_prune.boards import list_boards, require_interface
    from fpga_prune.errors import InputError

    boards = list_boards()
    assert "axi-lite" not in {b.interface for b in boards}  # axi-stream stays the Zynq/Kria default
    for b in boards:
        if b.ps is not None:
            require_interface(b, "axi-lite")
        else:
            with pytest.raises(InputError, match="axi-lite needs a board with a processing system"):
                require_interface(b, "axi-lite")


# ----------------------------------------------------------------------------- the project


def test_axi_lite_adds_the_top_and_changes_no_other_file(axil_projects):
    axil, none = (_tree(p) for p in axil_projects)
    assert set(axil) - set(none) == AXIL_FILES
    assert not set(none) - set(axil)
    changed = {name for name in none if none[name] != axil[name]}
    assert changed == {"README.md", "Makefile", "manifest.json", "budget.json"}  # they describe the top
    budget = json.loads(axil["budget.json"])
    # s_axi_control with 8 input + 2 result words: 56 + 10 x 62 LUT, 74 + 10 x 31 FF, apart from the network
    assert budget.pop("interface")["totals"] == {"lut": 676, "ff": 384, "bram18k": 0}
    bare = json.loads(none["budget.json"])
    assert bare.pop("interface")["interface"] == "axi-stream"  # what prune reserved for the board's default
    assert budget == bare
    doc = json.loads(axil["axil.json"])
    assert doc["bus"]["input"] == IN_LAYOUT.to_dict() and doc["bus"]["output"] == OUT_LAYOUT.to_dict()
    assert doc["registers"] == {
        "control": 0,
        "gie": 4,
        "ier": 8,
        "isr": 12,
        "x": {"base": 0x20, "high": 0x3F, "words": 8},
        "y": {"base": 0x40, "high": 0x47, "words": 2},
        "addr_bits": 7,
    }
    assert doc["input_offsets"] == list(range(0x20, 0x40, 4)) and doc["output_offsets"] == [0x40]
    assert json.loads(axil["manifest.json"])["interface"]["name"] == "axi-lite"
    lines = axil["tb_data/axil_in.dat"].decode().splitlines()
    assert len(lines) == 316 * 8 and sum(line.endswith(" 1") for line in lines) == 316  # a sample a call
    cpp = axil["firmware/myproject_axil.cpp"].decode()
    assert "void myproject_axil(axil_word_t x[8], axil_word_t y[2]) {" in cpp
    assert "#pragma HLS INTERFACE s_axilite port=x bundle=control" in cpp
    assert "#pragma HLS INTERFACE s_axilite port=return bundle=control" in cpp
    bd = axil["scripts/block_design.tcl"].decode()
    assert "axi_dma" not in bd and "S_AXI_HP0" not in bd and "CONFIG.PCW_USE_M_AXI_GP0 {1}" in bd
    assert "/myproject_axil_0/s_axi_control intc_ip {New AXI Interconnect}" in bd
    assert "run `make hls-axil` first" in axil["scripts/bitstream.tcl"].decode()
    assert "set_top myproject_axil" in axil["scripts/build_axil.tcl"].decode()
    readme = axil["README.md"].decode()
    assert "| 0x20-0x3f | `x`" in readme and "676 LUT, 384 FF" in readme and "make hls-axil" in readme
    assert "csim-axil:" in axil["Makefile"].decode()


def test_block_design_connects_the_ps_master_to_the_ip_without_a_dma(axil_projects):
    from fpga_prune.arith.axil import register_map
    from fpga_prune.boards import load_board
    from fpga_prune.hls.axil_project import SCRIPT_CONTEXT
    from fpga_prune.templating import render
    from fpga_prune.testing import tcl_dry_run

    prj, _ = axil_projects
    calls = tcl_dry_run((prj / "scripts" / "block_design.tcl").read_text())
    assert "create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7:2.1 ps" in calls
    assert "create_bd_cell -type ip -vlnv xilinx.com:hls:myproject_axil:1.0 myproject_axil_0" in calls
    text = " ".join(calls)
    assert "CONFIG.PCW_USE_M_AXI_GP0 1" in text and "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100" in text
    assert "Master /ps/M_AXI_GP0 Slave /myproject_axil_0/s_axi_control" in text
    assert "axi_dma" not in text and "HP0" not in text and calls[-1] == "save_bd_design"
    kv = load_board("kv260")
    ctx = {
        "axil_top": "myproject_axil",
        "axi_top": "myproject_axil",
        "board": kv,
        "regs": register_map(8, 1).to_dict(),
        "clock_period_ns": kv.clock_period_ns,
        "ip_version": "1.0",
        "fpga_prune_version": "x",
        **SCRIPT_CONTEXT,
    }
    text = " ".join(tcl_dry_run(render("axil/block_design.tcl.j2", ctx)))
    assert "xilinx.com:ip:zynq_ultra_ps_e:2.1 ps" in text and "Master /ps/M_AXI_HPM0_FPD" in text
    assert "CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 200" in text and "SAXIGP2" not in text
    assert "apply_bd_automation -rule xilinx.com:bd_rule:clkrst -config {Clk /ps/pl_clk0}" in text


def test_axil_csim_is_bit_exact_and_catches_results_in_the_wrong_word(axil_projects, firmware_object, tmp_path):
    from fpga_prune.verify.checks import check_axil_csim

    prj, _ = axil_projects
    c = check_axil_csim(prj, firmware_object)
    assert (c.name, c.kind, c.vectors, c.mismatches, c.passed) == ("axil_csim", "csim", 316, 0, True)
    assert c.details["words"] == {"expected": 316, "got": 316} and c.details["batches"] == 316
    assert c.details["testbench"] == (
        "fpga_prune tb_axil: 316 samples, 2528 words in, 316 words out, 0 mismatching words, "
        "0 unused result words not 0"
    )
    bad = tmp_path / "bad"
    shutil.copytree(prj, bad)
    cpp = bad / "firmware" / "myproject_axil.cpp"
    cpp.write_text(cpp.read_text().replace("y[w] = word;", "y[Y_WORDS - 1 - w] = word;"))
    c = check_axil_csim(bad, firmware_object)  # the result in the pad word, 0 where the driver reads it
    assert not c.passed and "the top wrote its unused result words" in c.failure
    assert c.mismatches > 250  # every sample whose result is not 0


# ----------------------------------------------------------------------------- the Verilog top


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_axil_rtl_is_bit_exact_with_pauses_and_reset(axil_projects, sim):
    from fpga_prune.verify.checks import VerifyOptions, check_axil_rtl

    prj, _ = axil_projects
    c = check_axil_rtl(prj, sim, VerifyOptions(vectors=40))
    assert c.passed, c.failure
    tests = c.details["tests"]
    assert {name: (t["vectors"], t["mismatches"], t["passed"], t["protocol_errors"]) for name, t in tests.items()} == {
        "axil_samples": (40, 0, True, []),
        "axil_pauses": (40, 0, True, []),
        "axil_reset_mid_run": (40, 0, True, []),
        "axil_driver": (40, 0, True, []),  # the PYNQ driver's register writes against the simulated top
    }
    assert c.name == f"rtl_axil_{sim}" and c.vectors == 4 * 40
    # a sample: 8 input writes, ap_start, 4 polls through the network's 9-cycle latency, one result read
    assert c.details["cycles_per_sample"] == 42.0 and c.details["polls_per_sample"] == 4.0
    assert c.details["registers"]["y"]["base"] == 0x40
    # idle cycles on 35 % of every channel's cycles did stall it
    assert tests["axil_pauses"]["cycles"] > 1.3 * 42 * 40


def test_axil_rtl_check_catches_a_done_flag_that_is_not_cleared_on_read(axil_projects, tmp_path):
    from fpga_prune.verify.checks import VerifyOptions, check_axil_rtl

    prj, _ = axil_projects
    bad = tmp_path / "bad"
    shutil.copytree(prj, bad, ignore=shutil.ignore_patterns("build"))
    v = bad / "rtl_axil" / "myproject_axil.v"
    text = v.read_text()
    old = "            end else if (read_ctrl) begin\n                ap_done_r <= 1'b0;"
    assert old in text
    v.write_text(text.replace(old, "            end else if (read_ctrl) begin"))
    c = check_axil_rtl(bad, "icarus", VerifyOptions(vectors=5))
    assert not c.passed and c.mismatches > 0  # the next sample's first poll sees the old ap_done: a stale result
    errors = c.details["tests"]["axil_samples"]["protocol_errors"]
    assert errors and errors[0] == "ap_done/ap_ready not cleared by reading the control register"


# ----------------------------------------------------------------------------- the PYNQ driver


def test_driver_ships_fpga_prunes_own_packing_and_imports_without_pynq_or_fpga_prune(axil_projects):
    from fpga_prune.arith import fixed

    prj, _ = axil_projects
    assert (prj / "driver" / "fpga_prune_axis.py").read_text() == Path(axis.__file__).read_text()
    assert (prj / "driver" / "fpga_prune_fixed.py").read_text() == Path(fixed.__file__).read_text()
    code = (
        "import sys; sys.path.insert(0, 'driver'); import numpy as np; import myproject_axil_driver as d; "
        "x = np.loadtxt('tb_data/inputs_raw.dat', dtype=np.int64, ndmin=2)[:1]; "
        "print(d.input_writes(x[0]), d.X_OFFSETS == tuple(range(32, 64, 4)), d.Y_OFFSETS, "
        "'pynq' in sys.modules, any(m.startswith('fpga_prune.') for m in sys.modules)); "
        "d.Accelerator()"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=prj, capture_output=True, text=True)
    x = np.loadtxt(prj / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)[:1]
    writes = list(zip(range(0x20, 0x40, 4), axis.words(axis.pack(x, IN_LAYOUT), IN_LAYOUT), strict=True))
    assert r.stdout.strip() == f"{writes} True (64,) False False"
    assert "No module named 'pynq'" in r.stderr  # pynq only when an overlay is opened


class _FakeIp:
    """The overlay's myproject_axil_0 as pynq's DefaultIP shows it (write/read at byte offsets): ap_start runs the
    bit-accurate model on the x words, as the top does on the board; ap_done is clear on read."""

    def __init__(self, network, regs) -> None:
        self.network, self.regs, self.mem, self.done, self.log = network, regs, {}, False, []

    def write(self, offset, value) -> None:
        from fpga_prune.arith import emulate

        assert isinstance(offset, int) and isinstance(value, int) and 0 <= value < 1 << 32
        self.log.append(("w", offset))
        if offset != 0:
            self.mem[offset] = value
            return
        assert value == 1  # ap_start alone
        data = b"".join(self.mem[o].to_bytes(4, "little") for o in range(0x20, 0x40, 4))
        y = emulate.predict_raw(self.network, axis.unpack(data, IN_LAYOUT))
        self.mem[0x40] = axis.words(axis.pack(y, OUT_LAYOUT), OUT_LAYOUT)[0]
        self.done, self.polls_left = True, 2  # two polls see it running

    def read(self, offset) -> int:
        self.log.append(("r", offset))
        if offset != 0:
            return self.mem[offset]
        if self.polls_left:
            self.polls_left -= 1
            return 0x1
        done, self.done = self.done, False
        return 0x0E if done else 0x04


def test_driver_runs_floats_through_a_loopback_ip_bit_exactly(axil_projects, monkeypatch):
    from fpga_prune.arith import emulate, fixed
    from fpga_prune.arith.ir import FixedNetwork

    prj, _ = axil_projects
    network = FixedNetwork.from_json((prj / "network.json").read_text())
    ip = _FakeIp(network, json.loads((prj / "axil.json").read_text())["registers"])
    pynq = types.ModuleType("pynq")
    opened = []

    class Overlay:
        def __init__(self, bitfile, download=True) -> None:
            opened.append((bitfile, download))
            self.myproject_axil_0 = ip

    pynq.Overlay = Overlay
    monkeypatch.setitem(sys.modules, "pynq", pynq)
    monkeypatch.syspath_prepend(str(prj / "driver"))
    import myproject_axil_driver as drv

    acc = drv.Accelerator("overlay/myproject_axil.bit")
    assert opened == [("overlay/myproject_axil.bit", True)]
    x_raw = np.loadtxt(prj / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)[:50]
    y_raw, timing = acc.predict_raw(x_raw)
    assert (timing.samples, timing.polls) == (50, 150)  # three polls a sample: two running, one done
    assert np.array_equal(y_raw, np.loadtxt(prj / "tb_data" / "expected_raw.dat", dtype=np.int64, ndmin=2)[:50])
    # a sample: its 8 input words, ap_start, three polls, one result read
    assert ip.log[:13] == [("w", o) for o in range(0x20, 0x40, 4)] + [("w", 0)] + [("r", 0)] * 3 + [("r", 0x40)]
    y, _ = acc.predict(fixed.to_float(x_raw, network.input_type))
    assert np.array_equal(y, fixed.to_float(emulate.predict_raw(network, x_raw), network.output_type))
