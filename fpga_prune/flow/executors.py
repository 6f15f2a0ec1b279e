"""Where sweep tasks run: local worker processes, or a Ray cluster — one small interface.

Why one interface: the sweep driver must not know where a task runs, so
results are byte-identical between executors; both call the same
:func:`fpga_prune.flow.sweep.run_task` with the same values and get bytes back.

* ``local``: ``--workers N`` spawn-context processes (spawn: no forked
  TensorFlow state); each worker gets ``max(1, cores // N)`` TensorFlow
  threads, fixed before TensorFlow is imported there, so N workers do not
  oversubscribe the machine (environment before import, pinned by the first
  task).  A worker that dies (``BrokenProcessPool``)
  costs one retry of the tasks it took down.
* ``ray``: the same function as a Ray task (``max_retries`` bounded: a node
  lost mid-task is retried elsewhere); ``--synth`` tasks ask for the custom
  resource ``vitis`` so only nodes started with it run them.  With no
  address a private local Ray instance is started and stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fpga_prune.errors import InputError

#: Ray retries of a task whose worker or node died (a task that raised is not retried: it would fail again)
RAY_MAX_RETRIES = 2
#: local retries of a task lost with a crashed worker process
LOCAL_MAX_RETRIES = 1
VITIS_RESOURCE = "vitis"


def cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


_THREADS: int | None = None  # this worker's TensorFlow thread count (None: not a sweep worker)


def limit_threads(n: int) -> None:
    """In a fresh worker, before TensorFlow is imported: ``n`` threads for TF, BLAS and OpenMP."""
    global _THREADS
    for var in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    _THREADS = n


def pin_tensorflow() -> None:
    """Hold TensorFlow to :func:`limit_threads`' count (a task calls this before its first step).

    Why start the TF runtime here: ``model._configure_tf`` sets its own
    default later, and TF keeps the first setting once its runtime runs.
    """
    if _THREADS is None:
        return
    from fpga_prune import _keras_env  # noqa: PLC0415  (first: selects legacy Keras)

    _keras_env.import_tensorflow_quietly()
    import tensorflow as tf  # noqa: PLC0415

    try:
        tf.config.threading.set_intra_op_parallelism_threads(_THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.constant(0)  # starts the runtime: later thread settings are ignored
    except RuntimeError:
        pass  # already running (a later task in the same worker)


@dataclass(frozen=True)
class Done:
    """A finished task: its result, or the error that ended it (after retries)."""

    key: str
    result: object | None
    error: str = ""


class Executor(Protocol):
    name: str
    capacity: int

    def submit(self, key: str, fn: Callable[[object], object], task: object, *, needs_vitis: bool) -> None: ...

    def wait(self, timeout: float) -> list[Done]: ...

    def has_resource(self, name: str) -> bool: ...

    def describe(self) -> str: ...

    def close(self, cancel: bool = False) -> None: ...


# ----------------------------------------------------------------------------- local
def _init_local_worker(threads: int) -> None:
    limit_threads(threads)


class LocalExecutor:
    """``N`` spawn-context worker processes on this machine."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        n = cores() if workers is None else workers
        if n < 1:
            raise InputError("--workers", None, f"must be >= 1, got {n}")
        self.capacity = n
        self.threads = max(1, cores() // n)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._futures: dict[cf.Future, tuple[str, Callable, object]] = {}
        self._retries: dict[str, int] = {}

    def _ensure_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                self.capacity,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_local_worker,
                initargs=(self.threads,),
            )
        return self._pool

    def submit(self, key: str, fn: Callable[[object], object], task: object, *, needs_vitis: bool = False) -> None:
        self._futures[self._ensure_pool().submit(fn, task)] = (key, fn, task)

    def wait(self, timeout: float) -> list[Done]:
        if not self._futures:
            return []
        ready, _ = cf.wait(list(self._futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        out: list[Done] = []
        broken = False
        for fut in ready:
            exc = fut.exception()
            if isinstance(exc, cf.process.BrokenProcessPool):
                broken = True
                continue
            key, _, _ = self._futures.pop(fut)
            out.append(
                Done(key, fut.result())
                if exc is None
                else Done(key, None, f"{type(exc).__name__}: {exc}".splitlines()[0])
            )
        if broken:
            # A dead worker breaks the whole pool: every task still in it runs once more in a fresh pool.
            lost = list(self._futures.values())
            self._futures.clear()
            assert self._pool is not None
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            for key, fn, task in lost:
                if self._retries.get(key, 0) >= LOCAL_MAX_RETRIES:
                    out.append(Done(key, None, "worker process died (retried once)"))
                    continue
                self._retries[key] = self._retries.get(key, 0) + 1
                self.submit(key, fn, task)
        return out

    def has_resource(self, name: str) -> bool:
        return True  # generate --synth itself checks for Vitis on PATH, as in a serial run

    def describe(self) -> str:
        return f"local: {self.capacity} worker process(es), {self.threads} TensorFlow thread(s) each"

    def close(self, cancel: bool = False) -> None:
        if self._pool is None:
            return
        if cancel:
            # No public API stops running workers; terminate them so Ctrl-C does not wait for a training.
            procs = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                p.terminate()
            for p in procs:
                p.join(timeout=10)
        else:
            self._pool.shutdown(wait=True)
        self._pool = None


# ----------------------------------------------------------------------------- ray
class RayExecutor:
    """The same task function as Ray tasks; no address: a private local Ray instance."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray  # noqa: PLC0415
        except ImportError:
            raise InputError("--executor", None, "ray is not installed (pip install 'fpga-prune[ray]')") from None
        self.ray = ray
        self.address = address
        kwargs: dict[str, Any] = {"logging_level": "ERROR", "log_to_driver": False, "configure_logging": True}
        if address:
            try:
                ray.init(address=address, **kwargs)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise InputError(
                    "--ray-address", None, f"cannot connect to {address} ({str(exc).splitlines()[0][:160]})"
                ) from None
        else:
            # Workers import fpga_prune from where this driver does (a source checkout is not installed).
            pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            env = {"PYTHONPATH": os.pathsep.join([pkg_parent, *filter(None, [os.environ.get("PYTHONPATH")])])}
            ray.init(include_dashboard=False, num_cpus=workers or cores(), runtime_env={"env_vars": env}, **kwargs)
        self.capacity = max(1, int(ray.cluster_resources().get("CPU", 1)))
        # Ray prints its notices (e.g. "task failed, 2 retries remaining") on the driver's stdout, which
        # carries the sweep's results (--json): they go to stderr while Ray runs.
        self._stdout = sys.stdout
        sys.stdout = sys.stderr
        self._refs: dict[object, str] = {}
        self._fns: dict[Callable, object] = {}

    def _remote(self, fn: Callable):
        if fn not in self._fns:
            self._fns[fn] = self.ray.remote(max_retries=RAY_MAX_RETRIES, retry_exceptions=False)(_ray_entry)
        return self._fns[fn]

    def submit(self, key: str, fn: Callable[[object], object], task: object, *, needs_vitis: bool = False) -> None:
        opts: dict[str, object] = {"num_cpus": 1}
        if needs_vitis:
            opts["resources"] = {VITIS_RESOURCE: 1}
        self._refs[self._remote(fn).options(**opts).remote(fn, task)] = key

    def wait(self, timeout: float) -> list[Done]:
        if not self._refs:
            return []
        ready, _ = self.ray.wait(list(self._refs), num_returns=1, timeout=timeout)
        out = []
        for ref in ready:
            key = self._refs.pop(ref)
            try:
                out.append(Done(key, self.ray.get(ref)))
            except self.ray.exceptions.RayError as exc:
                out.append(Done(key, None, f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300]}"))
        return out

    def has_resource(self, name: str) -> bool:
        return self.ray.cluster_resources().get(name, 0) > 0

    def describe(self) -> str:
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        where = self.address or "a local instance"
        return f"ray: {where}, {len(nodes)} node(s), {self.capacity} CPU(s)"

    def close(self, cancel: bool = False) -> None:
        if cancel:
            for ref in list(self._refs):
                try:
                    self.ray.cancel(ref, force=True)
                except Exception:
                    pass
        self._refs.clear()
        self.ray.shutdown()
        sys.stdout = self._stdout


def _ray_entry(fn: Callable[[object], object], task: object) -> object:
    """Inside a Ray worker: one CPU per task, so one TensorFlow thread."""
    if "tensorflow" not in sys.modules:
        limit_threads(1)
    return fn(task)


#: executor name -> factory(address, workers) (unknown names list these)
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "local": lambda address=None, workers=None: LocalExecutor(workers),
    "ray": lambda address=None, workers=None: RayExecutor(address, workers),
}


def make_executor(name: str, *, address: str | None = None, workers: int | None = None) -> Executor:
    if name not in EXECUTORS:
        raise InputError("--executor", None, f"unknown executor {name!r}; valid: {', '.join(sorted(EXECUTORS))}")
    if address and name != "ray":
        raise InputError("--ray-address", None, "only with --executor ray")
    return EXECUTORS[name](address=address, workers=workers)
