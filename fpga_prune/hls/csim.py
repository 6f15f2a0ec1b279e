"""Compile a written project's C simulation and run it over every vector, compared bit for bit.

Why its own module: ``generate`` (the check before publishing) and ``verify``
(the check of a project on disk) run the very same compile and comparison;
``verify`` must not depend on the project writer to do it.  The compile line
is the one the project's ``make csim`` uses (``CXXFLAGS`` is rendered into
its Makefile).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fpga_prune.errors import CheckFailed, InputError

CXXFLAGS = "-O2 -std=c++14"
#: The firmware translation unit of a project with distributed-arithmetic layers.  Why: da4ml
#: writes each DA Dense as one inlined function of single-assignment ap_fixed statements
#: (2,995 lines for the default 16-64-32-1 model at 6-bit weights, 11,000 when hls4ml was handed
#: unquantized weights - the > 8 min compile of issue #13).  g++ 12 CPU time on it: -O2 62 s,
#: -O1 52 s, -O0 25 s; the testbench keeps -O2.  -O0 changes no result: ap_fixed arithmetic is
#: integer arithmetic, exact at any optimization level.
DA_FIRMWARE_CXXFLAGS = "-O0 -std=c++14"
_DA_MARKER = "dense_da_"  # hls4ml's name for a DA kernel function (backends/vivado/passes)
CODE_GEN = "firmware/nnet_utils/nnet_code_gen.h"


def firmware_cxxflags(code_gen: str | bytes | None) -> str:
    """g++ flags for ``firmware/<top>.cpp``, from the text of the project's ``nnet_code_gen.h``."""
    if code_gen is None:
        return CXXFLAGS
    text = code_gen.decode(errors="replace") if isinstance(code_gen, bytes) else code_gen
    return DA_FIRMWARE_CXXFLAGS if _DA_MARKER in text else CXXFLAGS


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
        return {
            "vectors": self.n_vectors,
            "mismatching_vectors": self.mismatching_vectors,
            "first_mismatches": list(self.first),
            "testbench": self.tb_summary,
            "compile_seconds": round(self.compile_seconds, 2),
            "run_seconds": round(self.run_seconds, 2),
        }


def compile_commands(project: Path, bdir: Path, top: str, cxx: str = "g++") -> tuple[list[str], ...]:
    """The g++ lines of the project's ``make csim``: firmware object, testbench object, link."""
    weights = f'-DWEIGHTS_DIR="{project.resolve() / "firmware" / "weights"}"'
    inc = ["-Ifirmware", "-Ifirmware/ap_types", weights]
    gen = project / CODE_GEN
    fw_flags = firmware_cxxflags(gen.read_bytes() if gen.is_file() else None)
    fw_obj, tb_obj = str(bdir / f"{top}.o"), str(bdir / "tb_main.o")
    return (
        [cxx, *fw_flags.split(), *inc, "-c", f"firmware/{top}.cpp", "-o", fw_obj],
        [cxx, *CXXFLAGS.split(), *inc, "-c", "tb/tb_main.cpp", "-o", tb_obj],
        [cxx, fw_obj, tb_obj, "-o", str(bdir / "csim")],
    )


def compile_parallel(cmd: list[str], project: Path, bdir: Path, timeout: float) -> None:
    """``cmd`` (compile + link of two sources) as two parallel ``-c`` jobs and a link: the same flags."""
    srcs = [a for a in cmd if a.endswith(".cpp")]
    exe = cmd[cmd.index("-o") + 1]
    flags = [a for a in cmd[1:] if a not in srcs and a not in ("-o", exe)]
    objs = [str(bdir / (Path(s).stem + ".o")) for s in srcs]
    _run_compiles(
        (*([cmd[0], *flags, "-c", s, "-o", o] for s, o in zip(srcs, objs, strict=True)), [cmd[0], *objs, "-o", exe]),
        project,
        timeout,
    )


def _run_compiles(cmds: tuple[list[str], ...], project: Path, timeout: float) -> None:
    """The object compiles in parallel, then the link (the last command)."""
    *objs, link_cmd = cmds
    jobs = [subprocess.Popen(c, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in objs]
    errors = []
    for job in jobs:
        _, err = job.communicate(timeout=timeout)
        if job.returncode != 0:
            errors.append(err)
    if not errors:
        link = subprocess.run(link_cmd, cwd=project, capture_output=True, text=True, timeout=timeout, check=False)
        if link.returncode != 0:
            errors.append(link.stderr)
    if errors:
        err = "\n".join("\n".join(e.strip().splitlines()[-15:]) for e in errors)
        raise CheckFailed(f"C simulation did not compile ({' && '.join(shlex.join(c) for c in cmds)}):\n{err}")


def _build_and_run(
    cmds: tuple[list[str], ...], argv: list[str], project: Path, timeout: float, what: str
) -> tuple[subprocess.CompletedProcess, float, float]:
    """Compile and link ``cmds``, run the testbench ``argv`` in ``project``: (run, compile s, run s).

    The testbenches exit 0 (all match) or 1 (mismatches, still a result); anything else is ``what`` failing.
    """
    t0 = time.perf_counter()
    _run_compiles(cmds, project, timeout)
    t1 = time.perf_counter()
    run = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=timeout, check=False)
    t2 = time.perf_counter()
    if run.returncode not in (0, 1):
        raise CheckFailed(f"{what} failed (exit {run.returncode}): {(run.stderr or run.stdout).strip()[-500:]}")
    return run, t1 - t0, t2 - t1


def run_csim(
    project: str | os.PathLike,
    *,
    top: str = "myproject",
    build_dir: str | os.PathLike | None = None,
    max_listed: int = 10,
    cxx: str = "g++",
    timeout: float = 1800.0,
) -> CsimResult:
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
        cmds = compile_commands(project, bdir, top, cxx)
        out_file = bdir / "csim_outputs_raw.dat"
        run, compile_s, run_s = _build_and_run(
            cmds,
            [str(exe), "tb_data/inputs_raw.dat", "tb_data/expected_raw.dat", str(out_file)],
            project,
            timeout,
            "C simulation testbench",
        )
        expected = np.loadtxt(project / "tb_data" / "expected_raw.dat", dtype=np.int64, ndmin=2)
        got = (
            np.loadtxt(out_file, dtype=np.int64, ndmin=2)
            if out_file.stat().st_size
            else np.zeros((0, expected.shape[1]), np.int64)
        )
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
    return CsimResult(
        int(expected.shape[0]),
        int(len(bad_rows)),
        tuple(first),
        got,
        summary,
        compile_s,
        run_s,
        " && ".join(shlex.join(c) for c in cmds),
    )


@dataclass(frozen=True)
class BusCsimRun:
    """A wrapper's C simulation (AXI-Stream top, AXI-Lite top or Vitis kernel): the words it wrote (``<hex>
    <last>`` lines) and its summary."""

    words_text: str
    tb_summary: str
    returncode: int
    compile_seconds: float
    run_seconds: float
    command: str


def run_bus_csim(
    project: str | os.PathLike,
    *,
    top: str,
    wrapper: str,
    testbench: str,
    in_file: str,
    expected_file: str,
    what: str,
    include: tuple[str, ...] = (),
    cxx: str = "g++",
    timeout: float = 1800.0,
    firmware_object: Path | None = None,
) -> BusCsimRun:
    """Compile the firmware, ``firmware/<wrapper>.cpp`` and ``tb/<testbench>.cpp`` (``include``: extra ``-I``
    directories) and feed the testbench the project's input words; its summary line starts ``fpga_prune
    <testbench>:``.

    ``firmware_object``: the firmware already compiled by :func:`run_csim` with the same flags (its
    ``build_dir``), linked instead of compiled again -- it is most of the compile time."""
    project = Path(project)
    if shutil.which(cxx) is None:
        raise InputError(cxx, None, "C++ compiler not found on PATH (needed for the C simulation check)")
    bdir = Path(tempfile.mkdtemp(prefix=f"fpga_prune_{testbench}_"))
    try:
        weights = f'-DWEIGHTS_DIR="{project.resolve() / "firmware" / "weights"}"'
        inc = ["-Ifirmware", "-Ifirmware/ap_types", *(f"-I{d}" for d in include), weights]
        gen = project / CODE_GEN
        fw_flags = firmware_cxxflags(gen.read_bytes() if gen.is_file() else None)
        reuse = firmware_object is not None and firmware_object.is_file()
        objs = [
            str(firmware_object if reuse else bdir / f"{top}.o"),
            str(bdir / f"{wrapper}.o"),
            str(bdir / f"{testbench}.o"),
        ]
        exe = bdir / testbench
        cmds = (
            *([] if reuse else [[cxx, *fw_flags.split(), *inc, "-c", f"firmware/{top}.cpp", "-o", objs[0]]]),
            [cxx, *CXXFLAGS.split(), *inc, "-c", f"firmware/{wrapper}.cpp", "-o", objs[1]],
            [cxx, *CXXFLAGS.split(), *inc, "-c", f"tb/{testbench}.cpp", "-o", objs[2]],
            [cxx, *objs, "-o", str(exe)],
        )
        out_file = bdir / "words_out.dat"
        run, compile_s, run_s = _build_and_run(
            cmds, [str(exe), in_file, expected_file, str(out_file)], project, timeout, what
        )
        text = out_file.read_text() if out_file.is_file() else ""
    finally:
        shutil.rmtree(bdir, ignore_errors=True)
    summary = next((ln for ln in run.stdout.splitlines() if ln.startswith(f"fpga_prune {testbench}:")), "")
    return BusCsimRun(text, summary, run.returncode, compile_s, run_s, " && ".join(shlex.join(c) for c in cmds))


def run_axis_csim(
    project: str | os.PathLike,
    *,
    top: str = "myproject",
    axi_top: str = "myproject_axi",
    in_file: str = "tb_data/axis_in.dat",
    expected_file: str = "tb_data/axis_expected.dat",
    cxx: str = "g++",
    timeout: float = 1800.0,
    firmware_object: Path | None = None,
) -> BusCsimRun:
    """The AXI-Stream top's C simulation (the g++ line of ``make csim-axi``: ``tb/csim_include`` stands in for
    Vitis' ``ap_axi_sdata.h``), fed the project's input words."""
    return run_bus_csim(
        project,
        top=top,
        wrapper=axi_top,
        testbench="tb_axi",
        in_file=in_file,
        expected_file=expected_file,
        what="AXI-Stream C simulation",
        include=("tb/csim_include",),
        cxx=cxx,
        timeout=timeout,
        firmware_object=firmware_object,
    )


def run_kernel_csim(
    project: str | os.PathLike,
    *,
    top: str = "myproject",
    kernel: str = "myproject_kernel",
    in_file: str = "tb_data/kernel_in.dat",
    expected_file: str = "tb_data/kernel_expected.dat",
    cxx: str = "g++",
    timeout: float = 1800.0,
    firmware_object: Path | None = None,
) -> BusCsimRun:
    """The Vitis kernel's C simulation (the g++ line of ``make csim-kernel``): one kernel call a run of the
    project's input words, on buffers with guard words."""
    return run_bus_csim(
        project,
        top=top,
        wrapper=kernel,
        testbench="tb_kernel",
        in_file=in_file,
        expected_file=expected_file,
        what="Vitis kernel C simulation",
        cxx=cxx,
        timeout=timeout,
        firmware_object=firmware_object,
    )


def run_axil_csim(
    project: str | os.PathLike,
    *,
    top: str = "myproject",
    axil_top: str = "myproject_axil",
    in_file: str = "tb_data/axil_in.dat",
    expected_file: str = "tb_data/axil_expected.dat",
    cxx: str = "g++",
    timeout: float = 1800.0,
    firmware_object: Path | None = None,
) -> BusCsimRun:
    """The AXI-Lite top's C simulation (the g++ line of ``make csim-axil``): one call a sample of the project's
    input words, as the register words a host writes."""
    return run_bus_csim(
        project,
        top=top,
        wrapper=axil_top,
        testbench="tb_axil",
        in_file=in_file,
        expected_file=expected_file,
        what="AXI-Lite C simulation",
        cxx=cxx,
        timeout=timeout,
        firmware_object=firmware_object,
    )
