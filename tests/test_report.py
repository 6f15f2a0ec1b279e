"""Report pieces that need no run: honest notes from the numbers, verification rows, rendering."""

from __future__ import annotations

from fpga_prune.report import run as report
from fpga_prune.report import sections


def _ci(v, lo, hi):
    return {"value": v, "ci_low": lo, "ci_high": hi}


def _training(beats: bool) -> dict:
    adv = {"beats_baseline": beats, **(_ci(0.02, 0.01, 0.03) if beats else _ci(0.004, -0.01, 0.02))}
    rows = [
        {
            "metric": m,
            "model": _ci(0.51, 0.49, 0.53),
            "baseline": _ci(0.5, 0.5, 0.5),
            "advantage": dict(adv) if m != "ece" else None,
        }
        for m in ("accuracy", "balanced_accuracy", "roc_auc", "brier", "ece")
    ]
    return {
        "metrics": rows,
        "level": 0.95,
        "slices": [
            {"slice": "vol_low", "n": 100, "beats_baseline": {"roc_auc": False}},
            {"slice": "vol_high", "n": 100, "beats_baseline": {"roc_auc": beats}},
        ],
    }


def test_no_skill_is_said_plainly():
    notes = report.honest_notes(_training(False), [], [])
    assert any("NO demonstrable skill" in n and "should not be traded" in n for n in notes)
    assert any("vol_low, vol_high" in n for n in notes)


def test_skill_is_qualified_not_oversold():
    notes = report.honest_notes(_training(True), [], [])
    assert not any("NO demonstrable skill" in n for n in notes)
    first = notes[0]
    assert first.startswith("The dense model beats the majority-class baseline") and "after costs" in first
    assert any("vol_low" in n and "vol_high" not in n for n in notes)


def test_board_notes_flag_test_retention_below_floor_and_tight_resources():
    res = {r: {"used": 10, "allowed": 100, "available": 200} for r in ("dsp", "lut", "ff", "bram18k", "uram")}
    res["lut"] = {"used": 95, "allowed": 100, "available": 200}
    board = {
        "board": "b1",
        "fits": True,
        "resources": res,
        "measured": None,
        "accuracy": {
            "metric": "roc_auc",
            "retention": 0.97,
            "min_retention": 0.98,
            "decision_agreement": 0.9,
            "dense": 0.69,
            "pruned": 0.67,
        },
    }
    notes = report.honest_notes(None, [board], ["prune: boom"])
    assert notes[0] == "FAILED: prune: boom"
    assert any("b1: held-out test retention 0.9700 is below the floor 0.98" in n for n in notes)
    assert any("b1: LUT above 90% of the cap" in n for n in notes)
    assert any("different decision from the dense model on 10.0%" in n for n in notes)
    assert any("no Vitis/Vivado synthesis was run" in n for n in notes)


def test_mismatches_by_check_maps_simulators_and_leaves_unrun_checks_empty():
    ver = {
        "checks": [
            {"kind": "bit_accurate", "name": "bit_accurate_model", "mismatches": 0, "failure": ""},
            {"kind": "rtl", "name": "rtl_icarus", "simulator": "icarus", "mismatches": 3, "failure": ""},
        ]
    }
    assert sections.mismatches_by_check(ver) == {"bit_accurate": 0, "csim": None, "verilator": None, "icarus": 3}
    assert sections.mismatches_by_check(None) == dict.fromkeys(("bit_accurate", "csim", "verilator", "icarus"))


def test_verification_section_drops_timings_and_paths():
    ver = {
        "ok": True,
        "vectors": 5,
        "mismatches": 0,
        "latency_cycles": 9,
        "ii": 1.0,
        "seconds": 3.2,
        "project": "/tmp/x",
        "checks": [
            {
                "name": "rtl_verilator",
                "kind": "rtl",
                "simulator": "verilator",
                "version": "5.048",
                "vectors": 5,
                "mismatches": 0,
                "passed": True,
                "seconds": 1.0,
                "build_seconds": 0.5,
                "rtl_dir": "/tmp/x/rtl",
                "latency_cycles": 9,
                "ii": 1.0,
                "failure": "",
            }
        ],
    }
    sec = sections.verification_section(
        ver,
        {
            "vectors": {
                "count": 5,
                "test_split": 3,
                "validation_split": 0,
                "stress": 2,
                "input_type": "a",
                "output_type": "b",
            }
        },
    )
    text = repr(sec)
    assert "seconds" not in text and "/tmp/x" not in text
    assert sec["checks"][0]["version"] == "5.048" and sec["vector_sources"]["stress"] == 2
