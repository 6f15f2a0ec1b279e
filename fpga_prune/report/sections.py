"""The sections of ``report.json`` that come from the artifacts: one function per file the steps wrote.

Why its own module: this is the one place that reads the steps' documents
(``data/summary.json``, ``model/metrics.json``, ``pruned/budget.json``,
``project/manifest.json``, ``project/verify.json``) and decides which of their
numbers the report states, under which names, so every number in a report can
be traced to the file it came from.  The functions are pure (JSON values in,
JSON values out): no run, no step records, no plots or prose.  ``run``
assembles them into the document and derives its notes and figures from
them; the tests check them on hand-written documents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from fpga_prune.boards import RESOURCES
from fpga_prune.outdir import JsonObject, JsonValue

_HEADLINE = ("accuracy", "balanced_accuracy", "roc_auc", "brier", "ece")


def _ci(d: Mapping[str, JsonValue] | None) -> JsonObject | None:
    if not d:
        return None
    return {"value": d.get("value"), "ci_low": d.get("ci_low"), "ci_high": d.get("ci_high")}


def data_section(summary: Mapping[str, JsonValue] | None) -> JsonObject | None:
    if not summary:
        return None
    keep = (
        "symbol",
        "source",
        "source_sha256",
        "cleaned_csv",
        "rows",
        "interval",
        "interval_ms",
        "start",
        "end",
        "gaps",
        "missing_candles",
        "price",
        "volume",
        "labels",
    )
    section = {k: summary.get(k) for k in keep}
    if summary.get("sample"):  # a built-in sample: its name, hashes and provenance
        section["sample"] = summary["sample"]
    return section


def training_section(metrics: Mapping[str, JsonValue] | None) -> JsonObject | None:
    """Test metrics with CIs, the baseline beside them and the model's advantage over it."""
    if not metrics:
        return None
    test = metrics["test"]
    rows = []
    for m in _HEADLINE:
        base = test["baseline"]["metrics"].get(m)
        adv = test["vs_baseline"].get(m)
        rows.append(
            {
                "metric": m,
                "model": _ci(test["metrics"].get(m)),
                "baseline": _ci(base),
                "advantage": None if adv is None else {**_ci(adv), "beats_baseline": adv["beats_baseline"]},
            }
        )
    slices = []
    for name, s in sorted((test.get("slices") or {}).items()):
        if not s.get("n"):
            slices.append({"slice": name, "n": 0})
            continue
        slices.append(
            {
                "slice": name,
                "n": s["n"],
                "class_counts": s["class_counts"],
                "roc_auc": _ci(s["metrics"]["roc_auc"]),
                "accuracy": _ci(s["metrics"]["accuracy"]),
                "majority_rate": s["baseline"]["majority_rate"],
                "beats_baseline": {m: v["beats_baseline"] for m, v in s["vs_baseline"].items()},
            }
        )
    hist = metrics.get("training", {})
    model = metrics.get("model", {})
    return {
        "target": metrics.get("target"),
        "target_meaning": metrics.get("target_meaning"),
        "architecture": [model.get("n_inputs"), *model.get("config", {}).get("hidden", [])],
        "quantized": bool(model.get("config", {}).get("quantized")),
        "config": model.get("config"),
        "n_params": model.get("n_params"),
        "multiplies": model.get("multiplies"),
        "epochs_run": hist.get("epochs_run"),
        "best_epoch": hist.get("best_epoch"),
        "splits": metrics.get("splits"),
        "level": test.get("level"),
        "n_boot": test.get("n_boot"),
        "block": test.get("block"),
        "n_test": test.get("n"),
        "majority_rate": test["baseline"]["majority_rate"],
        "metrics": rows,
        "slices": slices,
        "validation": {
            m: (metrics.get("validation", {}).get("metrics", {}).get(m) or {}).get("value") for m in _HEADLINE
        },
        "regime_slices": metrics.get("regime_slices"),
    }


def verification_section(
    verify: Mapping[str, JsonValue] | None, manifest: Mapping[str, JsonValue] | None
) -> JsonObject | None:
    """verify.json without its timings and machine paths."""
    if not verify:
        return None
    checks = []
    for c in verify.get("checks", []):
        checks.append(
            {
                "name": c.get("name"),
                "kind": c.get("kind"),
                "simulator": c.get("simulator"),
                "version": c.get("version"),
                "vectors": c.get("vectors"),
                "mismatches": c.get("mismatches"),
                "passed": c.get("passed"),
                "latency_cycles": c.get("latency_cycles"),
                "ii": c.get("ii"),
                "failure": c.get("failure") or "",
                "first_mismatches": (c.get("first_mismatches") or [])[:5],
            }
        )
    vec = (manifest or {}).get("vectors") or {}
    return {
        "ok": bool(verify.get("ok")),
        "vectors": verify.get("vectors"),
        "mismatches": verify.get("mismatches"),
        "latency_cycles": verify.get("latency_cycles"),
        "ii": verify.get("ii"),
        "checks": checks,
        "vector_sources": {
            k: vec.get(k) for k in ("count", "test_split", "validation_split", "stress", "input_type", "output_type")
        }
        if vec
        else None,
    }


def mismatches_by_check(ver: Mapping[str, JsonValue] | None) -> dict[str, int | None]:
    """bit_accurate / csim / verilator / icarus -> mismatches (None when not run, or failed without a count);
    summed over the checks of one kind (an axi-stream project's wrapper checks beside the network's)."""
    out: dict[str, int | None] = {"bit_accurate": None, "csim": None, "verilator": None, "icarus": None}
    seen: set[str] = set()
    for c in (ver or {}).get("checks", []):
        key = {"bit_accurate": "bit_accurate", "csim": "csim"}.get(c["kind"]) or c.get("simulator") or c["name"]
        value = c["mismatches"] if not c["failure"] else (c["mismatches"] or None)
        prev = out.get(key)
        out[key] = value if key not in seen else (None if value is None or prev is None else prev + value)
        seen.add(key)
    return out


def board_section(
    name: str,
    budget: Mapping[str, JsonValue] | None,
    prune_status: str,
    prune_message: str,
    verify: Mapping[str, JsonValue] | None,
    statuses: Mapping[str, str],
) -> JsonObject:
    """Everything the report says about one board (``budget`` may be the closest design when nothing fits)."""
    sec: JsonObject = {"board": name, "statuses": dict(statuses), "prune_message": prune_message}
    if not budget:
        sec.update({"fits": None, "resources": None, "verification": verify})
        return sec
    per_layer = [
        {
            k: layer.get(k)
            for k in (
                "name",
                "kind",
                "dsp",
                "bram18k",
                "lut",
                "ff",
                "latency_cycles",
                "mults_nonzero",
                "mults_total",
                "mults_in_dsp",
                "mults_in_lut",
                "strategy",
                "reuse_factor",
            )
        }
        for layer in budget.get("per_layer", [])
    ]
    sec.update(
        {
            "part": budget["part"],
            "clock_period_ns": budget["clock_period_ns"],
            "fits": bool(budget["fits"]),
            "fit_status": prune_status,
            "shortfall": budget.get("shortfall"),
            "resources": budget["resources"],
            "latency_cycles": budget["latency_cycles"],
            "latency_ns": budget["latency_ns"],
            "interval_cycles": budget["interval_cycles"],
            "design": budget["design"],
            "pruning": budget["pruning"],
            "accuracy": budget["accuracy"],
            "per_layer": per_layer,
            "measured": budget.get("measured"),
            **({"interface": budget["interface"]} if budget.get("interface") else {}),  # reserved before the fit
            "history": [
                {
                    k: h[k]
                    for k in (
                        "index",
                        "stage",
                        "widths",
                        "sparsity",
                        "effective_sparsity",
                        "weight_bits",
                        "strategy",
                        "reuse_factor",
                        "val_metric",
                        "retention",
                        "fits",
                        "meets_floor",
                        "dsp",
                        "bram18k",
                        "lut",
                        "ff",
                        "latency_cycles",
                    )
                }
                for h in budget.get("history", [])
            ],
            "front": front_rows(budget.get("history", [])),
            "search": budget.get("search"),
            "costing": budget.get("costing"),
            "verification": verify,
        }
    )
    return sec


def front_rows(history: Sequence[Mapping[str, JsonValue]]) -> list[JsonObject]:
    """The Pareto front and the chosen design (``budget.mark_front``), cheapest first, for the report."""
    rows = [h for h in history if h.get("front") or h.get("chosen")]
    out = []
    for h in sorted(rows, key=lambda h: (math.inf if h["cost"] is None else h["cost"], -h["val_metric"], h["index"])):
        p = h.get("precision")
        bits = (
            f"in {p['input']}, w {'/'.join(map(str, p['weights'].values()))}, "
            f"a {'/'.join(map(str, p['activations'].values()))}"
            if p
            else f"{h['weight_bits']}-bit"
        )
        out.append(
            {
                **{
                    k: h[k]
                    for k in (
                        "index",
                        "widths",
                        "strategy",
                        "reuse_factor",
                        "cost",
                        "lut_equivalent",
                        "dsp",
                        "lut",
                        "val_metric",
                        "test_metric",
                        "front",
                        "chosen",
                    )
                },
                "bits": bits + (" QAT" if h.get("tuning") == "qat" else ""),
                "costed": h.get("costed", "exact"),
            }
        )
    return out


def board_row(sec: Mapping[str, JsonValue]) -> JsonObject:
    """One line of the summary / comparison table."""
    res = sec.get("resources") or {}
    acc = sec.get("accuracy") or {}
    ver = sec.get("verification")
    return {
        "board": sec["board"],
        "fits": sec.get("fits"),
        "resources": {
            r: {"used": res[r]["used"], "allowed": res[r]["allowed"], "available": res[r]["available"]}
            for r in RESOURCES
            if r in res
        }
        or None,
        "latency_cycles": sec.get("latency_cycles"),
        "latency_ns": sec.get("latency_ns"),
        "design": (sec.get("design") or {}).get("describe"),
        "accuracy": {
            k: acc.get(k) for k in ("metric", "dense", "pruned", "baseline", "retention", "decision_agreement")
        }
        if acc
        else None,
        "mismatches": mismatches_by_check(ver),
        "verified": None if ver is None else bool(ver["ok"]),
        "statuses": sec.get("statuses"),
    }


__all__ = [
    "data_section",
    "training_section",
    "verification_section",
    "mismatches_by_check",
    "board_section",
    "front_rows",
    "board_row",
]
