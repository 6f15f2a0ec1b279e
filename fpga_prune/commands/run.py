"""``fpga-prune run``: candles -> train -> prune to fit -> generate -> verify -> report, resumable.

Every step is the same function the single-step command calls
(``train_bundle``, ``prune_bundle``, ``generate.generate``, ``verify.verify``);
this module only wires them into :mod:`fpga_prune.pipeline` steps under one
output directory::

    DIR/data/        summary.json + the validated candles as CSV
    DIR/model/       train bundle
    DIR/pruned/      prune output (budget.json, plots, hls_config.json, model)
    DIR/project/     generate output; verify.json / verify.xml inside
    DIR/report.{md,html,json}, DIR/run.json (step records and the only timings)

With ``--board all`` the model is trained once and each board gets
``DIR/boards/<name>/{pruned,project}`` plus one comparison table.
A re-run skips every step whose inputs are unchanged; ``--force [STEP ...]``
redoes steps.  A failed check still writes the report, then exits 1.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HELP = "candles -> train -> prune -> generate -> verify -> report, resumable"

#: the steps of the flow, in order (``--until`` stops after one, ``--force`` names them)
STEPS = ("data", "train", "prune", "generate", "verify")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fpga_prune.commands.prune import add_fit_arguments  # noqa: PLC0415
    from fpga_prune.commands.train import add_model_arguments  # noqa: PLC0415
    from fpga_prune.data import add_source_arguments  # noqa: PLC0415
    from fpga_prune.generate import DEFAULT_STRESS, DEFAULT_VECTORS  # noqa: PLC0415

    parser.add_argument("--board", required=True, metavar="NAME|FILE|all|A,B",
                        help="shipped board name, a board YAML file, or 'all' / a comma-separated list: a sweep "
                             "over boards (one training, a run per board in DIR/points/, DIR/sweep.md)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="run directory (resumable)")
    parser.add_argument("--force", nargs="*", metavar="STEP", choices=STEPS, default=None,
                        help=f"redo steps even when their outputs are up to date: every step (bare --force) "
                             f"or the named ones ({', '.join(STEPS)})")
    parser.add_argument("--until", choices=STEPS, default="verify",
                        help="stop after this step (default verify: the whole flow)")
    add_source_arguments(parser)
    add_model_arguments(parser)
    f = parser.add_argument_group("prune to fit")
    add_fit_arguments(f)
    g = parser.add_argument_group("generate and verify")
    g.add_argument("--vectors", type=int, default=DEFAULT_VECTORS,
                   help=f"test vectors from the held-out rows (default {DEFAULT_VECTORS})")
    g.add_argument("--stress", type=int, default=DEFAULT_STRESS,
                   help=f"extra synthetic corner/random vectors (default {DEFAULT_STRESS})")
    g.add_argument("--sim", default="all", help="RTL simulators: verilator, icarus or all (default all)")
    g.add_argument("--synth", action="store_true",
                   help="also run Vitis HLS C synthesis when Vitis is on PATH (see `generate --synth`)")
    from fpga_prune.commands.sweep import add_executor_arguments  # noqa: PLC0415

    add_executor_arguments(parser)  # used when --board names several boards (a sweep)


# ----------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, resolved and validated before anything is written."""

    out: Path
    boards: tuple[Any, ...]  # fpga_prune.boards.Board
    board_refs: tuple[str, ...]  # what generate is given (name or YAML path)
    all_boards: bool
    source: dict[str, Any]  # the candle-source options (add_source_arguments)
    spec: Any  # FeatureSpec
    model: Any  # ModelConfig
    threads: int | None
    n_boot: int
    boot_block: int
    caps: Any  # Caps
    fit: Any  # FitConfig
    generate: Any  # GenerateOptions
    sims: tuple[str, ...]
    until: str = "verify"
    force: bool | frozenset[str] = False
    command: tuple[str, ...] = field(default=())

    def wants(self, step: str) -> bool:
        return STEPS.index(step) <= STEPS.index(self.until)


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Validate every option (exit 2 before anything is written)."""
    from fpga_prune.boards import board_names, load_board, parse_caps  # noqa: PLC0415
    from fpga_prune.commands.prune import fit_config_from_args  # noqa: PLC0415
    from fpga_prune.commands.train import configs_from_args  # noqa: PLC0415
    from fpga_prune.errors import InputError  # noqa: PLC0415
    from fpga_prune.generate import GenerateOptions  # noqa: PLC0415
    from fpga_prune.verify import parse_sims  # noqa: PLC0415

    if args.board == "all":
        refs = tuple(board_names())
    else:
        refs = (str(args.board),)
    boards = tuple(load_board(r) for r in refs)
    spec, model_cfg = configs_from_args(args)
    for flag, value, low in (("--n-boot", args.n_boot, 0), ("--boot-block", args.boot_block, 1),
                             ("--threads", args.threads, 1)):
        if value is not None and value < low:
            raise InputError(flag, None, f"must be >= {low}, got {value}")
    gen = GenerateOptions(vectors=args.vectors, stress=args.stress, check=True, synth=args.synth,
                          seed=args.seed).validate()
    source = {k: getattr(args, k) for k in ("data", "symbol", "interval", "start", "end", "category",
                                            "allow_gaps", "no_cache", "refresh", "cache_dir")}
    if source["data"] is not None:
        if source["symbol"]:
            raise InputError("command line", "--data/--symbol", "give either --data FILE or --symbol, not both")
        if not Path(source["data"]).is_file():
            raise InputError(source["data"], None, "data file not found")
    elif not source["symbol"]:
        raise InputError("command line", "--data/--symbol",
                         "no candles: give --data FILE, or --symbol SYMBOL --interval N --start DATE")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(out, None, "exists and is not a directory")
    force: bool | frozenset[str]
    if args.force is None:
        force = False
    elif len(args.force) == 0:
        force = True
    else:
        force = frozenset(args.force)
    return RunConfig(out=out, boards=boards, board_refs=refs, all_boards=args.board == "all", source=source,
                     spec=spec, model=model_cfg, threads=args.threads, n_boot=args.n_boot,
                     boot_block=args.boot_block, caps=parse_caps(args.cap), fit=fit_config_from_args(args),
                     generate=gen, sims=parse_sims(args.sim), until=args.until, force=force)


# ----------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class BoardLayout:
    """Where one board's steps write, relative to the run directory, and their step names."""

    board: Any
    ref: str
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
    if not cfg.all_boards:
        return [BoardLayout(cfg.boards[0], cfg.board_refs[0], "", "")]
    return [BoardLayout(b, r, f"boards/{b.name}/", f"[{b.name}]") for b, r in zip(cfg.boards, cfg.board_refs)]


def _cleaned_name(source: dict[str, Any]) -> str:
    if source["data"] is not None:
        return Path(source["data"]).stem + ".csv"
    parts = [source["symbol"], source["category"], str(source["interval"]), str(source["start"]),
             str(source["end"] or "now")]
    return "-".join(p.replace(":", "").replace(" ", "T").replace("/", "_") for p in parts) + ".csv"


# ----------------------------------------------------------------------------- steps
def _data_step(cfg: RunConfig):
    import json  # noqa: PLC0415

    from fpga_prune.data import summarize, write_csv  # noqa: PLC0415
    from fpga_prune.data.source import from_args_with_report  # noqa: PLC0415
    from fpga_prune.outdir import staged_dir  # noqa: PLC0415
    from fpga_prune.pipeline import Step, sha256_file  # noqa: PLC0415

    src = cfg.source
    name = _cleaned_name(src)
    if src["data"] is not None:
        options = {"file": Path(src["data"]).name, "sha256": sha256_file(Path(src["data"])),
                   "interval": src["interval"], "allow_gaps": src["allow_gaps"]}
        cacheable = True
    else:
        options = {k: src[k] for k in ("symbol", "interval", "start", "end", "category", "allow_gaps")}
        cacheable = src["end"] is not None and not src["refresh"]  # an open range grows with time

    def action(say):
        say("loading and validating candles")
        candles, report = from_args_with_report(argparse.Namespace(**src))
        summary = summarize(candles)
        summary["source"] = str(src["data"]) if src["data"] is not None else summary["source"]
        summary["source_sha256"] = options.get("sha256")
        summary["cleaned_csv"] = name
        with staged_dir(cfg.out / "data") as stage:
            write_csv(candles, stage / name)
            (stage / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True, allow_nan=False)
                                                + "\n")
        say(f"{len(candles):,} candles {summary['start']} .. {summary['end']}")
        return {"rows": len(candles)}

    return Step("data", ("data",), options, action, cacheable=cacheable), name


class _Candles:
    """The validated candles of the run, loaded from ``data/`` once and only when a step needs them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._candles = None

    def get(self):
        if self._candles is None:
            from fpga_prune.data import load  # noqa: PLC0415

            self._candles = load(self.path)
        return self._candles


def _train_step(cfg: RunConfig, candles: _Candles):
    from fpga_prune.commands.train import train_bundle  # noqa: PLC0415
    from fpga_prune.pipeline import Step  # noqa: PLC0415

    options = {"spec": cfg.spec.to_dict(), "model": cfg.model.to_dict(), "threads": cfg.threads,
               "n_boot": cfg.n_boot, "boot_block": cfg.boot_block}

    def action(say):
        arch = "-".join(map(str, cfg.model.hidden))
        say(f"training {'QKeras' if cfg.model.quantized else 'dense'} MLP {arch} (target {cfg.spec.target})")
        payload, _ = train_bundle(candles.get(), cfg.out / "model", cfg.spec, cfg.model, threads=cfg.threads,
                                  n_boot=cfg.n_boot, boot_block=cfg.boot_block)
        auc = payload["test"]["metrics"]["roc_auc"]["value"]
        say(f"{payload['training']['epochs_run']} epochs; test ROC AUC {auc:.4f}")
        return {"roc_auc": auc}

    return Step("train", ("model",), options, action, after=("data",))


def _prune_step(cfg: RunConfig, lay: BoardLayout, candles: _Candles):
    from fpga_prune.commands.prune import prune_bundle  # noqa: PLC0415
    from fpga_prune.pipeline import Step  # noqa: PLC0415

    options = {"board": lay.board.to_dict(), "caps": cfg.caps.to_dict(), "fit": cfg.fit.to_dict()}

    def action(say):
        doc = prune_bundle(cfg.out / "model", candles.get(), lay.board, cfg.caps, cfg.fit, cfg.out / lay.pruned,
                           data_label=str(candles.path), progress=say)
        return {"fits": doc["fits"]}

    return Step(lay.step("prune"), (lay.pruned,), options, action, after=("train",))


def _generate_step(cfg: RunConfig, lay: BoardLayout, data_path: Path):
    from fpga_prune.generate import generate  # noqa: PLC0415
    from fpga_prune.pipeline import Step, json_digest, tree_digest  # noqa: PLC0415

    o = cfg.generate
    options = {"board": lay.board.to_dict(), "vectors": o.vectors, "stress": o.stress, "seed": o.seed,
               "synth": o.synth, "top": o.top, "clock_uncertainty": o.clock_uncertainty}

    def action(say):
        res = generate(cfg.out / lay.pruned, lay.ref, cfg.out / lay.project, data=data_path, options=o,
                       progress=say)
        return {"files": res.n_files}

    def digest(root: Path) -> str:
        return json_digest(tree_digest(root / lay.project, exclude=("build", "verify.json", "verify.xml")))

    return Step(lay.step("generate"), (lay.project,), options, action, after=(lay.step("prune"),), digest=digest)


def _verify_step(cfg: RunConfig, lay: BoardLayout):
    from fpga_prune.errors import CheckFailed  # noqa: PLC0415
    from fpga_prune.pipeline import Step  # noqa: PLC0415
    from fpga_prune.verify import VerifyOptions, verify  # noqa: PLC0415

    options = {"sims": list(cfg.sims), "csim": True}

    def action(say):
        res = verify(cfg.out / lay.project, VerifyOptions(sims=cfg.sims), progress=say)
        if not res.ok:
            bad = [f"{c.name} {c.mismatches} mismatches{' (' + c.failure[:200] + ')' if c.failure else ''}"
                   for c in res.checks if not c.passed]
            raise CheckFailed(f"verification failed on {lay.board.name}: " + "; ".join(bad))
        return {"mismatches": 0}

    return Step(lay.step("verify"), (f"{lay.project}/verify.json", f"{lay.project}/verify.xml"), options, action,
                after=(lay.step("generate"),))


# ----------------------------------------------------------------------------- the flow
@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    report: dict[str, Any]
    records: dict[str, Any]


def execute(cfg: RunConfig, observer=None) -> RunOutcome:
    """Run (or resume) the whole flow and write the reports; the exit code is 1 when a check failed."""
    from fpga_prune import report as report_mod  # noqa: PLC0415
    from fpga_prune.pipeline import Observer, Runner  # noqa: PLC0415

    runner = Runner(cfg.out, force=cfg.force, observer=observer or Observer(),
                    meta={"boards": [b.name for b in cfg.boards], "until": cfg.until})
    data_step, csv_name = _data_step(cfg)
    data_path = (cfg.out / "data" / csv_name).resolve()
    candles = _Candles(data_path)
    runner.run(data_step)
    if cfg.wants("train"):
        runner.run(_train_step(cfg, candles))
    lays = layouts(cfg)
    for lay in lays:
        if cfg.wants("prune"):
            runner.run(_prune_step(cfg, lay, candles))
        if cfg.wants("generate"):
            runner.run(_generate_step(cfg, lay, data_path))
        if cfg.wants("verify"):
            runner.run(_verify_step(cfg, lay))
    failures = {name: rec for name, rec in runner.records.items() if rec.status == "failed"}
    doc = report_mod.build(cfg, lays, runner.records)
    report_mod.write(cfg.out, doc)
    runner.save()
    return RunOutcome(1 if failures else 0, doc, dict(runner.records))


# ----------------------------------------------------------------------------- progress display
class _RichObserver:
    """One progress row per step (spinner, bar, elapsed time, latest message) on stderr."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415

        self.progress = Progress(SpinnerColumn(finished_text="[green]✓"), TextColumn("[bold]{task.fields[step]:<20}"),
                                 BarColumn(bar_width=24), TimeElapsedColumn(),
                                 TextColumn("{task.fields[status]:<8}"), TextColumn("[dim]{task.description}"),
                                 console=console, transient=False)
        self.tasks: dict[str, Any] = {}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def start(self, name: str) -> None:
        self.tasks[name] = self.progress.add_task("", total=None, step=name, status="running")

    def message(self, name: str, text: str) -> None:
        if name in self.tasks:
            self.progress.update(self.tasks[name], description=text.strip()[:90])

    def finish(self, rec) -> None:
        tid = self.tasks.get(rec.name)
        if tid is None:
            return
        colour = {"done": "green", "skipped": "cyan", "failed": "red"}.get(rec.status, "yellow")
        desc = rec.message or ""
        self.progress.update(tid, total=1, completed=1, status=f"[{colour}]{rec.status}", description=desc[:90])
        self.progress.stop_task(tid)


class _PlainObserver:
    """Line-per-event progress for logs (stderr is not a terminal)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def start(self, name: str) -> None:
        print(f"[run] {name}: started", file=self.stream, flush=True)

    def message(self, name: str, text: str) -> None:
        print(f"[run] {name}: {text}", file=self.stream, flush=True)

    def finish(self, rec) -> None:
        extra = f" ({rec.message})" if rec.message else ""
        print(f"[run] {rec.name}: {rec.status} in {rec.seconds:.1f} s{extra}", file=self.stream, flush=True)


class _QuietObserver:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def start(self, name: str) -> None: ...

    def message(self, name: str, text: str) -> None: ...

    def finish(self, rec) -> None: ...


def _observer(args: argparse.Namespace):
    if getattr(args, "quiet", False) or getattr(args, "json", False):
        return _QuietObserver()
    from rich.console import Console  # noqa: PLC0415

    console = Console(stderr=True)
    if console.is_terminal:
        return _RichObserver(console)
    return _PlainObserver(sys.stderr)


def summary_text(doc: dict[str, Any], out: Path) -> str:
    """The closing table (rich, rendered to plain text for stdout)."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    buf = io.StringIO()
    console = Console(file=buf, width=160, color_system=None, force_terminal=False)
    table = Table(title=f"fpga-prune run: {out}", title_justify="left")
    for col in ("board", "fits", "DSP", "LUT", "FF", "BRAM18K", "latency", "dense", "pruned", "retention",
                "bit-acc", "C sim", "verilator", "icarus"):
        table.add_column(col, justify="left" if col in ("board", "fits") else "right")
    for row in doc["summary"]["boards"]:
        r = row.get("resources") or {}

        def res(name: str) -> str:
            x = r.get(name)
            return "-" if x is None else f"{x['used']}/{x['allowed']}"

        acc = row.get("accuracy") or {}
        mm = row.get("mismatches") or {}

        def num(v, fmt="{:.4f}") -> str:
            return "-" if v is None else fmt.format(v)

        table.add_row(row["board"], {True: "yes", False: "NO", None: "-"}[row.get("fits")], res("dsp"), res("lut"),
                      res("ff"), res("bram18k"), num(row.get("latency_ns"), "{:.0f} ns"), num(acc.get("dense")),
                      num(acc.get("pruned")), num(acc.get("retention")),
                      *(num(mm.get(k), "{}") for k in ("bit_accurate", "csim", "verilator", "icarus")))
    console.print(table)
    metric = doc["summary"].get("metric") or "metric"
    lines = ["\n".join(line.rstrip() for line in buf.getvalue().rstrip().splitlines()), f"accuracy columns: test {metric}; mismatches per check (- = not run)"]
    st = doc["status"]
    lines.append(("OK" if st["ok"] else "FAILED") + (f": {st['reason']}" if st.get("reason") else ""))
    lines.append(f"wrote {out / 'report.md'}, {out / 'report.html'}, {out / 'report.json'}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from fpga_prune.cli import emit  # noqa: PLC0415

    if args.board == "all" or "," in str(args.board):
        from fpga_prune.commands.sweep import run_boards  # noqa: PLC0415

        return run_boards(args)
    cfg = config_from_args(args)
    with _observer(args) as obs:
        outcome = execute(cfg, obs)
    doc = outcome.report
    emit(args, {"out": str(cfg.out), "exit_code": outcome.exit_code, **doc["summary"], "status": doc["status"]},
         summary_text(doc, cfg.out))
    return outcome.exit_code
