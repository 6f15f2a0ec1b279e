"""The sweep report: ``sweep.json`` for machines, ``sweep.md`` and a self-contained ``sweep.html``.

Why from the point directories only: each point's ``report.json`` (its
summary row, the same numbers ``run`` reports) and ``pruned/budget.json``
(every design the search tried) are the single source of each number, and
a resumed sweep must report exactly what a fresh one does.  No timings, hosts
or executor names: the same points give byte-identical reports whichever
executor ran them (timings live in each point's and group's ``run.json``).

Per board, a Pareto plot of validation accuracy against resources: each
design tried is placed at its binding resource (the largest used/allowed
over DSP, LUT, FF, BRAM_18K), so "left of 1.0" means it fits the caps.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fpga_prune.outdir import try_read_json
from fpga_prune.report.run import SUMMARY_RESOURCES

SWEEP_FORMAT = "fpga_prune.sweep/1"
PLOTS_DIR = "plots"


def binding_fraction(design: Mapping[str, Any], resources: Mapping[str, Any]) -> float:
    """The largest used/allowed over the summary resources (> 1: over a cap)."""
    return max(design[r] / max(resources[r]["allowed"], 1) for r in SUMMARY_RESOURCES)


def pareto_front(designs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Designs no other design beats on both axes (fewer resources, higher accuracy), by resources."""
    ordered = sorted(designs, key=lambda d: (d["resource"], -d["val_metric"], d["point"], d["index"]))
    front, best = [], float("-inf")
    for d in ordered:
        if d["val_metric"] > best:
            front.append(d)
            best = d["val_metric"]
    return front


def point_row(point, status) -> dict[str, Any]:
    """One line of the comparison table, from the point's own report (None fields when it did not run)."""
    rep = (
        try_read_json(point.cfg.out / "report.json")
        if status.status in ("done", "skipped") or (point.cfg.out / "report.json").is_file()
        else None
    )
    row = ((rep or {}).get("summary") or {}).get("boards") or [{}]
    # done and skipped (resumed) are the same result: the report must not tell them apart
    shown = "completed" if status.status in ("done", "skipped") else status.status
    return {
        "point": point.id,
        "values": dict(point.values),
        "group": point.group,
        "status": shown,
        "message": status.message,
        "board": point.cfg.boards[0].name,
        **{k: v for k, v in row[0].items() if k not in ("board", "statuses")},
    }


def designs_tried(point) -> list[dict[str, Any]]:
    budget = try_read_json(point.cfg.out / "pruned" / "budget.json")
    if not budget:
        return []
    chosen = budget["design"]["index"]
    return [
        {
            "point": point.id,
            "index": h["index"],
            "stage": h["stage"],
            "resource": round(binding_fraction(h, budget["resources"]), 6),
            "val_metric": h["val_metric"],
            "fits": h["fits"],
            "meets_floor": h["meets_floor"],
            "chosen": h["index"] == chosen,
        }
        for h in budget.get("history", [])
    ]


def plot_pareto(
    board: str, designs: Sequence[Mapping[str, Any]], front: Sequence[Mapping[str, Any]], metric: str
) -> bytes:
    from fpga_prune.search.budget import png_bytes, pyplot  # noqa: PLC0415

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    points = sorted({d["point"] for d in designs})
    for i, pid in enumerate(points):
        mine = [d for d in designs if d["point"] == pid]
        ax.scatter(
            [d["resource"] for d in mine],
            [d["val_metric"] for d in mine],
            s=18,
            color=f"C{i % 10}",
            alpha=0.75,
            label=pid,
        )
        chosen = [d for d in mine if d["chosen"]]
        ax.scatter(
            [d["resource"] for d in chosen],
            [d["val_metric"] for d in chosen],
            s=110,
            marker="*",
            color=f"C{i % 10}",
            edgecolors="k",
            linewidths=0.6,
        )
    ax.step(
        [d["resource"] for d in front],
        [d["val_metric"] for d in front],
        where="post",
        color="k",
        linewidth=1,
        label="Pareto front",
    )
    ax.axvline(1.0, color="r", linestyle="--", linewidth=1, label="cap")
    ax.set_xscale("log")
    ax.set_xlabel("binding resource: max used / allowed (DSP, LUT, FF, BRAM_18K)")
    ax.set_ylabel(f"validation {metric}")
    ax.set_title(f"{board}: every design tried (star: chosen)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    return png_bytes(fig)


def build(points: Sequence, statuses: Mapping[str, Any], grid=None) -> dict[str, Any]:
    """sweep.json (with the plot bytes under ``_plot_bytes``) from the point directories."""
    rows = [point_row(p, statuses[p.id]) for p in points]
    metric = next((r["accuracy"]["metric"] for r in rows if r.get("accuracy")), "roc_auc")
    boards: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        boards.setdefault(p.cfg.boards[0].name, []).extend(designs_tried(p))
    pareto, plots = {}, {}
    for board in sorted(boards):
        designs = boards[board]
        if not designs:
            continue
        front = pareto_front(designs)
        pareto[board] = [
            {k: d[k] for k in ("point", "index", "stage", "resource", "val_metric", "fits")} for d in front
        ]
        plots[f"pareto_{board}.png"] = plot_pareto(board, designs, front, metric)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("completed", "failed", "not run")}
    return {
        "format": SWEEP_FORMAT,
        "grid": {name: list(vals) for name, vals in (grid.axes if grid else ())},
        "points": rows,
        "summary": {
            "points": len(rows),
            **counts,
            "metric": metric,
            "fits": sum(1 for r in rows if r.get("fits")),
            "groups": len({p.group for p in points}),
        },
        "pareto": pareto,
        "plots": {name: f"{PLOTS_DIR}/{name}" for name in sorted(plots)},
        "_plot_bytes": plots,
    }


def render_files(doc: Mapping[str, Any]) -> dict[str, bytes | str]:
    from fpga_prune.templating import render  # noqa: PLC0415

    plots: dict[str, bytes] = doc.get("_plot_bytes", {})
    public = {k: v for k, v in doc.items() if not k.startswith("_")}
    ctx = {"s": public, "summary_resources": SUMMARY_RESOURCES}
    uris = {name: "data:image/png;base64," + base64.b64encode(data).decode("ascii") for name, data in plots.items()}
    files: dict[str, bytes | str] = {
        "sweep.json": json.dumps(public, indent=2, sort_keys=True, allow_nan=False) + "\n",
        "sweep.md": render("reports/sweep.md.j2", ctx),
        "sweep.html": render("reports/sweep.html.j2", {**ctx, "img": uris}),
    }
    for name, data in plots.items():
        files[f"{PLOTS_DIR}/{name}"] = data
    return files


def write(out: Path, doc: Mapping[str, Any]) -> None:
    """Every sweep report file, each replaced whole (plots first, reports last)."""
    from fpga_prune.outdir import write_bytes_atomic  # noqa: PLC0415

    files = render_files(doc)
    for rel in sorted(files, key=lambda k: (k.startswith("sweep."), k)):
        data = files[rel]
        write_bytes_atomic(Path(out) / rel, data.encode("utf-8") if isinstance(data, str) else data)


__all__ = ["SWEEP_FORMAT", "build", "write", "render_files", "pareto_front", "binding_fraction"]
