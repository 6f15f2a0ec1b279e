"""A resumable step runner (FINN-style): each step's outputs are kept with a fingerprint.

Why fingerprints and not timestamps: a step may be skipped only when running
it again would give the same outputs, i.e. when the options that affect it
and the *contents* of everything it reads are unchanged.  A step's
fingerprint is the hash of its options and of the recorded digests of its
upstream steps' outputs; it is skipped when ``run.json`` holds a completed
record with the same fingerprint and its outputs are still on disk with the
digest recorded then.  Steps publish their outputs atomically
(``outdir.staged_dir``), so an interrupted run resumes from the last step
that completed.

``run.json`` is the only file that holds wall-clock seconds; reports built
from the artifacts carry none, so they are byte-identical across runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from fpga_prune.errors import CheckFailed
from fpga_prune.outdir import JsonObject, JsonValue, try_read_json, write_json_atomic
from fpga_prune.progress import Progress
from fpga_prune.provenance import sha256_file

RUN_FORMAT = "fpga_prune.run/1"
RUN_FILE = "run.json"

#: statuses of a step record: done (ran now), skipped (resumed), failed (a check
#: failed), blocked (an upstream step failed), pending (not reached)
COMPLETED = frozenset({"done", "skipped"})


def tree_digest(root: Path, exclude: Sequence[str] = ()) -> str:
    """One hash over every file below ``root`` (relative path + content), minus
    paths starting with any of ``exclude``; a missing root hashes as such."""
    root = Path(root)
    h = hashlib.sha256()
    if root.is_file():
        h.update(sha256_file(root).encode())
        return h.hexdigest()
    if not root.is_dir():
        return "missing"
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if not p.is_file() or any(rel == e or rel.startswith(e.rstrip("/") + "/") for e in exclude):
            continue
        h.update(f"{rel}\0{sha256_file(p)}\n".encode())
    return h.hexdigest()


def json_digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    """One unit of work.

    ``outputs`` are paths relative to the run directory; ``digest`` hashes
    them once the step has run (default: ``tree_digest`` of each);
    ``options`` are the JSON-able settings that change its result; ``after``
    names the steps whose output digests it reads.  ``action(progress)``
    does the work, publishing atomically, and returns a JSON-able summary;
    it raises ``CheckFailed`` when its check fails.  ``cacheable=False``
    always runs it (e.g. a download of an open-ended time range).
    """

    name: str
    outputs: tuple[str, ...]
    options: Mapping[str, JsonValue]
    action: Callable[[Progress], JsonValue]
    after: tuple[str, ...] = ()
    digest: Callable[[Path], str] | None = None
    cacheable: bool = True


class StepRecordDoc(TypedDict):
    """One entry of ``run.json``'s ``steps``."""

    name: str
    status: str
    inputs_fingerprint: str
    outputs_digest: str
    outputs: list[str]
    seconds: float
    message: str


@dataclass
class StepRecord:
    """What ``run.json`` remembers of one step."""

    name: str
    status: str
    fingerprint: str = ""
    digest: str = ""
    outputs: tuple[str, ...] = ()
    seconds: float = 0.0
    message: str = ""
    summary: JsonValue = None

    def to_dict(self) -> StepRecordDoc:
        return {
            "name": self.name,
            "status": self.status,
            "inputs_fingerprint": self.fingerprint,
            "outputs_digest": self.digest,
            "outputs": list(self.outputs),
            "seconds": round(self.seconds, 2),
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, JsonValue]) -> StepRecord:
        return cls(
            name=str(d.get("name", "")),
            status=str(d.get("status", "")),
            fingerprint=str(d.get("inputs_fingerprint", "")),
            digest=str(d.get("outputs_digest", "")),
            outputs=tuple(d.get("outputs", ())),
            seconds=float(d.get("seconds", 0.0)),
            message=str(d.get("message", "")),
        )


class Observer:
    """Hooks the runner calls (the CLI shows rich progress bars through them)."""

    def start(self, name: str) -> None: ...

    def message(self, name: str, text: str) -> None: ...

    def finish(self, record: StepRecord) -> None: ...


@dataclass
class Runner:
    """Runs steps in order under ``root``, resuming and recording ``run.json``.

    ``force``: ``True`` redoes every step; a set of names (or kinds, the part
    before ``[``) redoes those steps.  A forced or re-run step changes its
    output digest only if its outputs change, so downstream steps whose
    inputs are unchanged are still skipped.
    """

    root: Path
    force: bool | frozenset[str] = False
    observer: Observer = field(default_factory=Observer)
    meta: JsonObject = field(default_factory=dict)
    records: dict[str, StepRecord] = field(default_factory=dict)
    _previous: dict[str, StepRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self._previous = load_records(self.root)

    # ------------------------------------------------------------------ queries
    def ok(self, name: str) -> bool:
        rec = self.records.get(name)
        return rec is not None and rec.status in COMPLETED

    def _forced(self, name: str) -> bool:
        if self.force is True:
            return True
        if not self.force:
            return False
        return name in self.force or name.split("[", 1)[0] in self.force

    def fingerprint(self, step: Step) -> str:
        upstream = {a: self.records[a].digest for a in step.after}
        return json_digest({"step": step.name, "options": step.options, "upstream": upstream})

    def _digest(self, step: Step) -> str:
        if step.digest is not None:
            return step.digest(self.root)
        return json_digest({o: tree_digest(self.root / o) for o in step.outputs})

    def _outputs_exist(self, step: Step) -> bool:
        return all((self.root / o).exists() for o in step.outputs)

    # ------------------------------------------------------------------ running
    def run(self, step: Step) -> StepRecord:
        """Run (or skip) ``step``; never raises ``CheckFailed`` (the record says failed)."""
        if step.name in self.records:
            raise ValueError(f"step {step.name!r} ran twice")
        blocked = [a for a in step.after if not self.ok(a)]
        if blocked:
            rec = StepRecord(
                step.name, "blocked", outputs=step.outputs, message=f"not run: {', '.join(blocked)} did not complete"
            )
            return self._record(rec)
        self.observer.start(step.name)
        t0 = time.perf_counter()
        fp = self.fingerprint(step)
        prev = self._previous.get(step.name)
        if (
            step.cacheable
            and not self._forced(step.name)
            and prev is not None
            and prev.status in COMPLETED
            and prev.fingerprint == fp
            and self._outputs_exist(step)
        ):
            digest = self._digest(step)
            if digest == prev.digest:
                rec = StepRecord(
                    step.name, "skipped", fp, digest, step.outputs, time.perf_counter() - t0, "outputs up to date"
                )
                return self._record(rec)
        say: Progress = lambda text: self.observer.message(step.name, text)  # noqa: E731
        try:
            summary = step.action(say)
        except CheckFailed as exc:
            digest = self._digest(step) if self._outputs_exist(step) else ""
            rec = StepRecord(
                step.name,
                "failed",
                fp,
                digest,
                step.outputs,
                time.perf_counter() - t0,
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )
            return self._record(rec)
        rec = StepRecord(step.name, "done", fp, self._digest(step), step.outputs, time.perf_counter() - t0, "", summary)
        return self._record(rec)

    def _record(self, rec: StepRecord) -> StepRecord:
        self.records[rec.name] = rec
        if rec.status != "blocked":
            self.observer.finish(rec)
        if rec.status != "blocked" or self.root.exists():
            self.save()
        return rec

    def save(self, extra: Mapping[str, JsonValue] | None = None) -> None:
        """Write ``run.json`` atomically (records of steps not run this time are kept)."""
        steps = dict(self._previous)
        steps.update(self.records)
        doc = {
            "format": RUN_FORMAT,
            **self.meta,
            **(extra or {}),
            "steps": [steps[n].to_dict() for n in _ordered(steps, self.records)],
        }
        write_json_atomic(self.root / RUN_FILE, doc)


def _ordered(steps: Mapping[str, StepRecord], current: Mapping[str, StepRecord]) -> list[str]:
    """This run's steps in the order they ran, then older records not run this time."""
    return list(current) + [n for n in steps if n not in current]


def load_records(root: Path) -> dict[str, StepRecord]:
    """The step records of ``root/run.json`` (empty when missing or unreadable: then nothing resumes)."""
    path = Path(root) / RUN_FILE
    doc = try_read_json(path)
    if not isinstance(doc, dict) or doc.get("format") != RUN_FORMAT:
        return {}
    out = {}
    for d in doc.get("steps", []):
        if isinstance(d, dict) and d.get("name"):
            rec = StepRecord.from_dict(d)
            out[rec.name] = rec
    return out


__all__ = [
    "RUN_FORMAT",
    "RUN_FILE",
    "Step",
    "StepRecord",
    "Runner",
    "Observer",
    "tree_digest",
    "json_digest",
    "load_records",
]
