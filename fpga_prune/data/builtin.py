"""Built-in candle samples: real Bybit candles shipped inside the package, by name.

Why: a fresh clone (or a wheel) has no ``shared/`` data beside it, yet the
main job must run offline.  Each sample is a gzip file under ``samples/``
with a JSON provenance file beside it (exchange, API, range, sha256, how it
was obtained); the JSON is the one place those facts live.  ``--data
sample:NAME`` (or ``load("sample:NAME")``) selects one, and the CLI uses
``DEFAULT`` when neither ``--data`` nor ``--symbol`` is given.
"""

from __future__ import annotations

import getpass
import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fpga_prune.data.timeutil import interval_label, interval_ms
from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonObject, write_bytes_atomic

#: how a source names a sample: ``sample:NAME``
PREFIX = "sample:"
#: the sample used when a command gets neither --data nor --symbol
DEFAULT = "btcusdt-5m"
#: sample name -> file stem under ``samples/`` (``STEM.csv.gz`` + ``STEM.json``)
SAMPLES: dict[str, str] = {"btcusdt-5m": "BTCUSDT-linear-5m-2025-04-03_2025-07-02"}
SAMPLES_DIR = Path(__file__).with_name("samples")


@dataclass(frozen=True)
class Sample:
    """One built-in sample, as its provenance file describes it."""

    name: str
    file: Path  # the packaged .csv.gz
    csv_name: str  # the name of the CSV it compresses
    exchange: str
    category: str
    symbol: str
    interval: str  # Bybit interval code
    first_candle: str
    last_candle: str
    rows: int
    sha256_csv: str
    sha256_gz: str
    provenance: JsonObject = field(compare=False, repr=False)

    @property
    def ref(self) -> str:
        """How a source names it: ``sample:NAME``."""
        return PREFIX + self.name

    def describe(self) -> str:
        """'Bybit BTCUSDT linear 5 min, 2025-04-03..2025-07-02, 25,920 candles'."""
        return (
            f"{self.exchange} {self.symbol} {self.category} {interval_label(interval_ms(self.interval))}, "
            f"{self.first_candle[:10]}..{self.last_candle[:10]}, {self.rows:,} candles"
        )

    def record(self) -> JsonObject:
        """What a data summary keeps of it: name, hashes and where the candles came from."""
        keys = (
            "exchange",
            "api",
            "category",
            "symbol",
            "interval",
            "first_candle",
            "last_candle",
            "rows",
            "obtained",
            "licence",
        )
        return {
            "name": self.name,
            "file": self.file.name,
            "sha256_csv": self.sha256_csv,
            "sha256_gz": self.sha256_gz,
            **{k: self.provenance.get(k) for k in keys},
        }


def sample_names() -> tuple[str, ...]:
    return tuple(SAMPLES)


def sample_ref(ref: str | os.PathLike[str]) -> str | None:
    """``'sample:NAME'`` -> ``'NAME'``; None for anything else (a file path)."""
    text = os.fspath(ref)
    return text[len(PREFIX) :] if text.startswith(PREFIX) else None


def get_sample(name: str) -> Sample:
    """The sample ``name``; InputError listing the valid names when there is none."""
    stem = SAMPLES.get(name)
    if stem is None:
        raise InputError(PREFIX + name, None, f"unknown sample {name!r}; valid: {', '.join(SAMPLES)}")
    meta_path = SAMPLES_DIR / f"{stem}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(
            f"built-in sample {name!r}: cannot read {meta_path} ({exc}); broken installation"
        ) from None
    return Sample(
        name=name,
        file=SAMPLES_DIR / meta["file"],
        csv_name=meta["csv_name"],
        exchange=meta["exchange"],
        category=meta["category"],
        symbol=meta["symbol"],
        interval=str(meta["interval"]),
        first_candle=meta["first_candle"],
        last_candle=meta["last_candle"],
        rows=int(meta["rows"]),
        sha256_csv=meta["sha256_csv"],
        sha256_gz=meta["sha256_gz"],
        provenance=meta,
    )


def sample_of(path: str | os.PathLike[str]) -> str | None:
    """The name of the sample whose packaged file ``path`` is, else None."""
    p = Path(path)
    if p.parent.resolve() != SAMPLES_DIR.resolve():
        return None
    for name, stem in SAMPLES.items():
        if p.name == f"{stem}.csv.gz":
            return name
    return None


def _user_cache_dir() -> Path:
    import platformdirs  # noqa: PLC0415  (only when a cache copy is wanted)

    return Path(platformdirs.user_cache_dir("fpga-prune")) / "samples"


def sample_path(name: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The sample as a plain CSV file (for tools that need a path), checked against its sha256.

    Decompressed once into ``CACHE/<sha256 prefix>/<csv name>`` (default: the
    user cache dir, else a per-user temp dir); written via a temp file and a
    rename, so parallel workers (pytest-xdist) never see half a file.
    """
    s = get_sample(name)
    roots = (
        [Path(cache_dir)]
        if cache_dir is not None
        else [_user_cache_dir(), Path(tempfile.gettempdir()) / f"fpga-prune-{getpass.getuser()}" / "samples"]
    )
    targets = [root / s.sha256_csv[:16] / s.csv_name for root in roots]
    for target in targets:
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == s.sha256_csv:
            return target
    data = gzip.decompress(s.file.read_bytes())
    if hashlib.sha256(data).hexdigest() != s.sha256_csv:
        raise RuntimeError(
            f"built-in sample {name!r}: {s.file} does not decompress to sha256 "
            f"{s.sha256_csv[:12]}...; broken installation"
        )
    errors = []
    for target in targets:
        try:
            write_bytes_atomic(target, data)
            return target
        except OSError as exc:  # a read-only cache dir: try the next
            errors.append(f"{target.parent}: {exc.strerror or exc}")
    raise OSError(f"built-in sample {name!r}: cannot write a copy ({'; '.join(errors)})")
