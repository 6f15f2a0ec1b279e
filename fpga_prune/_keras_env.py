"""Make every Keras import in this process resolve to legacy Keras 2 (tf_keras).

Why: TensorFlow 2.21 ships Keras 3, but QKeras and hls4ml's Keras-2 converter
need Keras 2. TensorFlow honours ``TF_USE_LEGACY_KERAS=1`` when ``tf.keras`` is
first *accessed*, and hls4ml picks its converter from ``keras.__version__``. So
this module, imported first by ``fpga_prune/__init__.py`` (and so by every entry
point), sets the variable and installs an import hook that makes ``keras`` and
``keras.*`` the very same module objects as ``tf_keras`` and ``tf_keras.*``.

The hook is lazy: nothing heavy is imported until someone imports ``keras``,
so ``fpga-prune boards`` stays fast.  If Keras 3 was already imported before
us, a clear error says so instead of a confusing failure deep inside QKeras.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

ALIAS = "keras"
TARGET = "tf_keras"


class LegacyKerasError(ImportError):
    """Keras 3 was imported before fpga_prune could select legacy Keras."""


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self._target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self._target)
        # Register under the alias name too; the import system then returns it.
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module: types.ModuleType) -> None:  # already executed
        return None


class _KerasAliasFinder(importlib.abc.MetaPathFinder):
    """Resolve ``keras`` / ``keras.x.y`` to ``tf_keras`` / ``tf_keras.x.y``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS) :]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=True)


def _keras3_loaded() -> bool:
    mod = sys.modules.get(ALIAS)
    if mod is None:
        return False
    return not getattr(mod, "__name__", "").startswith(TARGET)


#: packages that bind to whichever Keras they first see; once one of them has
#: seen Keras 3 in this process it cannot be switched any more.
_BINDERS = ("qkeras", "hls4ml", "tensorflow_model_optimization")


def _tf_keras_resolved_to_keras3() -> bool:
    """Whether ``tf.keras`` was already resolved (TF resolves it lazily, on first use)."""
    tf = sys.modules.get("tensorflow")
    loader = None if tf is None else vars(tf).get("keras")
    return bool(getattr(loader, "_tfll_initialized", False)) and (
        getattr(loader, "_tfll_keras_version", None) != "tf_keras"
    )


def _evict_keras3() -> None:
    """Forget Keras 3 modules that ``import tensorflow`` loaded for its own use.

    TensorFlow keeps its own references; new imports of ``keras`` then go to
    tf_keras through the alias finder.
    """
    for name in [m for m in sys.modules if m == ALIAS or m.startswith(ALIAS + ".")]:
        del sys.modules[name]
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        # TensorFlow's __init__ puts the Keras API directory first on its
        # __path__ so that ``from tensorflow.keras.x import y`` works; put the
        # tf_keras one first, as TF itself does when TF_USE_LEGACY_KERAS is set.
        spec = importlib.util.find_spec(TARGET)
        if spec is not None and spec.submodule_search_locations:
            legacy_dir = os.path.join(list(spec.submodule_search_locations)[0], "api", "_v2")
            tf.__path__[:] = [legacy_dir] + [p for p in tf.__path__ if p != legacy_dir]


def install() -> None:
    """Select legacy Keras for this process; idempotent.

    Works even after ``import tensorflow`` (which loads parts of Keras 3 but
    resolves ``tf.keras`` lazily); fails clearly if Keras 3 has already been
    bound by ``tf.keras`` use, QKeras, hls4ml or TF-MOT.
    """
    if _keras3_loaded():
        bound = [m for m in _BINDERS if m in sys.modules]
        if bound or _tf_keras_resolved_to_keras3():
            what = ", ".join(bound) or "tf.keras"
            raise LegacyKerasError(
                f"Keras 3 was already bound by {what} before fpga_prune was imported; "
                "import fpga_prune first (or set TF_USE_LEGACY_KERAS=1 before importing TensorFlow)"
            )
        _evict_keras3()
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    # TensorFlow's own noise would bury our one-line errors.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if not any(isinstance(f, _KerasAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _KerasAliasFinder())


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with its C++ start-up chatter (CUDA probes) kept off stderr.

    Why: those lines are printed by native code before any log level applies
    and would bury the CLI's one-line messages.  What was printed is replayed
    if the import fails, so nothing useful is lost.
    """
    if "tensorflow" in sys.modules:
        return
    import tempfile  # noqa: PLC0415

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow  # noqa: F401, PLC0415
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    # Python-side TensorFlow warnings (e.g. about compiled metrics of a reloaded model).
    import logging  # noqa: PLC0415

    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def check() -> None:
    """Verify, after the fact, that tf.keras, keras and qkeras agree on Keras 2."""
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415
    import tf_keras  # noqa: PLC0415

    if keras is not tf_keras:
        raise LegacyKerasError(f"'keras' resolves to {keras.__name__}, not tf_keras")
    if not tf.keras.__version__.startswith("2."):
        raise LegacyKerasError(f"tf.keras is Keras {tf.keras.__version__}, expected 2.x")


install()
