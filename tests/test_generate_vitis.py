"""Vitis/Vivado detection, report parsing and run_synth.

The parsers are checked on real public reports read from the calibration set's ``extra/`` (see its SOURCES.md).
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fpga_prune.errors import InputError
from fpga_prune.hls import vitis
from tiers import cal_path, calibration

ASSETS = cal_path("extra")


@calibration
def test_parse_csynth_xml_pynq_part_dsp48e_tag():
    r = vitis.parse_csynth_report(ASSETS / "autoencoder_hls4ml_csynth.xml")
    assert (r["dsp"], r["bram18k"], r["lut"], r["ff"], r["uram"]) == (118, 289, 35689, 53257, 0)
    assert r["available"] == {"dsp": 220, "bram18k": 280, "uram": 0, "lut": 53200, "ff": 106400}
    assert r["latency_cycles"] == {"best": 96019, "worst": 96170}
    assert r["interval_cycles"] == {"min": 11266, "max": 95949}
    assert r["clock_target_ns"] == 5.0 and r["clock_estimated_ns"] == 4.429 and r["clock_uncertainty_ns"] == 0.62
    assert (r["part"], r["top"], r["version"]) == ("xc7z020-clg400-1", "myproject_axi", "2019.2.1")


@calibration
def test_parse_csynth_xml_second_report_and_vitis_dsp_tag(tmp_path):
    r = vitis.parse_csynth_report(ASSETS / "full_model_layer_csynth.xml")
    assert (r["dsp"], r["bram18k"], r["lut"], r["ff"]) == (0, 0, 209, 26)
    assert r["latency_cycles"]["worst"] == 345 and r["available"]["dsp"] == 2520
    # Vitis HLS 2020.1+ names the DSP count <DSP>; same report otherwise.
    renamed = (ASSETS / "full_model_layer_csynth.xml").read_text().replace("DSP48E>", "DSP>")
    renamed = renamed.replace("<DSP>0</DSP>", "<DSP>7</DSP>", 1)
    (tmp_path / "csynth.xml").write_text(renamed)
    assert vitis.parse_csynth_report(tmp_path / "csynth.xml")["dsp"] == 7


def test_parse_csynth_rejects_other_files(tmp_path):
    (tmp_path / "x.xml").write_text("<profile><Other/></profile>")
    with pytest.raises(InputError, match="AreaEstimates"):
        vitis.parse_csynth_report(tmp_path / "x.xml")
    (tmp_path / "y.xml").write_text("not xml")
    with pytest.raises(InputError, match="not a readable csynth.xml"):
        vitis.parse_csynth_report(tmp_path / "y.xml")


@calibration
def test_parse_vivado_utilization_real_report():
    u = vitis.parse_vivado_utilization(ASSETS / "dnd_hls4ml_vivado_synth.rpt")
    assert (u["lut"], u["ff"], u["dsp"]) == (31277, 4555, 0)
    assert u["bram18k"] == 1  # 0.5 Block RAM Tile = one RAMB18
    assert u["available"]["lut"] == 274080 and u["available"]["bram18k"] == 1824
    assert u["device"] == "xczu9egffvb1156-2" and u["design_state"] == "Synthesized"


@calibration
def test_parse_vivado_utilization_7series_rows():
    text = (ASSETS / "dnd_hls4ml_vivado_synth.rpt").read_text()
    text = text.replace("CLB LUTs*               | 31277", "Slice LUTs*             |  7000")
    text = text.replace("CLB Registers           |  4555", "Slice Registers         |  9000")
    text = text.replace("| Block RAM Tile    |  0.5 |", "| Block RAM Tile    |  3.5 |")
    u = vitis.parse_vivado_utilization(text)
    assert (u["lut"], u["ff"], u["bram18k"]) == (7000, 9000, 7)


def test_parse_vivado_timing_summary():
    text = """
------------------------------------------------------------------------------------------------
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)
    -------      -------  ---------------------  -------------------      -------      -------
     -0.412       -3.207                     12                 4096        0.052        0.000
"""
    t = vitis.parse_vivado_timing(text)
    assert t == {"wns_ns": -0.412, "tns_ns": -3.207, "met": False}
    with pytest.raises(InputError):
        vitis.parse_vivado_timing("no table here\n")


def _fake_tool(bindir: Path, name: str, body: str) -> Path:
    p = bindir / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return p


def test_find_vitis_prefers_vitis_run(tmp_path):
    assert vitis.find_vitis(path=str(tmp_path)) is None
    _fake_tool(tmp_path, "vitis_hls", "exit 0\n")
    assert vitis.find_vitis(path=str(tmp_path)).kind == "vitis_hls"
    _fake_tool(tmp_path, "vitis-run", "exit 0\n")
    tool = vitis.find_vitis(path=str(tmp_path))
    assert tool.kind == "vitis-run" and tool.command("s.tcl")[1:] == ["--mode", "hls", "--tcl", "s.tcl"]


@calibration
def test_run_synth_with_a_stand_in_vitis_parses_its_report(tmp_path, monkeypatch):
    """A stand-in ``vitis_hls`` that checks its arguments and leaves a real csynth.xml where Vitis would."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    report = ASSETS / "autoencoder_hls4ml_csynth.xml"
    _fake_tool(
        bindir,
        "vitis_hls",
        'case "$1" in --version) echo "vitis_hls v2023.2 (64-bit)"; exit 0;; esac\n'
        '[ "$1" = "-f" ] && [ "$2" = "scripts/build.tcl" ] && [ "$FPGA_PRUNE_STEPS" = "csynth" ] || exit 3\n'
        f"mkdir -p myproject_prj/solution1/syn/report && cp {report} myproject_prj/solution1/syn/report/csynth.xml\n",
    )
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    project = tmp_path / "prj"
    (project / "scripts").mkdir(parents=True)
    (project / "scripts" / "build.tcl").write_text("# stand-in\n")
    res = vitis.run_synth(project, vivado=False)
    assert res.ok and res.tool == "vitis_hls" and res.version == "vitis_hls v2023.2 (64-bit)"
    assert res.csynth["dsp"] == 118 and res.vivado is None


def test_run_synth_without_vitis_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    res = vitis.run_synth(tmp_path)
    assert not res.ok and res.skipped == "neither vitis-run nor vitis_hls is on PATH"
