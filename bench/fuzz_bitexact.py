"""Fuzz the bit-accurate model against hls4ml's C simulation on random small networks (prints JSON).

Each network: 1-4 Dense layers of width 1-32, random fixed-point types (narrow,
unsigned, every rounding and saturation mode, explicit or hls4ml-inferred
accumulators), random reuse factors and strategies (latency/resource),
ReLU/sigmoid/linear hidden and ReLU/sigmoid/softmax/linear outputs, random
sparsity and weight scale.  Inputs are raw integers of the input type: uniform
over its whole range, small values, and edge rows (min, max, 0, +-1 LSB).

The reference is hls4ml's own firmware (``ModelGraph.write()``) compiled with
g++ against the ap_types it ships, driven with the raw bit patterns (as the
generated project's testbench does).  The model is ``fpga_prune.arith.emulate`` on
``hls_adapter.network_from_hls``; ``network_from_keras`` (the search's fast
path) must build the same network: a difference (``ir_differs``) is a
failure, like a mismatch, since the search would cost and score one design
and build another.

Compiles are the cost (~2 s of CPU each): a precompiled header of ap_types and
nnet_utils is built once, compiles run ``--jobs`` at a time while the next
networks are converted.  Why not several networks per binary: hls4ml's
headers put every type and config in the global namespace; a per-network
executable with the shared precompiled header is as fast and stays simple.

    PYTHONPATH=$PWD python bench/fuzz_bitexact.py --networks 200 --seed 1 --vectors 300 --out /tmp/fuzz
    PYTHONPATH=$PWD python bench/fuzz_bitexact.py --replay /tmp/fuzz/net-1-0042

A failing network (mismatch, error or IR difference) is saved under ``--out`` as
``net-<seed>-<index>/`` (``model.h5``, ``settings.json``, ``inputs_raw.dat``,
``case.json``) for replay.  Exit status 1 on any failure.
"""

from __future__ import annotations

import os

for _v in (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "TF_NUM_INTRAOP_THREADS",
):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from concurrent.futures import Future, ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import fpga_prune  # noqa: E402,F401  (legacy Keras first)
from fpga_prune.arith import emulate  # noqa: E402
from fpga_prune.arith.fixed import OVERFLOW_MODES, QUANT_MODES, FixedType  # noqa: E402
from fpga_prune.hls import adapter as ha  # noqa: E402
from fpga_prune.hls.settings import SOFTMAX_IMPLEMENTATIONS, HlsSettings  # noqa: E402

#: the multiplier strategies, any reuse factor; distributed_arithmetic (reuse factor 1 only, its
#: generated adder-graph C++ compiles far slower) is checked against C sim in tests/test_da.py instead
STRATEGIES = ("latency", "resource")
from fpga_prune.arith.ir import FixedNetwork  # noqa: E402
from fpga_prune.flow.generate import parse_top_header  # noqa: E402

#: -O0: correctness only (300 vectors run in milliseconds); with the precompiled header a network
#: builds in 1.9 s of CPU at -O0, 2.3 s at -O1, 2.8-3.0 s without the header (measured, g++ 12)
CXXFLAGS = ("-O0", "-std=c++14")
TOP = "myproject"
INPUT_NAME = "x_in"
HIDDEN_ACTS = ("relu", "relu", "relu", "linear", "sigmoid")
OUTPUT_ACTS = ("relu", "sigmoid", "softmax", "linear")
TABLE_SIZES = (64, 128, 256, 512, 1024, 2048)

_PRE_H = """// fpga_prune fuzz: every header the networks' firmware includes, precompiled once.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"
#include "nnet_utils/nnet_types.h"
#include "nnet_utils/nnet_code_gen.h"
#include "nnet_utils/nnet_helpers.h"
#include "nnet_utils/nnet_activation.h"
#include "nnet_utils/nnet_activation_stream.h"
#include "nnet_utils/nnet_dense.h"
#include "nnet_utils/nnet_dense_compressed.h"
#include "nnet_utils/nnet_dense_stream.h"
"""

_RUNNER = """// fpga_prune fuzz runner: raw bit patterns in, raw bit patterns out (like the project testbench).
#include "{top}.cpp"

namespace nnet {{
bool trace_enabled = false;
std::map<std::string, void *> *trace_outputs = NULL;
size_t trace_type_size = sizeof(double);
}} // namespace nnet

int main(int argc, char **argv) {{
    std::ifstream fin(argv[1]);
    std::ofstream fout(argv[2]);
    if (!fin.is_open() || !fout.is_open()) return 2;
    long long v;
    for (;;) {{
        {in_ctype} x[{n_in}];
        {out_ctype} y[{n_out}];
        for (int i = 0; i < {n_in}; i++) {{
            if (!(fin >> v)) return i == 0 ? 0 : 3;
            {in_bits}<{in_w}> b = v;
            x[i].range({in_w} - 1, 0) = b.range({in_w} - 1, 0);
        }}
        {top}(x, y);
        for (int j = 0; j < {n_out}; j++) {{
            {out_bits}<{out_w}> b;
            b.range({out_w} - 1, 0) = y[j].range({out_w} - 1, 0);
            fout << b.to_int64() << (j + 1 < {n_out} ? " " : "\\n");
        }}
    }}
}}
"""


# ----------------------------------------------------------------------------- drawing a case
def _type(rng: np.random.Generator, *, unsigned_p: float = 0.15, wmin: int = 2, wmax: int = 20) -> str:
    """A random ap_fixed/ap_ufixed: narrow widths often, every rounding and saturation mode."""
    signed = rng.random() >= unsigned_p
    w = int(rng.integers(wmin, 9)) if rng.random() < 0.5 else int(rng.integers(wmin, wmax + 1))
    i = int(rng.integers(1 if signed else 0, w + 1))
    rnd = str(rng.choice(QUANT_MODES)) if rng.random() < 0.7 else "AP_TRN"
    sat = str(rng.choice(OVERFLOW_MODES)) if rng.random() < 0.7 else "AP_WRAP"
    return str(FixedType(signed, w, i, rnd, sat))


@dataclass(frozen=True)
class Case:
    """One drawn network: architecture + settings (the Keras weights are drawn from the same seed)."""

    seed: int
    index: int
    widths: tuple[int, ...]  # n_in, hidden..., n_out
    activations: tuple[str, ...]  # one per Dense layer
    sparsity: float
    weight_scale: float
    settings: HlsSettings

    def to_dict(self) -> dict:
        return {
            "seed": self.seed,
            "index": self.index,
            "widths": list(self.widths),
            "activations": list(self.activations),
            "sparsity": self.sparsity,
            "weight_scale": self.weight_scale,
            "settings": json.loads(self.settings.to_json()),
        }


def draw_case(seed: int, index: int) -> Case:
    rng = np.random.default_rng([seed, index])
    n_dense = int(rng.integers(1, 5))
    widths = tuple(int(w) for w in rng.integers(1, 33, size=n_dense + 1))
    out_act = str(rng.choice(OUTPUT_ACTS))
    if out_act == "softmax" and widths[-1] < 2:
        widths = widths[:-1] + (int(rng.integers(2, 9)),)
    acts = tuple(str(rng.choice(HIDDEN_ACTS)) for _ in range(n_dense - 1)) + (out_act,)
    settings = HlsSettings(
        default_precision=_type(rng, unsigned_p=0.0, wmin=4),
        strategy=str(rng.choice(STRATEGIES)),
        reuse_factor=int(rng.choice([1, 1, 2, 3, 4, 8, 16])),
        table_size=int(rng.choice(TABLE_SIZES)),
        table_type=None if rng.random() < 0.5 else _type(rng, unsigned_p=0.0, wmin=8, wmax=24),
        softmax_implementation=str(rng.choice(SOFTMAX_IMPLEMENTATIONS)),
    )
    if rng.random() < 0.7:  # the input layer's own entry (wins over HlsSettings.input_precision, drawn below)
        settings = settings.with_layer(INPUT_NAME, result=_type(rng, unsigned_p=0.25))
    for k in range(n_dense):
        name = f"fc{k + 1}"
        over: dict = {}
        for key, p in (("weight", 0.6), ("bias", 0.5), ("result", 0.5), ("accum", 0.3)):
            if rng.random() < p:
                over[key] = _type(rng, unsigned_p=0.1 if key in ("weight", "bias") else 0.2)
        if rng.random() < 0.5:
            over["strategy"] = str(rng.choice(STRATEGIES))
        if rng.random() < 0.5:
            over["reuse_factor"] = int(rng.integers(1, widths[k] * widths[k + 1] + 1))
        if over:
            settings = settings.with_layer(name, **over)
        if acts[k] in ("relu", "sigmoid", "softmax") and rng.random() < 0.6:
            act_over: dict = {"result": _type(rng, unsigned_p=0.4 if acts[k] != "softmax" else 0.2)}
            if acts[k] != "relu" and rng.random() < 0.4:
                act_over["table_size"] = int(rng.choice(TABLE_SIZES))
            settings = settings.with_layer(f"{name}_{acts[k]}", **act_over)
    sparsity = float(rng.choice([0.0, 0.0, 0.3, 0.6, 0.9]))
    weight_scale = float(rng.choice([0.25, 0.5, 1.0, 2.0, 8.0]))
    settings = _draw_translation_cases(rng, settings, acts)  # drawn last: the draws above stay as they were
    return Case(seed, index, widths, acts, sparsity, weight_scale, settings.validate("fuzz case"))


def _draw_translation_cases(rng: np.random.Generator, settings: HlsSettings, acts: tuple[str, ...]) -> HlsSettings:
    """Settings that exercise hls4ml's translation rules: a model-wide input precision, and linear activations
    (hls4ml splits ``<dense>_linear`` off every linear Dense, then drops or keeps it by its and the Dense's types)."""
    if rng.random() < 0.3:
        settings = replace(settings, input_precision=_type(rng, unsigned_p=0.25))
    for k, act in enumerate(acts):
        if act != "linear":
            continue
        name = f"fc{k + 1}"
        if rng.random() < 0.3:
            settings = settings.with_layer(f"{name}_linear", result=_type(rng, unsigned_p=0.2))
        u = rng.random()
        if u < 0.15:  # a Dense result equal to the default: its linear cast is a no-op hls4ml drops
            settings = settings.with_layer(name, result=settings.default_precision)
        elif u < 0.25 and settings.layer(f"{name}_linear").result is not None:  # equal explicit types
            settings = settings.with_layer(name, result=settings.layer(f"{name}_linear").result)
    return settings


def build_model(case: Case):
    """The Keras model of ``case`` with weights drawn from its seed (deterministic)."""
    import tensorflow as tf

    rng = np.random.default_rng([case.seed, case.index, 1])
    layers = [tf.keras.layers.Input((case.widths[0],), name=INPUT_NAME)]
    for k, act in enumerate(case.activations):
        layers.append(tf.keras.layers.Dense(case.widths[k + 1], activation=act, name=f"fc{k + 1}"))
    model = tf.keras.Sequential(layers)
    for layer in model.layers:
        w, b = layer.get_weights()
        w = rng.normal(0.0, case.weight_scale / np.sqrt(w.shape[0]), w.shape)
        w[rng.random(w.shape) < case.sparsity] = 0.0
        b = rng.normal(0.0, 0.5 * case.weight_scale, b.shape)
        layer.set_weights([w.astype(np.float32), b.astype(np.float32)])
    return model


def draw_inputs(t: FixedType, n_in: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Raw inputs: edge rows first, then uniform over the range and small magnitudes."""
    lo, hi = int(t.raw_min), int(t.raw_max)
    edges = [lo, hi, 0, min(1, hi), max(-1, lo), lo + 1, hi - 1]
    rows = [np.full(n_in, e) for e in edges]
    rows.append(np.resize(np.array([lo, hi]), n_in))
    x = np.array(rows, dtype=np.int64)
    k = max(n - len(x), 0)
    uni = rng.integers(lo, hi + 1, size=(k - k // 3, n_in), endpoint=False)
    small = np.clip(rng.normal(0, 2.0 ** min(t.frac + 1, 20), size=(k // 3, n_in)).round(), lo, hi)
    return np.concatenate([x, uni, small.astype(np.int64)])[:n]


# ----------------------------------------------------------------------------- compiling the reference
def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Compiler:
    """g++ over hls4ml's firmware with one shared precompiled header (built on first use)."""

    def __init__(self, work: Path, cxx: str = "g++") -> None:
        self.work, self.cxx = work, cxx
        self.pre = work / "pch" / "fuzz_pre.h"
        self.code_gen_sha: str | None = None

    def _ensure_pch(self, firmware: Path) -> None:
        if self.code_gen_sha is not None:
            return
        self.pre.parent.mkdir(parents=True, exist_ok=True)
        self.pre.write_text(_PRE_H)
        cmd = [
            self.cxx,
            *CXXFLAGS,
            f"-I{firmware}",
            f"-I{firmware / 'ap_types'}",
            "-x",
            "c++-header",
            str(self.pre),
            "-o",
            str(self.pre) + ".gch",
        ]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        self.code_gen_sha = _sha(firmware / "nnet_utils" / "nnet_code_gen.h")

    def command(self, prj: Path) -> list[str]:
        fw = prj / "firmware"
        self._ensure_pch(fw)
        pre = (
            ["-include", str(self.pre)] if _sha(fw / "nnet_utils" / "nnet_code_gen.h") == self.code_gen_sha else []
        )  # a project-specific code_gen header must not be shadowed by the precompiled one
        return [self.cxx, *CXXFLAGS, *pre, "-I.", "-Iap_types", "fuzz_runner.cpp", "-o", str(prj / "fuzz_runner")]


def write_runner(prj: Path, network: FixedNetwork) -> None:
    sig = parse_top_header((prj / "firmware" / f"{TOP}.h").read_text(), TOP)
    it, ot = network.input_type, network.output_type
    (prj / "firmware" / "fuzz_runner.cpp").write_text(
        _RUNNER.format(
            top=TOP,
            in_ctype=sig.input_ctype,
            out_ctype=sig.output_ctype,
            n_in=network.n_inputs,
            n_out=network.n_outputs,
            in_w=it.width,
            out_w=ot.width,
            in_bits="ap_int" if it.signed else "ap_uint",
            out_bits="ap_int" if ot.signed else "ap_uint",
        )
    )


def compile_and_run(cmd: list[str], prj: Path, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Compile (in a worker thread) and run the reference on ``x``; returns raw outputs and compile seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=prj / "firmware", capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError("g++ failed: " + " | ".join(proc.stderr.strip().splitlines()[-6:]))
    np.savetxt(prj / "inputs_raw.dat", x, fmt="%d")
    run = subprocess.run(
        [str(prj / "fuzz_runner"), str(prj / "inputs_raw.dat"), str(prj / "outputs_raw.dat")],
        cwd=prj / "firmware",
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"runner exit {run.returncode}: {run.stderr.strip()[-300:]}")
    return np.loadtxt(prj / "outputs_raw.dat", dtype=np.int64, ndmin=2), seconds


# ----------------------------------------------------------------------------- one network
def ir_difference(fast: FixedNetwork, hls: FixedNetwork) -> str:
    """'' when ``network_from_keras`` built what hls4ml built, else the first differing field."""
    a, b = json.loads(fast.to_json()), json.loads(hls.to_json())
    if a["input_type"] != b["input_type"]:
        return f"input_type {a['input_type']} vs hls4ml {b['input_type']}"
    for la, lb in zip(a["layers"], b["layers"]):
        if la["name"] != lb["name"]:
            return f"layer {la['name']} vs hls4ml {lb['name']}"
        for k in sorted(la):
            if la[k] != lb.get(k):
                return f"{la['name']}.{k}: {str(la[k])[:60]} vs hls4ml {str(lb.get(k))[:60]}"
    return "" if len(a["layers"]) == len(b["layers"]) else f"layers: {len(a['layers'])} vs hls4ml {len(b['layers'])}"


@dataclass
class Pending:
    case: Case
    model: object
    network: FixedNetwork
    x: np.ndarray
    prj: Path
    ir_differs: str
    future: Future


def prepare(
    case: Case, model, x: np.ndarray | None, vectors: int, work: Path, compiler: Compiler, pool: ThreadPoolExecutor
) -> Pending:
    prj = work / f"net-{case.seed}-{case.index:04d}"
    shutil.rmtree(prj, ignore_errors=True)
    with contextlib.redirect_stdout(sys.stderr):  # hls4ml prints its warnings; stdout is the JSON
        hm = ha.convert(model, case.settings, prj)
        hm.write()
        network = ha.network_from_hls(hm, name=TOP)
        ir_differs = ir_difference(ha.network_from_keras(model, case.settings, name=TOP), network)
    if x is None:
        x = draw_inputs(
            network.input_type, network.n_inputs, vectors, np.random.default_rng([case.seed, case.index, 2])
        )
    write_runner(prj, network)
    fut = pool.submit(compile_and_run, compiler.command(prj), prj, x)
    return Pending(case, model, network, x, prj, ir_differs, fut)


def finish(p: Pending, out: Path | None, keep: bool, save_all: bool = False) -> dict:
    """Compare; save the network for replay when it fails."""
    rec: dict = {
        "index": p.case.index,
        "widths": list(p.case.widths),
        "activations": list(p.case.activations),
        "vectors": 0,
        "mismatches": 0,
    }
    if p.ir_differs:
        rec["ir_differs"] = p.ir_differs
    try:
        ref, secs = p.future.result()
        rec["compile_seconds"] = round(secs, 2)
        got = emulate.predict_raw(p.network, p.x)
        if ref.shape != got.shape:
            raise RuntimeError(f"reference produced {ref.shape}, model {got.shape}")
        bad = np.flatnonzero((ref != got).any(axis=1))
        rec["vectors"], rec["mismatches"] = len(p.x), len(bad)
        rec["first"] = [
            {"vector": int(i), "input": p.x[i].tolist(), "csim": ref[i].tolist(), "model": got[i].tolist()}
            for i in bad[:3]
        ]
        if not rec["first"]:
            del rec["first"]
    except Exception as exc:
        rec["error"] = f"{type(exc).__name__}: {exc}"[:600]
    if out is not None and (save_all or rec["mismatches"] or "error" in rec or "ir_differs" in rec):
        rec["saved"] = str(save_case(out, p, rec))
    if not keep:
        shutil.rmtree(p.prj, ignore_errors=True)
    return rec


def save_case(out: Path, p: Pending, rec: dict) -> Path:
    from fpga_prune.outdir import staged_dir

    target = out / p.prj.name
    with staged_dir(target) as d:
        p.model.save(d / "model.h5", save_format="h5", include_optimizer=False)
        (d / "settings.json").write_text(p.case.settings.to_json())
        np.savetxt(d / "inputs_raw.dat", p.x, fmt="%d")
        (d / "network.json").write_text(p.network.to_json())
        (d / "case.json").write_text(
            json.dumps({"case": p.case.to_dict(), "result": rec}, indent=1, sort_keys=True) + "\n"
        )
    return target


# ----------------------------------------------------------------------------- drivers
class _Records(list):
    """The per-network records, also appended to ``progress-<seed>.jsonl`` (a killed run keeps its figures)."""

    def __init__(self, path: Path | None) -> None:
        super().__init__()
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")

    def append(self, rec: dict) -> None:
        super().append(rec)
        if self.path is not None:
            with self.path.open("a") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")


def fuzz(
    networks: int,
    seed: int,
    vectors: int,
    out: Path | None,
    jobs: int = 2,
    keep: bool = False,
    start: int = 0,
    save_all: bool = False,
) -> dict:
    import hls4ml

    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="fpga_prune_fuzz_"))
    compiler = Compiler(work)
    records = _Records(None if out is None else out / f"progress-{seed}.jsonl")
    pending: list[Pending] = []
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for index in range(start, start + networks):
                case = draw_case(seed, index)
                try:
                    pending.append(prepare(case, build_model(case), None, vectors, work, compiler, pool))
                except Exception as exc:
                    records.append(
                        {
                            "index": index,
                            "vectors": 0,
                            "mismatches": 0,
                            "error": f"prepare: {type(exc).__name__}: {exc}"[:600],
                            "case": case.to_dict(),
                            "where": traceback.format_exc(limit=-2).strip().splitlines()[-3:],
                        }
                    )
                while len(pending) > jobs or (pending and pending[0].future.done()):
                    records.append(finish(pending.pop(0), out, keep, save_all))
            while pending:
                records.append(finish(pending.pop(0), out, keep, save_all))
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    machine = {
        "cpus": os.cpu_count(),
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "jobs": jobs,
        "hls4ml": hls4ml.__version__,
        "cxx": _cxx_version(),
        "cxxflags": " ".join(CXXFLAGS),
    }
    return summary(list(records), time.perf_counter() - t0, {"seed": seed, "machine": machine})


def _cxx_version(cxx: str = "g++") -> str:
    try:
        return subprocess.run([cxx, "--version"], capture_output=True, text=True, check=False).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def summary(records: list[dict], seconds: float, extra: dict) -> dict:
    records = sorted(records, key=lambda r: r["index"])
    failures = [r for r in records if r["mismatches"] or "error" in r or r.get("ir_differs")]
    kinds: dict[str, int] = {}
    for r in records:
        if r.get("ir_differs"):
            key = r["ir_differs"].split(":")[0].split(" ")[0]
            key = key.split(".", 1)[1] if "." in key else key
            kinds[key] = kinds.get(key, 0) + 1
    return {
        **extra,
        "networks": len(records),
        "vectors": sum(r["vectors"] for r in records),
        "mismatches": sum(r["mismatches"] for r in records),
        "mismatching_networks": sum(1 for r in records if r["mismatches"]),
        "ir_differences": sum(1 for r in records if r.get("ir_differs")),
        "ir_difference_fields": dict(sorted(kinds.items())),
        "ir_difference_examples": [
            {"index": r["index"], "diff": r["ir_differs"]} for r in records if r.get("ir_differs")
        ][:8],
        "errors": sum(1 for r in records if "error" in r),
        "seconds": round(seconds, 1),
        "compile_seconds": round(sum(r.get("compile_seconds", 0.0) for r in records), 1),
        "failures": failures,
    }


def replay(path: Path, keep: bool = False) -> dict:
    """Re-run one saved network (its model, settings and inputs) against a fresh C simulation."""
    import tensorflow as tf

    path = Path(path)
    meta = json.loads((path / "case.json").read_text())["case"]
    settings = HlsSettings.from_json((path / "settings.json").read_text(), source=str(path / "settings.json"))
    case = Case(
        int(meta["seed"]),
        int(meta["index"]),
        tuple(meta["widths"]),
        tuple(meta["activations"]),
        float(meta["sparsity"]),
        float(meta["weight_scale"]),
        settings,
    )
    model = tf.keras.models.load_model(path / "model.h5", compile=False)
    x = np.loadtxt(path / "inputs_raw.dat", dtype=np.int64, ndmin=2)
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="fpga_prune_fuzz_"))
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            rec = finish(prepare(case, model, x, len(x), work, Compiler(work), pool), None, keep)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return summary([rec], time.perf_counter() - t0, {"replay": str(path)})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--networks", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vectors", type=int, default=300, help="input vectors per network")
    ap.add_argument("--start", type=int, default=0, help="first network index (to split a run)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel compiles")
    ap.add_argument("--out", type=Path, help="directory for mismatching networks (replay files)")
    ap.add_argument("--replay", type=Path, metavar="PATH", help="re-run one saved network")
    ap.add_argument("--keep", action="store_true", help="keep the hls4ml projects (debugging)")
    ap.add_argument("--save-all", action="store_true", help="save every network under --out, not only failures")
    args = ap.parse_args(argv)
    if args.replay is not None:
        res = replay(args.replay, keep=args.keep)
    else:
        res = fuzz(
            args.networks,
            args.seed,
            args.vectors,
            args.out,
            jobs=args.jobs,
            keep=args.keep,
            start=args.start,
            save_all=args.save_all,
        )
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"summary-{args.seed}.json").write_text(json.dumps(res, indent=1, sort_keys=True) + "\n")
    json.dump(res, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return exit_status(res)


def exit_status(res: dict) -> int:
    """1 when any network mismatched, failed, or was built differently by ``network_from_keras``."""
    return 0 if res["mismatches"] == 0 and res["errors"] == 0 and res["ir_differences"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
