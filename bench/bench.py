"""All benchmarks in one run, one JSON document on stdout.

    python bench/bench.py [--data CSV] [--out results.json] [--skip baselines,...]

Each part runs in its own process (so TensorFlow, BLAS threads and compilers
do not disturb each other's numbers) and is recorded with its wall time and
peak memory (max RSS).  The parts:

* ``data``       load + validate the shared candles
* ``train``      ``fpga-prune train`` (target: < 2 min on 2 cores)
* ``prune``      ``fpga-prune prune`` for pynq-z2, arty-a7-100t, zcu104 (< 5 min each)
* ``run``        ``fpga-prune run --board pynq-z2`` end to end (< 10 min)
* ``estimate``   estimator calls/s (bench_estimate.py)
* ``fixed``      ap_fixed casts/s (bench_fixed.py)
* ``emulate``    bit-accurate model vs hls4ml C simulation inferences/s (bench_emulate.py)
* ``keras``      Keras predict inferences/s of the same default model
* ``sim``        verify 5,000 vectors under Verilator and Icarus, build included (< 60 s)
* ``baselines``  DSP and out-of-sample AUC: prune-to-fit vs TF-MOT vs hls4ml dsp_aware_pruning
* ``sweep``      sweep points/hour for 1 and 2 local workers and local Ray, task-duration profile and the
                 projected cluster speed-up (bench_sweep.py, small settings)
* ``objective``  cheapest design at test retention >= 0.98 (LUT + 100 DSP + 200 BRAM_18K): fpga_prune's
                 objectives, per-layer precision and DA vs TF-MOT and dsp_aware_pruning (bench_objective.py)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BOARDS = ("pynq-z2", "arty-a7-100t", "zcu104")

KERAS = r"""
import json, sys, time
import fpga_prune
import numpy as np
from fpga_prune.model.training import load_bundle
b = load_bundle(sys.argv[1])
x = np.random.default_rng(0).normal(size=(100_000, b.model.input_shape[-1])).astype("float32")
b.model.predict(x[:1000], batch_size=4096, verbose=0)
t = time.perf_counter(); b.model.predict(x, batch_size=4096, verbose=0); dt = time.perf_counter() - t
print(json.dumps({"vectors": len(x), "batch_size": 4096, "inferences_per_s": round(len(x) / dt)}))
"""


def shared_csv() -> Path:
    from fpga_prune.data import shared_csv as find

    try:
        return find(REPO)
    except FileNotFoundError as exc:
        sys.exit(f"bench: {exc} or pass --data")


def emit(doc: dict, out: Path | None, *, indent: int = 2, stream=None) -> None:
    """Print a bench's one JSON document (to ``stream``, default stdout) and write it to ``out`` too."""
    text = json.dumps(doc, indent=indent, sort_keys=True, default=str)
    print(text, file=stream or sys.stdout)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")


def measure(cmd: list[str], *, parse_json: bool) -> dict:
    """Run ``cmd``; wall seconds, its own peak RSS (MiB) and its JSON output."""
    print(f"[bench] {' '.join(cmd)}", file=sys.stderr, flush=True)
    with tempfile.TemporaryFile("w+") as fout, tempfile.TemporaryFile("w+") as ferr:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, text=True, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)  # reap it ourselves: rusage of this child only
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        ferr.seek(0)
        out, err = fout.read(), ferr.read()
    rec: dict = {
        "seconds": round(seconds, 1),
        "exit": proc.returncode,
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
    }  # ru_maxrss is KiB on Linux
    if proc.returncode != 0:
        rec["error"] = (err or out).strip().splitlines()[-3:]
    if parse_json and out.strip():
        text = out.strip()
        try:
            rec["result"] = json.loads(text)
        except json.JSONDecodeError:
            rec["result"] = json.loads(text.splitlines()[-1])
    return rec


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="candle CSV (default: $FPGA_PRUNE_DATA or ../shared/data/bybit)")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip")
    args = ap.parse_args()
    data = args.data or shared_csv()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    py = sys.executable
    cli = shutil.which("fpga-prune") or "fpga-prune"
    work = Path(tempfile.mkdtemp(prefix="fpga_prune_bench_"))
    doc: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
        },
        "data": str(data),
    }
    try:
        parts = doc["parts"] = {}
        if "data" not in skip:
            parts["data"] = measure([cli, "data", "--data", str(data), "--json"], parse_json=True)
        model = work / "model"
        parts["train"] = measure(
            [cli, "train", "--data", str(data), "--out", str(model), "--json", "--quiet"], parse_json=True
        )
        if "prune" not in skip:
            parts["prune"] = {
                b: measure(
                    [
                        cli,
                        "prune",
                        "--model",
                        str(model),
                        "--board",
                        b,
                        "--data",
                        str(data),
                        "--out",
                        str(work / f"pruned-{b}"),
                        "--json",
                    ],
                    parse_json=True,
                )
                for b in BOARDS
            }
        if "run" not in skip:
            parts["run"] = measure(
                [
                    cli,
                    "run",
                    "--board",
                    "pynq-z2",
                    "--data",
                    str(data),
                    "--out",
                    str(work / "run"),
                    "--json",
                    "--quiet",
                ],
                parse_json=True,
            )
        if "estimate" not in skip:
            parts["estimate"] = measure([py, str(HERE / "bench_estimate.py")], parse_json=True)
        if "fixed" not in skip:
            parts["fixed"] = measure([py, str(HERE / "bench_fixed.py")], parse_json=True)
        if "emulate" not in skip:
            parts["emulate"] = measure([py, str(HERE / "bench_emulate.py")], parse_json=True)
        if "keras" not in skip:
            parts["keras"] = measure([py, "-c", KERAS, str(model)], parse_json=True)
        if "sim" not in skip:
            parts["sim"] = {
                s: measure([py, str(HERE / "bench_sim.py"), "--sim", s, "--vectors", "5000"], parse_json=True)
                for s in ("verilator", "icarus")
            }
        if "sweep" not in skip:
            parts["sweep"] = measure([py, str(HERE / "bench_sweep.py"), "--data", str(data)], parse_json=True)
        if "baselines" not in skip:
            parts["baselines"] = measure(
                [py, str(HERE / "bench_baselines.py"), "--data", str(data), "--model", str(model)], parse_json=True
            )
        if "objective" not in skip:
            parts["objective"] = measure(
                [py, str(HERE / "bench_objective.py"), "--data", str(data), "--model", str(model)], parse_json=True
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    emit(doc, args.out)
    failed = [
        k
        for k, v in doc["parts"].items()
        if (v.get("exit") if "exit" in v else max(x.get("exit", 0) for x in v.values()))
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
