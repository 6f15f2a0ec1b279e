"""``fpga_prune.arith.fixed`` against the real ``ap_fixed`` headers hls4ml ships.

A seeded generator draws random types (signed/unsigned, widths 1..40, integer
bits negative and beyond the width), gives every quantization x overflow mode
combination (and AP_WRAP with saturation bits) its turn, and random raw values
with the edge values mixed in.  ``tests/cpp/ap_harness.cpp`` is compiled once
per session with g++ against hls4ml's ap_types and evaluates every case; each
test asserts zero differences.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import fixed
from fpga_prune.arith.fixed import OVERFLOW_MODES, QUANT_MODES, FixedType

pytestmark = pytest.mark.slow  # runs g++

HARNESS = Path(__file__).resolve().parent / "cpp" / "ap_harness.cpp"
SEED = 20240604
# NDEBUG: ap_fixed_base::operator= reads the bit below the new LSB before it
# checks that it exists (the value is then unused); ap_private asserts on that
# read when the shift exceeds the source width.
FLAGS = ("-std=c++14", "-O0", "-w", "-DNDEBUG")
MODE_COMBOS = [(q, o, 0) for q in QUANT_MODES for o in OVERFLOW_MODES]


def ap_types_dir() -> Path:
    spec = importlib.util.find_spec("hls4ml")
    assert spec is not None and spec.submodule_search_locations, "hls4ml is a declared dependency"
    return Path(list(spec.submodule_search_locations)[0]) / "templates" / "vivado" / "ap_types"


def cpp_type(t: FixedType) -> str:
    kind = "ap_fixed" if t.signed else "ap_ufixed"
    return f"{kind}<{t.width},{t.integer},{t.rounding},{t.saturation},{t.sat_bits}>"


def bits(raw: int, t: FixedType) -> str:
    return format(int(raw) & ((1 << t.width) - 1), f"0{t.width}b")


def unbits(s: str, signed: bool) -> int:
    u = int(s, 2)
    return u - (1 << len(s)) if signed and s[0] == "1" else u


def rand_type(rng: np.random.Generator, modes=None, max_w: int = 40) -> FixedType:
    signed = bool(rng.integers(2))
    w = int(rng.integers(1, max_w + 1))
    i = int(rng.integers(-6, w + 7))
    if modes is None:
        q, o, n = QUANT_MODES[rng.integers(7)], OVERFLOW_MODES[rng.integers(4)], 0
    else:
        q, o, n = modes
    if n == -1:  # "some saturation bits"
        n = int(rng.integers(1, w + 1))
    return FixedType(signed, w, i, q, o, n)


def rand_raws(rng: np.random.Generator, t: FixedType, n: int) -> list[int]:
    """Uniform bit patterns, plus the extremes and values near zero."""
    lo, hi = t.raw_min, t.raw_max
    edges = [lo, hi, 0, min(1, hi), max(-1, lo), min(lo + 1, hi), max(hi - 1, lo)]
    k = n - len(edges)
    u = [int(x) for x in rng.integers(0, 1 << min(t.width, 62), size=k, dtype=np.int64)]
    if t.width > 62:
        u = [(x << (t.width - 62)) | int(rng.integers(0, 1 << (t.width - 62))) for x in u]
    return edges + [unbits(bits(x, t), t.signed) for x in u]


def rand_doubles(rng: np.random.Generator, t: FixedType, n: int) -> np.ndarray:
    """Doubles around t's range, exact ties of t's LSB, and IEEE specials."""
    scale = 2.0 ** (t.integer - (1 if t.signed else 0))
    lsb = t.lsb
    spec = [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        scale,
        -scale,
        scale - lsb,
        -scale + lsb,
        lsb / 2,
        -lsb / 2,
        1.5 * lsb,
        -1.5 * lsb,
        5e-324,
        -5e-324,
        1e300,
        -1e300,
        2.0**-1022,
        0.1,
        -0.1,
        np.nan,
        -np.nan,
    ]
    k = n - len(spec)
    mags = rng.uniform(-1, 1, size=k) * scale * 2.0 ** rng.integers(-4, 4, size=k)
    ties = (np.round(mags / lsb) + 0.5) * lsb
    mags = np.where(rng.integers(0, 3, size=k) == 0, ties, mags)
    return np.concatenate([np.array(spec), mags])


@dataclass
class Case:
    kind: str  # cast | double | mul | add | acc | toint
    a_t: FixedType
    b_t: FixedType | None
    a: list
    b: list | None = None


def make_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)
    cases: list[Case] = []
    wrap_n = [(q, "AP_WRAP", -1) for q in QUANT_MODES]
    n_vals = 240
    # casts: every Q x O combination 4 times, AP_WRAP+N per rounding mode twice
    for modes in MODE_COMBOS * 4 + wrap_n * 2:
        src, dst = rand_type(rng), rand_type(rng, modes)
        if rng.integers(4) == 0:  # also nearby formats: small shifts, ties, carries
            dst = FixedType(
                dst.signed,
                max(1, src.width + int(rng.integers(-3, 2))),
                src.integer + int(rng.integers(-2, 2)),
                *modes[:2],
                min(dst.sat_bits, max(1, src.width - 3)),
            )
        cases.append(Case("cast", src, dst, rand_raws(rng, src, n_vals)))
    # casts from wide sources (products up to 80 bits, beyond int64)
    for modes in MODE_COMBOS[::2]:
        src = rand_type(rng, max_w=40)
        src = FixedType(src.signed, src.width + 40, src.integer + int(rng.integers(0, 20)))
        cases.append(Case("cast", src, rand_type(rng, modes), rand_raws(rng, src, 60)))
    # casts into types beyond int64 (the Python-int path)
    for q in QUANT_MODES:
        src, dst = rand_type(rng), rand_type(rng, (q, OVERFLOW_MODES[rng.integers(4)], 0))
        dst = FixedType(dst.signed, dst.width + 50, dst.integer + 20, dst.rounding, dst.saturation)
        cases.append(Case("cast", src, dst, rand_raws(rng, src, 60)))
    # doubles (also into types beyond int64)
    for modes in MODE_COMBOS * 2 + wrap_n:
        t = rand_type(rng, modes)
        cases.append(Case("double", t, None, list(rand_doubles(rng, t, 160))))
    for q in QUANT_MODES:
        t = rand_type(rng, (q, OVERFLOW_MODES[rng.integers(4)], 0))
        t = FixedType(t.signed, t.width + 50, t.integer + 20, t.rounding, t.saturation)
        cases.append(Case("double", t, None, list(rand_doubles(rng, t, 60))))
    # full-precision products, sums, and acc += x
    for kind in ("mul", "add"):
        for _ in range(15):
            a_t, b_t = rand_type(rng), rand_type(rng)
            cases.append(Case(kind, a_t, b_t, rand_raws(rng, a_t, 100), rand_raws(rng, b_t, 100)))
    for modes in MODE_COMBOS + wrap_n:
        a_t, b_t = rand_type(rng, modes), rand_type(rng)
        cases.append(Case("acc", a_t, b_t, rand_raws(rng, a_t, 100), rand_raws(rng, b_t, 100)))
    # to_int: integer bits 0..W+6 (integer < 0 reads uninitialised memory in the header)
    for _ in range(20):
        t = rand_type(rng)
        t = FixedType(t.signed, t.width, abs(t.integer), t.rounding, t.saturation)
        cases.append(Case("toint", t, None, rand_raws(rng, t, 100)))
    return cases


def render_case(i: int, c: Case) -> str:
    if c.kind == "cast":
        body = f"typedef {cpp_type(c.a_t)} S; typedef {cpp_type(c.b_t)} D; run_cast<S, D>(a, b);"
    elif c.kind == "double":
        body = f"typedef {cpp_type(c.a_t)} D; run_double<D>(a, b);"
    elif c.kind == "toint":
        body = f"typedef {cpp_type(c.a_t)} T; run_to_int<T>(a, b);"
    else:
        body = f"typedef {cpp_type(c.a_t)} A; typedef {cpp_type(c.b_t)} B; run_{c.kind}<A, B>(a, b);"
    return f"    case {i}: {{ {body} return true; }}"


def render_sources(cases: list[Case], n_parts: int) -> dict[str, str]:
    """``cases_<k>.inc`` tables (round-robin, so parts cost about the same) and ``parts.inc``."""
    sig = "(long id, const std::string& a, const std::string& b)"
    files = {}
    for k in range(n_parts):
        lines = [f"bool dispatch_part{k}{sig} {{", "  switch (id) {"]
        lines += [render_case(i, c) for i, c in enumerate(cases) if i % n_parts == k]
        lines += ["    default: return false;", "  }", "}", ""]
        files[f"cases_{k}.inc"] = "\n".join(lines)
    decls = [f"bool dispatch_part{k}{sig};" for k in range(n_parts)]
    calls = " || ".join(f"dispatch_part{k}(id, a, b)" for k in range(n_parts))
    files["parts.inc"] = "\n".join(decls + [f"static bool dispatch{sig} {{ return {calls}; }}", ""])
    return files


def build_harness(cases: list[Case], cache_root: Path, work: Path) -> Path:
    """Compile (in parallel parts) or reuse a cached build for identical sources."""
    gxx = shutil.which("g++")
    assert gxx, "g++ is required (it is on every CI machine)"
    n_parts = max(2, min(6, os.cpu_count() or 2))
    files = render_sources(cases, n_parts)
    files["ap_harness.cpp"] = HARNESS.read_text()
    inc = ap_types_dir()
    key = hashlib.sha256()
    version = subprocess.run([gxx, "--version"], capture_output=True, text=True).stdout
    for name in sorted(files):
        key.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    key.update(version.encode() + str(inc).encode() + " ".join(FLAGS).encode())
    for h in sorted(inc.glob("*.h")) + sorted((inc / "etc").glob("*.h")):
        key.update(h.read_bytes())
    cached = cache_root / f"ap_harness-{key.hexdigest()[:20]}"
    if cached.exists():
        return cached
    for name, text in files.items():
        (work / name).write_text(text)
    flags = [gxx, *FLAGS, f"-I{inc}", "-I."]
    jobs = [flags + ["-c", "-DHARNESS_MAIN", "ap_harness.cpp", "-o", "main.o"]]
    jobs += [
        flags + ["-c", f'-DHARNESS_CASES="cases_{k}.inc"', "ap_harness.cpp", "-o", f"part{k}.o"] for k in range(n_parts)
    ]
    procs = [subprocess.Popen(j, cwd=work, stderr=subprocess.PIPE, text=True) for j in jobs]
    errs = [(p.wait(), p.stderr.read()) for p in procs]
    assert all(rc == 0 for rc, _ in errs), "\n".join(e for _, e in errs)[-4000:]
    objs = ["main.o"] + [f"part{k}.o" for k in range(n_parts)]
    subprocess.run([gxx, "-o", "ap_harness", *objs], cwd=work, check=True)
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = cache_root / (cached.name + ".tmp")
    shutil.copy(work / "ap_harness", tmp)
    tmp.replace(cached)
    return cached


def stdin_lines(cases: list[Case]) -> list[str]:
    out = []
    for i, c in enumerate(cases):
        if c.kind == "double":
            out += [f"{i} {struct.unpack('<Q', struct.pack('<d', x))[0]:016x}" for x in c.a]
        elif c.kind in ("cast", "toint"):
            out += [f"{i} {bits(x, c.a_t)}" for x in c.a]
        else:
            out += [f"{i} {bits(x, c.a_t)} {bits(y, c.b_t)}" for x, y in zip(c.a, c.b)]
    return out


@pytest.fixture(scope="session")
def cpp_results(request, tmp_path_factory) -> tuple[list[Case], list[list[str]]]:
    """All cases and the harness's output lines for each case.

    The harness is built once per session, and reused from pytest's cache
    while the generated sources, headers and compiler are unchanged."""
    cases = make_cases()
    work = tmp_path_factory.mktemp("ap_harness")
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    cache_root = Path(cache.mkdir("fpga_prune_ap_harness")) if cache else work / "cache"
    exe = build_harness(cases, cache_root, work)
    lines = stdin_lines(cases)
    proc = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout.splitlines()
    assert len(out) == len(lines)
    per_case: list[list[str]] = []
    pos = 0
    for c in cases:
        per_case.append(out[pos : pos + len(c.a)])
        pos += len(c.a)
    return cases, per_case


def _select(cpp_results, kind):
    cases, outs = cpp_results
    picked = [(c, o) for c, o in zip(cases, outs) if c.kind == kind]
    assert picked
    return picked


def _diff_report(diffs: list[str]) -> str:
    return f"{len(diffs)} differences, first: " + "; ".join(diffs[:5])


def test_every_mode_combination_is_covered():
    cases = make_cases()
    seen = {(c.b_t.rounding, c.b_t.saturation, c.b_t.sat_bits > 0) for c in cases if c.kind == "cast"}
    assert {(q, o, False) for q, o, _ in MODE_COMBOS} <= seen
    assert {(q, "AP_WRAP", True) for q in QUANT_MODES} <= seen
    assert sum(len(c.a) for c in cases) > 40_000
    ts = [c.a_t for c in cases] + [c.b_t for c in cases if c.b_t]
    assert any(t.integer < 0 for t in ts) and any(t.integer > t.width for t in ts)
    assert {t.signed for t in ts} == {True, False}


def test_cast_matches_ap_fixed(cpp_results):
    diffs, n = [], 0
    for c, out in _select(cpp_results, "cast"):
        got = fixed.cast(np.array(c.a, dtype=object), c.a_t, c.b_t)
        # the exact Python-int path must agree with the vectorized one everywhere
        ref = fixed.cast_object(np.array(c.a, dtype=object), c.a_t.frac - c.b_t.frac, c.b_t)
        assert [int(v) for v in ref] == [int(v) for v in got], (c.a_t, c.b_t)
        for x, g, line in zip(c.a, got, out):
            n += 1
            if int(g) != unbits(line, c.b_t.signed):
                diffs.append(f"{c.a_t} {x} -> {c.b_t}: ours {int(g)}, C++ {unbits(line, c.b_t.signed)}")
    assert n > 25_000
    assert not diffs, _diff_report(diffs)


def test_from_float_matches_ap_fixed(cpp_results):
    diffs, n = [], 0
    for c, out in _select(cpp_results, "double"):
        got = fixed.from_float(np.array(c.a), c.a_t)
        for x, g, line in zip(c.a, got, out):
            n += 1
            if int(g) != unbits(line, c.a_t.signed):
                diffs.append(f"{x!r} -> {c.a_t}: ours {int(g)}, C++ {unbits(line, c.a_t.signed)}")
    assert n > 9_000
    assert not diffs, _diff_report(diffs)


@pytest.mark.parametrize("kind", ["mul", "add"])
def test_full_precision_ops_match_ap_fixed(cpp_results, kind):
    diffs = []
    op = fixed.mul_raw if kind == "mul" else fixed.add_raw
    for c, out in _select(cpp_results, kind):
        raw, t = op(np.array(c.a, dtype=np.int64), c.a_t, np.array(c.b, dtype=np.int64), c.b_t)
        w, i, s, _ = out[0].split()
        assert (t.width, t.integer, t.signed) == (int(w), int(i), bool(int(s))), (c.a_t, c.b_t)
        for x, y, g, line in zip(c.a, c.b, raw, out):
            ref = unbits(line.split()[3], t.signed)
            if int(g) != ref:
                diffs.append(f"{c.a_t} {x} {kind} {c.b_t} {y}: ours {int(g)}, C++ {ref}")
    assert not diffs, _diff_report(diffs)


def test_accumulate_matches_ap_fixed(cpp_results):
    """``acc += m`` == ``cast(add_raw(acc, m), acc_t)``: what the dense-layer model relies on."""
    diffs = []
    for c, out in _select(cpp_results, "acc"):
        s, st = fixed.add_raw(np.array(c.a, dtype=np.int64), c.a_t, np.array(c.b, dtype=np.int64), c.b_t)
        got = fixed.cast(s, st, c.a_t)
        for x, y, g, line in zip(c.a, c.b, got, out):
            if int(g) != unbits(line, c.a_t.signed):
                diffs.append(f"{c.a_t} {x} += {c.b_t} {y}: ours {int(g)}, C++ {unbits(line, c.a_t.signed)}")
    assert not diffs, _diff_report(diffs)


def test_to_int_matches_ap_fixed(cpp_results):
    diffs = []
    for c, out in _select(cpp_results, "toint"):
        got = fixed.to_int(np.array(c.a, dtype=np.int64), c.a_t)
        for x, g, line in zip(c.a, got, out):
            as_int, method = (int(v) for v in line.split())
            assert as_int == method
            if int(g) != as_int:
                diffs.append(f"{c.a_t} {x}: ours {int(g)}, C++ {as_int}")
    assert not diffs, _diff_report(diffs)
