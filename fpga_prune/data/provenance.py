"""Which candles a model bundle was made from, so later steps find them without ``--data``.

Why a hash beside the path: ``prune`` and ``generate`` must use the very
candles the scaler was fit on, or the test split is no longer held out.  A
path alone cannot tell a file that was edited or replaced since; the sha256
can, and then the user is told to pass ``--data`` instead of getting a model
evaluated on other data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NotRequired, TypedDict

from fpga_prune.data.builtin import PREFIX, SAMPLES, get_sample, sample_of
from fpga_prune.data.candles import Candles
from fpga_prune.data.layout import FileFormatDoc
from fpga_prune.data.timeutil import format_ts
from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonObject, try_read_json
from fpga_prune.provenance import sha256_file

METRICS_FILE = "metrics.json"


class DataRecord(TypedDict):
    """The ``data`` entry of a bundle's ``metrics.json`` (``data_record``)."""

    source: str
    sha256: str | None
    symbol: str
    interval_ms: int
    candles: int
    start: str
    end: str
    format: FileFormatDoc | None
    sample: NotRequired[str]


def data_record(candles: Candles) -> DataRecord:
    """The ``data`` entry of a bundle's metrics.json: the file (absolute path, sha256) and what it held."""
    path = Path(candles.source)
    is_file = bool(candles.source) and path.is_file()
    record: DataRecord = {
        "source": str(path.resolve()) if is_file else str(candles.source),
        "sha256": sha256_file(path) if is_file else None,
        "symbol": candles.symbol,
        "interval_ms": candles.interval_ms,
        "candles": len(candles),
        "start": format_ts(int(candles.timestamp_ms[0])),
        "end": format_ts(int(candles.timestamp_ms[-1])),
        "format": None if candles.layout is None else candles.layout.to_dict(),
    }
    sample = sample_of(path) if is_file else None
    if sample is not None:  # a built-in sample: recorded by name, so the bundle reads the same on any machine
        record["source"] = PREFIX + sample
        record["sample"] = sample
    return record


def _metrics(directory: Path) -> JsonObject | None:
    doc = try_read_json(directory / METRICS_FILE)
    return doc if isinstance(doc, dict) else None


def _record(directory: Path) -> tuple[Path, JsonObject] | None:
    """(metrics.json holding it, the data record) of a bundle, else of the bundle it was pruned from."""
    doc = _metrics(directory)
    if doc is None:
        return None
    if isinstance(doc.get("data"), dict) and doc["data"].get("source"):
        return directory / METRICS_FILE, doc["data"]
    parent = doc.get("pruned_from")
    if isinstance(parent, str) and parent:
        for cand in (Path(parent), directory.parent / Path(parent).name):
            found = _record(cand) if cand.is_dir() and cand.resolve() != directory.resolve() else None
            if found is not None:
                return found
    return None


def recorded_source(bundle_dir: str | os.PathLike[str]) -> Path:
    """The candle file ``bundle_dir`` records; InputError when none is recorded, it moved or it changed."""
    d = Path(bundle_dir)
    found = _record(d) if d.is_dir() else None
    if found is None:
        raise InputError(
            "--data", None, f"not given, and {d} records no candle file it was made from; pass --data FILE"
        )
    where, rec = found
    path = Path(str(rec["source"]))
    if not path.is_file() and isinstance(rec.get("sample"), str) and rec["sample"] in SAMPLES:
        path = get_sample(rec["sample"]).file  # the same sample in this installation (sha256 checked below)
    if not path.is_file():
        raise InputError(
            where,
            "data.source",
            f"{path} no longer exists (moved or deleted?); pass --data FILE with the candles the model was trained on",
        )
    sha = rec.get("sha256")
    if sha:
        now = sha256_file(path)
        if now != sha:
            raise InputError(
                where,
                "data.sha256",
                f"{path} changed since the model was made (sha256 "
                f"{sha[:12]}..., now {now[:12]}...); pass --data FILE with the original candles",
            )
    return path
