"""The bit-accurate model against the C simulation of other people's hls4ml projects; prints JSON.

    python bench/bench_foreign_verify.py DIR... [--vectors 1000]

Each DIR is a synthesized or plain hls4ml project (firmware with its own
``nnet_utils``), e.g. public projects found with the search tools and kept
outside this repository.  For each: ``fpga-prune verify DIR --json --vectors N``
on a scratch copy (verify writes its build products into the project), i.e.
N inputs drawn over the project's input type through its own firmware compiled
by g++, against ``fpga_prune.arith.emulate`` of the imported network, per layer.
A project the importer refuses is reported with its one-line error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def verify(project: Path, vectors: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / project.name
        shutil.copytree(project, copy, ignore=shutil.ignore_patterns("*_prj", "build"))
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "fpga_prune.cli", "verify", str(copy), "--json", "--vectors", str(vectors)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = round(time.perf_counter() - t0, 1)
    if r.returncode == 2:
        return {
            "status": "refused",
            "error": r.stderr.strip().splitlines()[-1].replace(str(copy), project.name),
            "seconds": seconds,
        }
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    model = checks.get("bit_accurate_model", {})
    return {
        "status": "compared" if model.get("modelled") else "not_modelled",
        "exit_code": r.returncode,
        "vectors": model.get("vectors"),
        "mismatches": model.get("mismatches"),
        "layers": len(model.get("layers", [])),
        "first_disagreeing_layer": next(
            (x["layer"] for x in model.get("layers", []) if x.get("disagreeing_vectors")), None
        ),
        "seconds": seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--vectors", type=int, default=1000)
    args = ap.parse_args()
    results = {d.name: verify(d, args.vectors) for d in sorted(args.dirs)}
    compared = [v for v in results.values() if v["status"] == "compared"]
    out = {
        "benchmark": "foreign_project_bit_accuracy",
        "vectors_per_project": args.vectors,
        "projects": len(results),
        "compared": len(compared),
        "mismatching_projects": sum(1 for v in compared if v["mismatches"]),
        "results": results,
    }
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
