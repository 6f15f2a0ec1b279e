"""hls4ml projects for the foreign-project tests: written by hls4ml 1.3, verified through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def write_project(model, out: Path, top: str | None = None, **settings) -> Path:
    """hls4ml's project of ``model`` (``HlsSettings(**settings)``), its top renamed to ``top`` if given."""
    from fpga_prune.hls_adapter import convert
    from fpga_prune.hls_settings import HlsSettings

    convert(model, HlsSettings(**settings), out).write()
    if top:  # hls_adapter.convert always names the top myproject: rename it as ProjectName would
        for f in sorted(p for p in out.rglob("*") if p.is_file() and "weights" not in p.parts
                        and p.suffix in (".h", ".cpp", ".tcl", ".yml", ".sh")):
            text = f.read_text(errors="replace")
            new = text.replace("myproject", top).replace("MYPROJECT", top.upper())
            if new != text:
                f.write_text(new)
        for f in sorted(out.rglob("*myproject*"), reverse=True):
            f.rename(f.with_name(f.name.replace("myproject", top)))
    return out


def verify_model_check(prj: Path) -> dict:
    """``fpga-prune verify PRJ --json`` (the project's C simulation as reference): its bit-accurate-model check."""
    r = subprocess.run([sys.executable, "-m", "fpga_prune.cli", "verify", str(prj), "--json"], cwd=REPO,
                       capture_output=True, text=True, timeout=900, check=False)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return next(c for c in json.loads(r.stdout)["checks"] if c["name"] == "bit_accurate_model")
