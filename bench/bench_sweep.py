"""Sweep throughput (points per hour) per executor, and the task-duration profile that projects a cluster.

    python bench/bench_sweep.py [--data CSV] [--boards pynq-z2,arty-a7-100t] [--modes local1,local2,ray]
                                [--full] [--out FILE.json]

Each mode runs the same fresh sweep (``fpga-prune sweep --board B1,B2 ...``)
in its own process: ``local1`` / ``local2`` are the local executor with 1 and
2 worker processes (``local1`` is the serial baseline), ``ray`` a private
local Ray instance.  Default settings are small (hidden 8, 3 epochs, 100+8
vectors, Icarus) so the whole bench takes minutes; ``--full`` uses the
default model and vectors (``--boards all --modes local1,local2 --full`` is
``run --board all`` serial against parallel).

The profile is read from the run records of the ``local1`` sweep: seconds
per step kind (data, train, prune, generate, verify).  The projection for W
cluster workers list-schedules the two levels of the sweep's DAG (the
trainings, then one prune/generate/verify task per point) and adds the
driver's own time (start-up, data step, publishing, reports) measured as
the ``local1`` wall time minus its task time.  It assumes tasks of the same
kind take the same time and ignores transfer time (a point moves ~3 MB).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import emit, measure, shared_csv  # noqa: E402

SMALL = ["--hidden", "8", "--epochs", "3", "--n-boot", "50", "--vectors", "100", "--stress", "8", "--sim", "icarus"]
MODES = {"local1": ["--workers", "1"], "local2": ["--workers", "2"], "ray": ["--executor", "ray"]}
POINT_KINDS = ("prune", "generate", "verify")


#: point files that carry timings or machine paths by design (run.json, verify.*) or simulator builds
_VARYING = ("run.json", "project/verify.json", "project/verify.xml", "project/build/")


def results(out: Path) -> dict:
    """What the sweep decided, per point (a digest of every artifact but timings, paths made relative)
    plus sweep.json's own digest: equal dicts mean byte-identical results."""
    import hashlib

    points = {}
    for point in sorted(p for p in (out / "points").iterdir() if p.is_dir()):
        h = hashlib.sha256()
        for f in sorted(point.rglob("*")):
            rel = f.relative_to(point).as_posix()
            if f.is_file() and not rel.startswith(_VARYING):
                h.update(rel.encode() + b"\0" + f.read_bytes().replace(str(out).encode(), b"<OUT>") + b"\n")
        points[point.name] = h.hexdigest()[:16]
    sweep = (out / "sweep.json").read_bytes().replace(str(out).encode(), b"<OUT>")
    rows = {
        r["board"]: {
            "fits": r.get("fits"),
            "used": {k: (v or {}).get("used") for k, v in (r.get("resources") or {}).items()},
            "allowed": {k: (v or {}).get("allowed") for k, v in (r.get("resources") or {}).items()},
            "latency_ns": r.get("latency_ns"),
            "accuracy": r.get("accuracy"),
            "mismatches": r.get("mismatches"),
        }
        for r in json.loads(sweep)["points"]
    }
    return {"points": points, "sweep_json": hashlib.sha256(sweep).hexdigest()[:16], "boards": rows}


def profile(out: Path) -> dict:
    """Seconds per step kind over every group and point of a finished sweep."""
    kinds: dict[str, list[float]] = {}
    per_point, per_group = [], []
    for run_json in sorted(out.glob("groups/*/run.json")) + sorted(out.glob("points/*/run.json")):
        steps = json.loads(run_json.read_text())["steps"]
        total = 0.0
        for s in steps:
            if s["status"] != "done" or s["seconds"] <= 0:
                continue
            kind = s["name"].split("[", 1)[0]
            if run_json.parent.parent.name == "points" and kind not in POINT_KINDS:
                continue  # data/train of a point are the group's, published, not rerun
            kinds.setdefault(kind, []).append(s["seconds"])
            total += s["seconds"]
        (per_group if run_json.parent.parent.name == "groups" else per_point).append(total)
    return {
        "kinds": {
            k: {"n": len(v), "mean_s": round(sum(v) / len(v), 2), "total_s": round(sum(v), 1)}
            for k, v in sorted(kinds.items())
        },
        "group_task_s": per_group,
        "point_task_s": per_point,
    }


def project(prof: dict, wall_serial: float, workers=(1, 2, 4, 8, 16, 32)) -> dict:
    g, p = prof["group_task_s"], prof["point_task_s"]
    tasks = sum(g) + sum(p)
    driver = max(0.0, wall_serial - tasks)
    mean_g = sum(g) / len(g) if g else 0.0
    mean_p = sum(p) / len(p) if p else 0.0
    out = {"driver_s": round(driver, 1), "tasks_s": round(tasks, 1)}
    for w in workers:
        makespan = driver + math.ceil(len(g) / w) * mean_g + math.ceil(len(p) / w) * mean_p
        out[str(w)] = {
            "wall_s": round(makespan, 1),
            "speedup": round(wall_serial / makespan, 2),
            "points_per_hour": round(len(p) / makespan * 3600, 1),
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--boards", default="pynq-z2,arty-a7-100t")
    ap.add_argument("--modes", default="local1,local2,ray")
    ap.add_argument("--full", action="store_true", help="default model and vectors instead of the small settings")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    data = args.data or shared_csv()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad:
        sys.exit(f"bench_sweep: unknown mode {bad[0]!r}; valid: {', '.join(MODES)}")
    work = Path(tempfile.mkdtemp(prefix="fpga_prune_bench_sweep_"))
    doc: dict = {
        "machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg()},
        "boards": args.boards,
        "settings": "full" if args.full else "small",
        "modes": {},
    }
    try:
        for mode in modes:
            out = work / mode
            cmd = [
                sys.executable,
                "-m",
                "fpga_prune.cli",
                "sweep",
                "--board",
                args.boards,
                "--data",
                str(data),
                "--out",
                str(out),
                "--json",
                *([] if args.full else SMALL),
                *MODES[mode],
            ]
            rec = measure(cmd, parse_json=True)
            summary = rec.pop("result", {}) or {}
            points = summary.get("completed", 0)
            rec.update(
                {
                    "points": points,
                    "points_per_hour": round(points / rec["seconds"] * 3600, 1) if rec["seconds"] else None,
                    "profile": profile(out),
                    "results": results(out),
                }
            )
            doc["modes"][mode] = rec
        base = doc["modes"].get("local1")
        if base and base["exit"] == 0:
            doc["projection"] = project(base["profile"], base["seconds"])
            for rec in doc["modes"].values():
                rec["speedup_vs_local1"] = round(base["seconds"] / rec["seconds"], 2) if rec["seconds"] else None
                rec["same_results_as_local1"] = rec["results"] == base["results"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    emit(doc, args.out)
    return 1 if any(r["exit"] for r in doc["modes"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
