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

    def find_spec(self, fullname, path=None, target=None):  # noqa: D401 - importlib API
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=True)


def _keras3_loaded() -> bool:
    mod = sys.modules.get(ALIAS)
    if mod is None:
        return False
    return not getattr(mod, "__name__", "").startswith(TARGET)


def install() -> None:
    """Select legacy Keras for this process; idempotent."""
    if _keras3_loaded():
        raise LegacyKerasError(
            "Keras 3 was imported before fpga_prune; import fpga_prune first "
            "(or set TF_USE_LEGACY_KERAS=1 before importing TensorFlow)"
        )
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    # TensorFlow's own noise would bury our one-line errors.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not any(isinstance(f, _KerasAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _KerasAliasFinder())


def check() -> None:
    """Verify, after the fact, that tf.keras, keras and qkeras agree on Keras 2."""
    import tensorflow as tf  # noqa: PLC0415
    import tf_keras  # noqa: PLC0415
    import keras  # noqa: PLC0415

    if keras is not tf_keras:
        raise LegacyKerasError(f"'keras' resolves to {keras.__name__}, not tf_keras")
    if not tf.keras.__version__.startswith("2."):
        raise LegacyKerasError(f"tf.keras is Keras {tf.keras.__version__}, expected 2.x")


install()
