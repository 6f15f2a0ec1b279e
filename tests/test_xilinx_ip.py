"""Stand-ins for the Xilinx IP cores an HLS export names in ``*_ip.tcl`` (``fpga_prune.rtl.xilinx_ip``).

The single-to-double core (what a VivadoAccelerator wrapper's ``float`` input becomes before its cast to
``ap_fixed``) is simulated with Icarus on the floats whose conversion has a case of its own (normals of both
signs, signed zeros, subnormals, infinities, the extremes) and compared with Python's own conversion, bit for
bit, combinational and pipelined with a clock enable; any other core is refused by name.
"""

from __future__ import annotations

import struct
import subprocess

import pytest

from fpga_prune.errors import InputError
from fpga_prune.rtl.xilinx_ip import stand_ins

FLOATS = [1.0, -2.5, 0.1, 3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45, 5.9e-39]
BITS = [struct.unpack("<I", struct.pack("<f", x))[0] for x in FLOATS] + [0x00000000, 0x80000000, 0x7F800000, 0xFF800000]


def _tcl(module: str, **config: str) -> str:
    cfg = {"operation_type": "Float_to_Float", "a_precision_type": "Single", "result_precision_type": "Double"}
    cfg.update(config)
    props = " \\\n".join(f"                          CONFIG.{k} {v}" for k, v in cfg.items())
    return (
        f"create_ip -name floating_point -version $fpo_ver -vendor xilinx.com -library ip -module_name {module}\n"
        f"set_property -dict [list {props}] -objects [get_ips {module}] -quiet\n"
    )


def _double_bits(word: int) -> int:
    return struct.unpack("<Q", struct.pack("<d", struct.unpack("<f", struct.pack("<I", word))[0]))[0]


@pytest.mark.parametrize(("latency", "aclken"), [(0, False), (2, True)])
def test_single_to_double_stand_in_converts_bit_for_bit(tmp_path, latency, aclken):
    (tmp_path / "core_ip.tcl").write_text(
        _tcl("core", c_latency=str(latency), has_aclken="true" if aclken else "false")
    )
    files = stand_ins(tmp_path)
    assert list(files) == ["core.v"]
    (tmp_path / "core.v").write_text(files["core.v"])
    clock = (".aclk(clk), .aclken(1'b1), " if aclken else ".aclk(clk), ") if latency else ""
    checks = "\n".join(
        f"    a = 32'h{w:08x}; #1; @(posedge clk); repeat ({latency}) @(posedge clk); #1;\n"
        f'    $display("%08x %016x %0d", a, r, rv);'
        for w in BITS
    )
    (tmp_path / "tb.v").write_text(
        "`timescale 1ns/1ps\nmodule tb;\nreg clk = 0; always #5 clk = ~clk;\nreg [31:0] a; wire [63:0] r; wire rv;\n"
        f"core dut({clock}.s_axis_a_tvalid(1'b1), .s_axis_a_tdata(a), .m_axis_result_tvalid(rv), "
        f".m_axis_result_tdata(r));\ninitial begin\n{checks}\n    $finish;\nend\nendmodule\n"
    )
    subprocess.run(["iverilog", "-o", str(tmp_path / "sim"), "tb.v", "core.v"], cwd=tmp_path, check=True)
    out = subprocess.run(["vvp", "-n", str(tmp_path / "sim")], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines() if len(line.split()) == 3]
    assert [int(a, 16) for a, _r, _v in rows] == BITS
    assert {v for _a, _r, v in rows} == {"1"}
    assert [int(r, 16) for _a, r, _v in rows] == [_double_bits(w) for w in BITS]


def test_a_core_defined_by_the_export_is_left_alone_and_another_is_refused_by_name(tmp_path):
    (tmp_path / "core_ip.tcl").write_text(_tcl("core"))
    (tmp_path / "core.v").write_text("module core(input a, output b); assign b = a; endmodule\n")
    assert stand_ins(tmp_path) == {}
    (tmp_path / "add_ip.tcl").write_text(_tcl("add", operation_type="Add_Subtract", result_precision_type="Single"))
    with pytest.raises(InputError) as err:
        stand_ins(tmp_path)
    assert "add_ip.tcl" in str(err.value) and "floating_point add" in str(err.value)
    assert "Add_Subtract, Single to Single" in str(err.value)
