"""``verify`` of any hls4ml project directory: its RTL == its own C simulation (== the bit-accurate model).

Why a separate flow from the generated-project one (``fpga_prune.verify.project``):
a project this tool did not write has no ``network.json`` and no vectors, and
what was synthesized is its firmware -- so the reference is the project's own
C simulation (``fpga_prune.hls.project_csim``) over inputs drawn over the input
type (``vectors.drawn_inputs``).  The bit-accurate model of the imported
firmware (``hls_project.read_project``) is the third voice wherever the
importer knows every layer; where it does not, the check says why instead of
guessing, and the RTL is still compared with the C simulation.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from fpga_prune.errors import InputError
from fpga_prune.hls.project import TopSignature, axi_wrapper, read_project, top_signature
from fpga_prune.outdir import write_tree
from fpga_prune.rtl.ports import ArraySpec, find_top, module_ports, packed_port, vitis_default_ports
from fpga_prune.rtl.stream_ports import stream_default_ports
from fpga_prune.verify.checks import Check, VerifyOptions, check_rtl
from fpga_prune.verify.wrapped import (
    check_wrapped_rtl,
    check_wrapper_csim,
    export_has_top,
    mm_layout,
    not_compared,
    wrapped_bus,
    wrapped_inputs,
)

#: vectors drawn when ``--vectors`` is not given (>= 3,000 per simulator, issue #10)
DEFAULT_VECTORS = 3000


def is_hls_project(path: Path) -> bool:
    """An hls4ml output directory (not one ``fpga-prune generate`` wrote)."""
    return not (path / "network.json").is_file() and (path / "firmware").is_dir()


def _spec(a) -> ArraySpec:
    return ArraySpec(a.name, a.size, a.type.width, a.type.signed, a.stream)


def _model_check(project: Path, sig: TopSignature, x: np.ndarray, ref: np.ndarray, run) -> Check:
    """The bit-accurate model of the imported firmware vs the C simulation, per output and per layer."""
    from fpga_prune.arith import emulate  # noqa: PLC0415
    from fpga_prune.hls.project_csim import layer_disagreement  # noqa: PLC0415

    t0 = time.perf_counter()
    try:
        net = read_project(project).network
        trace = emulate.trace(net, x)
    except InputError as exc:
        return Check(
            "bit_accurate_model",
            "bit_accurate",
            0,
            0,
            time.perf_counter() - t0,
            {"modelled": False, "not_modelled": str(exc), "first_mismatches": []},
        )
    got = np.asarray(emulate.outputs_of(net, trace), dtype=np.int64)  # every output array, in the top's order
    names = [f"{a.name}[{i}]" for a in sig.outputs for i in range(a.size)]
    if got.shape != ref.shape:
        return Check(
            "bit_accurate_model",
            "bit_accurate",
            len(x),
            len(x),
            time.perf_counter() - t0,
            {"modelled": True, "first_mismatches": []},
            failure=f"model gives {got.shape[1]} outputs, the C simulation {ref.shape[1]}",
        )
    diff = got != ref
    bad = np.flatnonzero(diff.any(axis=1))
    by_output = {names[j]: int(diff[:, j].sum()) for j in range(diff.shape[1]) if diff[:, j].any()}
    layers = layer_disagreement(run.traces, run.tap_names, trace, net.layers)
    first_layer = next((r for r in layers if r.get("disagreeing_vectors")), None)
    first = [f"vector {int(i)}: C simulation {ref[i].tolist()} model {got[i].tolist()}" for i in bad[:5]]
    if first_layer:
        first.insert(
            0,
            f"first disagreeing layer: {first_layer['layer']} (layer {first_layer['index']}, "
            f"{first_layer['disagreeing_vectors']} vectors, first vector {first_layer['first_vector']})",
        )
    return Check(
        "bit_accurate_model",
        "bit_accurate",
        len(x),
        len(bad),
        time.perf_counter() - t0,
        {
            "modelled": True,
            "compared_with": "hls4ml_csim",
            "mismatches_by_output": by_output,
            "layers": layers,
            "first_mismatches": first,
        },
    )


def _check_glue_export(rtl_dir: Path, top: str, sig: TopSignature) -> None:
    """An export of a scalar-argument top is driven through the network's input array (``TopGlue.array``): what
    a public trigger project's export has (its top synthesized from the array, the scalars added later).  An
    export whose ports are the scalars themselves is refused by name (none seen)."""
    assert sig.glue is not None
    name, file = find_top(rtl_dir, top, sig.top)
    ports = {p.name: p for p in module_ports(file.read_text(errors="replace"), name, file)}
    if packed_port(sig.glue.array, ports) is None:
        scalar = next((n for n, _t in sig.glue.scalars if n in ports), sig.glue.scalars[0][0])
        raise InputError(
            file,
            f"module {name} port {scalar}",
            f"no port {sig.glue.array} (the network's input array the top's own code fills from its "
            f"{len(sig.glue.scalars)} scalar arguments): an export of the scalar top itself is not supported",
        )


#: a layer's config struct as Vitis names its module after it (``relu_config5``, a Dense's ``config6``)
_CONFIG_ID = re.compile(r"(?<![A-Za-z])((?:[a-z]+_)?config\d+)")
_MODULE_CONFIG = re.compile(r"([A-Za-z0-9]+)_config(\d+)_s(?:_|\.v$)")


def export_disagreement(rtl_dir: Path, top: str, sig: TopSignature, by_ports: bool = True) -> str | None:
    """Why the export in ``rtl_dir`` was not synthesized from this firmware, when its Verilog says so; else None.

    Why: an export committed beside firmware that was regenerated later (another network, other weights) fails
    every vector, and the mismatches alone point at the tool.  Two facts tell on it: Vitis names each layer's
    module after the config struct of its ``nnet::`` call (``softmax_config8``), and each port after the top's
    argument (``by_ports``: not for a wrapper's).  Other weights in the same network leave no trace in the
    names: only the mismatches tell.
    """
    source = sig.header.with_suffix(".cpp")
    calls = set(_CONFIG_ID.findall(source.read_text(errors="replace"))) if source.is_file() else set()
    # a module is <function>_<types>_<struct>_s: the word before "config" names the struct only when the
    # firmware's structs use it (relu_config5); a Dense's ends in its types (..._16_6_5_3_0_config2_s)
    kinds = {c.rsplit("_config", 1)[0] for c in calls if "_config" in c}
    built = {
        f"{word}_config{n}" if word in kinds else f"config{n}"
        for v in rtl_dir.glob("*.v")
        for word, n in _MODULE_CONFIG.findall(v.name)
    }
    if calls and built - calls:
        return (
            f"the export has modules of {', '.join(sorted(built - calls))}, which the firmware's layers "
            f"({', '.join(sorted(calls))}) do not call: the RTL was not exported from this firmware"
        )
    if not by_ports:
        return None
    name, file = find_top(rtl_dir, top, sig.top)
    ports = {p.name: p for p in module_ports(file.read_text(errors="replace"), name, file)}
    if sig.glue is None and sig.io_type != "io_stream" and packed_port(sig.input.name, ports) is None:
        return (
            f"the export's top has no port named after the firmware's input {sig.input.name}: the RTL may not "
            "be exported from this firmware"
        )
    return None


def verify_hls_project(project: Path, opts: VerifyOptions, say) -> list[Check]:
    """Every check of an hls4ml project directory (its own C simulation is the reference)."""
    from fpga_prune.hls.project_csim import run_project_csim  # noqa: PLC0415
    from fpga_prune.hls.vectors import drawn_arrays, drawn_inputs, scalar_type, top_vector_files  # noqa: PLC0415

    sig = top_signature(project, opts.rtl_top)
    if opts.rtl_dir is not None and sig.glue is not None:
        _check_glue_export(Path(opts.rtl_dir), opts.rtl_top or sig.top, sig)
    if opts.rtl_dir is not None and sig.extra_inputs and sig.io_type == "io_stream":
        raise InputError(
            sig.header,
            f"{sig.top} argument {sig.extra_inputs[0].name}",
            f"--rtl of an io_stream top with {len(sig.inputs)} input streams is not supported (its estimate, C "
            "simulation and bit-accurate model are; io_parallel tops with several input arrays verify their RTL)",
        )
    if opts.rtl_dir is None:  # with nothing to compare the C simulation with, say so before compiling it
        try:
            read_project(project)
        except InputError as exc:
            raise InputError(project, None, f"nothing to compare the C simulation with: no --rtl, and {exc}") from None
    elif sig.io_type == "io_stream":
        # one stream word a vector holds only for a chain of layers this tool reads (a convolution's input is a
        # stream of pixels): the C simulation and the RTL bench would starve for words, not compare
        try:
            read_project(project)
        except InputError as exc:
            raise InputError(project, None, f"io_stream top not modelled, words per inference unknown: {exc}") from None
    # a VivadoAccelerator project whose export's top is the wrapper: its beats, cast as the wrapper casts them
    wrapper = axi_wrapper(project, sig.top)
    drive = wrapper is not None and opts.rtl_dir is not None and export_has_top(opts.rtl_dir, wrapper.top)
    bus, why = None, ""
    if wrapper is not None:
        try:
            bus = wrapped_bus(wrapper, sig)
        except InputError as exc:
            if drive:
                raise
            why = str(exc)
    if drive and bus is not None and bus.wrapper.interface != "axi_stream" and opts.rtl_dir is not None:
        mm_layout(project, bus, Path(opts.rtl_dir))  # an export the bench cannot drive is refused before any work
    n = opts.vectors or DEFAULT_VECTORS
    if sig.glue is not None:  # the top's scalar arguments, each over its C type (at most 16 bits)
        kinds = [scalar_type(t, sig.header, name) for name, t in sig.glue.scalars]
        if len(set(kinds)) == 1:
            x = drawn_inputs(kinds[0], len(kinds), n, opts.seed)
        else:
            x = drawn_arrays([(t, 1) for t in kinds], n, opts.seed)
    else:  # each input array over its own type
        x = drawn_arrays([(a.type, a.size) for a in sig.inputs], n, opts.seed)
    beats = x
    if bus is not None:
        beats = wrapped_inputs(bus, x, opts.seed)
        x = bus.inputs(beats)
        say(f"export top {bus.wrapper.top}: {len(x)} samples of {bus.wrapper.n_in} {bus.wrapper.in_ctype} beats")
    build = project / "build" / "verify"
    t0 = time.perf_counter()
    run = run_project_csim(project, sig, x, build / "csim")
    ref = run.outputs_raw
    checks = [
        Check(
            "hls4ml_csim",
            "csim",
            len(x),
            0,
            time.perf_counter() - t0,
            {
                "role": "reference",
                "top": sig.top,
                "runner": run.command,
                "compile_seconds": round(run.compile_seconds, 2),
                "run_seconds": round(run.run_seconds, 2),
                "input_type": str(sig.input.type),
                "inputs": (
                    [f"{t} {name}" for name, t in sig.glue.scalars]
                    if sig.glue
                    else [f"{a.name}[{a.size}] {a.type}" for a in sig.inputs]
                ),
                "outputs": [f"{a.name}[{a.size}] {a.type}" for a in sig.outputs],
                **({"glue": sig.glue.to_dict()} if sig.glue else {}),
            },
        )
    ]
    drawn = (
        f"{len(sig.glue.scalars)} scalar arguments drawn over "
        f"{', '.join(sorted({f'[{k.raw_min}, {k.raw_max}]' for k in kinds}))}, "
        f"the network's input {sig.glue.array} captured after the top's own code"
        if sig.glue
        else " and ".join(f"{a.name} over {a.type}" for a in sig.inputs)
    )
    say(f"C simulation ({sig.top}): {len(x)} vectors, {drawn} -> reference outputs")
    # the model starts where the network does: at the array the top's own code filled, when it has some
    checks.append(_model_check(project, sig, x if run.network_inputs is None else run.network_inputs, ref, run))
    c = checks[-1]
    say(
        "bit-accurate model: "
        + (
            f"{c.mismatches} mismatches with the C simulation on {c.vectors} vectors"
            if c.details.get("modelled")
            else f"not modelled ({c.details['not_modelled']})"
        )
    )
    if wrapper is not None:
        if bus is not None and bus.float_in and bus.float_out:
            checks.append(check_wrapper_csim(project, bus, beats, ref))
            say(f"wrapper C simulation ({wrapper.top}): {checks[-1].mismatches} mismatches on {len(x)} samples")
        else:
            checks.append(not_compared(wrapper, why or f"{wrapper.in_ctype}/{wrapper.out_ctype} beats: floats only"))
    if opts.rtl_dir is None:
        if not c.details.get("modelled"):
            raise InputError(
                project, None, f"nothing to compare the C simulation with: no --rtl, and {c.details['not_modelled']}"
            )
        return checks
    vec_dir = build / "vectors"
    if sig.glue is not None and run.network_inputs is not None:
        # the export starts at the network's input array: driven with what the top's own code made of the scalars
        x, sig = run.network_inputs, replace(sig, glue=None)
        say(f"RTL vectors: {sig.input.name} as the top's own code filled it from the scalars")
    if sig.io_type == "io_stream":
        guess = stream_default_ports(sig.top, _spec(sig.input), [_spec(a) for a in sig.outputs])
    else:
        guess = vitis_default_ports(
            sig.top, _spec(sig.input), [_spec(a) for a in sig.outputs], [_spec(a) for a in sig.extra_inputs]
        )
    write_tree(vec_dir, top_vector_files(sig, x, ref, guess))
    if drive and bus is not None:
        for sim in opts.sims:
            say(f"RTL simulation of {bus.wrapper.top} under {sim} (cocotbext-axi) ...")
            clock = read_project(project).clock_period_ns
            stale = export_disagreement(Path(opts.rtl_dir), bus.wrapper.top, sig, by_ports=False)
            checks.append(
                _said_stale(check_wrapped_rtl(project, bus, beats, ref, sim, opts, vec_dir, guess, clock), stale)
            )
            c = checks[-1]
            say(f"RTL {bus.wrapper.top} {sim:<10} {c.mismatches} mismatches on {c.vectors} vectors" + _why(c))
        return checks
    stale = export_disagreement(Path(opts.rtl_dir), opts.rtl_top or sig.top, sig)
    for sim in opts.sims:
        say(f"RTL simulation under {sim} ...")
        checks.append(_said_stale(check_rtl(project, sim, opts, vec_dir), stale))
        c = checks[-1]
        say(f"RTL {sim:<15} {c.mismatches} mismatches on {c.vectors} vectors" + _why(c))
    return checks


def _said_stale(c: Check, stale: str | None) -> Check:
    """``c`` with the reason its export disagrees with the firmware, when it has mismatches to explain."""
    if not stale or not c.mismatches:
        return c
    return replace(c, failure="; ".join(f for f in (c.failure, stale) if f), details={**c.details, "export": stale})


def _why(c: Check) -> str:
    return f" ({c.details['export']})" if "export" in c.details else ""
