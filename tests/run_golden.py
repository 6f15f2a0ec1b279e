"""The golden digest of one ``fpga-prune run`` from a fixed trained model (pynq-z2, the fast test settings).

Why: refactors must leave what the tool writes unchanged, on every machine.  TensorFlow training is not
bit-identical across CPUs (the same seed gave validation Brier 0.23228566702 on one AMD EPYC and
0.23228566685 on another), so the golden run starts from the committed model in ``tests/golden/model``
(made by this project's own training, see ``tests/golden/README.md``) and prunes without fine-tuning
(``--finetune-epochs 0``).  What follows — the pruning search, quantized weights, firmware, vectors, RTL and
every check — is compared byte for byte; numbers inside JSON files are compared to 1e-6, since the few
that come from Keras forward passes (the float model's metrics, rounded to 6 digits) may move one unit in
the last digit.  Training itself is compared in ``test_golden.py`` (metrics to 1e-6, same best epoch).

The digest keeps every file's sha256 except what legitimately varies between runs and machines (timings,
absolute paths, simulator build products, tool and library versions, matplotlib's PNG/HTML rendering); a
JSON file is kept as the sha256 of its structure with numbers blanked, plus its numbers.

Regenerate after an intended change:
``python tests/run_golden.py RUN_DIR > tests/golden/run-pynq-z2-fixed-model.json``
where RUN_DIR was written by ``fpga-prune`` with ``golden_args(RUN_DIR)``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).parent / "golden"
GOLDEN = GOLDEN_DIR / "run-pynq-z2-fixed-model.json"
MODEL = GOLDEN_DIR / "model"
#: how tests/golden/model was trained (tests/golden/README.md; test_run compares a retraining to it)
TRAIN_ARGS = ("--data", "sample:btcusdt-5m", "--epochs", "12", "--patience", "3", "--n-boot", "200", "--seed", "0")
#: the tolerance on numbers that may come from floating-point training or inference
TOLERANCE = 1e-6

# Whole files left out of the byte digest (their numbers are kept below).
_VARYING = {
    "run.json",
    "report.html",
    "report.md",
    "report.json",
    "project/verify.json",
    "project/verify.xml",
    "project/manifest.json",
}
_VERIFY_KEYS = ("name", "kind", "passed", "mismatches", "vectors", "latency_cycles", "ii")


def golden_args(out: Path) -> list[str]:
    """The ``fpga-prune`` arguments of the golden run into ``out``."""
    return [
        "run",
        "--board",
        "pynq-z2",
        "--model",
        str(MODEL),
        "--data",
        "sample:btcusdt-5m",
        "--out",
        str(out),
        "--finetune-epochs",
        "0",
        "--n-boot",
        "200",
        "--vectors",
        "600",
        "--stress",
        "32",
        "--interface",
        "none",  # the bare IP: the digest predates --interface, so it proves none writes what it always did
    ]


def _strip_versions(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_versions(v) for k, v in obj.items() if k not in ("version", "tool_versions")}
    if isinstance(obj, list):
        return [_strip_versions(v) for v in obj]
    return obj


def placeless(data: bytes, out: Path) -> bytes:
    """A run records where it and its candles were: the run directory becomes ``<RUN>``, the checkout
    ``<REPO>`` and any directory in front of a candle file's name ``<DATA>``, so the digest holds anywhere."""
    data = data.replace(str(out).encode(), b"<RUN>").replace(str(GOLDEN_DIR.parent.parent).encode(), b"<REPO>")
    return re.sub(rb'[^"\s`(]*/([^/"\s`]+\.(?:csv|json|jsonl|gz))', rb"<DATA>/\1", data)


def numbers_apart(obj: Any, path: str = "") -> tuple[Any, dict[str, float]]:
    """``obj`` with every float replaced by ``"<num>"``, and those floats by their JSON path."""
    if isinstance(obj, float):
        return "<num>", {path: obj}
    if isinstance(obj, dict):
        shape, nums = {}, {}
        for k, v in obj.items():
            shape[k], n = numbers_apart(v, f"{path}/{k}")
            nums |= n
        return shape, nums
    if isinstance(obj, list):
        shape_l, nums = [], {}
        for i, v in enumerate(obj):
            s, n = numbers_apart(v, f"{path}/{i}")
            shape_l.append(s)
            nums |= n
        return shape_l, nums
    return obj, {}


def _json_digest(doc: Any) -> dict[str, Any]:
    shape, nums = numbers_apart(doc)
    return {"shape_sha256": hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest(), "numbers": nums}


#: the project README names the pruned bundle by one hash over its files (``PrunedModel.model_sha256``),
#: JSON files among them whose Keras-computed metrics may move in the last digit across CPUs: the hash is
#: blanked (those files' numbers are compared to ``TOLERANCE`` on their own)
_BUNDLE_HASH = re.compile(rb"(pruned Keras model \(sha256 `)[0-9a-f]{16}")


def digest(out: Path) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if not p.is_file() or rel in _VARYING or rel.startswith("project/build/") or p.suffix == ".png":
            continue
        data = placeless(p.read_bytes(), out)
        if rel == "project/README.md":
            data = _BUNDLE_HASH.sub(rb"\1<bundle>", data)
        files[rel] = _json_digest(json.loads(data)) if p.suffix == ".json" else hashlib.sha256(data).hexdigest()
    verify = json.loads((out / "project" / "verify.json").read_text())
    checks = [
        {k: c[k] for k in _VERIFY_KEYS if k in c}
        | {
            "tests": {
                t: {k: v[k] for k in ("vectors", "mismatches", "ii", "latency_cycles") if k in v}
                for t, v in sorted(c.get("tests", {}).items())
            }
        }
        for c in verify["checks"]
    ]
    manifest = json.loads((out / "project" / "manifest.json").read_text())
    report = _strip_versions(json.loads(placeless((out / "report.json").read_bytes(), out)))
    return {
        "files": files,
        "manifest_files": sorted(manifest["files"]),
        "report": _json_digest(report),
        "verify": {"ok": verify["ok"], "vectors": verify["vectors"], "checks": checks},
    }


def differences(got: Any, want: Any, path: str = "", tol: float = TOLERANCE) -> list[str]:
    """Where ``got`` and ``want`` differ: numbers beyond ``tol``, anything else at all."""
    if isinstance(want, float) or isinstance(got, float):
        ok = (
            isinstance(got, (int, float))
            and isinstance(want, (int, float))
            and math.isclose(got, want, rel_tol=tol, abs_tol=tol * (1 + 1e-9))
        )
        return [] if ok else [f"{path}: {got!r} != {want!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{path}/{k}: missing" for k in want.keys() - got.keys()]
        out += [f"{path}/{k}: unexpected" for k in got.keys() - want.keys()]
        for k in sorted(want.keys() & got.keys()):
            out += differences(got[k], want[k], f"{path}/{k}", tol)
        return out
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (g, w) in enumerate(zip(got, want)) for d in differences(g, w, f"{path}/{i}", tol)]
    return [] if got == want else [f"{path}: {str(got)[:80]} != {str(want)[:80]}"]


if __name__ == "__main__":
    print(json.dumps(digest(Path(sys.argv[1])), indent=1, sort_keys=True))
