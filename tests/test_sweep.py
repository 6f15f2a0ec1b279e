"""``fpga-prune sweep``: grid parsing, the local executor against serial runs, and a real two-node
Ray cluster on loopback (byte-identical results; a node killed mid-sweep and the sweep still completes).

The flows use a tiny model and stop after ``prune``: the executors are under test, and a point runs the
same pipeline as ``run`` (its generate and verify steps are test_run's). The Ctrl-C and lost-node tests
run their points on to ``generate`` (``LONG``) so that a point is still running when they strike.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from fpga_prune import cli
from fpga_prune.errors import InputError
from fpga_prune.flow.grid import AXES, load_grid_file, make_grid, split_cli

REPO = Path(__file__).resolve().parents[1]
BOARDS = ("pynq-z2", "arty-a7-100t")
SMALL = ["--hidden", "8", "--epochs", "3", "--n-boot", "50", "--until", "prune"]
#: points that run on to generate: still running seconds after they start (Ctrl-C, a node lost under Ray)
LONG = ("--until", "generate", "--vectors", "100", "--stress", "8", "--sim", "icarus")


# ----------------------------------------------------------------------------- grid (fast)
def test_board_all_expands_to_every_shipped_board():
    from fpga_prune.boards import board_names

    grid = make_grid({"board": ["all"], "seed": ["1", "2"]}, "command line")
    assert grid.values("board") == tuple(board_names()) and len(board_names()) == 8
    assert grid.size() == 16


def test_cli_lists_split_on_commas_and_caps_per_occurrence():
    assert split_cli("target", "bigmove, direction") == ["bigmove", "direction"]
    assert split_cli("seed", None) is None
    assert split_cli("cap", ["dsp=0.5,lut=0.6", "dsp=0.4"]) == ["dsp=0.5,lut=0.6", "dsp=0.4"]
    assert AXES["cap"].repeat and not AXES["seed"].repeat


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"colour": ["red"]},
            "command line: field colour: unknown axis; valid: board, target, seed, strategy, cap, interface",
        ),
        ({"seed": ["1", "1"]}, "command line: field seed: value '1' given twice"),
        ({"seed": [" "]}, "command line: field seed[0]: empty value"),
        ({"seed": []}, "command line: field seed: no values"),
    ],
)
def test_grid_shape_errors_are_one_line(given, message):
    with pytest.raises(InputError) as exc:
        make_grid(given, "command line")
    assert str(exc.value) == message


def test_yaml_grid_values_and_cap_mappings(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("board: [pynq-z2, zcu104]\nseed: 3\ncap:\n  - {dsp: 0.5, lut: 0.6}\n  - dsp=0.4\n")
    assert load_grid_file(f) == {"board": ["pynq-z2", "zcu104"], "seed": ["3"], "cap": ["dsp=0.5,lut=0.6", "dsp=0.4"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("board: [pynq-z2\n", "line 2: not valid YAML"),
        ("- pynq-z2\n", "must be a mapping of axis: values, e.g. 'board: [pynq-z2, zcu104]'"),
        ("boards: [pynq-z2]\n", "field boards: unknown axis; valid: board, target, seed, strategy, cap, interface"),
        ("seed: [1, [2]]\n", "field seed[1]: must be a string or number, got [2]"),
        ("seed: [true]\n", "field seed[0]: must be a string or number, got True"),
        ("target: [{a: 1}]\n", "field target[0]: must be a string or number, got {'a': 1}"),
        ("cap: [{dsp: high}]\n", "field cap[0].dsp: must be a number in (0, 1], got 'high'"),
    ],
)
def test_yaml_grid_errors_name_file_field_and_value(tmp_path, text, message):
    f = tmp_path / "sweep.yaml"
    f.write_text(text)
    with pytest.raises(InputError) as exc:
        load_grid_file(f)
    assert str(exc.value).startswith(f"{f}: ") and str(exc.value).endswith(message)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--board", "pynq-z2", "--target", "bigmove,nope"], "field target: bad value 'nope' (valid: "),
        (["--board", "pynq-z2", "--seed", "1,x"], "field seed: bad value 'x' (invalid literal for int()"),
        (["--board", "pynq-z2", "--cap", "dsp=2"], "--cap: cap dsp: must be a number in (0, 1], got 2"),
        (["--board", "pynq-z2,nope"], "--board: unknown board 'nope'"),
        (["--seed", "1"], "field board: no boards"),
        (["--board", "pynq-z2", "--executor", "slurm"], "--executor: unknown executor 'slurm'; valid: local, ray"),
        (["--board", "pynq-z2", "--workers", "0"], "--workers: must be >= 1, got 0"),
        (["--board", "pynq-z2", "--ray-address", "127.0.0.1:1"], "--ray-address: only with --executor ray"),
    ],
)
def test_bad_sweep_options_exit_2_before_writing(tmp_path, bybit_csv, capsys, extra, message):
    out = tmp_path / "s"
    rc = cli.main(["sweep", "--data", str(bybit_csv), "--out", str(out), "--quiet", *extra])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and message in err and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_grid_file_and_flag_for_one_axis_is_an_error(tmp_path, bybit_csv, capsys):
    f = tmp_path / "g.yaml"
    f.write_text("board: [pynq-z2]\n")
    rc = cli.main(
        [
            "sweep",
            "--grid",
            str(f),
            "--board",
            "zcu104",
            "--data",
            str(bybit_csv),
            "--out",
            str(tmp_path / "s"),
            "--quiet",
        ]
    )
    assert rc == 2 and f"--board: the axis is also given in {f}" in capsys.readouterr().err


def test_points_get_readable_ids_and_share_trainings(tmp_path, bybit_csv):
    from fpga_prune.cli.run_options import config_from_args
    from fpga_prune.flow.sweep import expand

    args = cli.build_parser(only="sweep").parse_args(["sweep", "--data", str(bybit_csv), "--out", str(tmp_path)])
    base = config_from_args(args)  # typed, without boards: the grid names them
    grid = make_grid({"board": ["pynq-z2", "zcu104"], "seed": ["1", "2"], "strategy": ["latency"]}, "g.yaml")
    points = expand(grid, base, tmp_path)
    assert [p.id for p in points] == [
        "pynq-z2__seed-1__strategy-latency",
        "pynq-z2__seed-2__strategy-latency",
        "zcu104__seed-1__strategy-latency",
        "zcu104__seed-2__strategy-latency",
    ]
    assert points[0].cfg.out == (tmp_path / "points" / points[0].id).resolve()
    assert points[0].cfg.model.seed == 1 and points[0].cfg.fit.strategy == "latency"
    # one training per seed, shared by both boards
    assert points[0].group == points[2].group != points[1].group == points[3].group
    assert points[0].group.startswith("bigmove-seed1-")


def test_a_point_is_the_typed_config_run_builds_for_its_values(tmp_path, bybit_csv):
    """Axes replace typed RunConfig fields: a point equals `run` given the same values as options."""
    from fpga_prune.cli.run_options import config_from_args
    from fpga_prune.flow.sweep import expand

    common = ["--data", str(bybit_csv), "--hidden", "8", "--vectors", "50"]
    base = config_from_args(cli.build_parser(only="sweep").parse_args(["sweep", *common, "--out", str(tmp_path)]))
    assert base.boards == ()
    grid = make_grid(
        {
            "board": ["zcu104"],
            "target": ["direction"],
            "seed": ["3"],
            "strategy": ["latency"],
            "cap": ["dsp=0.5,lut=0.6"],
        },
        "g.yaml",
    )
    [point] = expand(grid, base, tmp_path)
    args = cli.build_parser(only="run").parse_args(
        [
            "run",
            *common,
            "--out",
            str(point.cfg.out),
            "--board",
            "zcu104",
            "--target",
            "direction",
            "--seed",
            "3",
            "--strategy",
            "latency",
            "--cap",
            "dsp=0.5,lut=0.6",
        ]
    )
    assert point.cfg == config_from_args(args)
    assert (point.cfg.model.seed, point.cfg.fit.seed, point.cfg.generate.seed) == (3, 3, 3)
    # a given model (run --model) keeps its own features, target and training seed
    from dataclasses import replace

    from fpga_prune.flow.grid import apply_axis, parse_grid

    given = replace(base, model_path=tmp_path / "model.h5")
    for axis, value in (("seed", 5), ("target", "direction")):
        given = apply_axis(given, axis, value)
    assert (given.model.seed, given.spec.target, given.fit.seed, given.generate.seed) == (0, "bigmove", 5, 5)
    typed = parse_grid(grid)
    assert typed["seed"] == {"3": 3} and typed["cap"]["dsp=0.5,lut=0.6"] == point.cfg.caps
    assert typed["board"]["zcu104"] == point.cfg.boards
    # the library's sweep and grid never see the command line
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, fpga_prune.flow.sweep, fpga_prune.flow.grid; print('argparse' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert proc.stdout.strip() == "False"


# ----------------------------------------------------------------------------- executors
def _die(marker: str) -> str:
    """A task whose worker process dies the first time (``marker`` names what happened)."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os._exit(1)
    return f"{path.read_text()} once, then ran (pid {os.getpid()})"


def _always_die(_: str) -> str:
    os._exit(1)


@pytest.mark.slow
def test_local_worker_crash_is_retried_once(tmp_path):
    from fpga_prune.flow.executors import LocalExecutor, make_executor

    ex = make_executor("local", workers=1)
    assert isinstance(ex, LocalExecutor) and ex.threads == max(1, (os.cpu_count() or 1) // 1)
    ex.submit("once", _die, str(tmp_path / "m"))
    done = []
    while len(done) < 1:
        done += ex.wait(5)
    assert done[0].key == "once" and done[0].error == "" and done[0].result.startswith("died once, then ran")
    ex.submit("always", _always_die, "")
    done = []
    while len(done) < 1:
        done += ex.wait(5)
    ex.close()
    assert done[0].key == "always" and done[0].result is None
    assert done[0].error == "worker process died (retried once)"


# ----------------------------------------------------------------------------- flows (slow)
def _tree(root: Path) -> dict[str, bytes]:
    """Every artifact of a run directory, with the run's own path written as <RUN>; run.json (timings) apart."""
    root = root.resolve()
    return {
        p.relative_to(root).as_posix(): p.read_bytes().replace(str(root).encode(), b"<RUN>")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "run.json" and "build" not in p.relative_to(root).parts
    }


def _sweep_args(out: Path, data: Path, *extra: str) -> list[str]:
    return ["sweep", "--board", ",".join(BOARDS), "--data", str(data), "--out", str(out), *SMALL, *extra]


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory, bybit_csv):
    out = tmp_path_factory.mktemp("sweep") / "local"
    assert cli.main([*_sweep_args(out, bybit_csv), "--workers", "2", "--quiet"]) == 0
    return out


@pytest.mark.slow
def test_local_sweep_equals_serial_runs_byte_for_byte(local_sweep, bybit_csv, tmp_path):
    sweep = json.loads((local_sweep / "sweep.json").read_text())
    assert [r["point"] for r in sweep["points"]] == list(BOARDS)
    assert sweep["summary"]["completed"] == 2 and sweep["summary"]["groups"] == 1
    assert len(list((local_sweep / "groups").iterdir())) == 1  # one training for both boards
    for board in BOARDS:
        serial = tmp_path / board
        assert (
            cli.main(["run", "--board", board, "--data", str(bybit_csv), "--out", str(serial), *SMALL, "--quiet"]) == 0
        )
        a, b = _tree(serial), _tree(local_sweep / "points" / board)
        assert sorted(a) == sorted(b) and len(a) > 20
        assert [k for k in a if a[k] != b[k]] == []
        row = next(r for r in sweep["points"] if r["point"] == board)
        budget = json.loads((serial / "pruned" / "budget.json").read_text())
        assert row["fits"] is True and row["resources"]["dsp"]["used"] == budget["resources"]["dsp"]["used"]
        assert row["accuracy"]["pruned"] == budget["accuracy"]["pruned"]
        front = sweep["pareto"][board]
        assert front and all(d["point"] == board for d in front)
        assert [d["val_metric"] for d in front] == sorted(d["val_metric"] for d in front)
    html = (local_sweep / "sweep.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "<script" not in html


@pytest.mark.slow
def test_resumed_sweep_skips_every_point_and_run_resumes_a_point(local_sweep, bybit_csv, capsys):
    before = (local_sweep / "sweep.json").read_bytes()
    capsys.readouterr()
    assert cli.main([*_sweep_args(local_sweep, bybit_csv), "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]["event"] == "begin" and events[0]["up_to_date"] == 2
    assert {e["task"]: e["status"] for e in events if e["event"] == "finished"} == {
        f"point:{b}": "skipped" for b in BOARDS
    }
    assert events[-1]["event"] == "sweep" and events[-1]["exit_code"] == 0
    assert (local_sweep / "sweep.json").read_bytes() == before
    # a point is a run directory: `run` on it skips every step
    point = local_sweep / "points" / BOARDS[0]
    assert (
        cli.main(["run", "--board", BOARDS[0], "--data", str(bybit_csv), "--out", str(point), *SMALL, "--quiet"]) == 0
    )
    steps = json.loads((point / "run.json").read_text())["steps"]
    assert {s["status"] for s in steps} == {"skipped"} and len(steps) == 3


# ----------------------------------------------------------------------------- a real Ray cluster on loopback
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_env() -> dict[str, str]:
    """No inherited RAY_* settings; a private auth token for this cluster; this checkout on the workers' path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
    return env


@pytest.fixture
def ray_cluster():
    """A head node and a second node process (1 CPU each) on 127.0.0.1; always `ray stop --force` after."""
    ray_bin = shutil.which("ray") or pytest.fail("ray CLI not on PATH: pip install 'fpga-prune[ray]'")
    port = _free_port()
    env = _ray_env()
    # Ray's socket paths (<temp>/session_<date>_<pid>/sockets/plasma_store.1) must fit in 107 bytes: under
    # xdist a pytest temp path (/tmp/pytest-of-root/pytest-N/popen-gw0/ray0) is too long and node 2 never joins
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    common = ["--num-cpus", "1", "--node-ip-address", "127.0.0.1", "--disable-usage-stats"]

    def own_ports() -> list[str]:
        """Each node's agents on ports of their own: two nodes on one machine would both take the fixed
        defaults (the dashboard agent's 52365), and the one that loses exits without joining."""
        return [
            *("--dashboard-agent-listen-port", str(_free_port())),
            *("--dashboard-agent-grpc-port", str(_free_port())),
            *("--runtime-env-agent-port", str(_free_port())),
            *("--metrics-export-port", str(_free_port())),
        ]

    node2 = None
    try:
        subprocess.run(
            [
                ray_bin,
                "start",
                "--head",
                "--port",
                str(port),
                "--include-dashboard=false",
                "--temp-dir",
                str(temp),
                *common,
                *own_ports(),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )

        node2_log = temp / "node2.log"

        # --block keeps the node's processes under one process group we can kill on its own
        def start_node2() -> subprocess.Popen:
            with node2_log.open("a") as log:
                return subprocess.Popen(
                    [ray_bin, "start", "--address", f"127.0.0.1:{port}", "--block", *common, *own_ports()],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )

        node2 = start_node2()
        deadline = time.monotonic() + 300  # a loaded 2-core machine (the other xdist worker) joins slowly
        while time.monotonic() < deadline:
            out = subprocess.run(
                [ray_bin, "status", "--address", f"127.0.0.1:{port}"], env=env, capture_output=True, text=True
            ).stdout
            if out.count(" node_") >= 2 and "/2.0 CPU" in out:
                break
            if node2.poll() is not None:  # it exited before joining (a port taken meanwhile): start it again
                node2 = start_node2()
            time.sleep(2)
        else:
            tail = node2_log.read_text(errors="replace")[-3000:] if node2_log.exists() else ""
            pytest.fail(f"the second Ray node did not join; ray status:\n{out[-1500:]}\nnode 2:\n{tail}")
        yield f"127.0.0.1:{port}", node2, env
    finally:
        if node2 is not None and node2.poll() is None:
            os.killpg(node2.pid, signal.SIGKILL)
        subprocess.run([ray_bin, "stop", "--force"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.slow
def test_ray_cluster_sweep_matches_local_and_survives_a_lost_node(ray_cluster, local_sweep, bybit_csv, tmp_path):
    address, node2, env = ray_cluster
    out = tmp_path / "ray"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fpga_prune.cli",
            *_sweep_args(out, bybit_csv),
            *LONG,
            "--executor",
            "ray",
            "--ray-address",
            address,
            "--json",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    events, killed = [], False
    for line in proc.stdout:
        events.append(json.loads(line))
        started = [e for e in events if e["event"] == "started" and e["task"].startswith("point:")]
        if len(started) == 2 and not killed:
            time.sleep(8)  # both point tasks are on their nodes (one each: 1 CPU per node)
            os.killpg(node2.pid, signal.SIGKILL)
            killed = True
    rc = proc.wait(timeout=600)
    stderr = proc.stderr.read()
    assert killed and rc == 0, stderr[-2000:]
    assert "retries remaining" in stderr  # Ray retried the task the lost node was running
    assert events[0]["executor"].startswith(f"ray: {address}, 2 node(s)")
    assert events[-1]["completed"] == 2 and events[-1]["failed"] == 0
    # the training and each point's pruned design as the local sweep's, byte for byte (its points stop at prune)
    local, remote = _tree(local_sweep), _tree(out)
    shared = [k for k in local if k.startswith("groups/") or k.split("/")[2:3] in (["data"], ["model"], ["pruned"])]
    assert len(shared) > 20 and all(k in remote for k in shared)
    assert [k for k in shared if local[k] != remote[k]] == []
    assert all((out / "points" / b / "project" / "manifest.json").is_file() for b in BOARDS)


def _children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_and_leaves_no_half_written_point(tmp_path, bybit_csv):
    out = tmp_path / "s"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fpga_prune.cli", *_sweep_args(out, bybit_csv), *LONG, "--workers", "2", "--json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: set[int] = set()
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "started" and event["task"].startswith("point:"):
            time.sleep(5)  # the point tasks are running in the workers
            workers = _children(proc.pid)
            proc.send_signal(signal.SIGINT)
            break
    rc = proc.wait(timeout=120)
    assert rc == 1 and "fpga-prune: interrupted" in proc.stderr.read()
    assert len(workers) >= 2
    time.sleep(1)
    assert [w for w in workers if _alive(w)] == []
    # the training was published whole; no point directory, no staging directory left behind
    points = sorted((out / "points").iterdir()) if (out / "points").exists() else []
    assert points == []
    assert [p.name for p in out.rglob(".*")] == []
    assert (out / "groups").is_dir() and not (out / "sweep.json").exists()
