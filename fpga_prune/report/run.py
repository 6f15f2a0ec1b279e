"""The run report: ``report.json`` for machines, ``report.md`` and a self-contained ``report.html`` for people.

Why the report is built only from the artifacts on disk (``data/summary.json``,
``model/metrics.json``, ``pruned/budget.json``, ``project/manifest.json``,
``project/verify.json``) and the step statuses: a resumed run must report
exactly what a fresh run reports, and every number must be one a user can
find again in the file it came from (each file's section is read by
``report.sections``; this module assembles them with the notes, the model
card and the plots, and renders the files).  No timestamps and no wall-clock
seconds (those live in ``run.json``), so the same inputs and seed give
byte-identical reports.  Plots are deterministic PNGs (``fpga_prune.search.budget``
settings); the HTML embeds them as data URIs.

Notes are honest by construction: each is derived from a number (a CI that
includes zero, a retention below the floor, an estimate that was never
synthesized) and says what it means for a user.
"""

from __future__ import annotations

import base64
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from fpga_prune.boards import RESOURCES, Board
from fpga_prune.outdir import JsonObject, JsonValue, try_read_json
from fpga_prune.report.sections import board_row, board_section, data_section, training_section, verification_section

REPORT_FORMAT = "fpga_prune.report/1"
PLOTS_DIR = "plots"
#: resources shown in summary tables (URAM only matters on UltraScale+ boards and is in the per-board table)
SUMMARY_RESOURCES = ("dsp", "lut", "ff", "bram18k")
_LOWER_IS_BETTER = {"brier", "ece"}


class StepOutcome(Protocol):
    """What the report reads of a step's record (the flow's ``pipeline.StepRecord``)."""

    @property
    def status(self) -> str: ...

    @property
    def message(self) -> str: ...


class BoardSteps(Protocol):
    """What the report reads of one board's part of a run (the flow's ``run.BoardLayout``): where its
    steps wrote, relative to the run directory, and their step names."""

    @property
    def board(self) -> Board: ...

    @property
    def pruned(self) -> str: ...

    @property
    def project(self) -> str: ...

    def step(self, kind: str) -> str: ...


# ----------------------------------------------------------------------------- notes
def _fmt(v: float | None, digits: int = 4) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def honest_notes(
    training: Mapping[str, JsonValue] | None, boards: Sequence[Mapping[str, JsonValue]], failures: Sequence[str]
) -> list[str]:
    """Plain sentences about what the numbers do and do not show."""
    notes: list[str] = []
    for f in failures:
        notes.append(f"FAILED: {f}")
    if training:
        beats = {r["metric"]: r["advantage"]["beats_baseline"] for r in training["metrics"] if r["advantage"]}
        auc = next(r for r in training["metrics"] if r["metric"] == "roc_auc")
        level = int(round((training.get("level") or 0.95) * 100))
        if not any(beats.values()):
            notes.append(
                f"The dense model has NO demonstrable skill over the majority-class baseline on the held-out test "
                f"split: no advantage's {level}% block-bootstrap interval excludes zero (ROC AUC "
                f"{_fmt(auc['model']['value'])} [{_fmt(auc['model']['ci_low'])}, {_fmt(auc['model']['ci_high'])}]). "
                "The FPGA design faithfully reproduces a model that should not be traded on."
            )
        else:
            won = ", ".join(m for m, b in beats.items() if b)
            lost = ", ".join(m for m, b in beats.items() if not b)
            notes.append(
                f"The dense model beats the majority-class baseline on the test split ({won}; {level}% "
                f"block-bootstrap interval of the advantage above zero)"
                + (f", but not on {lost}" if lost else "")
                + f". ROC AUC {_fmt(auc['model']['value'])} [{_fmt(auc['model']['ci_low'])}, "
                f"{_fmt(auc['model']['ci_high'])}] is modest: the signal is statistical, not a trading edge "
                "after costs, which this report does not model."
            )
        weak = [s["slice"] for s in training["slices"] if s.get("n") and not s["beats_baseline"].get("roc_auc")]
        if weak:
            notes.append(
                f"In the volatility regime(s) {', '.join(weak)} the model's ROC AUC does not beat the "
                "baseline with confidence; do not rely on it there."
            )
        ece = next((r for r in training["metrics"] if r["metric"] == "ece"), None)
        if ece and ece["model"]["value"] is not None and ece["model"]["value"] > 0.05:
            notes.append(
                f"Calibration is loose (ECE {_fmt(ece['model']['value'])}): treat outputs as scores, not probabilities."
            )
    for b in boards:
        name = b["board"]
        acc = b.get("accuracy")
        if b.get("fits") is False:
            notes.append(f"{name}: no design fits under the caps at the accuracy floor; {b.get('shortfall')}.")
        if acc and b.get("fits"):
            if acc.get("retention") is not None and acc["retention"] < acc["min_retention"]:
                notes.append(
                    f"{name}: held-out test retention {_fmt(acc['retention'])} is below the floor "
                    f"{acc['min_retention']} that the design met on the validation split; the floor is "
                    "a validation-time guarantee only."
                )
            if acc.get("decision_agreement") is not None and acc["decision_agreement"] < 0.95:
                notes.append(
                    f"{name}: the pruned fixed-point design takes a different decision from the dense "
                    f"model on {100 * (1 - acc['decision_agreement']):.1f}% of test candles, although its "
                    f"{acc['metric']} is {_fmt(acc['pruned'])} vs {_fmt(acc['dense'])}."
                )
            tight = [
                r
                for r in SUMMARY_RESOURCES
                if b["resources"][r]["allowed"] and b["resources"][r]["used"] > 0.9 * b["resources"][r]["allowed"]
            ]
            if tight:
                notes.append(
                    f"{name}: {', '.join(r.upper() for r in tight)} above 90% of the cap; an estimate "
                    "error of a few percent could push the real design over."
                )
    if any(b.get("resources") for b in boards) and not any(b.get("measured") for b in boards):
        notes.append(
            "Resources and latency are estimates of the hls4ml Vitis implementation "
            "(fpga_prune.estimate); no Vitis/Vivado synthesis was run. Bit-exactness, in contrast, is "
            "proven: the C simulation and RTL simulations were compared bit for bit with the "
            "bit-accurate model."
        )
    for b in boards:
        ver = b.get("verification")
        if ver and ver["ok"]:
            sims = list(dict.fromkeys(c["simulator"] for c in ver["checks"] if c["kind"] == "rtl"))
            vs = ver.get("vector_sources") or {}
            notes.append(
                f"{b['board']}: 0 mismatches on {ver['vectors']} vectors "
                f"({vs.get('test_split')} test-split, {vs.get('validation_split')} validation-split, "
                f"{vs.get('stress')} synthetic stress) under the bit-accurate model, C simulation and "
                f"{' and '.join(sims)}. The RTL is fpga_prune's Verilog rendering of the network "
                f"(its measured latency, {ver.get('latency_cycles')} cycles, is of that rendering; the "
                f"Vitis HLS design's is the estimate, {b.get('latency_cycles')} cycles); Vitis-exported "
                "RTL can be checked with `fpga-prune verify --rtl`."
            )
    return notes


def model_card(
    training: Mapping[str, JsonValue] | None,
    data: Mapping[str, JsonValue] | None,
    boards: Sequence[Mapping[str, JsonValue]],
) -> JsonObject | None:
    if not training:
        return None
    splits = training.get("splits") or {}
    symbol = (data or {}).get("symbol") or "the instrument"
    interval = (data or {}).get("interval")
    return {
        "model": f"{'QKeras quantization-aware' if training['quantized'] else 'dense'} MLP "
        f"{'-'.join(str(x) for x in training['architecture'])} (+1 output), "
        f"{training['n_params']} parameters; target '{training['target']}': {training['target_meaning']}",
        "intended_use": (
            f"Low-latency scoring of {symbol} candles (Bybit interval {interval}) on an FPGA: a "
            "volatility/direction signal feeding a larger, human-supervised trading or risk system, "
            "and a reproducible benchmark of pruning a model to fit a board. Not a stand-alone "
            "trading strategy and not investment advice."
        ),
        "out_of_scope": (
            "Other instruments, intervals or market regimes without retraining and re-verification; "
            "decisions without transaction costs, slippage and position limits."
        ),
        "data_window": {
            k: {"start": splits[k]["start"], "end": splits[k]["end"], "rows": splits[k]["n"]}
            for k in ("train", "val", "test")
            if isinstance(splits.get(k), dict)
        },
        "purge_rows": splits.get("purge"),
        "regime_slices": training.get("regime_slices"),
        "slices": training["slices"],
        "deployed": [
            {
                "board": b["board"],
                "design": (b.get("design") or {}).get("describe"),
                "metric": (b.get("accuracy") or {}).get("metric"),
                "pruned": (b.get("accuracy") or {}).get("pruned"),
                "dense": (b.get("accuracy") or {}).get("dense"),
            }
            for b in boards
            if b.get("fits")
        ],
        "limitations": [
            f"Trained and tested on one symbol over one window ({splits.get('train', {}).get('start', '?')} .. "
            f"{splits.get('test', {}).get('end', '?')}); the test split is the last "
            f"{splits.get('test', {}).get('n', '?')} candles, a single market regime period.",
            "Labels look one candle ahead; features use closed candles only. Live use must feed the design "
            "exactly the preprocessing in model/preprocess.json (scaler fit on the training split, clipped).",
            "Per-regime metrics are of the dense float model; the pruned design's held-out metric is reported "
            "overall (see the pruning section).",
            "The fixed-point design saturates inputs outside its input type; features beyond the clip range of "
            "the scaler are clipped before quantization.",
            "Resource and latency figures are estimates until the project is synthesized with Vitis "
            "(`make synth` in the project).",
        ],
    }


# ----------------------------------------------------------------------------- plots
def plot_training_curve(metrics_training: Mapping[str, JsonValue]) -> bytes:
    from fpga_prune.search.budget import png_bytes, pyplot  # noqa: PLC0415

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    loss, val = metrics_training.get("loss", []), metrics_training.get("val_loss", [])
    ax.plot(range(1, len(loss) + 1), loss, marker="o", markersize=3, label="train loss")
    ax.plot(range(1, len(val) + 1), val, marker="o", markersize=3, label="validation loss")
    best = metrics_training.get("best_epoch")
    if best:
        ax.axvline(best, color="grey", linestyle="--", linewidth=1, label=f"best epoch {best} (restored)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title("training (early stopping on validation loss)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return png_bytes(fig)


def plot_resources_vs_iteration(budget: Mapping[str, JsonValue]) -> bytes:
    """Each design the search tried: resource use as a fraction of its cap, in search order."""
    from fpga_prune.search.budget import png_bytes, pyplot  # noqa: PLC0415

    plt = pyplot()
    hist = budget["history"]
    res = budget["resources"]
    fig, ax = plt.subplots(figsize=(7.6, 3.8))
    x = [h["index"] for h in hist]
    for i, r in enumerate(SUMMARY_RESOURCES):
        allowed = max(res[r]["allowed"], 1)
        ax.plot(
            x,
            [h[r] / allowed for h in hist],
            marker="o",
            markersize=3,
            linewidth=1,
            color=f"C{i}",
            label=f"{r.upper()} (cap {res[r]['allowed']})",
        )
    ax.axhline(1.0, color="r", linestyle="--", linewidth=1, label="cap")
    chosen = budget["design"]["index"]
    ax.axvline(chosen, color="k", linestyle=":", linewidth=1, label=f"chosen #{chosen}")
    ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("design # (search order: dense, structured, unstructured; precision / reuse)")
    ax.set_ylabel("used / allowed")
    ax.set_title(f"{budget['board']}: resources of every design tried")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return png_bytes(fig)


def plot_comparison(rows: Sequence[Mapping[str, JsonValue]]) -> bytes:
    """Utilization of the cap per board (the --board all comparison)."""
    import numpy as np  # noqa: PLC0415

    from fpga_prune.search.budget import png_bytes, pyplot  # noqa: PLC0415

    plt = pyplot()
    rows = [r for r in rows if r.get("resources")]
    fig, ax = plt.subplots(figsize=(9, 3.8))
    width = 0.8 / len(SUMMARY_RESOURCES)
    xs = np.arange(len(rows))
    for i, r in enumerate(SUMMARY_RESOURCES):
        vals = [row["resources"][r]["used"] / max(row["resources"][r]["allowed"], 1) for row in rows]
        ax.bar(xs + i * width - 0.4 + width / 2, vals, width, label=r.upper(), color=f"C{i}")
    ax.axhline(1.0, color="r", linestyle="--", linewidth=1, label="cap")
    top = max(
        (
            row["resources"][r]["used"] / max(row["resources"][r]["allowed"], 1)
            for row in rows
            for r in SUMMARY_RESOURCES
        ),
        default=1.0,
    )
    ax.set_ylim(0, max(1.0, top) * 1.2)  # room for the legend above the cap line
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{row['board']}{'' if row['fits'] else ' (no fit)'}" for row in rows], fontsize=8, rotation=15)
    ax.set_ylabel("used / allowed")
    ax.set_title("chosen design per board: resources against the cap")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=7, ncol=5)
    fig.tight_layout()
    return png_bytes(fig)


# ----------------------------------------------------------------------------- assembling
def build(
    root: Path,
    run: Mapping[str, JsonValue],
    layouts: Sequence[BoardSteps],
    records: Mapping[str, StepOutcome],
    closest: Mapping[str, Mapping[str, JsonValue]] | None = None,
) -> JsonObject:
    """report.json from the run directory ``root``, the run's settings and the step records.

    ``run``: the settings as the report states them (``RunConfig.settings``, its ``metric`` heads the
    summary); ``closest``: board name -> budget document of the closest design, for boards whose
    prune step found no fit (nothing was written for them).
    """
    from fpga_prune.provenance import tool_versions  # noqa: PLC0415

    root = Path(root)

    def status(name: str) -> str:
        rec = records.get(name)
        if rec is None:
            return "not run"
        return "completed" if rec.status in ("done", "skipped") else rec.status

    def completed(name: str) -> bool:
        return status(name) == "completed"

    data = data_section(try_read_json(root / "data" / "summary.json")) if completed("data") else None
    metrics = try_read_json(root / "model" / "metrics.json") if completed("train") else None
    training = training_section(metrics)
    boards = []
    budgets: dict[str, dict] = {}
    for lay in layouts:
        prune_name = lay.step("prune")
        budget = None
        if completed(prune_name):
            budget = try_read_json(root / lay.pruned / "budget.json")
        elif status(prune_name) == "failed":
            budget = (closest or {}).get(lay.board.name)
        ver = None
        if completed(lay.step("verify")) or status(lay.step("verify")) == "failed":
            ver = verification_section(
                try_read_json(root / lay.project / "verify.json"), try_read_json(root / lay.project / "manifest.json")
            )
        rec = records.get(prune_name)
        sts = {k: status(lay.step(k)) for k in ("prune", "generate", "verify")}
        message = rec.message if rec is not None and status(prune_name) != "completed" else ""
        sec = board_section(lay.board.name, budget, status(prune_name), message, ver, sts)
        boards.append(sec)
        if budget:
            budgets[lay.board.name] = budget
    failures = [f"{name}: {rec.message}" for name, rec in records.items() if rec.status == "failed"]
    blocked = [name for name, rec in records.items() if rec.status == "blocked"]
    rows = [board_row(b) for b in boards]
    versions = {**tool_versions(), "python": platform.python_version()}
    for b in boards:
        for c in (b.get("verification") or {}).get("checks", []):
            if c["kind"] == "rtl" and c.get("simulator"):
                versions[c["simulator"]] = c.get("version")
    # done and skipped (resumed) are the same result: the report must not tell them apart
    steps = [
        {"name": n, "status": status(n), "message": "" if status(n) == "completed" else r.message}
        for n, r in records.items()
    ]
    reason = None
    if failures:
        reason = "; ".join(failures)
    elif blocked:
        reason = f"not run: {', '.join(blocked)}"
    doc = {
        "format": REPORT_FORMAT,
        "status": {"ok": not failures, "reason": reason},
        "run": dict(run),
        "summary": {
            "metric": run["metric"],
            "boards": rows,
            "fits": None if not rows or rows[0]["fits"] is None else all(bool(r["fits"]) for r in rows),
            "mismatches": _total_mismatches(rows),
        },
        "steps": steps,
        "notes": honest_notes(training, boards, failures),
        "data": data,
        "training": training,
        "boards": boards,
        "model_card": model_card(training, data, boards),
        "tool_versions": versions,
        "plots": {},
    }
    plots: dict[str, bytes] = {}
    if metrics and metrics.get("training", {}).get("loss"):  # none for a model given with run --model
        plots["training_curve.png"] = plot_training_curve(metrics.get("training", {}))
    for lay in layouts:
        budget = budgets.get(lay.board.name)
        if not budget:
            continue
        from fpga_prune.search.budget import plot_accuracy_vs_sparsity, plot_layer_resources, plot_pareto  # noqa: PLC0415

        tag = lay.board.name
        plots[f"{tag}_accuracy_vs_sparsity.png"] = (
            _existing(root / lay.pruned / "accuracy_vs_sparsity.png")
            if completed(lay.step("prune"))
            else plot_accuracy_vs_sparsity(budget)
        )
        plots[f"{tag}_resources_vs_iteration.png"] = plot_resources_vs_iteration(budget)
        if any(h.get("front") for h in budget["history"]):
            plots[f"{tag}_pareto.png"] = (
                _existing(root / lay.pruned / "pareto.png") if completed(lay.step("prune")) else plot_pareto(budget)
            )
        plots[f"{tag}_layer_resources.png"] = (
            _existing(root / lay.pruned / "layer_resources.png")
            if completed(lay.step("prune"))
            else plot_layer_resources(budget)
        )
    if len(rows) > 1 and any(r.get("resources") for r in rows):
        plots["comparison.png"] = plot_comparison(rows)
    doc["plots"] = {name: f"{PLOTS_DIR}/{name}" for name in sorted(plots)}
    doc["_plot_bytes"] = plots
    return doc


def _existing(path: Path) -> bytes:
    return Path(path).read_bytes()


def _total_mismatches(rows: Sequence[Mapping[str, JsonValue]]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for k in ("bit_accurate", "csim", "verilator", "icarus"):
        vals = [r["mismatches"][k] for r in rows if r["mismatches"].get(k) is not None]
        out[k] = sum(vals) if vals else None
    return out


def render_files(doc: Mapping[str, JsonValue]) -> dict[str, bytes | str]:
    """report.json, report.md, report.html and the plot PNGs, ready for ``write``."""
    from fpga_prune.outdir import json_text  # noqa: PLC0415
    from fpga_prune.templating import render  # noqa: PLC0415

    plots: dict[str, bytes] = doc.get("_plot_bytes", {})
    public = {k: v for k, v in doc.items() if not k.startswith("_")}
    ctx = {
        "r": public,
        "resources": RESOURCES,
        "summary_resources": SUMMARY_RESOURCES,
        "lower_is_better": sorted(_LOWER_IS_BETTER),
    }
    md = render("reports/report.md.j2", ctx)
    uris = {name: "data:image/png;base64," + base64.b64encode(data).decode("ascii") for name, data in plots.items()}
    html = render("reports/report.html.j2", {**ctx, "img": uris})
    files: dict[str, bytes | str] = {"report.json": json_text(public), "report.md": md, "report.html": html}
    for name, data in plots.items():
        files[f"{PLOTS_DIR}/{name}"] = data
    return files


def write(out: Path, doc: Mapping[str, JsonValue]) -> None:
    """Write every report file atomically (each file replaced whole; stale plots removed)."""
    from fpga_prune.outdir import write_bytes_atomic  # noqa: PLC0415

    out = Path(out)
    files = render_files(doc)
    plot_dir = out / PLOTS_DIR
    if plot_dir.is_dir():
        for p in plot_dir.glob("*.png"):
            if f"{PLOTS_DIR}/{p.name}" not in files:
                p.unlink()
    for rel in sorted(files, key=lambda k: (k.startswith("report."), k)):  # plots first, reports last
        data = files[rel]
        write_bytes_atomic(out / rel, data.encode("utf-8") if isinstance(data, str) else data)


__all__ = ["REPORT_FORMAT", "build", "render_files", "write", "honest_notes", "model_card"]
