"""``generate``: a pruned model + a board -> a complete, verified Vitis HLS project.

Why the project is built in memory: hls4ml writes into a directory and stamps
it (a random library stamp, absolute paths, a re-saved Keras file).  We let it
write into a temporary directory, copy the files a project needs with every
stamp normalised, add our own files (all rendered from
``hls_templates/project/*.j2``), and publish the tree in one step with
``outdir.staged_dir``: the same inputs give a byte-identical tree, and a
failure leaves nothing half-written.

Why the C simulation compiles *the project as written*: the check must prove
that the files a user gets (firmware + our testbench + our vectors) compute
what the bit-accurate model computes, bit for bit, on every vector, not that
some in-process hls4ml object does.  ``make csim`` in the project runs the
very same compile and comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from fpga_prune.errors import CheckFailed, InputError

PROJECT_FORMAT = "fpga_prune.project/1"
DEFAULT_VECTORS = 5000
DEFAULT_STRESS = 256
CXXFLAGS = "-O2 -std=c++14"
#: Files hls4ml writes that must not enter the project: the re-saved Keras model
#: (non-deterministic zip), the YAML with absolute paths and the library stamp,
#: and its empty tb_data (ours replaces it).
_HLS4ML_SKIP = re.compile(r"^(keras_model\.keras|hls4ml_config\.yml|tb_data/.*|.*\.so|.*\.o|.*\.tar\.gz)$")
TOOL_PACKAGES = ("fpga-prune", "hls4ml", "tensorflow", "tf-keras", "qkeras", "numpy")


@dataclass(frozen=True)
class GenerateOptions:
    """What ``generate`` does besides writing the project."""

    vectors: int = DEFAULT_VECTORS
    stress: int = DEFAULT_STRESS
    check: bool = True
    synth: bool = False
    yosys: bool = False
    top: str = "myproject"
    seed: int = 0
    max_listed: int = 10
    clock_uncertainty: str = "12.5%"

    def validate(self) -> GenerateOptions:
        if self.vectors < 1:
            raise InputError("--vectors", None, f"must be >= 1, got {self.vectors}")
        if self.stress < 0:
            raise InputError("--stress", None, f"must be >= 0, got {self.stress}")
        if self.top != "myproject":
            # hls4ml names the top itself; renaming it would need its config dict outside hls_adapter.
            raise InputError("GenerateOptions", "top", f"only hls4ml's 'myproject' is supported, got {self.top!r}")
        if self.max_listed < 1:
            raise InputError("--max-listed", None, f"must be >= 1, got {self.max_listed}")
        return self


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True, eq=False)
class PrunedModel:
    """A model directory as ``prune`` (or ``train``) wrote it, with its hashes."""

    directory: Path
    bundle: Any  # fpga_prune.model.Bundle
    settings: Any  # fpga_prune.hls_adapter.HlsSettings
    settings_source: str
    budget: dict | None
    file_hashes: dict[str, str]
    data_hint: str | None

    @property
    def model_sha256(self) -> str:
        """One hash over every input file that defines the design (sorted name + sha256)."""
        h = hashlib.sha256()
        for name, digest in sorted(self.file_hashes.items()):
            h.update(f"{name}\0{digest}\n".encode())
        return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _metrics_source(directory: Path) -> tuple[str | None, str | None]:
    """(data source, pruned_from) named by ``directory/metrics.json``."""
    try:
        metrics = json.loads((directory / "metrics.json").read_text())
    except (OSError, ValueError):
        return None, None
    if not isinstance(metrics, dict):
        return None, None
    return (metrics.get("data") or {}).get("source"), metrics.get("pruned_from")


def _data_hint(directory: Path) -> str | None:
    """The candle file the model was trained on: its metrics.json, else that of the bundle it was pruned from."""
    src, parent = _metrics_source(directory)
    if src and Path(src).is_file():
        return str(src)
    if parent:
        for cand in (Path(parent), directory.parent / Path(parent).name):
            if cand.is_dir():
                src, _ = _metrics_source(cand)
                if src and Path(src).is_file():
                    return str(src)
    return None


def check_model_dir(model_dir: str | os.PathLike) -> Path:
    """Cheap checks (no TensorFlow) so bad input fails before anything is loaded or written."""
    from fpga_prune.model import MODEL_FILE, PREPROCESS_FILE  # noqa: PLC0415

    d = Path(model_dir)
    if not d.is_dir():
        raise InputError(d, None, "model directory not found")
    for name in (MODEL_FILE, PREPROCESS_FILE):
        if not (d / name).is_file():
            raise InputError(d, name, "missing; expected a model directory written by `fpga-prune prune` or `train`")
    return d


def load_pruned(model_dir: str | os.PathLike) -> PrunedModel:
    """Load the Keras model, preprocessing, ``hls_config.json`` and ``budget.json`` of a model dir."""
    from fpga_prune.hls_adapter import HlsSettings  # noqa: PLC0415
    from fpga_prune.model import MODEL_FILE, PREPROCESS_FILE, load_bundle  # noqa: PLC0415

    d = check_model_dir(model_dir)
    settings_path = d / "hls_config.json"
    if settings_path.is_file():
        settings, source = HlsSettings.read(settings_path), "hls_config.json"
    else:
        settings, source = HlsSettings(), "defaults (no hls_config.json in the model directory)"
    budget = None
    if (d / "budget.json").is_file():
        try:
            budget = json.loads((d / "budget.json").read_text())
        except ValueError as exc:
            raise InputError(d / "budget.json", None, f"not valid JSON ({exc})") from None
        if not isinstance(budget, dict):
            raise InputError(d / "budget.json", None, "expected a JSON object")
    hashes = {name: sha256_bytes((d / name).read_bytes())
              for name in (MODEL_FILE, PREPROCESS_FILE, "hls_config.json", "budget.json") if (d / name).is_file()}
    bundle = load_bundle(d)
    return PrunedModel(d, bundle, settings, source, budget, hashes, _data_hint(d))


# ----------------------------------------------------------------------------- vectors
@dataclass(frozen=True, eq=False)
class VectorSet:
    """Test vectors: raw inputs, the bit-accurate model's raw outputs, and where each row came from.

    Rows ``[0, n_test)`` are the held-out test split in time order, then
    ``n_val`` validation rows (only when more vectors were asked for than the
    test split holds), then ``n_stress`` synthetic rows (corners and seeded
    random bit patterns over the whole input type, which exercise the
    saturation/wrap paths that real, clipped features rarely reach).
    """

    x_raw: np.ndarray
    expected_raw: np.ndarray
    x_model: np.ndarray  # float32 model inputs of the real rows (what Keras sees)
    y: np.ndarray  # labels of the real rows
    timestamp_ms: np.ndarray  # of the real rows
    n_test: int
    n_val: int
    n_stress: int

    @property
    def n(self) -> int:
        return int(self.x_raw.shape[0])

    @property
    def n_real(self) -> int:
        return self.n_test + self.n_val


def stress_inputs(network, n: int, seed: int) -> np.ndarray:
    """Corner and random raw inputs over the full input type (deterministic for a seed)."""
    t = network.input_type
    k = network.n_inputs
    corners = [np.zeros(k), np.full(k, t.raw_max), np.full(k, t.raw_min),
               np.where(np.arange(k) % 2 == 0, t.raw_max, t.raw_min),
               np.where(np.arange(k) % 2 == 0, t.raw_min, t.raw_max),
               np.full(k, 1), np.full(k, -1 if t.signed else 1)]
    rows = np.asarray(corners[:n], dtype=np.int64).reshape(-1, k)
    rest = n - rows.shape[0]
    if rest > 0:
        rng = np.random.default_rng(seed)
        rnd = rng.integers(t.raw_min, t.raw_max, size=(rest, k), endpoint=True, dtype=np.int64)
        rows = np.concatenate([rows, rnd])
    return rows


def build_vectors(network, bundle, candles, n: int, stress: int, seed: int = 0) -> VectorSet:
    """``n`` vectors from the held-out rows of ``candles`` (+ ``stress`` synthetic ones), with expected outputs."""
    from fpga_prune import emulate, features  # noqa: PLC0415

    spec = bundle.spec
    ds = features.build(candles, spec)
    _, va, te = features.split_bounds(len(ds), spec)
    test, val = ds.take(te), ds.take(va)
    n_test = min(n, len(test))
    n_val = min(n - n_test, len(val))
    n_stress = stress + (n - n_test - n_val)
    real = [test.take(slice(0, n_test))]
    if n_val:
        real.append(val.take(slice(0, n_val)))
    x_model = np.concatenate([bundle.scaler.transform(p.X) for p in real]).astype(np.float32)
    y = np.concatenate([p.y for p in real])
    ts = np.concatenate([p.timestamp_ms for p in real])
    parts = [emulate.quantize_inputs(network, x_model)]
    if n_stress:
        parts.append(stress_inputs(network, n_stress, seed))
    x_raw = np.concatenate(parts).astype(np.int64)
    expected = np.asarray(emulate.predict_raw(network, x_raw), dtype=np.int64)
    return VectorSet(x_raw, expected, x_model, y, ts, n_test, n_val, n_stress)


def _rows_text(a: np.ndarray, fmt: Callable[[Any], str], trailing: str = "") -> str:
    return "".join(" ".join(fmt(v) for v in row) + trailing + "\n" for row in a.tolist())


def vector_files(network, vs: VectorSet, ports=None) -> dict[str, str]:
    """hls4ml's ``tb_data/`` (floats), our raw-integer files, and the cocotb hex set."""
    from fpga_prune import emulate, fixed, rtl  # noqa: PLC0415

    x_val = fixed.to_float(vs.x_raw, network.input_type)
    y_val = fixed.to_float(vs.expected_raw, network.output_type)
    files = {
        # hls4ml's format: space-separated floats, one vector per line (exact values, repr round-trips).
        "tb_data/tb_input_features.dat": _rows_text(x_val, repr, " "),
        "tb_data/tb_output_predictions.dat": _rows_text(y_val, repr, " "),
        "tb_data/inputs_raw.dat": _rows_text(vs.x_raw, str),
        "tb_data/expected_raw.dat": _rows_text(vs.expected_raw, str),
    }
    trace = emulate.trace(network, vs.x_raw)
    for name, text in rtl.write_vectors(network, vs.x_raw, vs.expected_raw, ports=ports, trace=trace).items():
        files[f"vectors/{name}"] = text
    return files


# ----------------------------------------------------------------------------- hls4ml output
_TOP_RE = re.compile(r"void\s+(?P<top>\w+)\s*\(\s*(?P<args>[^)]*)\)\s*;", re.S)
_ARG_RE = re.compile(r"^\s*(?P<type>\w+)\s+(?P<name>\w+)\s*\[\s*(?P<size>[\w+*\s]+)\s*\]\s*$")


@dataclass(frozen=True)
class TopSignature:
    """``void top(input_t input_1[N], result_t layerK_out[M])`` as hls4ml wrote it."""

    top: str
    input_ctype: str
    input_name: str
    output_ctype: str
    output_name: str


def parse_top_header(text: str, top: str) -> TopSignature:
    for m in _TOP_RE.finditer(text):
        if m.group("top") != top:
            continue
        args = [a for a in m.group("args").split(",") if a.strip()]
        parsed = [_ARG_RE.match(a) for a in args]
        if len(args) != 2 or not all(parsed):
            raise InputError(f"firmware/{top}.h", top, "expected one input and one output array "
                             f"(io_parallel, single input/output), got: {m.group('args').strip()}")
        i, o = parsed
        return TopSignature(top, i.group("type"), i.group("name"), o.group("type"), o.group("name"))
    raise InputError(f"firmware/{top}.h", top, "top-level function prototype not found")


def collect_hls4ml(project_dir: Path, stamp: str) -> dict[str, bytes]:
    """hls4ml's project files, minus build artefacts, with its random library stamp replaced by ``stamp``."""
    files: dict[str, bytes] = {}
    for p in sorted(project_dir.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(project_dir).as_posix()
        if _HLS4ML_SKIP.match(rel):
            continue
        files[rel] = p.read_bytes()
    m = re.search(rb"^LIB_STAMP=(\S+)$", files.get("build_lib.sh", b""), re.M)
    if m:
        old = m.group(1)
        files = {k: v.replace(old, stamp.encode()) for k, v in files.items()}
    absdir = str(project_dir.resolve()).encode()
    for k, v in files.items():
        if absdir in v:
            raise RuntimeError(f"hls4ml wrote the build directory into {k}; it would make the project "
                               "depend on where it was generated")
    return files


def convert_model(pruned: PrunedModel, board, top: str, workdir: Path):
    """hls4ml conversion on the board's part and clock; returns (hls_model, network, hls4ml file dict)."""
    from dataclasses import replace  # noqa: PLC0415

    from fpga_prune import hls_adapter  # noqa: PLC0415

    settings = replace(pruned.settings, part=board.part, clock_period_ns=board.clock_period_ns)
    out = workdir / "hls4ml_prj"
    hls_model = hls_adapter.convert(pruned.bundle.model, settings, out, part=board.part,
                                    clock_period=board.clock_period_ns)
    hls_model.write()
    network = hls_adapter.network_from_hls(hls_model, name=top)
    return settings, network, out


# ----------------------------------------------------------------------------- C simulation
@dataclass(frozen=True, eq=False)
class CsimResult:
    """The compiled project's testbench run over every vector, compared bit for bit."""

    n_vectors: int
    mismatching_vectors: int
    first: tuple[dict, ...]
    outputs_raw: np.ndarray
    tb_summary: str
    compile_seconds: float
    run_seconds: float
    command: str

    @property
    def ok(self) -> bool:
        return self.mismatching_vectors == 0

    def to_dict(self) -> dict:
        return {"vectors": self.n_vectors, "mismatching_vectors": self.mismatching_vectors,
                "first_mismatches": list(self.first), "testbench": self.tb_summary,
                "compile_seconds": round(self.compile_seconds, 2), "run_seconds": round(self.run_seconds, 2)}


def compile_command(project: Path, exe: Path, top: str, cxx: str = "g++") -> list[str]:
    """The g++ line of the project's ``make csim`` (kept identical)."""
    weights = f'-DWEIGHTS_DIR="{project.resolve() / "firmware" / "weights"}"'
    return [cxx, *CXXFLAGS.split(), "-Ifirmware", "-Ifirmware/ap_types", weights,
            f"firmware/{top}.cpp", "tb/tb_main.cpp", "-o", str(exe)]


def _compile_parallel(cmd: list[str], project: Path, bdir: Path, timeout: float) -> None:
    """``cmd`` (compile + link of two sources) as two parallel ``-c`` jobs and a link: the same flags."""
    srcs = [a for a in cmd if a.endswith(".cpp")]
    exe = cmd[cmd.index("-o") + 1]
    flags = [a for a in cmd[1:] if a not in srcs and a not in ("-o", exe)]
    objs = [str(bdir / (Path(s).stem + ".o")) for s in srcs]
    jobs = [subprocess.Popen([cmd[0], *flags, "-c", s, "-o", o], cwd=project, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for s, o in zip(srcs, objs, strict=True)]
    errors = []
    for job in jobs:
        _, err = job.communicate(timeout=timeout)
        if job.returncode != 0:
            errors.append(err)
    if not errors:
        link = subprocess.run([cmd[0], *objs, "-o", exe], cwd=project, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if link.returncode != 0:
            errors.append(link.stderr)
    if errors:
        err = "\n".join("\n".join(e.strip().splitlines()[-15:]) for e in errors)
        raise CheckFailed(f"C simulation did not compile ({shlex.join(cmd)}):\n{err}")


def run_csim(project: str | os.PathLike, *, top: str = "myproject", build_dir: str | os.PathLike | None = None,
             max_listed: int = 10, cxx: str = "g++", timeout: float = 1800.0) -> CsimResult:
    """Compile ``firmware/<top>.cpp`` + ``tb/tb_main.cpp`` of a written project and run every vector.

    Compares the testbench's raw outputs with ``tb_data/expected_raw.dat``
    exactly (and cross-checks the testbench's own count).  Build products go
    to ``build_dir`` (a temporary directory by default), never into the project.
    """
    project = Path(project)
    if shutil.which(cxx) is None:
        raise InputError(cxx, None, "C++ compiler not found on PATH (needed for the C simulation check)")
    own_tmp = build_dir is None
    bdir = Path(tempfile.mkdtemp(prefix="fpga_prune_csim_")) if own_tmp else Path(build_dir)
    bdir.mkdir(parents=True, exist_ok=True)
    try:
        exe = bdir / "csim"
        cmd = compile_command(project, exe, top, cxx)
        t0 = time.perf_counter()
        _compile_parallel(cmd, project, bdir, timeout)
        t1 = time.perf_counter()
        out_file = bdir / "csim_outputs_raw.dat"
        run = subprocess.run([str(exe), "tb_data/inputs_raw.dat", "tb_data/expected_raw.dat", str(out_file)],
                             cwd=project, capture_output=True, text=True, timeout=timeout, check=False)
        t2 = time.perf_counter()
        if run.returncode not in (0, 1):
            raise CheckFailed(f"C simulation testbench failed (exit {run.returncode}): "
                              f"{(run.stderr or run.stdout).strip()[-500:]}")
        expected = np.loadtxt(project / "tb_data" / "expected_raw.dat", dtype=np.int64, ndmin=2)
        got = np.loadtxt(out_file, dtype=np.int64, ndmin=2) if out_file.stat().st_size else \
            np.zeros((0, expected.shape[1]), np.int64)
        summary = next((ln for ln in run.stdout.splitlines() if ln.startswith("fpga_prune tb:")), "")
    finally:
        if own_tmp:
            shutil.rmtree(bdir, ignore_errors=True)
    if got.shape != expected.shape:
        raise CheckFailed(f"C simulation produced {got.shape[0]} output rows for {expected.shape[0]} vectors")
    diff = got != expected
    bad_rows = np.flatnonzero(diff.any(axis=1))
    first = []
    for r, c in np.argwhere(diff)[:max_listed]:
        first.append({"vector": int(r), "output": int(c), "csim": int(got[r, c]), "expected": int(expected[r, c])})
    tb_count = re.search(r"(\d+) mismatching vectors", summary)
    if tb_count is None or int(tb_count.group(1)) != len(bad_rows) or (run.returncode == 0) != (len(bad_rows) == 0):
        raise CheckFailed(f"testbench and file comparison disagree ({summary!r} vs {len(bad_rows)} mismatching rows)")
    return CsimResult(int(expected.shape[0]), int(len(bad_rows)), tuple(first), got, summary, t1 - t0, t2 - t1,
                      shlex.join(cmd))


def decisions(values: np.ndarray) -> np.ndarray:
    """Class decisions from outputs: ``p > 0.5`` for one output, else argmax (first on ties), as metrics does."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1 or v.shape[1] == 1:
        return (v.reshape(-1) > 0.5).astype(np.int64)
    return v.argmax(axis=1).astype(np.int64)


def agreement(network, vs: VectorSet, keras_model, hw_raw: np.ndarray) -> dict:
    """Decisions of the hardware vs the float Keras model on the real (held-out) rows, and both accuracies."""
    from fpga_prune import fixed  # noqa: PLC0415
    from fpga_prune.model import predict_proba  # noqa: PLC0415

    n = vs.n_real
    if n == 0:
        return {"rows": 0}
    hw = decisions(fixed.to_float(hw_raw[:n], network.output_type))
    kp = np.asarray(predict_proba(keras_model, vs.x_model))
    kd = decisions(kp)
    out = {"rows": n, "test_rows": vs.n_test, "agree": int((hw == kd).sum()),
           "agreement": round(float((hw == kd).mean()), 6),
           "hardware_accuracy": round(float((hw == vs.y).mean()), 6),
           "keras_accuracy": round(float((kd == vs.y).mean()), 6)}
    if vs.n_test:
        t = slice(0, vs.n_test)
        out["test_agreement"] = round(float((hw[t] == kd[t]).mean()), 6)
    return out


# ----------------------------------------------------------------------------- project files
def tool_versions() -> dict[str, str | None]:
    out = {}
    for pkg in TOOL_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _layer_rows(network) -> list[dict]:
    rows = []
    for layer in network.layers:
        if layer.kind == "dense":
            nz = int(np.count_nonzero(layer.weights))
            rows.append({"name": layer.name, "kind": "dense", "shape": f"{layer.n_in} x {layer.n_out}",
                         "nonzero": f"{nz} / {layer.weights.size}", "weight": str(layer.weight_type),
                         "accum": str(layer.accum_type), "result": str(layer.result_type),
                         "strategy": layer.strategy, "reuse": layer.reuse_factor})
        else:
            rows.append({"name": layer.name, "kind": layer.activation, "shape": str(layer.n), "nonzero": "",
                         "weight": "", "accum": "", "result": str(layer.result_type), "strategy": "", "reuse": ""})
    return rows


#: budget.json resource name -> key of ``rtl.yosys_counts`` (yosys maps no UltraRAM).
YOSYS_RESOURCES = {"lut": "lut", "ff": "ff", "dsp": "dsp", "bram18k": "bram_18k"}


def budget_rows(budget: dict | None) -> list[dict]:
    """Resource rows for the README table: estimate, allowed, available, measured (csynth / Vivado), yosys."""
    if not budget or not isinstance(budget.get("resources"), dict):
        return []
    measured = budget.get("measured") or {}
    cs = measured.get("csynth") or {}
    vv = measured.get("vivado") or {}
    ys = budget.get("yosys") or {}
    rows = []
    for r, d in budget["resources"].items():
        if not isinstance(d, dict):
            continue
        rows.append({"resource": r, "estimate": d.get("used"), "allowed": d.get("allowed"),
                     "available": d.get("available"), "csynth": cs.get(r), "vivado": vv.get(r),
                     "yosys": ys.get(YOSYS_RESOURCES[r]) if r in YOSYS_RESOURCES else None})
    return rows


def yosys_budget(network, sig: TopSignature, board, top: str, workdir: Path) -> dict:
    """LUT/FF/DSP/BRAM of our RTL after yosys ``synth_xilinx`` for the board's family (``budget.json`` "yosys").

    Why: an open-source synthesis count of the exact netlist the simulators
    verify, beside the estimator's numbers; not Vivado's (different mapping
    and no retiming), but independent of our estimator.
    """
    from fpga_prune import rtl  # noqa: PLC0415
    from fpga_prune.outdir import write_tree  # noqa: PLC0415

    rtl_dir = workdir / "yosys_rtl"
    write_tree(rtl_dir, rtl.render_rtl(network, top=top, input_name=sig.input_name, output_name=sig.output_name))
    counts = rtl.yosys_counts(rtl_dir, board.family, top=top)
    counts["board_family"] = board.family
    return counts


def manifest_text(files: Mapping[str, bytes | str], context: dict) -> str:
    """``manifest.json``: sha256 of every other file plus model hash, board and tool versions."""
    hashes = {}
    for rel in sorted(files):
        data = files[rel]
        hashes[rel] = sha256_bytes(data.encode() if isinstance(data, str) else data)
    doc = {**context, "files": hashes}
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def _as_bytes(v: bytes | str) -> bytes:
    return v.encode("utf-8") if isinstance(v, str) else v


@dataclass(frozen=True, eq=False)
class Project:
    """Everything ``generate`` produced: the file tree and the facts about it."""

    files: dict[str, bytes]
    network: Any
    vectors: VectorSet
    board: Any
    settings: Any
    top: TopSignature
    rtl_note: str | None
    context: dict = field(default_factory=dict)


def render_project(pruned: PrunedModel, board, network, vs: VectorSet, hls_files: dict[str, bytes],
                   sig: TopSignature, settings, options: GenerateOptions, data_info: dict,
                   budget: dict | None) -> tuple[dict[str, bytes], str | None, dict]:
    """Our files (rendered templates, vectors, RTL, metadata) merged with hls4ml's; manifest last."""
    from fpga_prune import rtl  # noqa: PLC0415
    from fpga_prune.templating import render  # noqa: PLC0415

    top = options.top
    versions = tool_versions()
    files: dict[str, bytes] = dict(hls_files)
    rtl_note = None
    ports = None
    try:
        rtl_files = rtl.render_rtl(network, top=top, input_name=sig.input_name, output_name=sig.output_name)
        ports = rtl.PortMap.from_json(rtl_files["ports.json"])
        for name, text in rtl_files.items():
            files[f"rtl/{name}"] = _as_bytes(text)
    except ValueError as exc:
        rtl_note = f"no RTL rendering: {exc}"
        ports = rtl.default_port_map(network, top, sig.input_name, sig.output_name)
    for name, text in vector_files(network, vs, ports).items():
        files[name] = _as_bytes(text)
    files["network.json"] = _as_bytes(network.to_json())
    files["hls_config.json"] = _as_bytes(settings.to_json())
    if budget is not None:
        files["budget.json"] = _as_bytes(json.dumps(budget, indent=2, sort_keys=True, allow_nan=False) + "\n")
    ctx = {
        "top": top, "board": board, "clock_period_ns": board.clock_period_ns,
        "clock_uncertainty": options.clock_uncertainty, "ip_version": "1.0",
        "fpga_prune_version": versions.get("fpga-prune") or "unknown", "versions": versions,
        "n_vectors": vs.n, "n_test": vs.n_test, "n_val": vs.n_val, "n_stress": vs.n_stress,
        "n_inputs": network.n_inputs, "n_outputs": network.n_outputs,
        "input_type": str(network.input_type), "output_type": str(network.output_type),
        "input_width": network.input_type.width, "output_width": network.output_type.width,
        "input_frac": network.input_type.frac, "output_frac": network.output_type.frac,
        "input_signed": network.input_type.signed, "output_signed": network.output_type.signed,
        "input_ctype": sig.input_ctype, "input_name": sig.input_name,
        "output_ctype": sig.output_ctype, "output_name": sig.output_name,
        "max_listed": options.max_listed, "cxxflags": CXXFLAGS,
        "layers": _layer_rows(network), "budget": budget, "budget_rows": budget_rows(budget),
        "settings_source": pruned.settings_source, "model_sha256": pruned.model_sha256,
        "model_files": pruned.file_hashes, "data": data_info, "rtl_note": rtl_note,
        "has_rtl": rtl_note is None, "has_budget": budget is not None,
        "strategy": settings.strategy, "reuse_factor": settings.reuse_factor,
    }
    files["tb/tb_main.cpp"] = _as_bytes(render("project/tb_main.cpp.j2", ctx))
    files["scripts/build.tcl"] = _as_bytes(render("project/build.tcl.j2", ctx))
    files["scripts/vivado_synth.tcl"] = _as_bytes(render("project/vivado_synth.tcl.j2", ctx))
    files["scripts/clock.xdc"] = _as_bytes(render("project/clock.xdc.j2", ctx))
    files["Makefile"] = _as_bytes(render("project/Makefile.j2", ctx))
    ctx["file_list"] = sorted(files) + ["README.md", "manifest.json"]
    files["README.md"] = _as_bytes(render("project/README.md.j2", ctx))
    manifest_ctx = json.loads(render("project/manifest.json.j2", ctx))
    files["manifest.json"] = _as_bytes(manifest_text(files, manifest_ctx))
    return files, rtl_note, ctx


# ----------------------------------------------------------------------------- the command
@dataclass(frozen=True, eq=False)
class GenerateResult:
    out: Path
    n_files: int
    vectors: VectorSet
    csim: CsimResult | None
    agreement: dict | None
    synth: Any  # vitis.SynthResult | None
    rtl_note: str | None
    seconds: float
    network: Any
    board: Any
    yosys: dict | None = None


def _data_info(path: Path, candles) -> dict:
    from fpga_prune.data import format_ts  # noqa: PLC0415

    return {"file": path.name, "sha256": sha256_bytes(path.read_bytes()), "candles": len(candles),
            "symbol": getattr(candles, "symbol", None),
            "start": format_ts(int(candles.timestamp_ms[0])), "end": format_ts(int(candles.timestamp_ms[-1]))}


def _check_same_data(pruned: PrunedModel, candles, data_path: Path) -> None:
    """The test split is only held out if these are the candles the scaler was fit on."""
    from fpga_prune import features  # noqa: PLC0415

    spec = pruned.bundle.spec
    ds = features.build(candles, spec)
    tr, _, _ = features.split_bounds(len(ds), spec)
    fit = features.Scaler.fit(ds.X[tr], spec.clip)
    ref = pruned.bundle.scaler
    if fit.mean.shape != ref.mean.shape or float(np.max(np.abs(fit.mean - ref.mean))) > 1e-9 \
            or float(np.max(np.abs(fit.std - ref.std))) > 1e-9:
        raise InputError(data_path, None, f"these candles are not the data the model in {pruned.directory} was "
                         "trained on (the train-split scaler differs from its preprocess.json), so their test "
                         "split is not held out")


def resolve_data(pruned_dir: Path, data: str | os.PathLike | None) -> Path:
    if data is not None:
        p = Path(data)
        if not p.is_file():
            raise InputError(p, None, "data file not found")
        return p
    hint = _data_hint(pruned_dir)
    if hint is None:
        raise InputError("--data", None, f"not given and {pruned_dir}/metrics.json names no readable candle file; "
                         "pass the CSV/JSON the model was trained on")
    return Path(hint)


def generate(model_dir: str | os.PathLike, board_ref: str, out: str | os.PathLike,
             data: str | os.PathLike | None = None, options: GenerateOptions | None = None,
             progress: Callable[[str], None] | None = None) -> GenerateResult:
    """Write the verified HLS project for ``model_dir`` on ``board_ref`` to ``out`` (see module docstring).

    Raises ``InputError`` before anything is written on bad input and
    ``CheckFailed`` when the C simulation differs from the bit-accurate model
    (the project is written anyway, so the mismatch can be debugged).
    """
    from fpga_prune import budget as _  # noqa: F401,PLC0415  (budget.json format lives there)
    from fpga_prune.boards import load_board  # noqa: PLC0415
    from fpga_prune.data import load  # noqa: PLC0415
    from fpga_prune.outdir import check_out_dir, staged_dir, write_tree  # noqa: PLC0415

    say = progress or (lambda _msg: None)
    options = (options or GenerateOptions()).validate()
    t0 = time.perf_counter()
    mdir = check_model_dir(model_dir)
    check_out_dir(out)
    board = load_board(board_ref)
    data_path = resolve_data(mdir, data)
    candles = load(data_path)
    pruned = load_pruned(mdir)
    _check_same_data(pruned, candles, data_path)
    budget = None if pruned.budget is None else dict(pruned.budget)
    if budget is not None:
        budget["measured"] = None
    say(f"converting with hls4ml (Vitis, io_parallel, {board.part} @ {board.clock_period_ns} ns)")
    with tempfile.TemporaryDirectory(prefix="fpga_prune_gen_") as tmp:
        settings, network, hls_dir = convert_model(pruned, board, options.top, Path(tmp))
        stamp = hashlib.sha256(network.to_json().encode()).hexdigest()[:8]
        hls_files = collect_hls4ml(hls_dir, stamp)
        sig = parse_top_header(hls_files[f"firmware/{options.top}.h"].decode(), options.top)
        say(f"building {options.vectors} test vectors (+{options.stress} stress) from {data_path.name}")
        vs = build_vectors(network, pruned.bundle, candles, options.vectors, options.stress, options.seed)
        info = _data_info(data_path, candles)
        if options.yosys:
            say(f"yosys synth_xilinx of the RTL for {board.family}")
            try:
                counts = yosys_budget(network, sig, board, options.top, Path(tmp))
            except ValueError as exc:  # the network has no RTL rendering
                raise InputError("--yosys", None, f"no RTL to synthesize: {exc}") from None
            budget = dict(budget or {})
            budget["yosys"] = counts
        files, rtl_note, ctx = render_project(pruned, board, network, vs, hls_files, sig, settings, options,
                                              info, budget)
        csim = None
        agree = None
        if options.check:
            say(f"C simulation: compiling the project and running {vs.n} vectors")
            check_dir = Path(tmp) / "check"
            write_tree(check_dir, files)
            csim = run_csim(check_dir, top=options.top, max_listed=options.max_listed)
            agree = agreement(network, vs, pruned.bundle.model, csim.outputs_raw)
        else:
            agree = agreement(network, vs, pruned.bundle.model, vs.expected_raw)
    synth = None
    with staged_dir(out) as stage:
        write_tree(stage, files)
        if options.synth:
            from fpga_prune import vitis  # noqa: PLC0415

            if vitis.find_vitis() is None:
                synth = vitis.run_synth(stage, top=options.top)
            else:
                say("running Vitis HLS C synthesis (and Vivado out-of-context synthesis if on PATH)")
                synth = vitis.run_synth(stage, top=options.top, steps=("csynth",))
                if synth.csynth is not None and budget is not None:
                    budget["measured"] = {"tool": synth.tool, "version": synth.version, "csynth": synth.csynth,
                                          "vivado": synth.vivado, "timing": synth.timing}
                    files, _, _ = render_project(pruned, board, network, vs, hls_files, sig, settings, options,
                                                 info, budget)
                    for name in ("budget.json", "README.md", "manifest.json"):
                        (stage / name).write_bytes(files[name])
    result = GenerateResult(Path(out), len(files), vs, csim, agree, synth, rtl_note, time.perf_counter() - t0,
                            network, board, None if budget is None else budget.get("yosys"))
    if csim is not None and not csim.ok:
        lines = [f"C simulation differs from the bit-accurate model on {csim.mismatching_vectors} of "
                 f"{csim.n_vectors} vectors (project written to {out} for debugging); first mismatches:"]
        lines += [f"  vector {m['vector']} output {m['output']}: csim {m['csim']} expected {m['expected']}"
                  for m in csim.first]
        err = CheckFailed("\n".join(lines))
        err.result = result  # type: ignore[attr-defined]
        raise err
    return result
