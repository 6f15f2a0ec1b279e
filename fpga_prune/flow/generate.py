"""``generate``: a pruned model + a board -> a complete, verified Vitis HLS project.

Why the project is built in memory: hls4ml writes into a directory and stamps
it (a random library stamp, absolute paths, a re-saved Keras file).  We let it
write into a temporary directory, copy the files a project needs with every
stamp normalised, add our own files (all rendered from
``hls_templates/project/*.j2``), and publish the tree in one step with
``outdir.staged_dir``: the same inputs give a byte-identical tree, and a
failure leaves nothing half-written.

Why the C simulation compiles *the project as written*: the check must prove
that the files a user gets (firmware + our testbench + our vectors) compute
what the bit-accurate model computes, bit for bit, on every vector, not that
some in-process hls4ml object does.  ``make csim`` in the project runs the
very same compile and comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fpga_prune.arith.ir import DenseLayer, MergeLayer
from fpga_prune.boards import check_interface, resolve_interface
from fpga_prune.errors import InputError
from fpga_prune.flow.bundles import PrunedModel, check_model_dir, load_pruned, resolve_data
from fpga_prune.hls.csim import CODE_GEN, CXXFLAGS, CsimResult, firmware_cxxflags, run_csim
from fpga_prune.hls.vectors import VectorSet, build_vectors, vector_files
from fpga_prune.model.metrics import accuracy, decision_agreement, decisions
from fpga_prune.outdir import JsonObject, json_text
from fpga_prune.provenance import sha256_bytes, tool_versions
from fpga_prune.rtl.yosys import budget_rows, yosys_budget

if TYPE_CHECKING:
    from fpga_prune.arith.ir import FixedNetwork
    from fpga_prune.boards import Board
    from fpga_prune.data import Candles
    from fpga_prune.hls.settings import HlsSettings
    from fpga_prune.hls.vitis import SynthResult
    from fpga_prune.model.training import KerasModel

DEFAULT_VECTORS = 5000
DEFAULT_STRESS = 256
#: Files hls4ml writes that must not enter the project: the re-saved Keras model
#: (non-deterministic zip), the YAML with absolute paths and the library stamp,
#: and its empty tb_data (ours replaces it).
_HLS4ML_SKIP = re.compile(r"^(keras_model\.keras|hls4ml_config\.yml|tb_data/.*|.*\.so|.*\.o|.*\.tar\.gz)$")


@dataclass(frozen=True)
class GenerateOptions:
    """What ``generate`` does besides writing the project."""

    vectors: int = DEFAULT_VECTORS
    stress: int = DEFAULT_STRESS
    check: bool = True
    synth: bool = False
    yosys: bool = False
    top: str = "myproject"
    seed: int = 0
    max_listed: int = 10
    clock_uncertainty: str = "12.5%"
    interface: str | None = None  # --interface; None: the board's default (boards/*.yaml 'interface')

    def validate(self) -> GenerateOptions:
        if self.vectors < 1:
            raise InputError("--vectors", None, f"must be >= 1, got {self.vectors}")
        if self.stress < 0:
            raise InputError("--stress", None, f"must be >= 0, got {self.stress}")
        if self.top != "myproject":
            # hls4ml names the top itself; renaming it would need its config dict outside hls_adapter.
            raise InputError("GenerateOptions", "top", f"only hls4ml's 'myproject' is supported, got {self.top!r}")
        if self.max_listed < 1:
            raise InputError("--max-listed", None, f"must be >= 1, got {self.max_listed}")
        if self.interface is not None:
            check_interface(self.interface)
        return self

    def interface_for(self, board: Board) -> str:
        """The interface a project on ``board`` gets: ``--interface``, else the board's default."""
        return resolve_interface(board, self.interface)


# ----------------------------------------------------------------------------- hls4ml output
_TOP_RE = re.compile(r"void\s+(?P<top>\w+)\s*\(\s*(?P<args>[^)]*)\)\s*;", re.S)
_ARG_RE = re.compile(r"^\s*(?P<type>\w+)\s+(?P<name>\w+)\s*\[\s*(?P<size>[\w+*\s]+)\s*\]\s*$")


@dataclass(frozen=True)
class TopSignature:
    """``void top(input_t input_1[N], result_t layerK_out[M])`` as hls4ml wrote it."""

    top: str
    input_ctype: str
    input_name: str
    output_ctype: str
    output_name: str


def parse_top_header(text: str, top: str) -> TopSignature:
    for m in _TOP_RE.finditer(text):
        if m.group("top") != top:
            continue
        args = [a for a in m.group("args").split(",") if a.strip()]
        parsed = [_ARG_RE.match(a) for a in args]
        if len(args) != 2 or not all(parsed):
            raise InputError(
                f"firmware/{top}.h",
                top,
                "expected one input and one output array "
                f"(io_parallel, single input/output), got: {m.group('args').strip()}",
            )
        i, o = parsed
        assert i is not None and o is not None  # all(parsed) above
        return TopSignature(top, i.group("type"), i.group("name"), o.group("type"), o.group("name"))
    raise InputError(f"firmware/{top}.h", top, "top-level function prototype not found")


def collect_hls4ml(project_dir: Path, stamp: str) -> dict[str, bytes]:
    """hls4ml's project files, minus build artefacts, with its random library stamp replaced by ``stamp``."""
    files: dict[str, bytes] = {}
    for p in sorted(project_dir.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(project_dir).as_posix()
        if _HLS4ML_SKIP.match(rel):
            continue
        files[rel] = p.read_bytes()
    m = re.search(rb"^LIB_STAMP=(\S+)$", files.get("build_lib.sh", b""), re.M)
    if m:
        old = m.group(1)
        files = {k: v.replace(old, stamp.encode()) for k, v in files.items()}
    absdir = str(project_dir.resolve()).encode()
    for k, v in files.items():
        if absdir in v:
            raise RuntimeError(
                f"hls4ml wrote the build directory into {k}; it would make the project depend on where it was generated"
            )
    return files


def convert_model(pruned: PrunedModel, board: Board, top: str, workdir: Path) -> tuple[HlsSettings, FixedNetwork, Path]:
    """hls4ml conversion on the board's part and clock; returns (hls_model, network, hls4ml file dict)."""
    from dataclasses import replace  # noqa: PLC0415

    from fpga_prune.hls import adapter as hls_adapter  # noqa: PLC0415

    settings = replace(pruned.settings, part=board.part, clock_period_ns=board.clock_period_ns)
    out = workdir / "hls4ml_prj"
    hls_model = hls_adapter.convert(
        pruned.bundle.model, settings, out, part=board.part, clock_period=board.clock_period_ns
    )
    hls_model.write()
    network = hls_adapter.network_from_hls(hls_model, name=top)
    return settings, network, out


def agreement(network: FixedNetwork, vs: VectorSet, keras_model: KerasModel, hw_raw: np.ndarray) -> JsonObject:
    """Decisions of the hardware vs the float Keras model on the real (held-out) rows, and both accuracies."""
    from fpga_prune.arith import fixed  # noqa: PLC0415
    from fpga_prune.model.training import predict_proba  # noqa: PLC0415

    n = vs.n_real
    if n == 0:
        return {"rows": 0}
    hp = fixed.to_float(hw_raw[:n], network.output_type)
    kp = np.asarray(predict_proba(keras_model, vs.x_model))
    out: JsonObject = {
        "rows": n,
        "test_rows": vs.n_test,
        "agree": int((decisions(hp) == decisions(kp)).sum()),
        "agreement": round(decision_agreement(hp, kp), 6),
        "hardware_accuracy": round(accuracy(vs.y, hp), 6),
        "keras_accuracy": round(accuracy(vs.y, kp), 6),
    }
    if vs.n_test:
        out["test_agreement"] = round(decision_agreement(hp[: vs.n_test], kp[: vs.n_test]), 6)
    return out


# ----------------------------------------------------------------------------- project files
def _layer_rows(network: FixedNetwork) -> list[JsonObject]:
    rows: list[JsonObject] = []
    for layer in network.layers:
        if isinstance(layer, DenseLayer):
            nz = int(np.count_nonzero(layer.weights))
            rows.append(
                {
                    "name": layer.name,
                    "kind": "dense",
                    "shape": f"{layer.n_in} x {layer.n_out}",
                    "nonzero": f"{nz} / {layer.weights.size}",
                    "weight": str(layer.weight_type),
                    "accum": str(layer.accum_type),
                    "result": str(layer.result_type),
                    "strategy": layer.strategy,
                    "reuse": layer.reuse_factor,
                }
            )
        else:
            rows.append(
                {
                    "name": layer.name,
                    "kind": layer.op if isinstance(layer, MergeLayer) else layer.activation,
                    "shape": str(layer.n),
                    "nonzero": "",
                    "weight": "",
                    "accum": "",
                    "result": str(layer.result_type),
                    "strategy": "",
                    "reuse": "",
                }
            )
    return rows


def manifest_text(files: Mapping[str, bytes | str], context: JsonObject) -> str:
    """``manifest.json``: sha256 of every other file plus model hash, board and tool versions."""
    hashes = {}
    for rel in sorted(files):
        data = files[rel]
        hashes[rel] = sha256_bytes(data.encode() if isinstance(data, str) else data)
    doc = {**context, "files": hashes}
    return json_text(doc, indent=1)


def _as_bytes(v: bytes | str) -> bytes:
    return v.encode("utf-8") if isinstance(v, str) else v


def render_project(
    pruned: PrunedModel,
    board: Board,
    network: FixedNetwork,
    vs: VectorSet,
    hls_files: dict[str, bytes],
    sig: TopSignature,
    settings: HlsSettings,
    options: GenerateOptions,
    data_info: JsonObject,
    budget: JsonObject | None,
    interface: str = "none",
) -> tuple[dict[str, bytes], str | None, JsonObject | None]:
    """Our files (rendered templates, vectors, RTL, metadata) merged with hls4ml's; manifest last.

    ``interface`` axi-stream adds the wrappers' files (``hls.axis_project``), axi-lite the AXI-Lite top's
    (``hls.axil_project``), vitis-kernel the kernel's (``hls.kernel_project``); none adds nothing."""
    from fpga_prune.rtl import render as rtl  # noqa: PLC0415
    from fpga_prune.rtl.portmap import PortMap, default_port_map  # noqa: PLC0415
    from fpga_prune.templating import render  # noqa: PLC0415

    top = options.top
    versions = tool_versions()
    files: dict[str, bytes] = dict(hls_files)
    rtl_note = None
    ports = None
    try:
        rtl_files = rtl.render_rtl(network, top=top, input_name=sig.input_name, output_name=sig.output_name)
        ports = PortMap.from_json(rtl_files["ports.json"])
        for name, text in rtl_files.items():
            files[f"rtl/{name}"] = _as_bytes(text)
    except ValueError as exc:
        rtl_note = f"no RTL rendering: {exc}"
        ports = default_port_map(network, top, sig.input_name, sig.output_name)
    for name, text in vector_files(network, vs, ports).items():
        files[name] = _as_bytes(text)
    files["network.json"] = _as_bytes(network.to_json())
    files["hls_config.json"] = _as_bytes(settings.to_json())
    ctx = {
        "top": top,
        "board": board,
        "clock_period_ns": board.clock_period_ns,
        "clock_uncertainty": options.clock_uncertainty,
        "ip_version": "1.0",
        "fpga_prune_version": versions.get("fpga-prune") or "unknown",
        "versions": versions,
        "n_vectors": vs.n,
        "n_test": vs.n_test,
        "n_val": vs.n_val,
        "n_stress": vs.n_stress,
        "n_inputs": network.n_inputs,
        "n_outputs": network.n_outputs,
        "input_type": str(network.input_type),
        "output_type": str(network.output_type),
        "input_width": network.input_type.width,
        "output_width": network.output_type.width,
        "input_frac": network.input_type.frac,
        "output_frac": network.output_type.frac,
        "input_signed": network.input_type.signed,
        "output_signed": network.output_type.signed,
        "input_ctype": sig.input_ctype,
        "input_name": sig.input_name,
        "output_ctype": sig.output_ctype,
        "output_name": sig.output_name,
        "max_listed": options.max_listed,
        "cxxflags": CXXFLAGS,
        "firmware_cxxflags": firmware_cxxflags(hls_files.get(CODE_GEN)),
        "layers": _layer_rows(network),
        "budget": budget,
        "budget_rows": budget_rows(budget),
        "settings_source": pruned.settings_source,
        "model_sha256": pruned.model_sha256,
        "model_files": pruned.file_hashes,
        "data": data_info,
        "rtl_note": rtl_note,
        "has_rtl": rtl_note is None,
        "has_budget": budget is not None,
        "strategy": settings.strategy,
        "reuse_factor": settings.reuse_factor,
        "axis": None,
        "axil": None,
        "kernel": None,
    }
    iface = None
    if interface != "none":
        from fpga_prune.estimate.interface import interface_estimate  # noqa: PLC0415

        confidence = (budget or {}).get("bounds", {}).get("confidence") or 0.9
        iface = interface_estimate(network, board, interface, confidence=float(confidence))
        if budget is not None and iface is not None:  # the wrapper's resources, apart from the network's
            searched = budget.get("interface") or {}  # what the search reserved for the same interface, if it did
            kept = {"reserved": searched["reserved"]} if searched.get("interface") == interface else {}
            budget = {**budget, "interface": {**iface.to_dict(), **kept}}
    if interface == "axi-stream":
        from fpga_prune.hls.axis_project import axis_design, axis_files  # noqa: PLC0415

        design = axis_design(network, board, top)
        for name, text in axis_files(design, vs.x_raw, vs.expected_raw, None if rtl_note else ports, ctx).items():
            files[name] = _as_bytes(text)
        ctx["axis"] = {
            "axi_top": design.axi_top,
            "bus": design.fmt.to_dict(),
            "ps": board.ps,
            "rtl": rtl_note is None,
            "estimate": None if iface is None else iface.to_dict(),
        }
    elif interface == "axi-lite":
        from fpga_prune.hls.axil_project import axil_design, axil_files  # noqa: PLC0415

        ldesign = axil_design(network, top)
        for name, text in axil_files(ldesign, vs.x_raw, vs.expected_raw, None if rtl_note else ports, ctx).items():
            files[name] = _as_bytes(text)
        ctx["axil"] = {
            "estimate": None if iface is None else iface.to_dict(),
            "axil_top": ldesign.axil_top,
            "bus": ldesign.fmt.to_dict(),
            "regs": ldesign.regs.to_dict(),
            "ps": board.ps,
            "rtl": rtl_note is None,
        }
    elif interface == "vitis-kernel":
        from fpga_prune.hls.kernel_project import kernel_design, kernel_files  # noqa: PLC0415

        kdesign = kernel_design(network, board, top)
        for name, text in kernel_files(kdesign, vs.x_raw, vs.expected_raw, None if rtl_note else ports, ctx).items():
            files[name] = _as_bytes(text)
        ctx["kernel"] = {
            "estimate": None if iface is None else iface.to_dict(),
            "kernel": kdesign.kernel,
            "bus": kdesign.fmt.to_dict(),
            "platform": kdesign.platform,
            "memory": kdesign.memory,
            "mhz": kdesign.kernel_mhz,
            "max_burst": kdesign.max_burst,
            "rtl": rtl_note is None,
        }
    if budget is not None:
        files["budget.json"] = _as_bytes(json_text(budget))
    files["tb/tb_main.cpp"] = _as_bytes(render("project/tb_main.cpp.j2", ctx))
    files["scripts/build.tcl"] = _as_bytes(render("project/build.tcl.j2", ctx))
    files["scripts/vivado_synth.tcl"] = _as_bytes(render("project/vivado_synth.tcl.j2", ctx))
    files["scripts/clock.xdc"] = _as_bytes(render("project/clock.xdc.j2", ctx))
    files["Makefile"] = _as_bytes(render("project/Makefile.j2", ctx))
    ctx["file_list"] = sorted(files) + ["README.md", "manifest.json"]
    files["README.md"] = _as_bytes(render("project/README.md.j2", ctx))
    manifest_ctx = json.loads(render("project/manifest.json.j2", ctx))
    files["manifest.json"] = _as_bytes(manifest_text(files, manifest_ctx))
    return files, rtl_note, ctx


# ----------------------------------------------------------------------------- the command
@dataclass(frozen=True, eq=False)
class GenerateResult:
    """What ``generate`` wrote and found; ``ok`` is False when the C simulation differed (project written anyway)."""

    out: Path
    n_files: int
    vectors: VectorSet
    csim: CsimResult | None
    agreement: JsonObject | None
    synth: SynthResult | None
    rtl_note: str | None
    seconds: float
    network: FixedNetwork
    board: Board
    yosys: JsonObject | None = None
    interface: str = "none"

    @property
    def ok(self) -> bool:
        return self.csim is None or self.csim.ok

    def failure(self) -> str | None:
        """The C simulation mismatches as a message (None when ``ok``)."""
        if self.csim is None or self.csim.ok:
            return None
        csim = self.csim
        lines = [
            f"C simulation differs from the bit-accurate model on {csim.mismatching_vectors} of "
            f"{csim.n_vectors} vectors (project written to {self.out} for debugging); first mismatches:"
        ]
        lines += [
            f"  vector {m['vector']} output {m['output']}: csim {m['csim']} expected {m['expected']}"
            for m in csim.first
        ]
        return "\n".join(lines)


def _data_info(path: Path, candles: Candles) -> JsonObject:
    from fpga_prune.data import format_ts  # noqa: PLC0415

    return {
        "file": path.name,
        "sha256": sha256_bytes(path.read_bytes()),
        "candles": len(candles),
        "symbol": getattr(candles, "symbol", None),
        "start": format_ts(int(candles.timestamp_ms[0])),
        "end": format_ts(int(candles.timestamp_ms[-1])),
    }


def _check_same_data(pruned: PrunedModel, candles: Candles, data_path: Path) -> None:
    """The test split is only held out if these are the candles the scaler was fit on."""
    from fpga_prune.model import features  # noqa: PLC0415

    spec = pruned.bundle.spec
    ds = features.build(candles, spec)
    tr, _, _ = features.split_bounds(len(ds), spec)
    features.require_same_scaler(
        features.Scaler.fit(ds.X[tr], spec.clip), pruned.bundle.scaler, data_path, pruned.directory
    )


def generate(
    model_dir: str | os.PathLike[str],
    board: Board,
    out: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    options: GenerateOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerateResult:
    """Write the verified HLS project for ``model_dir`` on ``board`` to ``out`` (see module docstring).

    Raises ``InputError`` before anything is written on bad input.  When the
    C simulation differs from the bit-accurate model the project is written
    anyway (so the mismatch can be debugged) and the result's ``ok`` is False.
    """
    from fpga_prune.data import load  # noqa: PLC0415
    from fpga_prune.outdir import check_out_dir, staged_dir, write_tree  # noqa: PLC0415
    from fpga_prune.search import budget as _  # noqa: F401,PLC0415  (budget.json format lives there)

    say = progress or (lambda _msg: None)
    options = (options or GenerateOptions()).validate()
    interface = options.interface_for(board)
    t0 = time.perf_counter()
    mdir = check_model_dir(model_dir)
    check_out_dir(out)
    data_path = resolve_data(mdir, data)
    candles = load(data_path)
    pruned = load_pruned(mdir)
    _check_same_data(pruned, candles, data_path)
    budget = None if pruned.budget is None else dict(pruned.budget)
    if budget is not None:
        budget["measured"] = None
    say(f"converting with hls4ml (Vitis, io_parallel, {board.part} @ {board.clock_period_ns} ns)")
    with tempfile.TemporaryDirectory(prefix="fpga_prune_gen_") as tmp:
        settings, network, hls_dir = convert_model(pruned, board, options.top, Path(tmp))
        stamp = hashlib.sha256(network.to_json().encode()).hexdigest()[:8]
        hls_files = collect_hls4ml(hls_dir, stamp)
        sig = parse_top_header(hls_files[f"firmware/{options.top}.h"].decode(), options.top)
        say(f"building {options.vectors} test vectors (+{options.stress} stress) from {data_path.name}")
        vs = build_vectors(network, pruned.bundle, candles, options.vectors, options.stress, options.seed)
        info = _data_info(data_path, candles)
        if options.yosys:
            say(f"yosys synth_xilinx of the RTL for {board.family}")
            try:
                counts = yosys_budget(network, sig, board, options.top, Path(tmp))
            except ValueError as exc:  # the network has no RTL rendering
                raise InputError("--yosys", None, f"no RTL to synthesize: {exc}") from None
            budget = dict(budget or {})
            budget["yosys"] = counts
        files, rtl_note, ctx = render_project(
            pruned, board, network, vs, hls_files, sig, settings, options, info, budget, interface
        )
        csim = None
        agree = None
        if options.check:
            say(f"C simulation: compiling the project and running {vs.n} vectors")
            check_dir = Path(tmp) / "check"
            write_tree(check_dir, files)
            csim = run_csim(check_dir, top=options.top, max_listed=options.max_listed)
            agree = agreement(network, vs, pruned.bundle.model, csim.outputs_raw)
        else:
            agree = agreement(network, vs, pruned.bundle.model, vs.expected_raw)
    synth = None
    with staged_dir(out) as stage:
        write_tree(stage, files)
        if options.synth:
            from fpga_prune.hls import vitis  # noqa: PLC0415

            if vitis.find_vitis() is None:
                synth = vitis.run_synth(stage, top=options.top)
            else:
                say("running Vitis HLS C synthesis (and Vivado out-of-context synthesis if on PATH)")
                synth = vitis.run_synth(stage, top=options.top, steps=("csynth",))
                if synth.csynth is not None and budget is not None:
                    budget["measured"] = {
                        "tool": synth.tool,
                        "version": synth.version,
                        "csynth": synth.csynth,
                        "vivado": synth.vivado,
                        "timing": synth.timing,
                    }
                    files = render_project(
                        pruned, board, network, vs, hls_files, sig, settings, options, info, budget, interface
                    )[0]
                    for name in ("budget.json", "README.md", "manifest.json"):
                        (stage / name).write_bytes(files[name])
    result = GenerateResult(
        Path(out),
        len(files),
        vs,
        csim,
        agree,
        synth,
        rtl_note,
        time.perf_counter() - t0,
        network,
        board,
        None if budget is None else budget.get("yosys"),
        interface,
    )
    return result
