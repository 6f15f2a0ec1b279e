"""fpga-prune verify: three-way agreement on the real pruned design, and it can fail."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from fpga_prune import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def verified(project_pynq):
    rc = cli.main(["verify", str(project_pynq), "--sim", "all", "--quiet"])
    return rc, project_pynq


def test_three_way_agreement_on_both_simulators(verified):
    rc, project = verified
    assert rc == 0
    v = json.loads((project / "verify.json").read_text())
    assert v["ok"] is True and v["mismatches"] == 0
    kinds = {c["name"]: c for c in v["checks"]}
    assert set(kinds) == {"bit_accurate_model", "hls4ml_csim", "rtl_verilator", "rtl_icarus"}
    n = v["vectors"]
    assert n == 500 + 256  # --vectors 500 plus the stress vectors
    for c in kinds.values():
        assert c["mismatches"] == 0 and c["passed"]
    assert kinds["bit_accurate_model"]["vectors"] == kinds["hls4ml_csim"]["vectors"] == n
    for sim in ("verilator", "icarus"):
        c = kinds[f"rtl_{sim}"]
        # vectors and mismatches count the same tests: all three (issue #10)
        assert c["tests"]["back_to_back"]["vectors"] == n == c["vector_set"]
        assert c["vectors"] == sum(t["vectors"] for t in c["tests"].values()) == n + 2 * 400
        assert c["ii"] == 1 and c["latency_cycles"] == v["latency_cycles"] >= 3
        assert c["version"]
        assert all(t["passed"] for t in c["tests"].values())
        assert set(c["tests"]) == {"back_to_back", "idle_gaps", "reset_mid_stream"}
    root = ET.parse(project / "verify.xml").getroot()
    assert root.get("tests") == "4" and root.get("failures") == "0"


def test_one_bit_weight_mutation_fails_with_report(verified, tmp_path, capsys):
    _, project = verified
    mutant = tmp_path / "mutant"
    shutil.copytree(project, mutant, ignore=shutil.ignore_patterns("build"))
    top = mutant / "rtl" / "myproject.v"
    text = top.read_text()
    # the first nonzero constant weight of the first layer: flip its lowest bit
    m = re.search(r"\* (-?)(\d+)'sd(\d+)\);", text)
    assert m, "no constant multiplication found in the generated Verilog"
    value = int(m.group(3))
    flipped = value ^ 1
    text = text[: m.start()] + f"* {m.group(1)}{m.group(2)}'sd{flipped});" + text[m.end() :]
    top.write_text(text)
    rc = cli.main(["verify", str(mutant), "--sim", "icarus", "--no-csim"])
    out = capsys.readouterr().out
    assert rc == 1
    assert out.startswith("FAIL:")
    v = json.loads((mutant / "verify.json").read_text())
    rtl = next(c for c in v["checks"] if c["name"] == "rtl_icarus")
    assert rtl["mismatches"] > 0
    first = rtl["first_mismatches"][0]
    assert re.match(r"vector \d+: input=.* expected=.* got=.* \(real .* vs .*\)", first)
    assert "first differing layer" in first  # the bit-accurate trace pinpoints the layer
    root = ET.parse(mutant / "verify.xml").getroot()
    assert root.get("failures") == "1"
    # the model and the untouched C simulation inputs still agree
    assert next(c for c in v["checks"] if c["name"] == "bit_accurate_model")["mismatches"] == 0


def test_verify_accepts_rtl_from_elsewhere(verified, tmp_path):
    _, project = verified
    rtl = tmp_path / "exported_rtl"
    shutil.copytree(project / "rtl", rtl)
    rc = cli.main(
        ["verify", str(project), "--sim", "icarus", "--rtl", str(rtl), "--no-csim", "--vectors", "300", "--quiet"]
    )
    assert rc == 0
    v = json.loads((project / "verify.json").read_text())
    c = next(c for c in v["checks"] if c["kind"] == "rtl")
    assert c["rtl_dir"] == str(rtl) and c["tests"]["back_to_back"]["vectors"] == 300 and c["mismatches"] == 0
    assert c["vectors"] == 3 * 300  # the idle-gap and reset tests use min(400, N) vectors each


def test_not_a_project_exits_2(tmp_path, capsys):
    rc = cli.main(["verify", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "network.json" in err[0]


def test_unknown_simulator_lists_valid(project_pynq, capsys):
    rc = cli.main(["verify", str(project_pynq), "--sim", "modelsim"])
    assert rc == 2
    assert "valid: verilator, icarus, all" in capsys.readouterr().err


@pytest.mark.parametrize("sim,suffix", [("verilator", ".vcd"), ("icarus", ".fst")])
def test_waves_after_an_untraced_run_are_written(verified, sim, suffix):
    """--waves after an ordinary run must not reuse the untraced build (it would dump nothing,
    and Verilator would refuse --trace)."""
    _, project = verified
    rc = cli.main(["verify", str(project), "--sim", sim, "--no-csim", "--vectors", "100", "--waves", "--quiet"])
    assert rc == 0
    v = json.loads((project / "verify.json").read_text())
    waves = next(c for c in v["checks"] if c["kind"] == "rtl")["waves"]
    assert len(waves) == 1 and waves[0].endswith(suffix)
    from pathlib import Path

    assert Path(waves[0]).stat().st_size > 1000


def test_verify_and_estimate_of_a_project_never_import_tensorflow(verified, tmp_path):
    """A CI pipeline's ``verify`` (and ``estimate`` of a project) reads C++ and text: TensorFlow's import
    (about 7 s of CPU) is not paid for it."""
    import subprocess
    import sys

    prj = tmp_path / "prj"
    shutil.copytree(verified[1], prj, ignore=shutil.ignore_patterns("build"))
    code = (
        "import sys\nfrom fpga_prune.cli.app import main\n"
        f"a = main(['verify', {str(prj)!r}, '--sim', 'icarus', '--no-csim', '--vectors', '40', '--quiet'])\n"
        f"b = main(['estimate', {str(prj)!r}, '--json'])\n"
        "print(a, b, 'tensorflow' in sys.modules, 'hls4ml' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert r.stdout.strip().splitlines()[-1] == "0 0 False False", r.stderr[-2000:]
