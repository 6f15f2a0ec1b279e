"""Compile ANY hls4ml project's own C simulation into a runner over our raw-integer vectors.

Why: for a project this tool did not write, the firmware is what was
synthesized (issue #10: 6-decimal weight text, pre-1.0 softmax, hand edits),
so its own C++ with its own ``nnet_utils`` is the reference the RTL is
compared with.  The project's testbench reads floats; ours
(``hls_templates/project/csim_runner.cpp.j2``) reads raw bit patterns, so
nothing is lost to a decimal round trip.  The top ``.cpp`` is compiled from a
copy whose ``nnet::`` calls are tapped, giving each layer's output for the
per-layer comparison with the bit-accurate model.  Nothing is written into the
project: sources and objects go to the build directory.  Compile flags and the
parallel compile are ``fpga_prune.hls.csim``'s.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fpga_prune.errors import CheckFailed, InputError
from fpga_prune.hls.csim import CXXFLAGS, compile_parallel
from fpga_prune.hls.nnet_layers import MERGE_FUNCS, STREAM_COPY_FUNCS
from fpga_prune.hls.project import AxiWrapper, TopArray, TopSignature
from fpga_prune.templating import render


@dataclass(frozen=True, eq=False)
class ProjectCsimRun:
    """The project's C simulation over a set of raw inputs."""

    outputs_raw: np.ndarray  # (n, sum of output array sizes), signed per output type
    #: the network's input array as the top's own code filled it (``TopGlue``: tap 0), signed raw; else None
    network_inputs: np.ndarray | None
    traces: dict[int, np.ndarray]  # tap k (k-th nnet:: call, 1-based) -> unsigned raw outputs (n, width of layer)
    tap_names: dict[int, str]  # tap k -> the layer name in the call's comment (else the function)
    compile_seconds: float
    run_seconds: float
    command: str


def _ap_types_dir(fw: Path) -> Path:
    """The project's ``ap_types``, else the one shipped with the installed hls4ml."""
    if (fw / "ap_types" / "ap_fixed.h").is_file():
        return fw / "ap_types"
    try:
        import hls4ml  # noqa: PLC0415
    except ImportError:
        raise InputError(fw, "ap_types", "missing, and hls4ml (which ships them) is not installed") from None
    d = Path(hls4ml.__file__).parent / "templates" / "vivado" / "ap_types"
    if not (d / "ap_fixed.h").is_file():
        raise InputError(fw, "ap_types", f"missing, and not found in the installed hls4ml ({d})")
    return d


_CALL = re.compile(
    r"(nnet::(\w+)\s*<[^;]*?>\s*\(\s*(\w+)\s*,\s*(\w+)\s*(?:,\s*(\w+)\s*)?[^;]*?\)\s*;)([ \t]*//[ \t]*(\S+))?"
)


def tapped_top(text: str, sig: TopSignature) -> tuple[str, dict[int, str]]:
    """The top ``.cpp`` with ``fpga_prune_tap(k, out, size)`` after each layer call, and the tap names."""
    sizes = {m.group(1): m.group(2) for m in re.finditer(r"\b\w+\s+(\w+)\s*\[\s*([^\]]+?)\s*\]\s*;", text)}
    # io_stream: the streams between layers (hls::stream<layer2_t> layer2_out("layer2_out");), tapped word by word
    sizes.update({m.group(1): "0" for m in re.finditer(r"hls::stream\s*<[^;]*?>\s*(\w+)\s*[(;]", text)})
    sizes.update({a.name: str(a.size) for a in (*sig.inputs, *sig.outputs)})
    names: dict[int, str] = {}
    out: list[str] = []
    pos, k = 0, 0
    for m in _CALL.finditer(text):
        func, dst = m.group(2), m.group(4)
        if func in MERGE_FUNCS and m.group(5):  # nnet::add(a, b, res): the third argument is written
            dst = m.group(5)
        if func.startswith("load_") or func in STREAM_COPY_FUNCS or dst not in sizes:
            continue  # a clone_stream copies a layer's words: no layer of its own, not tapped
        if k == 0 and sig.glue is not None:  # tap 0: the array the top's own code filled, before the first layer
            out.append(text[pos : m.start()])
            out.append(f"fpga_prune_tap(0, {sig.glue.array}, {sig.glue.size});\n    ")
            pos = m.start()
        k += 1
        names[k] = m.group(7) or func
        end = m.end()
        out.append(text[pos:end])
        out.append(f"\n    fpga_prune_tap({k}, {dst}, {sizes[dst]});")
        pos = end
    out.append(text[pos:])
    return "".join(out), names


def _offsets(arrays: tuple[TopArray, ...]) -> list[int]:
    return [sum(a.size for a in arrays[:i]) for i in range(len(arrays))]


def _array(a: TopArray, offset: int) -> dict[str, object]:
    return {"name": a.name, "ctype": a.ctype, "size": a.size, "type": a.type, "stream": a.stream, "offset": offset}


def _compile(
    project: Path, sig: TopSignature, bdir: Path, cxx: str, timeout: float
) -> tuple[Path, dict[int, str], str, float]:
    fw = project / "firmware"
    top_cpp = fw / f"{sig.top}.cpp"
    if not top_cpp.is_file():
        raise InputError(top_cpp, None, "missing: the top function's source")
    text, taps = tapped_top(top_cpp.read_text(errors="replace"), sig)
    scalars = sig.glue.scalars if sig.glue else ()  # by-value arguments of the top's own code
    src = bdir / "src"
    src.mkdir(parents=True, exist_ok=True)
    files = {
        f"{sig.top}.cpp": '#include "fpga_prune_tap.h"\n' + text,
        "fpga_prune_tap.h": render("project/csim_tap.h.j2", {"stream": sig.io_type == "io_stream"}),
        "runner.cpp": render(
            "project/csim_runner.cpp.j2",
            {
                "top": sig.top,
                "inputs": [] if sig.glue else [_array(a, o) for a, o in zip(sig.inputs, _offsets(sig.inputs))],
                "values": [{"name": n, "ctype": t, "offset": i} for i, (n, t) in enumerate(scalars)],
                "n_in": len(sig.glue.scalars) if sig.glue else sig.n_inputs,
                "first_tap": 0 if sig.glue else 1,
                "outputs": sig.outputs,
                "n_taps": len(taps),
                "args": sig.args,
                "scalars": [{"name": n, "ctype": t} for n, t in sig.scalar_types],
                "namespace": sig.namespace,
            },
        ),
    }
    for name, body in files.items():
        p = src / name
        if not p.is_file() or p.read_text() != body:  # unchanged sources keep their objects' timestamps
            p.write_text(body)
    exe = bdir / "runner"
    weights = f'-DWEIGHTS_DIR="{(fw / "weights").resolve()}"'
    cmd = [
        cxx,
        *CXXFLAGS.split(),
        f"-I{src}",
        f"-I{fw.resolve()}",
        f"-I{_ap_types_dir(fw).resolve()}",
        weights,
        str(src / f"{sig.top}.cpp"),
        str(src / "runner.cpp"),
        "-o",
        str(exe),
    ]
    stamp = bdir / "runner.cmd"
    t0 = time.perf_counter()
    newest = max(p.stat().st_mtime for p in [*src.iterdir(), *fw.rglob("*.h"), top_cpp])
    if not (exe.is_file() and stamp.is_file() and stamp.read_text() == " ".join(cmd) and exe.stat().st_mtime >= newest):
        compile_parallel(cmd, project, bdir, timeout)
        stamp.write_text(" ".join(cmd))
    return exe, taps, " ".join(cmd), time.perf_counter() - t0


def _signed(a: np.ndarray, width: int, signed: bool) -> np.ndarray:
    a = a & ((1 << width) - 1)
    return np.where(a >> (width - 1) == 1, a - (1 << width), a) if signed else a


def run_project_csim(
    project: str | Path,
    sig: TopSignature,
    x_raw: np.ndarray,
    build_dir: str | Path,
    cxx: str = "g++",
    timeout: float = 1800.0,
) -> ProjectCsimRun:
    """Compile (once per build dir) and run the project's C simulation on ``x_raw`` (raw inputs)."""
    project = Path(project).resolve()
    if shutil.which(cxx) is None:
        raise InputError(cxx, None, "C++ compiler not found on PATH (needed for the C simulation)")
    bdir = Path(build_dir).resolve()
    bdir.mkdir(parents=True, exist_ok=True)
    exe, taps, cmd, compile_s = _compile(project, sig, bdir, cxx, timeout)
    run_dir = bdir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    in_file, out_file = run_dir / "inputs_raw.dat", run_dir / "outputs_raw.dat"
    in_file.write_text("".join(" ".join(str(int(v)) for v in row) + "\n" for row in np.asarray(x_raw).tolist()))
    t0 = time.perf_counter()
    # cwd = the project: hls4ml < 1.0 loads weights from "firmware/weights" relative to it
    run = subprocess.run(
        [str(exe), str(in_file), str(out_file), str(run_dir)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        raise CheckFailed(
            f"C simulation runner failed (exit {run.returncode}): {(run.stderr or run.stdout).strip()[-500:]}"
        )
    n = len(x_raw)
    got = np.loadtxt(out_file, dtype=np.int64, ndmin=2) if n else np.zeros((0, sig.n_outputs), np.int64)
    if got.shape != (n, sig.n_outputs):
        raise CheckFailed(f"C simulation wrote {got.shape} outputs for {n} vectors x {sig.n_outputs} outputs")
    traces = {}
    network_inputs = None
    if sig.glue is not None:
        tf = run_dir / "trace_0.dat"
        rows = [[int(f, 16) for f in line.split()] for line in tf.read_text().splitlines()] if tf.is_file() else []
        if len(rows) != n or any(len(r) != sig.glue.size for r in rows):
            raise CheckFailed(f"C simulation captured {len(rows)} rows of {sig.glue.array}, expected {n}")
        t = sig.input.type
        network_inputs = _signed(np.asarray(rows, dtype=np.int64).reshape(n, sig.glue.size), t.width, t.signed)
    for k in taps:
        tf = run_dir / f"trace_{k}.dat"
        rows = [[int(f, 16) for f in line.split()] for line in tf.read_text().splitlines()] if tf.is_file() else []
        if len(rows) == n and n:
            traces[k] = np.asarray(rows, dtype=object)
    return ProjectCsimRun(got, network_inputs, traces, taps, compile_s, seconds, cmd)


@dataclass(frozen=True, eq=False)
class WrapperCsimRun:
    """hls4ml's VivadoAccelerator top compiled from the project and run on float beats."""

    outputs_bits: np.ndarray  # (n, n_out) float32 bit patterns, as the wrapper writes out[i].data
    compile_seconds: float
    run_seconds: float
    command: str


def run_wrapper_csim(
    project: str | Path,
    wrapper: AxiWrapper,
    beats_bits: np.ndarray,
    build_dir: str | Path,
    cxx: str = "g++",
    timeout: float = 1800.0,
) -> WrapperCsimRun:
    """Compile the project's own ``<top>_axi.cpp`` with its network and run it on ``beats_bits`` (float32 bit
    patterns, a sample a row): the wrapper's C simulation, its casts included (float beats only)."""
    project = Path(project).resolve()
    if shutil.which(cxx) is None:
        raise InputError(cxx, None, "C++ compiler not found on PATH (needed for the C simulation)")
    if (wrapper.in_ctype, wrapper.out_ctype) != ("float", "float"):
        raise InputError(wrapper.source, wrapper.top, "the wrapper's C simulation runs float beats only")
    fw = project / "firmware"
    bdir = Path(build_dir).resolve()
    src = bdir / "src"
    src.mkdir(parents=True, exist_ok=True)
    body = render(
        "project/wrapper_csim_runner.cpp.j2", {"top": wrapper.top, "stream": wrapper.interface == "axi_stream"}
    )
    runner = src / "wrapper_runner.cpp"
    if not runner.is_file() or runner.read_text() != body:
        runner.write_text(body)
    exe = bdir / "wrapper_runner"
    cmd = [
        cxx,
        *CXXFLAGS.split(),
        f"-I{fw.resolve()}",
        f"-I{_ap_types_dir(fw).resolve()}",
        f'-DWEIGHTS_DIR="{(fw / "weights").resolve()}"',
        str(wrapper.source.resolve()),
        str((fw / f"{wrapper.network_top}.cpp").resolve()),
        str(runner),
        "-o",
        str(exe),
    ]
    stamp = bdir / "wrapper_runner.cmd"
    t0 = time.perf_counter()
    newest = max(p.stat().st_mtime for p in [runner, *fw.rglob("*.h"), *fw.glob("*.cpp")])
    if not (exe.is_file() and stamp.is_file() and stamp.read_text() == " ".join(cmd) and exe.stat().st_mtime >= newest):
        run = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=timeout, check=False)
        if run.returncode != 0:
            raise InputError(wrapper.source, wrapper.top, f"does not compile with g++: {run.stderr.strip()[-300:]}")
        stamp.write_text(" ".join(cmd))
    compile_s = time.perf_counter() - t0
    run_dir = bdir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    in_file, out_file = run_dir / "beats.dat", run_dir / "outputs.dat"
    in_file.write_text("".join(" ".join(str(int(v)) for v in row) + "\n" for row in np.asarray(beats_bits).tolist()))
    t0 = time.perf_counter()
    run = subprocess.run(
        [str(exe), str(in_file), str(out_file)], cwd=project, capture_output=True, text=True, timeout=timeout
    )
    if run.returncode != 0:
        raise CheckFailed(f"wrapper C simulation failed (exit {run.returncode}): {run.stderr.strip()[-500:]}")
    n = len(beats_bits)
    got = np.loadtxt(out_file, dtype=np.uint64, ndmin=2) if n else np.zeros((0, wrapper.n_out), np.uint64)
    if got.shape != (n, wrapper.n_out):
        raise CheckFailed(f"wrapper C simulation wrote {got.shape} outputs for {n} samples x {wrapper.n_out}")
    return WrapperCsimRun(got, compile_s, time.perf_counter() - t0, " ".join(cmd))


def layer_disagreement(
    traces: dict[int, np.ndarray], tap_names: dict[int, str], model_trace: list[np.ndarray], layers: tuple
) -> list[dict]:
    """Per layer: how many vectors the C simulation and the bit-accurate model disagree on.

    Tap ``k`` is the ``k``-th ``nnet::`` call, which for a chain is IR layer
    ``k - 1``; both sides are compared as bit patterns of the layer's result type.
    """
    rows = []
    for k, layer in enumerate(layers, start=1):
        if k not in traces or k - 1 >= len(model_trace):
            rows.append({"layer": layer.name, "index": k, "compared": False})
            continue
        w = layer.result_type.width
        mask = (1 << w) - 1
        c = np.asarray([[int(v) & mask for v in row] for row in traces[k]], dtype=object)
        m = np.asarray([[int(v) & mask for v in row] for row in np.asarray(model_trace[k - 1]).tolist()], dtype=object)
        if c.shape != m.shape:
            rows.append(
                {
                    "layer": layer.name,
                    "index": k,
                    "compared": False,
                    "note": f"C simulation tap {tap_names.get(k)} has shape {c.shape}, the model {m.shape}",
                }
            )
            continue
        bad = np.flatnonzero((c != m).any(axis=1))
        rows.append(
            {
                "layer": layer.name,
                "index": k,
                "compared": True,
                "vectors": int(len(c)),
                "disagreeing_vectors": int(len(bad)),
                "first_vector": int(bad[0]) if len(bad) else None,
            }
        )
    return rows
