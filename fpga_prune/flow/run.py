"""The ``run`` flow: candles -> train -> prune to fit -> generate -> verify -> report, resumable.

Every step is the same library function the single-step command calls
(``bundles.train_bundle``, ``bundles.prune_bundle``, ``generate.generate``,
``verify.verify``); this module only wires them into :mod:`fpga_prune.flow.pipeline`
steps under one output directory::

    DIR/data/        summary.json + the validated candles as CSV
    DIR/model/       train bundle
    DIR/pruned/      prune output (budget.json, plots, hls_config.json, model)
    DIR/project/     generate output; verify.json / verify.xml inside
    DIR/report.{md,html,json}, DIR/run.json (step records and the only timings)

With several boards (``--board all``) the model is trained once and each
board gets ``DIR/boards/<name>/{pruned,project}`` plus one comparison table.
A re-run skips every step whose inputs are unchanged; ``force`` redoes
steps.  A failed check still writes the report; the outcome's exit code is 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from fpga_prune.errors import CheckFailed

if TYPE_CHECKING:
    from fpga_prune.boards import Board, Caps
    from fpga_prune.data import Candles, CandleSource
    from fpga_prune.flow.generate import GenerateOptions
    from fpga_prune.flow.pipeline import Observer, Progress, Step, StepRecord
    from fpga_prune.model.features import FeatureSpec
    from fpga_prune.model.training import ModelConfig
    from fpga_prune.outdir import JsonObject
    from fpga_prune.search.config import FitConfig

#: the steps of the flow, in order (``until`` stops after one, ``force`` names them)
STEPS = ("data", "train", "prune", "generate", "verify")


# ----------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, resolved and validated before anything is written.

    Frozen values all the way down: a sweep makes its points with
    ``dataclasses.replace`` (``flow.grid.apply_axis``) and ships them to
    workers as they are (pickled in ``flow.sweep.Task``), never as a command line.
    """

    out: Path
    boards: tuple[Board, ...]
    all_boards: bool
    source: CandleSource
    spec: FeatureSpec
    model: ModelConfig
    threads: int | None
    n_boot: int
    boot_block: int
    caps: Caps
    fit: FitConfig
    generate: GenerateOptions
    sims: tuple[str, ...]
    until: str = "verify"
    force: bool | frozenset[str] = False
    model_path: Path | None = None  # run --model: use this model instead of training one
    clock_ns: float | None = None  # run --clock: every board built at this period instead of its own

    def wants(self, step: str) -> bool:
        return STEPS.index(step) <= STEPS.index(self.until)

    def settings(self) -> JsonObject:
        """The settings a run's report states (``report.json``'s ``run`` section)."""
        return {
            "boards": [b.name for b in self.boards],
            "all_boards": self.all_boards,
            "until": self.until,
            "target": self.spec.target,
            "quantized": self.model.quantized,
            "seed": self.model.seed,
            "caps": self.caps.to_dict(),
            "min_retention": self.fit.min_retention,
            "metric": self.fit.metric,
            "vectors": self.generate.vectors,
            "stress": self.generate.stress,
            "sims": list(self.sims),
        } | ({"clock_ns": self.clock_ns} if self.clock_ns is not None else {})


# ----------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class BoardLayout:
    """Where one board's steps write, relative to the run directory, and their step names."""

    board: Board
    prefix: str  # "" or "boards/<name>/"
    suffix: str  # "" or "[<name>]"

    @property
    def pruned(self) -> str:
        return f"{self.prefix}pruned"

    @property
    def project(self) -> str:
        return f"{self.prefix}project"

    def step(self, kind: str) -> str:
        return f"{kind}{self.suffix}"


def layouts(cfg: RunConfig) -> list[BoardLayout]:
    """One layout per board, each board at the run's ``--clock`` when one is given."""
    from fpga_prune.boards import at_clock  # noqa: PLC0415

    boards = [at_clock(b, cfg.clock_ns) for b in cfg.boards]
    if not cfg.all_boards:
        return [BoardLayout(boards[0], "", "")]
    return [BoardLayout(b, f"boards/{b.name}/", f"[{b.name}]") for b in boards]


def _cleaned_name(src: CandleSource) -> str:
    if src.sample is not None:  # the name of the CSV the sample compresses: as a run on that file
        from fpga_prune.data.builtin import get_sample  # noqa: PLC0415

        return get_sample(src.sample).csv_name
    if src.data is not None:
        return Path(src.data).stem + ".csv"
    assert src.symbol is not None  # CandleSource.validate: no data file means a symbol
    parts = [src.symbol, src.category, str(src.interval), str(src.start), str(src.end or "now")]
    return "-".join(p.replace(":", "").replace(" ", "T").replace("/", "_") for p in parts) + ".csv"


# ----------------------------------------------------------------------------- steps
def make_data_step(cfg: RunConfig) -> tuple[Step, str]:
    """The data step and the name of the cleaned CSV it writes (a sweep builds its points from these steps too)."""
    from fpga_prune.data import load_source, summarize, write_csv  # noqa: PLC0415
    from fpga_prune.flow.pipeline import Step  # noqa: PLC0415
    from fpga_prune.outdir import staged_dir, write_json_atomic  # noqa: PLC0415
    from fpga_prune.provenance import sha256_file  # noqa: PLC0415

    src = cfg.source
    name = _cleaned_name(src)
    options: JsonObject
    sample = None
    if src.sample is not None:
        from fpga_prune.data.builtin import get_sample  # noqa: PLC0415

        sample = get_sample(src.sample)
        options = {
            "sample": sample.name,
            "sha256": sample.sha256_csv,
            "interval": src.interval,
            "allow_gaps": src.allow_gaps,
        }
        cacheable = True
    elif src.data is not None:
        options = {
            "file": Path(src.data).name,
            "sha256": sha256_file(Path(src.data)),
            "interval": src.interval,
            "allow_gaps": src.allow_gaps,
        }
        cacheable = True
    else:
        options = {k: getattr(src, k) for k in ("symbol", "interval", "start", "end", "category", "allow_gaps")}
        cacheable = src.end is not None and not src.refresh  # an open range grows with time

    def action(say: Progress) -> JsonObject:
        say("loading and validating candles")
        candles, _ = load_source(src)
        summary = summarize(candles)
        summary["source"] = str(src.data) if src.data is not None else summary["source"]
        summary["source_sha256"] = options.get("sha256")
        if sample is not None:  # the sample's name and hashes, and where its candles came from
            summary["source"] = sample.ref
            summary["sample"] = sample.record()
        summary["cleaned_csv"] = name
        with staged_dir(cfg.out / "data") as stage:
            write_csv(candles, stage / name)
            write_json_atomic(stage / "summary.json", summary)
        say(f"{len(candles):,} candles {summary['start']} .. {summary['end']}")
        fmt = summary.get("file_format")
        for note in fmt["notes"] if fmt else ():  # what the loader assumed
            say(note)
        return {"rows": len(candles)}

    return Step("data", ("data",), options, action, cacheable=cacheable), name


class LazyCandles:
    """The validated candles of the run, loaded from ``data/`` once and only when a step needs them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._candles: Candles | None = None

    def get(self) -> Candles:
        if self._candles is None:
            from fpga_prune.data import load  # noqa: PLC0415

            self._candles = load(self.path)
        return self._candles


def make_train_step(cfg: RunConfig, candles: LazyCandles) -> Step:
    """The train step: a train bundle in ``model/`` (of the given model with ``model_path``)."""
    from fpga_prune.flow.bundles import train_bundle  # noqa: PLC0415
    from fpga_prune.flow.pipeline import Step  # noqa: PLC0415

    options = {
        "spec": cfg.spec.to_dict(),
        "model": cfg.model.to_dict(),
        "threads": cfg.threads,
        "n_boot": cfg.n_boot,
        "boot_block": cfg.boot_block,
    }
    if cfg.model_path is not None:  # run --model: the given model's files decide the step's output
        from fpga_prune.model.load import model_digest  # noqa: PLC0415

        options["import"] = model_digest(cfg.model_path)

    def action(say: Progress) -> JsonObject:
        arch = "-".join(map(str, cfg.model.hidden))
        imported = None
        if cfg.model_path is not None:
            from fpga_prune.model.load import load_any  # noqa: PLC0415

            say(f"evaluating the given MLP {arch} from {cfg.model_path} (target {cfg.spec.target})")
            imported = load_any(cfg.model_path)
        else:
            say(f"training {'QKeras' if cfg.model.quantized else 'dense'} MLP {arch} (target {cfg.spec.target})")
        payload, _ = train_bundle(
            candles.get(),
            cfg.out / "model",
            cfg.spec,
            cfg.model,
            threads=cfg.threads,
            n_boot=cfg.n_boot,
            boot_block=cfg.boot_block,
            imported=imported,
        )
        auc = payload["test"]["metrics"]["roc_auc"]["value"]
        say(f"{payload['training'].get('epochs_run', 0)} epochs; test ROC AUC {auc:.4f}")
        return {"roc_auc": auc}

    return Step("train", ("model",), options, action, after=("data",))


def make_prune_step(cfg: RunConfig, lay: BoardLayout, candles: LazyCandles, closest: dict[str, JsonObject]) -> Step:
    """``closest`` receives the closest design's budget document when nothing fits (for the report)."""
    from fpga_prune.flow.bundles import prune_bundle  # noqa: PLC0415
    from fpga_prune.flow.pipeline import Step  # noqa: PLC0415

    # the board must hold network + what wraps it: the search reserves the board's interface from the budget
    fit = replace(cfg.fit, interface=cfg.generate.interface_for(lay.board))
    options = {"board": lay.board.to_dict(), "caps": cfg.caps.to_dict(), "fit": fit.to_dict()}

    def action(say: Progress) -> JsonObject:
        res = prune_bundle(
            cfg.out / "model",
            candles.get(),
            lay.board,
            cfg.caps,
            fit,
            cfg.out / lay.pruned,
            data_label=str(candles.path),
            progress=say,
        )
        if res.failure is not None:
            closest[lay.board.name] = res.budget
            raise CheckFailed(res.failure)
        return {"fits": res.fits}

    return Step(lay.step("prune"), (lay.pruned,), options, action, after=("train",))


def make_generate_step(cfg: RunConfig, lay: BoardLayout, data_path: Path) -> Step:
    """One board's generate step: the verified HLS project from its prune bundle."""
    from fpga_prune.flow.generate import generate  # noqa: PLC0415
    from fpga_prune.flow.pipeline import Step, json_digest, tree_digest  # noqa: PLC0415

    o = cfg.generate
    options = {
        "board": lay.board.to_dict(),
        "vectors": o.vectors,
        "stress": o.stress,
        "seed": o.seed,
        "synth": o.synth,
        "top": o.top,
        "clock_uncertainty": o.clock_uncertainty,
    }
    if o.interface_for(lay.board) != "none":  # absent for none: a bare-IP run's step stays what it was
        options["soc"] = lay.board.soc_dict() | {"interface": o.interface_for(lay.board)}

    def action(say: Progress) -> JsonObject:
        res = generate(cfg.out / lay.pruned, lay.board, cfg.out / lay.project, data=data_path, options=o, progress=say)
        failure = res.failure()
        if failure is not None:
            raise CheckFailed(failure)
        return {"files": res.n_files}

    def digest(root: Path) -> str:
        return json_digest(tree_digest(root / lay.project, exclude=("build", "verify.json", "verify.xml")))

    return Step(lay.step("generate"), (lay.project,), options, action, after=(lay.step("prune"),), digest=digest)


def make_verify_step(cfg: RunConfig, lay: BoardLayout) -> Step:
    """One board's verify step: every check of its project."""
    from fpga_prune.flow.pipeline import Step  # noqa: PLC0415
    from fpga_prune.verify.checks import VerifyOptions  # noqa: PLC0415
    from fpga_prune.verify.project import verify  # noqa: PLC0415

    options = {"sims": list(cfg.sims), "csim": True}

    def action(say: Progress) -> JsonObject:
        res = verify(cfg.out / lay.project, VerifyOptions(sims=cfg.sims), progress=say)
        if not res.ok:
            bad = [
                f"{c.name} {c.mismatches} mismatches{' (' + c.failure[:200] + ')' if c.failure else ''}"
                for c in res.checks
                if not c.passed
            ]
            raise CheckFailed(f"verification failed on {lay.board.name}: " + "; ".join(bad))
        return {"mismatches": 0}

    return Step(
        lay.step("verify"),
        (f"{lay.project}/verify.json", f"{lay.project}/verify.xml"),
        options,
        action,
        after=(lay.step("generate"),),
    )


# ----------------------------------------------------------------------------- the flow
@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    report: JsonObject
    records: dict[str, StepRecord]


def execute(cfg: RunConfig, observer: Observer | None = None) -> RunOutcome:
    """Run (or resume) the whole flow and write the reports; the exit code is 1 when a check failed."""
    from fpga_prune.flow.pipeline import Observer, Runner  # noqa: PLC0415
    from fpga_prune.report import run as report_mod  # noqa: PLC0415

    runner = Runner(
        cfg.out,
        force=cfg.force,
        observer=observer or Observer(),
        meta={"boards": [b.name for b in cfg.boards], "until": cfg.until},
    )
    data_step, csv_name = make_data_step(cfg)
    data_path = (cfg.out / "data" / csv_name).resolve()
    candles = LazyCandles(data_path)
    closest: dict[str, JsonObject] = {}
    runner.run(data_step)
    if cfg.wants("train"):
        runner.run(make_train_step(cfg, candles))
    lays = layouts(cfg)
    for lay in lays:
        if cfg.wants("prune"):
            runner.run(make_prune_step(cfg, lay, candles, closest))
        if cfg.wants("generate"):
            runner.run(make_generate_step(cfg, lay, data_path))
        if cfg.wants("verify"):
            runner.run(make_verify_step(cfg, lay))
    failures = {name: rec for name, rec in runner.records.items() if rec.status == "failed"}
    doc = report_mod.build(cfg.out, cfg.settings(), lays, runner.records, closest)
    report_mod.write(cfg.out, doc)
    runner.save()
    return RunOutcome(1 if failures else 0, doc, dict(runner.records))


__all__ = [
    "STEPS",
    "BoardLayout",
    "LazyCandles",
    "RunConfig",
    "RunOutcome",
    "execute",
    "layouts",
    "make_data_step",
    "make_generate_step",
    "make_prune_step",
    "make_train_step",
    "make_verify_step",
]
