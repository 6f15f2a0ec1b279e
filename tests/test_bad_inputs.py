"""A catalog of bad inputs: each exits 2 with one line naming the file/field/value, no traceback,
and leaves nothing behind (``--out`` absent afterwards, or unchanged if it existed).

Every case runs the real CLI in-process.  Files whose shape matters are cut
from the real Bybit candles; models and projects are the cheapest broken
ones that reach the failing check (no training).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from fpga_prune import cli

N_ROWS = 1500  # real candles per data file: enough for every check, fast to load


@dataclass
class Env:
    """What a case builds on: a scratch dir, real candle lines and the cheap fixtures."""

    tmp: Path
    header: str
    rows: list[str]
    real_csv: Path
    full_csv: Path
    bundle: Path
    project: Path
    out: Path = field(init=False)

    def __post_init__(self) -> None:
        self.out = self.tmp / "out"

    def write(self, name: str, text: str | bytes) -> Path:
        p = self.tmp / name
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
        return p

    def csv(self, name: str, rows: list[str], header: str | None = None) -> Path:
        return self.write(name, "\n".join([self.header if header is None else header, *rows]) + "\n")

    def edit(self, k: int, col: int, value: str) -> list[str]:
        """The real rows with row ``k``'s column ``col`` replaced by ``value``."""
        rows = list(self.rows)
        cells = rows[k].split(",")
        cells[col] = value
        rows[k] = ",".join(cells)
        return rows

    def board(self, name: str, **changes: object) -> Path:
        """pynq-z2's YAML with ``changes`` (None drops the key)."""
        import yaml

        doc = yaml.safe_load((Path(__file__).resolve().parents[1] / "boards" / "pynq-z2.yaml").read_text())
        for k, v in changes.items():
            if v is None:
                doc.pop(k)
            else:
                doc[k] = v
        return self.write(name, yaml.safe_dump(doc))

    def bundle_copy(self, name: str, files: dict[str, bytes | str | None]) -> Path:
        """A copy of the cheap model bundle with files replaced (None deletes)."""
        d = self.tmp / name
        if d.exists():
            return d
        shutil.copytree(self.bundle, d)
        for fname, content in files.items():
            if content is None:
                (d / fname).unlink()
            elif isinstance(content, bytes):
                (d / fname).write_bytes(content)
            else:
                (d / fname).write_text(content)
        return d

    def rtl_dir(self, name: str, verilog: bool = True) -> Path:
        d = self.tmp / name
        d.mkdir(exist_ok=True)
        if verilog:
            (d / "myproject.v").write_text("module myproject(input ap_clk); endmodule\n")
        return d


@dataclass(frozen=True)
class Case:
    """argv (built from Env), the strings the error line must contain, the dir that must not appear."""

    argv: Callable[[Env], list[str]]
    needles: Callable[[Env], list[str]]
    out: Callable[[Env], Path] = lambda e: e.out


def data(path_fn: Callable[[Env], Path], *needles: str, extra: tuple[str, ...] = ()) -> Case:
    """``fpga-prune data --data FILE --out OUT.csv``: the file and ``needles`` in the message."""
    return Case(
        lambda e: ["data", "--data", str(path_fn(e)), "--out", str(e.out), *extra],
        lambda e: [path_fn(e).name, *needles],
    )


def _shifted(rows: list[str], seconds: int) -> list[str]:
    """``rows`` with every timestamp moved by ``seconds`` (a 1-minute export spliced into a 5-minute one)."""
    from datetime import datetime, timedelta

    out = []
    for r in rows:
        ts, rest = r.split(",", 1)
        out.append(f"{datetime.fromisoformat(ts) + timedelta(seconds=seconds)},{rest}")
    return out


def _generate_with_hls_config(name: str, content: str | bytes, needles: list[str]) -> Case:
    """``generate`` on a copy of the cheap bundle whose ``hls_config.json`` is ``content``."""
    return Case(
        lambda e: [
            "generate",
            "--model",
            str(e.bundle_copy(name, {"hls_config.json": content})),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: needles,
    )


# Columns of the real file: timestamp,open,high,low,close,volume
CASES: dict[str, Case] = {
    # ------------------------------------------------------------------ data files
    "data-empty-file": data(lambda e: e.write("empty.csv", ""), "empty file"),
    "data-header-only": data(lambda e: e.csv("header.csv", []), "no data rows"),
    "data-binary": data(lambda e: e.write("binary.csv", bytes(range(256)) * 8), "not UTF-8", "byte 128"),
    "data-duplicate-timestamp": data(
        lambda e: e.csv("dup.csv", e.rows[:500] + [e.rows[499]] + e.rows[500:]), "duplicate", "line 502"
    ),
    "data-nan-close": data(lambda e: e.csv("nan.csv", e.edit(700, 4, "nan")), "close", "nan"),
    "data-inf-volume": data(lambda e: e.csv("inf.csv", e.edit(701, 5, "inf")), "volume", "inf"),
    "data-high-below-low": data(lambda e: e.csv("hl.csv", e.edit(702, 2, "1.0")), "high", "1.0"),
    "data-negative-volume": data(lambda e: e.csv("negvol.csv", e.edit(703, 5, "-3.5")), "volume", "-3.5"),
    "data-zero-price": data(lambda e: e.csv("zero.csv", e.edit(704, 1, "0")), "open", "0"),
    "data-gap": data(lambda e: e.csv("gap.csv", e.rows[:600] + e.rows[640:]), "gap", "40 missing", "--allow-gaps"),
    "data-mixed-intervals": data(
        lambda e: e.csv("mixed.csv", e.rows[:600] + _shifted(e.rows[600:], 60)), "mixed intervals"
    ),
    "data-semicolon-delimiter": data(
        lambda e: e.csv("semi.csv", [r.replace(",", ";") for r in e.rows], e.header.replace(",", ";")),
        "missing columns",
        "timestamp;open",
    ),
    "data-missing-column": data(
        lambda e: e.csv("nocol.csv", [r.rsplit(",", 1)[0] for r in e.rows], e.header.rsplit(",", 1)[0]), "volume"
    ),
    "data-bad-timestamp": data(lambda e: e.csv("badts.csv", e.edit(705, 0, "yesterday")), "yesterday"),
    "data-short-row": data(
        lambda e: e.csv("short.csv", e.rows[:706] + [",".join(e.rows[706].split(",")[:3])] + e.rows[707:]),
        "line 708",
        "got 3",
    ),
    "data-truncated-json": data(
        lambda e: e.write("trunc.json", '{"retCode":0,"result":{"list":[["1743699'), "line 1 column 33", "invalid JSON"
    ),
    "data-retcode-error-json": data(
        lambda e: e.write(
            "err.json", json.dumps({"retCode": 10001, "retMsg": "params error: symbol invalid", "result": {}})
        ),
        "retCode",
        "10001",
        "symbol invalid",
    ),
    "data-directory": data(lambda e: e.rtl_dir("adir", verilog=False), "adir", "is a directory"),
    "data-directory-named-csv": data(lambda e: e.rtl_dir("dir.csv", verilog=False), "dir.csv", "is a directory"),
    "data-missing-file": data(lambda e: e.tmp / "nosuch.csv", "no such file"),
    # ------------------------------------------------------------------ board files
    "board-negative-dsp": Case(
        lambda e: ["boards", "--board", str(e.board("neg.yaml", dsp=-5))], lambda e: ["neg.yaml", "dsp", "-5"]
    ),
    "board-missing-part": Case(
        lambda e: ["boards", "--board", str(e.board("nopart.yaml", part=None))], lambda e: ["nopart.yaml", "part"]
    ),
    "board-binary": Case(
        lambda e: ["boards", "--board", str(e.write("bin.yaml", b"\x00\xff\xfe" * 40))],
        lambda e: ["bin.yaml", "cannot read"],
    ),
    "board-yaml-syntax": Case(
        lambda e: ["boards", "--board", str(e.write("syntax.yaml", "name: [x\npart: y\n"))],
        lambda e: ["syntax.yaml", "YAML"],
    ),
    "board-unknown-name": Case(lambda e: ["boards", "--board", "zynq-9000"], lambda e: ["zynq-9000", "pynq-z2"]),
    "board-string-lut": Case(
        lambda e: ["boards", "--board", str(e.board("str.yaml", lut="lots"))], lambda e: ["str.yaml", "lut", "lots"]
    ),
    # ------------------------------------------------------------------ options
    "option-cap-above-one": Case(
        lambda e: ["boards", "--board", "pynq-z2", "--cap", "lut=1.5"], lambda e: ["lut", "1.5"]
    ),
    "option-cap-negative": Case(
        lambda e: ["boards", "--board", "pynq-z2", "--cap", "dsp=-0.1"], lambda e: ["dsp", "-0.1"]
    ),
    "option-cap-unknown-resource": Case(
        lambda e: ["boards", "--board", "pynq-z2", "--cap", "gpu=0.5"], lambda e: ["gpu"]
    ),
    "option-cap-not-a-number": Case(
        lambda e: ["boards", "--board", "pynq-z2", "--cap", "lut=most"], lambda e: ["lut", "most"]
    ),
    "option-retention-out-of-range": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.bundle),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
            "--min-retention",
            "2",
        ],
        lambda e: ["--min-retention", "2.0"],
    ),
    "option-hidden-zero": Case(
        lambda e: ["train", "--data", str(e.real_csv), "--out", str(e.out), "--hidden", "64,0"],
        lambda e: ["hidden", "0"],
    ),
    "option-hidden-not-int": Case(
        lambda e: ["train", "--data", str(e.real_csv), "--out", str(e.out), "--hidden", "64,x"],
        lambda e: ["hidden", "64,x"],
    ),
    "option-epochs-zero": Case(
        lambda e: ["train", "--data", str(e.real_csv), "--out", str(e.out), "--epochs", "0"], lambda e: ["epochs", "0"]
    ),
    "option-vectors-zero": Case(
        lambda e: ["verify", str(e.project), "--vectors", "0", "--sim", "icarus"],
        lambda e: ["--vectors", "0"],
        out=lambda e: e.project,
    ),
    "run-bad-data-file": Case(
        lambda e: [
            "run",
            "--data",
            str(e.csv("runnan.csv", e.edit(710, 3, "nan"))),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
        ],
        lambda e: ["runnan.csv", "line 712", "low", "nan"],
    ),
    "run-unknown-board": Case(
        lambda e: ["run", "--data", str(e.real_csv), "--board", "pynq-z3", "--out", str(e.out)],
        lambda e: ["pynq-z3", "valid"],
    ),
    "run-unknown-simulator": Case(
        lambda e: ["run", "--data", str(e.real_csv), "--board", "pynq-z2", "--out", str(e.out), "--sim", "vcs"],
        lambda e: ["vcs", "icarus"],
    ),
    "run-cap-out-of-range": Case(
        lambda e: ["run", "--data", str(e.real_csv), "--board", "pynq-z2", "--out", str(e.out), "--cap", "ff=7"],
        lambda e: ["ff", "7"],
    ),
    # --clock is checked before any model, data or project is read
    "prune-clock-negative": Case(
        lambda e: (
            ["prune", "--model", str(e.tmp / "nomodel"), "--board", "pynq-z2", "--out", str(e.out)]
            + ["--data", str(e.real_csv), "--clock", "-2"]
        ),
        lambda e: ["--clock", "-2.0", "positive number of nanoseconds"],
    ),
    "run-clock-nan": Case(
        lambda e: ["run", "--data", str(e.real_csv), "--board", "pynq-z2", "--out", str(e.out), "--clock", "nan"],
        lambda e: ["--clock", "nan"],
    ),
    "sweep-clock-zero": Case(
        lambda e: (
            ["sweep", "--data", str(e.real_csv), "--board", "pynq-z2,zcu104", "--out", str(e.out)] + ["--clock", "0"]
        ),
        lambda e: ["--clock", "0.0"],
    ),
    "generate-clock-negative": Case(
        lambda e: ["generate", "--model", str(e.bundle), "--board", "pynq-z2", "--out", str(e.out), "--clock", "-1"],
        lambda e: ["--clock", "-1.0"],
    ),
    "estimate-clock-infinite": Case(
        lambda e: ["estimate", str(e.tmp / "no_such_project"), "--clock", "inf"], lambda e: ["--clock", "inf"]
    ),
    # ------------------------------------------------------------------ models
    "model-missing-dir": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.tmp / "nomodel"),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["nomodel", "model not found"],
    ),
    "model-corrupt-h5": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.bundle_copy("corrupt", {"model.h5": b"not an HDF5 file" * 64})),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["corrupt", "model.h5"],
    ),
    "model-truncated-h5": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.bundle_copy("trunc", {"model.h5": (e.bundle / "model.h5").read_bytes()[:3000]})),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["trunc", "model.h5"],
    ),
    "model-no-preprocess": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.bundle_copy("nopre", {"preprocess.json": None})),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["nopre", "preprocess.json"],
    ),
    "model-preprocess-bad-json": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.bundle_copy("badpre", {"preprocess.json": '{"version": '})),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["badpre", "preprocess.json"],
    ),
    "model-metrics-bad-json": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.bundle_copy("badmet", {"metrics.json": "{["})),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["badmet", "metrics.json"],
    ),
    "model-unsupported-layer": Case(
        lambda e: [
            "prune",
            "--model",
            str(_unsupported_bundle(e, "conv")),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["conv/model.h5", "Reshape", "Conv1D", "Flatten"],
    ),
    "model-unsupported-activation": Case(
        lambda e: [
            "prune",
            "--model",
            str(_unsupported_bundle(e, "tanh")),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["tanh/model.h5", "fc1 (activation tanh)"],
    ),
    "model-hls-config-bad-json": Case(
        lambda e: [
            "generate",
            "--model",
            str(e.bundle_copy("badhls", {"hls_config.json": '{"strategy": '})),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["badhls", "hls_config.json"],
    ),
    "model-hls-config-bad-strategy": Case(
        lambda e: [
            "generate",
            "--model",
            str(
                e.bundle_copy(
                    "badstrat",
                    {"hls_config.json": json.dumps({"format": "fpga_prune.hls_settings/1", "strategy": "fastest"})},
                )
            ),
            "--board",
            "pynq-z2",
            "--out",
            str(e.out),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["badstrat", "strategy", "fastest"],
    ),
    "model-hls-config-binary": _generate_with_hls_config("binhls", b"\xff\xfe\x00" * 30, ["binhls", "hls_config.json"]),
    "model-hls-config-precision-is-a-number": _generate_with_hls_config(
        "numhls", json.dumps({"default_precision": 5}), ["numhls", "default_precision", "5"]
    ),
    "model-hls-config-clock-not-a-number": _generate_with_hls_config(
        "clkhls", json.dumps({"clock_period_ns": "fast"}), ["clkhls", "clock_period_ns", "fast"]
    ),
    # ------------------------------------------------------------------ projects and RTL
    "verify-not-a-project": Case(
        lambda e: ["verify", str(e.rtl_dir("notprj", verilog=False))],
        lambda e: ["notprj"],
        out=lambda e: e.tmp / "notprj",
    ),
    "verify-project-is-a-file": Case(
        lambda e: ["verify", str(e.write("prj.txt", "x"))], lambda e: ["prj.txt"], out=lambda e: e.tmp / "prj.txt"
    ),
    "verify-project-without-firmware": Case(
        lambda e: ["verify", str(e.project), "--sim", "icarus"],
        lambda e: ["firmware/myproject.cpp", "--no-csim"],
        out=lambda e: e.project,
    ),
    "verify-rtl-without-verilog": Case(
        lambda e: [
            "verify",
            str(e.project),
            "--no-csim",
            "--sim",
            "icarus",
            "--rtl",
            str(e.rtl_dir("emptyrtl", verilog=False)),
        ],
        lambda e: ["emptyrtl", "Verilog"],
        out=lambda e: e.project,
    ),
    "verify-rtl-missing-dir": Case(
        lambda e: ["verify", str(e.project), "--no-csim", "--sim", "icarus", "--rtl", str(e.tmp / "nortl")],
        lambda e: ["nortl"],
        out=lambda e: e.project,
    ),
    "verify-ports-malformed-json": Case(
        lambda e: [
            "verify",
            str(e.project),
            "--no-csim",
            "--sim",
            "icarus",
            "--rtl",
            str(e.rtl_dir("rtl1")),
            "--ports",
            str(e.write("ports.json", '{"top": "myproject",\n "inputs": [1, 2,\n')),
        ],
        lambda e: ["ports.json", "line 3"],
        out=lambda e: e.project,
    ),
    "verify-ports-not-a-port-map": Case(
        lambda e: [
            "verify",
            str(e.project),
            "--no-csim",
            "--sim",
            "icarus",
            "--rtl",
            str(e.rtl_dir("rtl2")),
            "--ports",
            str(e.write("other.json", '{"format": "something/1"}')),
        ],
        lambda e: ["other.json", "port map"],
        out=lambda e: e.project,
    ),
    "verify-ports-missing-file": Case(
        lambda e: [
            "verify",
            str(e.project),
            "--no-csim",
            "--sim",
            "icarus",
            "--rtl",
            str(e.rtl_dir("rtl3")),
            "--ports",
            str(e.tmp / "noports.json"),
        ],
        lambda e: ["noports.json"],
        out=lambda e: e.project,
    ),
    "verify-unknown-simulator": Case(
        lambda e: ["verify", str(e.project), "--sim", "modelsim"],
        lambda e: ["modelsim", "verilator"],
        out=lambda e: e.project,
    ),
    "verify-network-json-garbage": Case(
        lambda e: ["verify", str(_project_copy(e, "badnet", {"network.json": "{not json"}))],
        lambda e: ["badnet", "network.json", "line 1 column 2"],
        out=lambda e: e.tmp / "badnet",
    ),
    "verify-vectors-garbage": Case(
        lambda e: ["verify", str(_project_copy(e, "badvec", {"tb_data/inputs_raw.dat": "1 2 x\n"}))],
        lambda e: ["badvec", "inputs_raw.dat", "'x'"],
        out=lambda e: e.tmp / "badvec",
    ),
    "train-out-is-a-file": Case(
        lambda e: ["train", "--data", str(e.full_csv), "--out", str(e.write("taken", "mine\n")), "--epochs", "1"],
        lambda e: ["taken"],
        out=lambda e: e.tmp / "taken",
    ),
    "prune-out-is-a-file": Case(
        lambda e: [
            "prune",
            "--model",
            str(e.bundle),
            "--board",
            "pynq-z2",
            "--out",
            str(e.write("p.txt", "x")),
            "--data",
            str(e.real_csv),
        ],
        lambda e: ["p.txt", "not a directory"],
        out=lambda e: e.tmp / "p.txt",
    ),
    "verify-network-json-wrong-shape": Case(
        lambda e: ["verify", str(_project_copy(e, "shape", {"network.json": '{"format": "fpga_prune.network/1"}'}))],
        lambda e: ["shape", "network.json"],
        out=lambda e: e.tmp / "shape",
    ),
    "data-out-is-a-directory": Case(
        lambda e: ["data", "--data", str(e.real_csv), "--out", str(e.rtl_dir("csvdir", verilog=False))],
        lambda e: ["csvdir"],
        out=lambda e: e.tmp / "csvdir",
    ),
}


def _project_copy(e: Env, name: str, files: dict[str, str]) -> Path:
    d = e.tmp / name
    shutil.copytree(e.project, d)
    for rel, text in files.items():
        (d / rel).write_text(text)
    return d


def _unsupported_bundle(e: Env, kind: str) -> Path:
    """The cheap bundle's preprocessing with a model fpga_prune cannot implement."""
    import tensorflow as tf

    from fpga_prune.model.training import save_bundle

    d = e.tmp / kind
    if d.exists():
        return d
    pre = json.loads((e.bundle / "preprocess.json").read_text())
    n = len(pre["feature_names"])
    L = tf.keras.layers
    body = {
        "conv": [L.Reshape((n, 1), name="rs"), L.Conv1D(2, 3, name="conv"), L.Flatten(name="fl")],
        "tanh": [L.Dense(4, activation="tanh", name="fc1")],
    }[kind]
    model = tf.keras.Sequential([L.Input((n,)), *body, L.Dense(1, activation="sigmoid", name="out")])
    save_bundle(d, model, pre, {})
    return d


# ----------------------------------------------------------------------------- cheap fixtures
@pytest.fixture(scope="module")
def real(bybit_csv, tmp_path_factory) -> tuple[str, list[str], Path]:
    lines = bybit_csv.read_text().splitlines()
    path = tmp_path_factory.mktemp("real") / "candles.csv"
    path.write_text("\n".join(lines[: N_ROWS + 1]) + "\n")
    return lines[0], lines[1 : N_ROWS + 1], path


@pytest.fixture(scope="module")
def cheap_bundle(tmp_path_factory) -> Path:
    """A model bundle as `train` writes it, with an untrained 2-layer model (no training)."""
    import tensorflow as tf

    from fpga_prune.model.features import FeatureSpec, Scaler
    from fpga_prune.model.training import preprocess_dict, save_bundle

    spec = FeatureSpec()
    names = spec.feature_names()
    scaler = Scaler(mean=np.zeros(len(names)), std=np.ones(len(names)), clip=4.0)
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Input((len(names),)),
            tf.keras.layers.Dense(4, activation="relu", name="fc1"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    d = tmp_path_factory.mktemp("bundle") / "model"
    save_bundle(d, model, preprocess_dict(spec, scaler, names), {})
    return d


@pytest.fixture(scope="module")
def cheap_project(tmp_path_factory, cheap_bundle) -> Path:
    """A verify-able project (network.json, tb_data, vectors) of the cheap model; no compile."""
    from fpga_prune.arith import emulate
    from fpga_prune.hls import adapter as hls_adapter
    from fpga_prune.hls.settings import HlsSettings
    from fpga_prune.hls.vectors import write_vectors
    from fpga_prune.model.training import load_bundle

    net = hls_adapter.network_from_keras(load_bundle(cheap_bundle).model, HlsSettings())
    x = np.random.default_rng(0).integers(-2000, 2000, size=(16, net.n_inputs))
    y = emulate.predict_raw(net, x)
    d = tmp_path_factory.mktemp("project") / "prj"
    (d / "tb_data").mkdir(parents=True)
    (d / "vectors").mkdir()
    (d / "network.json").write_text(net.to_json())
    np.savetxt(d / "tb_data" / "inputs_raw.dat", x, fmt="%d")
    np.savetxt(d / "tb_data" / "expected_raw.dat", y, fmt="%d")
    for name, text in write_vectors(net, x, y).items():
        (d / "vectors" / name).write_text(text)
    return d


def _snapshot(path: Path) -> dict[str, bytes] | None:
    if not path.exists():
        return None
    if path.is_file():
        return {"": path.read_bytes()}
    return {
        p.relative_to(path).as_posix(): (p.read_bytes() if p.is_file() else b"<dir>") for p in sorted(path.rglob("*"))
    }


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_bad_input_is_one_line_exit_2(case_id, real, bybit_csv, cheap_bundle, cheap_project, tmp_path, capsys):
    header, rows, real_csv = real
    env = Env(tmp_path, header, rows, real_csv, bybit_csv, cheap_bundle, cheap_project)
    case = CASES[case_id]
    argv = case.argv(env)
    out = case.out(env)
    before = _snapshot(out)
    siblings = sorted(p.name for p in out.parent.iterdir()) if out.parent.exists() else []
    capsys.readouterr()
    rc = cli.main([*argv, "--quiet"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert rc == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("fpga-prune: error: "), err
    assert "Traceback" not in err
    for needle in case.needles(env):
        assert needle in lines[0], (needle, lines[0])
    assert _snapshot(out) == before  # absent stays absent; an existing out is untouched
    # no staging or temp files left beside it either
    assert sorted(p.name for p in out.parent.iterdir()) == siblings


def test_catalog_has_at_least_40_distinct_cases():
    assert len(CASES) >= 40
