"""Sweeps: a grid of ``run`` points, one training per data+model group, tasks on any executor.

Why this shape:

* A grid axis is only a named list of values of typed ``RunConfig`` fields
  (:data:`fpga_prune.flow.grid.AXES`); a point is the run's own validated
  configuration with those values applied by ``dataclasses.replace`` — so a
  new option (objective, confidence) becomes an axis with one registry line,
  and the library never sees the command line.
* Every point is a complete, resumable ``run`` directory
  (``OUT/points/<id>/``): the same files a serial ``run --board B`` writes
  there, byte for byte, and ``run --out OUT/points/<id>`` resumes it.
* Points whose data and model settings agree share one training
  (``OUT/groups/<id>/``, itself a resumable run of the data and train steps):
  a two-level DAG, trainings first, then one prune/generate/verify task per point.
* Tasks never assume a shared filesystem: a task gets its inputs as
  ``{relpath: bytes}``, runs the step functions in a private directory and
  returns its output tree as bytes.  Files that name the run directory
  (e.g. ``model/metrics.json``) are relocated to the destination, and the
  driver publishes a point with one atomic rename (``outdir.staged_dir``) —
  an interrupted sweep leaves no half-written point.  Step records are
  re-derived on the driver (the ``pipeline.Runner`` fingerprints over the
  published files), so resuming works exactly as for ``run``.
"""

from __future__ import annotations

import itertools
import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from fpga_prune.errors import CheckFailed, FpgaPruneError, InputError
from fpga_prune.flow.grid import Grid, apply_axis, parse_grid
from fpga_prune.flow.pipeline import COMPLETED, Observer, Runner, Step, StepRecord, json_digest
from fpga_prune.flow.run import (
    LazyCandles,
    RunConfig,
    layouts,
    make_data_step,
    make_generate_step,
    make_prune_step,
    make_train_step,
    make_verify_step,
)

POINTS_DIR = "points"
GROUPS_DIR = "groups"
#: worker-side build products stay on the worker: machine-specific (absolute paths, compiled simulators)
#: and part of no step digest (generate's digest excludes ``build``)
_LEFT_ON_WORKER = ("project/build/",)


# ----------------------------------------------------------------------------- points
@dataclass(frozen=True)
class Point:
    """One run of the grid: its readable id, its axis values and its validated configuration."""

    id: str
    values: tuple[tuple[str, str], ...]
    cfg: RunConfig
    group: str


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]+", "-", text).strip("-") or "x"


def group_key(cfg: RunConfig) -> str:
    """Points with equal keys share one data step and one training (the train step's own options)."""
    return json_digest(
        {
            "source": cfg.source.key(),
            "spec": cfg.spec.to_dict(),
            "model": cfg.model.to_dict(),
            "threads": cfg.threads,
            "n_boot": cfg.n_boot,
            "boot_block": cfg.boot_block,
        }
    )


def expand(grid: Grid, base: RunConfig, out: Path) -> list[Point]:
    """Every point of ``grid`` over the run configuration ``base`` (values typed and checked first)."""
    names = [n for n, _ in grid.axes]
    if "board" not in names:
        raise InputError(grid.source, "field board", "no boards: give --board NAME,NAME|all|FILE or 'board:'")
    typed = parse_grid(grid)
    points: list[Point] = []
    seen: dict[str, tuple[tuple[str, str], ...]] = {}
    groups: dict[str, str] = {}
    for combo in itertools.product(*(vals for _, vals in grid.axes)):
        values = tuple(zip(names, combo))
        cfg = base
        for axis, value in values:
            cfg = apply_axis(cfg, axis, typed[axis][value])
        parts = [cfg.boards[0].name] + [f"{a}-{v}" for a, v in values if a != "board"]
        pid = "__".join(_slug(p) for p in parts)
        if pid in seen:
            raise InputError(grid.source, "field board", f"two points get the id {pid!r} (same board twice?)")
        seen[pid] = values
        try:  # an AXI interface on a board without a processing system: refused before any work
            cfg.generate.interface_for(cfg.boards[0])
        except InputError as exc:
            raise InputError(grid.source, "field interface", f"point {pid}: {exc.detail}") from None
        cfg = replace(cfg, out=(out / POINTS_DIR / pid).resolve())
        key = group_key(cfg)
        if key not in groups:
            groups[key] = _slug(f"{cfg.spec.target}-seed{cfg.model.seed}-{key[:8]}")
        points.append(Point(pid, values, cfg, groups[key]))
    return points


# ----------------------------------------------------------------------------- tasks (run on a worker)
@dataclass(frozen=True)
class Task:
    """What a worker needs for one unit of work, all as values (no shared filesystem, no command line).

    ``kind`` is ``train`` (one group) or ``board`` (prune/generate/verify of
    one point); ``inputs`` are the run-directory files it reads; ``records``
    the completed upstream step records (name, status, digest).
    """

    key: str
    kind: str
    cfg: RunConfig
    csv_name: str
    inputs: Mapping[str, bytes]
    records: tuple[tuple[str, str, str], ...]
    needs_vitis: bool = False


@dataclass(frozen=True)
class StepResult:
    name: str
    status: str
    message: str
    seconds: float
    budget: dict | None = None  # the closest design of a prune that found no fit (report.build shows it)


@dataclass(frozen=True)
class TaskResult:
    """A task's output tree (paths relative to the run directory) and what each step did."""

    key: str
    kind: str
    root: str
    files: Mapping[str, bytes]
    steps: tuple[StepResult, ...]
    seconds: float
    host: str
    error: str = ""


def _steps_for(
    kind: str, cfg: RunConfig, candles: LazyCandles, data_path: Path, closest: dict[str, dict] | None = None
) -> list[Step]:
    """``closest`` receives the closest design's budget when the prune step finds no fit."""
    if kind == "train":
        return [make_train_step(cfg, candles)] if cfg.wants("train") else []
    lay = layouts(cfg)[0]
    steps = []
    if cfg.wants("prune"):
        steps.append(make_prune_step(cfg, lay, candles, {} if closest is None else closest))
    if cfg.wants("generate"):
        steps.append(make_generate_step(cfg, lay, data_path))
    if cfg.wants("verify"):
        steps.append(make_verify_step(cfg, lay))
    return steps


def run_task(task: Task) -> TaskResult:
    """The one task function every executor runs: the step functions in a private directory."""
    from fpga_prune.flow.executors import pin_tensorflow  # noqa: PLC0415
    from fpga_prune.outdir import write_tree  # noqa: PLC0415

    pin_tensorflow()

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fpga-prune-task-") as tmp:
        root = Path(tmp).resolve() / "run"
        write_tree(root, task.inputs)
        cfg = replace(task.cfg, out=root, force=False)
        runner = Runner(root, observer=Observer())
        for name, status, digest in task.records:
            runner.records[name] = StepRecord(name, status, digest=digest)
        data_path = (root / "data" / task.csv_name).resolve()
        done: list[StepResult] = []
        error = ""
        closest: dict[str, dict] = {}
        try:
            for step in _steps_for(task.kind, cfg, LazyCandles(data_path), data_path, closest):
                rec = runner.run(step)
                failed_prune = rec.status == "failed" and step.name.startswith("prune")
                done.append(
                    StepResult(
                        rec.name,
                        rec.status,
                        rec.message,
                        rec.seconds,
                        closest.get(cfg.boards[0].name) if failed_prune else None,
                    )
                )
        except FpgaPruneError as exc:  # bad input found late (e.g. a tool missing): the point fails, the sweep goes on
            error = str(exc).splitlines()[0]
        files = {}
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if p.is_file() and rel not in task.inputs and rel != "run.json" and not rel.startswith(_LEFT_ON_WORKER):
                files[rel] = p.read_bytes()
    return TaskResult(
        task.key, task.kind, str(root), files, tuple(done), time.perf_counter() - t0, socket.gethostname(), error
    )


# ----------------------------------------------------------------------------- driver side
class _Pending(Exception):
    """Raised by a probe step: the step would have to run (not skippable)."""


class _Probe(Runner):
    """A runner that only asks which steps would be skipped; it never writes."""

    def save(self, extra: Mapping[str, object] | None = None) -> None:
        pass


def _pending(_say) -> None:
    raise _Pending


def relocate(files: Mapping[str, bytes], old: str, new: str) -> dict[str, bytes]:
    """Files that name their run directory (``old``) name ``new`` instead (a serial run's bytes)."""
    a, b = old.encode(), new.encode()
    return {rel: data.replace(a, b) for rel, data in files.items()}


def read_tree(root: Path, tops: Iterable[str]) -> dict[str, bytes]:
    out = {}
    for top in tops:
        base = root / top
        for p in sorted(base.rglob("*")) if base.is_dir() else ():
            if p.is_file() and not p.name.startswith("."):
                out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def point_steps(cfg: RunConfig, action: Callable[[Step], Callable]) -> list[Step]:
    """The steps of a one-board run (as ``execute`` orders them) with ``action(step)`` as each action."""
    data_step, csv = make_data_step(cfg)
    data_path = (cfg.out / "data" / csv).resolve()
    steps = [data_step]
    candles = LazyCandles(data_path)
    if cfg.wants("train"):
        steps.append(make_train_step(cfg, candles))
    steps += _steps_for("board", cfg, candles, data_path)
    return [replace(s, action=action(s)) for s in steps]


def point_complete(cfg: RunConfig) -> bool:
    """True when ``run`` on the point directory would skip every step (the run fingerprints say so)."""
    if not (cfg.out / "run.json").is_file():
        return False
    probe = _Probe(cfg.out, force=cfg.force)
    try:
        for step in point_steps(cfg, lambda s: _pending):
            probe.run(step)
    except _Pending:
        return False
    return all(r.status in COMPLETED for r in probe.records.values())


def _replay(result: Mapping[str, StepResult]) -> Callable[[Step], Callable]:
    """Actions that stand for what a worker did: its summary, or its failure."""

    def make(step: Step):
        def action(_say):
            r = result.get(step.name)
            if r is not None and r.status == "failed":
                raise CheckFailed(r.message)
            return None

        return action

    return make


def publish_point(
    cfg: RunConfig, group_root: Path, group_files: Mapping[str, bytes], result: TaskResult | None
) -> dict[str, StepRecord]:
    """Write the point directory in one atomic step: the group's data and model, the worker's
    output, ``run.json`` (records re-derived over these files) and the run report."""
    from fpga_prune.outdir import staged_dir, write_tree  # noqa: PLC0415
    from fpga_prune.report import run as report_mod  # noqa: PLC0415

    dest = str(cfg.out)
    steps = {s.name: s for s in (result.steps if result else ())}
    with staged_dir(cfg.out) as stage:
        write_tree(stage, relocate(group_files, str(group_root), dest))
        if result is not None:
            write_tree(stage, relocate(result.files, result.root, dest))
        runner = Runner(stage, meta={"boards": [b.name for b in cfg.boards], "until": cfg.until})
        for step in point_steps(cfg, _replay(steps)):
            rec = runner.run(step)
            if rec.name in steps:
                rec.seconds = steps[rec.name].seconds
        staged_cfg = replace(cfg, out=stage)
        budgets = [r.budget for r in steps.values() if r.budget is not None]
        closest = {cfg.boards[0].name: budgets[-1]} if budgets else {}
        doc = report_mod.build(stage, staged_cfg.settings(), layouts(staged_cfg), runner.records, closest)
        report_mod.write(stage, doc)
        runner.save()
    return dict(runner.records)


@dataclass
class Group:
    """One shared data+train run directory and the points waiting for it."""

    id: str
    root: Path
    cfg: RunConfig
    points: list[Point] = field(default_factory=list)
    runner: Runner | None = None
    train_step: Step | None = None
    csv_name: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    failed: str = ""


def prepare_group(group: Group, observer: Observer) -> Task | None:
    """Run the data step here (the source may be a local file), then probe the training:
    ``None`` when it is up to date (the group is ready), else the train task to submit."""
    cfg = replace(group.cfg, out=group.root)
    runner = Runner(group.root, force=cfg.force, observer=observer, meta={"group": group.id, "until": "train"})
    data_step, group.csv_name = make_data_step(cfg)
    data_path = (group.root / "data" / group.csv_name).resolve()
    train = make_train_step(cfg, LazyCandles(data_path))
    group.runner, group.train_step = runner, train
    rec = runner.run(data_step)
    if rec.status not in COMPLETED:
        group.failed = f"data: {rec.message}"
        return None
    if not cfg.wants("train"):
        group.files = read_tree(group.root, ("data",))
        return None
    try:
        runner.run(replace(train, action=_pending))
    except _Pending:
        d = runner.records["data"]
        return Task(
            group.id, "train", cfg, group.csv_name, read_tree(group.root, ("data",)), ((d.name, d.status, d.digest),)
        )
    group.files = read_tree(group.root, ("data", "model"))
    return None


def finish_group(group: Group, result: TaskResult) -> None:
    """Publish a returned training into the group directory (atomically) and record it."""
    from fpga_prune.outdir import staged_dir, write_tree  # noqa: PLC0415

    assert group.runner is not None and group.train_step is not None
    tr = result.steps[0] if result.steps else None

    def action(_say):
        if result.error or tr is None or tr.status not in COMPLETED:
            raise CheckFailed(result.error or (tr.message if tr else "training did not run"))
        with staged_dir(group.root / "model") as stage:
            write_tree(
                stage,
                {
                    k[len("model/") :]: v
                    for k, v in relocate(result.files, result.root, str(group.root)).items()
                    if k.startswith("model/")
                },
            )
        return None

    rec = group.runner.run(replace(group.train_step, action=action))
    if tr is not None:
        rec.seconds = tr.seconds
    group.runner.save()
    if rec.status not in COMPLETED:
        group.failed = f"train: {rec.message}"
        return
    group.files = read_tree(group.root, ("data", "model"))


def board_task(point: Point, group: Group) -> Task:
    recs = tuple((r.name, r.status, r.digest) for r in group.runner.records.values()) if group.runner else ()
    return Task(
        point.id,
        "board",
        point.cfg,
        group.csv_name,
        dict(group.files),
        recs,
        needs_vitis=bool(point.cfg.generate.synth and point.cfg.wants("generate")),
    )


# ----------------------------------------------------------------------------- the sweep
class SweepObserver:
    """Hooks the sweep calls (the CLI shows one rich progress display, JSON lines or nothing)."""

    def begin(self, total: int, skipped: int, where: str) -> None: ...

    def note(self, text: str) -> None: ...

    def started(self, key: str) -> None: ...

    def finished(self, key: str, status: str, seconds: float, message: str = "") -> None: ...

    def end(self) -> None: ...


@dataclass(frozen=True)
class PointStatus:
    """How a point ended in this sweep: done, skipped (resumed), failed or not run."""

    status: str
    message: str = ""


@dataclass(frozen=True)
class SweepOutcome:
    exit_code: int
    statuses: dict[str, PointStatus]
    report: dict


def _point_status(records: Mapping[str, StepRecord]) -> PointStatus:
    bad = [r for r in records.values() if r.status not in COMPLETED]
    failed = [r for r in bad if r.status == "failed"]
    if failed:
        return PointStatus("failed", f"{failed[0].name}: {failed[0].message}")
    if bad:
        return PointStatus("failed", f"{bad[0].name}: {bad[0].message}")
    return PointStatus("done")


def run_sweep(
    points: Sequence[Point], out: Path, executor, observer: SweepObserver | None = None, grid: Grid | None = None
) -> SweepOutcome:
    """Run (or resume) every point on ``executor`` and write ``sweep.{json,md,html}``.

    Exit code 1 when a point failed (a check, a crash after its retries) or
    could not run (no node with the ``vitis`` resource), else 0.
    """
    from fpga_prune.flow.executors import VITIS_RESOURCE  # noqa: PLC0415
    from fpga_prune.report import sweep as sweep_report  # noqa: PLC0415

    obs = observer or SweepObserver()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    statuses: dict[str, PointStatus] = {}
    todo: list[Point] = []
    for p in points:
        if point_complete(p.cfg):
            statuses[p.id] = PointStatus("skipped")
        else:
            todo.append(p)
    synth = [p for p in todo if p.cfg.generate.synth and p.cfg.wants("generate")]
    no_vitis: set[str] = set()
    if synth and not executor.has_resource(VITIS_RESOURCE):
        # Their trainings still run; the points wait for a node with Vitis (a re-run then completes them).
        obs.note(
            f"no node offers the '{VITIS_RESOURCE}' resource: {len(synth)} --synth point(s) not run "
            f"(a node joins with: ray start --address HOST:PORT --resources '{{\"{VITIS_RESOURCE}\": 1}}')"
        )
        no_vitis = {p.id for p in synth}
    obs.begin(len(points), len(points) - len(todo), executor.describe())
    for p in points:
        if p.id in statuses:
            obs.finished(f"point:{p.id}", "skipped", 0.0)
    groups: dict[str, Group] = {}
    for p in todo:
        g = groups.setdefault(p.group, Group(p.group, (out / GROUPS_DIR / p.group).resolve(), p.cfg))
        g.points.append(p)
    queue: list[tuple[str, Task]] = []
    by_id = {p.id: p for p in points}
    started: dict[str, float] = {}

    def group_ready(g: Group) -> None:
        for p in g.points:
            if p.id in no_vitis:
                statuses[p.id] = PointStatus("not run", f"no node with the '{VITIS_RESOURCE}' resource")
                obs.finished(f"point:{p.id}", "not run", 0.0, statuses[p.id].message)
            elif g.failed:
                statuses[p.id] = PointStatus("failed", g.failed)
                obs.finished(f"point:{p.id}", "failed", 0.0, g.failed)
            elif not p.cfg.wants("prune"):
                finish_point(p, g, None)
            else:
                queue.append((f"point:{p.id}", board_task(p, g)))

    def finish_point(p: Point, g: Group, result: TaskResult | None) -> None:
        if result is not None and result.error:
            st = PointStatus("failed", result.error)
        else:
            st = _point_status(publish_point(p.cfg, g.root, g.files, result))
        statuses[p.id] = st
        obs.finished(
            f"point:{p.id}",
            st.status,
            time.perf_counter() - started.get(f"point:{p.id}", time.perf_counter()),
            st.message,
        )

    try:
        for g in sorted(groups.values(), key=lambda g: g.id):
            task = prepare_group(g, Observer())
            if task is not None:
                queue.append((f"group:{g.id}", task))
            else:
                group_ready(g)
        inflight: set[str] = set()
        while queue or inflight:
            queue.sort(key=lambda kt: (kt[1].kind != "train", kt[0]))  # trainings first: they unlock the rest
            while queue and len(inflight) < executor.capacity:
                key, task = queue.pop(0)
                executor.submit(key, run_task, task, needs_vitis=task.needs_vitis)
                inflight.add(key)
                started[key] = time.perf_counter()
                obs.started(key)
            for done in executor.wait(0.5):
                inflight.discard(done.key)
                kind, _, name = done.key.partition(":")
                if kind == "group":
                    g = groups[name]
                    if done.error:
                        g.failed = f"train: {done.error}"
                    else:
                        finish_group(g, done.result)
                    obs.finished(
                        done.key, "failed" if g.failed else "done", time.perf_counter() - started[done.key], g.failed
                    )
                    group_ready(g)
                else:
                    p = by_id[name]
                    if done.error:
                        statuses[p.id] = PointStatus("failed", done.error)
                        obs.finished(done.key, "failed", time.perf_counter() - started[done.key], done.error)
                    else:
                        finish_point(p, groups[p.group], done.result)
    except BaseException:
        executor.close(cancel=True)
        obs.end()
        raise
    executor.close()
    doc = sweep_report.build(points, statuses, grid)
    sweep_report.write(out, doc)
    obs.end()
    bad = [s for s in statuses.values() if s.status in ("failed", "not run")]
    return SweepOutcome(1 if bad else 0, statuses, doc)


__all__ = [
    "Point",
    "Task",
    "TaskResult",
    "StepResult",
    "Group",
    "PointStatus",
    "SweepOutcome",
    "SweepObserver",
    "expand",
    "group_key",
    "run_task",
    "point_complete",
    "publish_point",
    "prepare_group",
    "finish_group",
    "board_task",
    "relocate",
    "run_sweep",
    "POINTS_DIR",
    "GROUPS_DIR",
]
