"""The budget report of a pruned design: ``budget.json``, ``budget.md`` and plots.

Why one module: ``prune``, ``generate`` (measured column) and ``run`` (the
final report) all show the same numbers; they take them from the dict built
here, never recompute them.  Plots are rendered to PNG bytes in memory with
the matplotlib metadata that would carry a version or date removed, so the
same inputs give byte-identical files.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import numpy as np

from fpga_prune.boards import RESOURCES, Board, Caps
from fpga_prune.outdir import JsonObject
from fpga_prune.templating import render

if TYPE_CHECKING:
    from fpga_prune.estimate.core import Estimate

BUDGET_FORMAT = "fpga_prune.budget/1"


def binding_resource(totals: dict[str, int], board: Board, caps: Caps) -> str:
    """The resource closest to (or furthest over) its cap: largest used/allowed (ties: RESOURCES order)."""
    budget = caps.budget(board)

    def ratio(r: str) -> float:
        if budget[r] > 0:
            return totals[r] / budget[r]
        return math.inf if totals[r] > 0 else 0.0

    return max(RESOURCES, key=lambda r: (ratio(r), -RESOURCES.index(r)))


def budget_dict(
    *,
    board: Board,
    caps: Caps,
    estimate: Estimate,
    fits: bool,
    design: JsonObject,
    accuracy: JsonObject,
    pruning: JsonObject,
    history: list[JsonObject],
    shortfall: str | None,
) -> JsonObject:
    """The ``budget.json`` document (see README: Reports)."""
    est = estimate.to_dict(board, caps)
    return {
        "format": BUDGET_FORMAT,
        "board": board.name,
        "part": board.part,
        "clock_period_ns": board.clock_period_ns,
        "fits": bool(fits),
        "shortfall": shortfall,
        "resources": est["resources"],  # one utilization rule: Estimate.utilization
        "binding_resource": binding_resource(estimate.totals, board, caps),
        "bounds": {"confidence": estimate.confidence, **{q: list(v) for q, v in sorted(estimate.bounds().items())}},
        "per_layer": est["layers"],
        "latency_cycles": int(estimate.latency_cycles),
        "latency_ns": round(float(estimate.latency_ns), 6),
        "interval_cycles": int(estimate.interval_cycles),
        "sparsity": pruning["sparsity"],
        "pruning": pruning,
        "design": design,
        "accuracy": accuracy,
        "measured": None,
        "history": history,
    }


def mark_front(history: list[JsonObject], chosen: int) -> list[JsonObject]:
    """``history`` with ``front`` (on the Pareto front of cost vs validation metric among the designs
    that fit: ``cost.pareto_front``), ``chosen`` and ``test_metric`` (None; filled for the front)."""
    from fpga_prune.search.cost import pareto_front  # noqa: PLC0415

    fitting = [i for i, h in enumerate(history) if h["fits"]]
    front = {fitting[j] for j in pareto_front([(history[i]["cost"], history[i]["val_metric"]) for i in fitting])}
    return [
        {**h, "front": i in front, "chosen": h["index"] == chosen, "test_metric": None} for i, h in enumerate(history)
    ]


def render_markdown(budget: JsonObject) -> str:
    return render("reports/budget.md.j2", {"b": budget, "resources": RESOURCES})


def png_bytes(fig) -> bytes:
    """``fig`` as PNG bytes, byte-identical for the same figure (every plot of the reports), then closed."""
    buf = io.BytesIO()
    # No 'Software' (matplotlib version) or date chunks: byte-identical output.
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    import matplotlib.pyplot as plt  # noqa: PLC0415

    plt.close(fig)
    return buf.getvalue()


def _floor_and_chosen(ax, budget: JsonObject, x_key: str) -> None:
    """The accuracy floor as a dashed line and the chosen design as a star at (its ``x_key``, metric)."""
    ax.axhline(budget["accuracy"]["floor_val"], color="grey", linestyle="--", linewidth=1, label="accuracy floor")
    chosen = budget["design"]
    if chosen[x_key] is not None:
        ax.scatter([chosen[x_key]], [chosen["val_metric"]], marker="*", s=180, color="k", label="chosen", zorder=5)


def _finish(fig, ax, legend_loc: str) -> bytes:
    ax.legend(fontsize=7, loc=legend_loc)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)


def pyplot():
    """matplotlib's pyplot on the Agg backend: plots are files, never windows."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def plot_accuracy_vs_sparsity(budget: JsonObject) -> bytes:
    """Validation metric of every design tried, against its sparsity."""
    plt = pyplot()
    hist = budget["history"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for stage, marker in (("dense", "s"), ("structured", "o"), ("unstructured", "^")):
        pts = [h for h in hist if h["stage"] == stage]
        if not pts:
            continue
        fit = [h for h in pts if h["fits"]]
        nofit = [h for h in pts if not h["fits"]]
        for group, face in ((fit, None), (nofit, "none")):
            if group:
                ax.scatter(
                    [h["effective_sparsity"] for h in group],
                    [h["val_metric"] for h in group],
                    marker=marker,
                    facecolors=face,
                    edgecolors=f"C{('dense', 'structured', 'unstructured').index(stage)}",
                    label=f"{stage} ({'fits' if face is None else 'over budget'})",
                )
    _floor_and_chosen(ax, budget, "effective_sparsity")
    ax.set_xlabel("multiplies removed (structured + unstructured)")
    ax.set_ylabel(f"validation {budget['accuracy']['metric']} (bit-accurate fixed point)")
    ax.set_title(f"{budget['board']}: accuracy vs sparsity")
    return _finish(fig, ax, "lower left")


def plot_pareto(budget: JsonObject) -> bytes:
    """Validation (and, on the front, test) metric of every design tried against its cost; the front
    joined by a line, the chosen design starred."""
    plt = pyplot()
    hist = budget["history"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for fits, face, label in ((True, "C0", "fits"), (False, "none", "over budget")):
        pts = [h for h in hist if h["fits"] is fits and not h["front"] and h["cost"] is not None]
        if pts:
            ax.scatter(
                [h["cost"] for h in pts],
                [h["val_metric"] for h in pts],
                s=14,
                facecolors=face,
                edgecolors="C0",
                alpha=0.6,
                label=f"validation ({label})",
            )
    front = sorted((h for h in hist if h["front"]), key=lambda h: h["cost"])
    if front:
        ax.plot(
            [h["cost"] for h in front],
            [h["val_metric"] for h in front],
            "-o",
            color="C3",
            markersize=4,
            label="Pareto front (validation)",
        )
        tested = [h for h in front if h.get("test_metric") is not None]
        ax.scatter(
            [h["cost"] for h in tested],
            [h["test_metric"] for h in tested],
            marker="x",
            color="C2",
            label="Pareto front (test)",
        )
    _floor_and_chosen(ax, budget, "cost")
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlabel("cost: weighted utilization of the capped budget (upper bound)")
    ax.set_ylabel(f"{budget['accuracy']['metric']} (bit-accurate fixed point)")
    ax.set_title(f"{budget['board']}: metric vs cost, every design tried")
    return _finish(fig, ax, "best")


def plot_layer_resources(budget: JsonObject) -> bytes:
    """Per-layer DSP/LUT/FF/BRAM against the capped budget (one panel per resource)."""
    plt = pyplot()
    layers = budget["per_layer"]
    names = [layer["name"] for layer in layers]
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.6))
    for ax, r in zip(axes, ("dsp", "bram18k", "lut", "ff")):
        vals = np.array([layer[r] for layer in layers], dtype=float)
        bottom = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
        for i, (v, b) in enumerate(zip(vals, bottom)):
            ax.bar([0], [v], bottom=[b], color=f"C{i % 10}", label=names[i])
        res = budget["resources"][r]
        ax.axhline(res["allowed"], color="r", linestyle="--", linewidth=1, label="cap")
        ax.set_xticks([])
        ax.set_title(f"{r.upper()}: {res['used']} / {res['allowed']}")
        ax.set_ylim(0, max(res["allowed"], res["used"], 1) * 1.15)
    axes[0].legend(fontsize=6, loc="upper left")
    fig.suptitle(f"{budget['board']}: resources by layer against the cap")
    fig.tight_layout()
    return png_bytes(fig)


def files(budget: JsonObject) -> dict[str, bytes | str]:
    """All report files of a budget, ready for ``outdir.write_tree``."""
    from fpga_prune.outdir import json_text  # noqa: PLC0415

    return {
        "budget.json": json_text(budget),
        "budget.md": render_markdown(budget),
        "accuracy_vs_sparsity.png": plot_accuracy_vs_sparsity(budget),
        "pareto.png": plot_pareto(budget),
        "layer_resources.png": plot_layer_resources(budget),
    }
