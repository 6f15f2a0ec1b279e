"""The golden digest of one ``fpga-prune run`` (pynq-z2, the fast test settings).

Why: refactors must leave what the tool writes unchanged.  The digest keeps
every file's sha256 except what legitimately varies between runs and
machines (timings, absolute paths, simulator build products, tool and
library versions, matplotlib's PNG/HTML rendering), and keeps the numbers of
those files instead: report.json without its version fields, the verify
results per check and test, the manifest's file hashes.

Regenerate after an intended change:
``python tests/run_golden.py RUN_DIR > tests/golden/run-pynq-z2-fast.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden" / "run-pynq-z2-fast.json"

# Whole files left out of the byte digest (their numbers are kept below).
_VARYING = {"run.json", "report.html", "report.md", "report.json",
            "project/verify.json", "project/verify.xml", "project/manifest.json"}
_VERIFY_KEYS = ("name", "kind", "passed", "mismatches", "vectors", "latency_cycles", "ii")


def _strip_versions(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_versions(v) for k, v in obj.items() if k not in ("version", "tool_versions")}
    if isinstance(obj, list):
        return [_strip_versions(v) for v in obj]
    return obj


def _placeless(data: bytes, out: Path) -> bytes:
    """A run records where it and its candles were: the run directory becomes ``<RUN>`` and any
    directory in front of a candle file's name ``<DATA>``, so the digest holds on any checkout."""
    data = data.replace(str(out).encode(), b"<RUN>")
    return re.sub(rb'[^"\s`(]*/([^/"\s`]+\.(?:csv|json|jsonl))', rb"<DATA>/\1", data)


def digest(out: Path) -> dict[str, Any]:
    files = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if not p.is_file() or rel in _VARYING or rel.startswith("project/build/") or p.suffix == ".png":
            continue
        files[rel] = hashlib.sha256(_placeless(p.read_bytes(), out)).hexdigest()
    verify = json.loads((out / "project" / "verify.json").read_text())
    checks = [{k: c[k] for k in _VERIFY_KEYS if k in c}
              | {"tests": {t: {k: v[k] for k in ("vectors", "mismatches", "ii", "latency_cycles") if k in v}
                           for t, v in sorted(c.get("tests", {}).items())}}
              for c in verify["checks"]]
    manifest = json.loads((out / "project" / "manifest.json").read_text())
    return {
        "files": files,
        "manifest_files": manifest["files"],
        "report": _strip_versions(json.loads(_placeless((out / "report.json").read_bytes(), out))),
        "verify": {"ok": verify["ok"], "vectors": verify["vectors"], "checks": checks},
    }


if __name__ == "__main__":
    print(json.dumps(digest(Path(sys.argv[1])), indent=1, sort_keys=True))
