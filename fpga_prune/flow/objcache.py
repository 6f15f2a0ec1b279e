"""A compiler wrapper for Verilator's ``OBJCACHE`` hook: build the simulator runtime once, not per design.

Why: a cocotb + Verilator build compiles Verilator's runtime (``verilated.cpp``,
``verilated_vpi.cpp``, ``verilated_threads.cpp``, ``verilated_dpi.cpp``) and
cocotb's ``verilator.cpp`` into every build directory.  Those five files are
~90 % of the build time (about 70 s of 77 s for a small network on two busy
cores) and do not depend on the design.  ``verilated.mk`` runs every compile
as ``$(OBJCACHE) $(CXX) ...``; with ``OBJCACHE="python -m fpga_prune.flow.objcache"``
this module serves those objects from a cache keyed by everything that
defines them, and runs the compiler unchanged for everything else.  No ccache
needed (it is not a Python dependency).

Key of one object: the full command line (output name excluded), the
compiler's path, size and mtime, the source's bytes, the name/size/mtime of
every file in the source's directory (the runtime's own headers), and the
bytes of any build-directory header the source includes (cocotb's
``verilator.cpp`` includes the model's ``Vtop.h``).  Only sources outside the
build directory are cached; the design's own C++ always compiles.

Cache directory: ``$FPGA_PRUNE_OBJCACHE``, else the user cache directory
(``platformdirs``) ``fpga_prune/verilator-objs``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_SOURCE_SUFFIXES = (".cpp", ".cc", ".cxx", ".c")
_INCLUDE_RE = re.compile(rb'^\s*#\s*include\s+"([^"]+)"', re.M)


def cache_dir() -> Path:
    env = os.environ.get("FPGA_PRUNE_OBJCACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir  # noqa: PLC0415  (only when no cache dir is set)

    return Path(user_cache_dir("fpga_prune")) / "verilator-objs"


def _local_headers(text: bytes, cwd: Path, seen: set[str]) -> list[tuple[str, bytes]]:
    """Build-directory headers ``text`` includes, transitively (name, bytes)."""
    out = []
    for m in _INCLUDE_RE.finditer(text):
        name = m.group(1).decode(errors="replace")
        p = cwd / name
        if name in seen or not p.is_file():
            continue
        seen.add(name)
        data = p.read_bytes()
        out.append((name, data))
        out.extend(_local_headers(data, cwd, seen))
    return out


def object_key(cmd: list[str], out: str, src: Path, cwd: Path) -> str | None:
    """The cache key of one ``-c`` compile, or None when it must not be cached."""
    try:
        src_r, cwd_r = src.resolve(), cwd.resolve()
    except OSError:
        return None
    if cwd_r == src_r.parent or cwd_r in src_r.parents:
        return None  # the design's own C++
    exe = shutil.which(cmd[0])
    if exe is None:
        return None
    h = hashlib.sha256()
    st = os.stat(exe)
    h.update(f"{exe}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    for a in cmd:
        h.update((a if a != out else "<out>").encode() + b"\0")
    text = src_r.read_bytes()
    h.update(text)
    for p in sorted(src_r.parent.iterdir()):
        if p.is_file():
            s = p.stat()
            h.update(f"{p.name}\0{s.st_size}\0{s.st_mtime_ns}\0".encode())
    for name, data in _local_headers(text, cwd_r, set()):
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def run(cmd: list[str], cwd: Path | None = None) -> int:
    """Compile ``cmd`` (a compiler command line) through the cache; returns the compiler's exit code."""
    cwd = cwd or Path.cwd()
    if "-c" not in cmd or "-o" not in cmd:
        return subprocess.call(cmd, cwd=cwd)
    out = cmd[cmd.index("-o") + 1]
    srcs = [a for a in cmd[1:] if a.endswith(_SOURCE_SUFFIXES) and (cwd / a).is_file()]
    if len(srcs) != 1:
        return subprocess.call(cmd, cwd=cwd)
    key = object_key(cmd, out, cwd / srcs[0], cwd)
    if key is None:
        return subprocess.call(cmd, cwd=cwd)
    store = cache_dir()
    cached = store / f"{key}.o"
    target = cwd / out
    if cached.is_file():
        shutil.copyfile(cached, target)
        return 0
    rc = subprocess.call(cmd, cwd=cwd)
    if rc == 0 and target.is_file():
        store.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=store, suffix=".tmp")
        os.close(fd)
        shutil.copyfile(target, tmp)
        os.replace(tmp, cached)  # atomic: concurrent builds never see half an object
    return rc


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m fpga_prune.flow.objcache COMPILER ARGS...", file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
