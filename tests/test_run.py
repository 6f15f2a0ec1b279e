"""``fpga-prune run`` end to end on the real candles: fits, 0 mismatches, reports, resume, --force, bad input,
and generate + verify redone byte-identical on one machine.

One full run (short training, 300 vectors) is shared by the module; the resume
and --force tests re-run it in place.  What holds across machines is in
test_golden.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from fpga_prune import cli

pytestmark = pytest.mark.slow

FAST = ["--epochs", "12", "--patience", "3", "--n-boot", "200", "--vectors", "300", "--stress", "32"]
REPORTS = ("report.md", "report.html", "report.json")


def _source(data: Path) -> list[str]:
    """No data argument: the main job as a user runs it, on the built-in sample; ``$FPGA_PRUNE_DATA``: that file."""
    return ["--data", str(data)] if os.environ.get("FPGA_PRUNE_DATA") else []


def _run(out: Path, data: Path, *extra: str) -> int:
    return cli.main(["run", "--board", "pynq-z2", *_source(data), "--out", str(out), *FAST, *extra])


def _steps(out: Path) -> dict[str, dict]:
    return {s["name"]: s for s in json.loads((out / "run.json").read_text())["steps"]}


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, bybit_csv):
    out = tmp_path_factory.mktemp("run") / "r"
    rc = _run(out, bybit_csv, "--quiet")
    assert rc == 0
    snapshot = {name: (out / name).read_bytes() for name in REPORTS}
    return out, snapshot


def test_full_run_fits_and_verifies_with_zero_mismatches(full_run):
    out, _ = full_run
    for d in ("data", "model", "pruned", "project"):
        assert (out / d).is_dir()
    steps = _steps(out)
    assert [steps[n]["status"] for n in ("data", "train", "prune", "generate", "verify")] == ["done"] * 5
    assert steps["train"]["seconds"] > 1  # run.json holds the real timings (training takes seconds)
    report = json.loads((out / "report.json").read_text())
    budget = json.loads((out / "pruned" / "budget.json").read_text())
    verify = json.loads((out / "project" / "verify.json").read_text())
    assert report["status"] == {"ok": True, "reason": None}
    row = report["summary"]["boards"][0]
    assert row["fits"] is True and report["summary"]["fits"] is True
    # key numbers are the ones in budget.json and verify.json, not recomputed
    for r in ("dsp", "lut", "ff", "bram18k"):
        assert row["resources"][r]["used"] == budget["resources"][r]["used"]
        assert row["resources"][r]["allowed"] == budget["resources"][r]["allowed"]
        assert row["resources"][r]["used"] <= row["resources"][r]["allowed"]
    assert row["latency_ns"] == budget["latency_ns"]
    assert row["accuracy"]["dense"] == budget["accuracy"]["dense"]
    assert row["accuracy"]["pruned"] == budget["accuracy"]["pruned"]
    assert row["mismatches"] == {"bit_accurate": 0, "csim": 0, "verilator": 0, "icarus": 0}
    assert verify["ok"] is True and verify["vectors"] == 300 + 32
    sec = report["boards"][0]
    assert sec["verification"]["vectors"] == verify["vectors"]
    assert [c["name"] for c in sec["verification"]["checks"]] == [c["name"] for c in verify["checks"]]
    # the human reports carry the same numbers
    md = (out / "report.md").read_text()
    dsp = budget["resources"]["dsp"]
    assert f"| dsp | {dsp['used']} | {dsp['allowed']} (80%)" in md
    assert f"{budget['accuracy']['pruned']:.4f}" in md and "## Model card" in md
    assert "vol_low" in md and "vol_high" in md and "Limitations" in md
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(report["plots"]) >= 4
    assert 'src="plots/' not in html and "<script" not in html  # self-contained, no external resources
    assert all((out / p).is_file() for p in report["plots"].values())


def test_report_notes_are_derived_from_the_numbers(full_run):
    out, _ = full_run
    report = json.loads((out / "report.json").read_text())
    t = report["training"]
    auc = next(m for m in t["metrics"] if m["metric"] == "roc_auc")
    assert auc["advantage"]["beats_baseline"] is True  # real signal on bigmove
    assert any(n.startswith("The dense model beats the majority-class baseline") for n in report["notes"])
    assert not any("NO demonstrable skill" in n for n in report["notes"])
    assert any("no Vitis/Vivado synthesis was run" in n for n in report["notes"])
    card = report["model_card"]
    assert set(card["data_window"]) == {"train", "val", "test"}
    assert card["data_window"]["test"]["rows"] == t["splits"]["test"]["n"]
    assert [s["slice"] for s in card["slices"]] == ["vol_high", "vol_low", "vol_mid"]


def test_reports_hold_no_wall_clock_data(full_run):
    out, _ = full_run
    text = (out / "report.json").read_text()
    assert "seconds" not in text and "elapsed" not in text
    assert "seconds" in (out / "run.json").read_text()


def test_resume_skips_every_step_and_gives_identical_reports(full_run, bybit_csv, capsys):
    out, snapshot = full_run
    capsys.readouterr()
    rc = _run(out, bybit_csv, "--json")
    assert rc == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["fits"] is True and payload["mismatches"]["verilator"] == 0
    steps = _steps(out)
    assert {n: steps[n]["status"] for n in ("data", "train", "prune", "generate", "verify")} == dict.fromkeys(
        ("data", "train", "prune", "generate", "verify"), "skipped"
    )
    assert sum(steps[n]["seconds"] for n in steps) < 5
    for name in REPORTS:
        assert (out / name).read_bytes() == snapshot[name], name


def test_changed_option_redoes_only_the_affected_steps(full_run, bybit_csv, tmp_path):
    out, snapshot = full_run
    work = tmp_path / "r"
    shutil.copytree(out, work, symlinks=True)
    # fewer vectors: generate and verify redo, the model and the pruned design are reused
    rc = cli.main(
        [
            "run",
            "--board",
            "pynq-z2",
            *_source(bybit_csv),
            "--out",
            str(work),
            *FAST[: FAST.index("--vectors")],
            "--vectors",
            "200",
            "--stress",
            "8",
            "--sim",
            "icarus",
            "--quiet",
        ]
    )
    assert rc == 0
    steps = _steps(work)
    assert [steps[n]["status"] for n in ("data", "train", "prune", "generate", "verify")] == [
        "skipped",
        "skipped",
        "skipped",
        "done",
        "done",
    ]
    report = json.loads((work / "report.json").read_text())
    assert report["summary"]["boards"][0]["mismatches"] == {
        "bit_accurate": 0,
        "csim": 0,
        "verilator": None,
        "icarus": 0,
    }
    assert json.loads((work / "project" / "verify.json").read_text())["vectors"] == 208


def test_force_redoes_the_named_step_and_changed_outputs_propagate(full_run, bybit_csv, tmp_path):
    out, snapshot = full_run
    work = tmp_path / "r"
    shutil.copytree(out, work, symlinks=True)
    rc = _run(work, bybit_csv, "--until", "prune", "--force", "prune", "--quiet")
    assert rc == 0
    steps = _steps(work)
    assert steps["data"]["status"] == "skipped" and steps["train"]["status"] == "skipped"
    assert steps["prune"]["status"] == "done"  # redone, deterministically
    for name in ("budget.json", "model.h5", "hls_config.json", "accuracy_vs_sparsity.png"):
        assert (work / "pruned" / name).read_bytes() == (out / "pruned" / name).read_bytes(), name
    report = json.loads((work / "report.json").read_text())
    assert report["summary"]["boards"][0]["mismatches"]["icarus"] is None  # --until prune: not verified
    # a tampered output is noticed and redone even without --force
    (work / "data" / "summary.json").write_text("{}")
    rc = _run(work, bybit_csv, "--until", "data", "--quiet")
    assert rc == 0 and _steps(work)["data"]["status"] == "done"
    assert json.loads((work / "data" / "summary.json").read_text())["rows"] == 25920


def test_bad_board_exits_2_and_writes_nothing(tmp_path, bybit_csv, capsys):
    out = tmp_path / "nothing"
    rc = cli.main(["run", "--board", "no-such-board", "--data", str(bybit_csv), "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-board" in err[0] and "pynq-z2" in err[0]
    assert not out.exists()


def test_missing_data_file_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "nothing"
    rc = cli.main(["run", "--board", "pynq-z2", "--data", str(tmp_path / "missing.csv"), "--out", str(out)])
    assert rc == 2
    assert "missing.csv" in capsys.readouterr().err
    assert not out.exists()


def test_no_fit_still_writes_the_report_and_exits_1(full_run, bybit_csv, tmp_path, capsys):
    out, _ = full_run
    work = tmp_path / "r"
    shutil.copytree(out, work, symlinks=True)
    capsys.readouterr()
    # no design can fit: the search tries every level (latency only, 1-epoch fine-tunes keep it short)
    rc = _run(
        work,
        bybit_csv,
        "--cap",
        "dsp=0.001",
        "--min-retention",
        "0.999",
        "--strategy",
        "latency",
        "--finetune-epochs",
        "1",
        "--quiet",
    )
    assert rc == 1
    steps = _steps(work)
    assert steps["train"]["status"] == "skipped"
    assert steps["prune"]["status"] == "failed" and "no design fits pynq-z2" in steps["prune"]["message"]
    assert steps["generate"]["status"] == "blocked" and steps["verify"]["status"] == "blocked"
    report = json.loads((work / "report.json").read_text())
    assert report["status"]["ok"] is False and "no design fits pynq-z2" in report["status"]["reason"]
    row = report["summary"]["boards"][0]
    assert row["fits"] is False and row["resources"]["dsp"]["allowed"] == 0  # floor(0.001 * 220)
    # the closest design is reported, over its cap somewhere
    assert any(r["used"] > r["allowed"] for r in row["resources"].values())
    assert row["mismatches"]["icarus"] is None
    assert any(n.startswith("FAILED: prune") for n in report["notes"])
    md = (work / "report.md").read_text()
    assert "**Status: FAILED**" in md and "**Does not fit**" in md
    assert "FAILED" in capsys.readouterr().out


def test_generate_and_verify_redone_write_a_byte_identical_tree(full_run, bybit_csv, tmp_path):
    """On one machine: generate and verify redone from the pruned bundle (``--force generate``) write the
    same tree byte for byte but for the timings (run.json; the seconds of each check in verify.json/.xml).
    The steps before them are redone from nothing elsewhere: the pruning search by
    ``test_force_redoes_the_named_step_and_changed_outputs_propagate`` (byte for byte), the candles, the
    training and the search in a fresh process by test_sweep's serial runs (byte-identical to the sweep's)."""
    out, _ = full_run
    work = tmp_path / "r"
    shutil.copytree(out, work, symlinks=True)
    shutil.rmtree(work / "project")  # nothing of the first generate is left to reuse
    assert _run(work, bybit_csv, "--force", "generate", "--quiet") == 0
    steps = _steps(work)
    assert [steps[n]["status"] for n in ("data", "train", "prune", "generate", "verify")] == [
        "skipped",
        "skipped",
        "skipped",
        "done",
        "done",
    ]

    def untimed(rel: str, data: bytes) -> bytes:
        if rel == "project/verify.json":
            return re.sub(rb'"(\w*seconds|inferences_per_s)": ([0-9.e+-]+|null)', rb'"\1": 0', data)
        if rel == "project/verify.xml":
            return re.sub(rb'time="[^"]*"', b'time=""', data)
        return data

    def tree(root: Path) -> dict[str, bytes]:
        # the copied steps' files name the first run's directory (model/metrics.json: its candles)
        files = (p for p in sorted(root.rglob("*")) if p.is_file() and p.name != "run.json")
        return {
            rel: untimed(rel, p.read_bytes().replace(str(root).encode(), b"<RUN>").replace(str(out).encode(), b"<RUN>"))
            for p in files
            if not (rel := p.relative_to(root).as_posix()).startswith("project/build/")
        }

    first, second = tree(out), tree(work)
    assert sorted(first) == sorted(second)
    assert [k for k in first if first[k] != second[k]] == []
