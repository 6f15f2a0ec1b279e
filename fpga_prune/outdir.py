"""Write output directories all at once, so a failure leaves nothing half-written.

Why: a CI job that sees ``out/`` must be able to trust it.  Files are built in
memory or in a sibling staging directory and moved into place only when the
step succeeded; on any error the staging directory is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: A value as ``json.loads`` returns it, before a reader has checked its shape.  Every reader checks the
#: fields it uses and names the file and field when one is wrong, so the type says only "JSON"; documents
#: with a fixed shape have a TypedDict (``arith.ir.NetworkDoc``, ``rtl.yosys.YosysCounts``, ...).
JsonValue = Any
#: A JSON object: an artifact read or built field by field (``budget.json``, ``metrics.json``, ...).
JsonObject = dict[str, JsonValue]


def check_out_dir(out: str | os.PathLike[str]) -> Path:
    """``out`` as a Path, or an InputError when it exists and is not a directory.

    Why: ``staged_dir`` swaps a finished tree in place of ``out``; a file there is
    the user's, not an old output, so refuse it before any work starts.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        from fpga_prune.errors import InputError  # noqa: PLC0415

        raise InputError(out, None, "exists and is not a directory; give a directory to write")
    return out


@contextlib.contextmanager
def staged_dir(out: str | os.PathLike[str], *, replace: bool = True) -> Iterator[Path]:
    """Yield an empty staging directory that becomes ``out`` on success.

    ``out`` keeps its previous content on failure.  With ``replace`` an
    existing ``out`` is swapped out only after the new tree is complete.
    """
    out = check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    # mkdtemp makes 0700; the published directory gets the usual umask-derived mode.
    os.chmod(stage, 0o777 & ~_umask())
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if out.exists():
        if not replace:
            shutil.rmtree(stage, ignore_errors=True)
            raise FileExistsError(out)
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.rename(out, old / "x")
        os.rename(stage, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(stage, out)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write one file via a sibling temp file + rename, so readers never see half a file."""
    path = Path(path)
    if path.is_dir():
        from fpga_prune.errors import InputError  # noqa: PLC0415

        raise InputError(path, None, "is a directory; give a file name to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def json_object(text: str, source: object, field: str | None = None) -> JsonObject:
    """``text`` parsed as a JSON object, or a one-line InputError naming ``source`` (and where)."""
    from fpga_prune.errors import InputError  # noqa: PLC0415

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InputError(
            source, field or where, f"invalid JSON: {exc.msg}" + (f" at {where}" if field else "")
        ) from None
    if not isinstance(doc, dict):
        raise InputError(source, field, f"expected a JSON object, got {type(doc).__name__}")
    return doc


def read_json_object(path: str | os.PathLike[str], field: str | None = None) -> JsonObject:
    """The JSON object in file ``path`` (``json_object``), or a one-line InputError when unreadable."""
    from fpga_prune.errors import InputError  # noqa: PLC0415

    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, field, f"unreadable: {exc}") from None
    return json_object(text, path, field)


def try_read_json(path: str | os.PathLike[str]) -> JsonValue:
    """The JSON document in ``path``, or None when it is missing or not JSON (optional artifacts)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def json_text(doc: object, *, indent: int = 2) -> str:
    """The one JSON encoding of every artifact: sorted keys, no NaN/Infinity (strict JSON), newline-terminated."""
    return json.dumps(doc, indent=indent, sort_keys=True, allow_nan=False) + "\n"


def write_json_atomic(path: str | os.PathLike[str], doc: object, *, indent: int = 2) -> None:
    """``json_text(doc)`` written atomically (``write_bytes_atomic``)."""
    write_bytes_atomic(path, json_text(doc, indent=indent).encode("utf-8"))


def write_tree(root: Path, files: Mapping[str, bytes | str]) -> None:
    """Write ``files`` (relative path -> content) below ``root``, sorted for determinism."""
    for rel in sorted(files):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = files[rel]
        if isinstance(data, str):
            data = data.encode("utf-8")
        target.write_bytes(data)
