"""The sweep grid: named axes, each a list of values of typed ``RunConfig`` fields, from the command line or YAML.

Why a registry of axes: a point is the run's own typed configuration with
one value per axis applied (``dataclasses.replace`` on the frozen config
and its nested configs, :func:`apply_axis`), so a new run option
(objective, confidence) becomes a sweep axis with one line in :data:`AXES`.
Values stay strings in a :class:`Grid`, as typed (they name the points);
:func:`parse_grid` turns them into real values before any work.  Errors
name the grid file (or the command line), the field and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fpga_prune.errors import InputError

if TYPE_CHECKING:
    from fpga_prune.boards import Board, Caps
    from fpga_prune.flow.run import RunConfig

_T = TypeVar("_T")


def _boards(text: str) -> tuple[Board, ...]:
    from fpga_prune.boards import load_board  # noqa: PLC0415

    return (load_board(text),)


def _targets() -> list[str]:
    from fpga_prune.model.features import TARGETS  # noqa: PLC0415

    return sorted(TARGETS)


def _strategies() -> tuple[str, ...]:
    from fpga_prune.search.config import SEARCH_STRATEGIES  # noqa: PLC0415

    return SEARCH_STRATEGIES


def _caps(text: str) -> Caps:
    from fpga_prune.boards import parse_caps  # noqa: PLC0415

    return parse_caps([text])  # one caps set over the default caps, as `run --cap TEXT`


def _interface(text: str) -> str:
    from fpga_prune.boards import check_interface  # noqa: PLC0415

    return check_interface(text)


@dataclass(frozen=True)
class Axis:
    """One grid axis: the ``RunConfig`` fields (dotted paths) its value replaces and how one value is typed.

    ``parse`` turns one value as written into the fields' type (``ValueError``
    or ``InputError``: a bad value); ``choices``, when given, lists the valid
    values.  ``repeat``: on the command line each occurrence of the flag is
    one value (for ``--cap``, whose single value is already a comma list),
    else one flag takes a comma-separated list.
    """

    name: str
    fields: tuple[str, ...]
    parse: Callable[[str], Any]
    repeat: bool = False
    choices: Callable[[], Sequence[str]] | None = None

    def value(self, text: str) -> Any:
        """One value as written, in its real type."""
        if self.choices is not None and text not in self.choices():
            raise ValueError(f"valid: {', '.join(self.choices())}")
        return self.parse(text)


#: axis name -> the typed fields it sets (a new run option becomes an axis here, nowhere else)
AXES: dict[str, Axis] = {
    a.name: a
    for a in (
        Axis("board", ("boards",), _boards),
        Axis("target", ("spec.target",), str, choices=_targets),
        Axis("seed", ("model.seed", "fit.seed", "generate.seed"), int),  # as `run --seed`: training, search, vectors
        Axis("strategy", ("fit.strategy",), str, choices=_strategies),
        Axis("cap", ("caps",), _caps, repeat=True),
        Axis("interface", ("generate.interface",), _interface),  # checked by name: planned ones are refused
    )
}

#: configs a given model decides (``run --model``: its preprocess.json), which an axis leaves as they are
MODEL_OWNED = ("spec", "model")


def replace_field(obj: _T, path: str, value: object) -> _T:
    """``obj`` with the dotted field ``path`` replaced (each frozen dataclass on the way re-validates)."""
    head, _, rest = path.partition(".")
    new = replace_field(getattr(obj, head), rest, value) if rest else value
    return replace(obj, **{head: new})  # type: ignore[type-var]  # obj: a frozen dataclass


def apply_axis(cfg: RunConfig, axis: str, value: object) -> RunConfig:
    """``cfg`` with one axis' typed ``value`` in each of its fields."""
    for path in AXES[axis].fields:
        if cfg.model_path is not None and path.partition(".")[0] in MODEL_OWNED:
            continue
        cfg = replace_field(cfg, path, value)
    return cfg


@dataclass(frozen=True)
class Grid:
    """Axis name -> its values (strings, as typed), in :data:`AXES` order; ``source`` names where they came from."""

    axes: tuple[tuple[str, tuple[str, ...]], ...]
    source: str = "command line"

    def values(self, axis: str) -> tuple[str, ...] | None:
        return dict(self.axes).get(axis)

    def size(self) -> int:
        n = 1
        for _, vals in self.axes:
            n *= len(vals)
        return n


def _board_names(value: str) -> list[str]:
    from fpga_prune.boards import board_names  # noqa: PLC0415

    if value.strip() == "all":
        return board_names()
    return [value]


def make_grid(given: Mapping[str, Sequence[str]], source: str) -> Grid:
    """Validate the shape of a grid (known axes, non-empty, no duplicate values); ``all`` boards expanded."""
    axes = []
    for name in given:
        if name not in AXES:
            raise InputError(source, f"field {name}", f"unknown axis; valid: {', '.join(AXES)}")
    for name in AXES:
        if name not in given:
            continue
        vals: list[str] = []
        for i, v in enumerate(given[name]):
            v = str(v).strip()
            if not v:
                raise InputError(source, f"field {name}[{i}]", "empty value")
            vals.extend(_board_names(v) if name == "board" else [v])
        if not vals:
            raise InputError(source, f"field {name}", "no values")
        dup = sorted({v for v in vals if vals.count(v) > 1})
        if dup:
            raise InputError(source, f"field {name}", f"value {dup[0]!r} given twice")
        axes.append((name, tuple(vals)))
    return Grid(tuple(axes), source)


def parse_grid(grid: Grid) -> dict[str, dict[str, object]]:
    """Every value of ``grid`` in its real type (axis -> text -> value), checked before any work."""
    typed: dict[str, dict[str, object]] = {}
    for name, vals in grid.axes:
        typed[name] = {}
        for v in vals:
            try:
                typed[name][v] = AXES[name].value(v)
            except (ValueError, TypeError) as exc:  # InputError too: its reason keeps the option it names
                raise InputError(grid.source, f"field {name}", f"bad value {v!r} ({exc})") from None
    return typed


def split_cli(axis: str, raw: Sequence[str] | str | None) -> list[str] | None:
    """An axis flag's command-line text -> its values (``None``: flag not given)."""
    if raw is None or raw == []:
        return None
    items = [raw] if isinstance(raw, str) else list(raw)
    if AXES[axis].repeat:
        return [str(x) for x in items]
    return [v.strip() for x in items for v in str(x).split(",")]


def _yaml_value(path: Path, name: str, i: int, v: object) -> str:
    if isinstance(v, bool) or v is None or isinstance(v, (list, tuple)):
        raise InputError(path, f"field {name}[{i}]", f"must be a string or number, got {v!r}")
    if isinstance(v, Mapping):
        if name != "cap":
            raise InputError(path, f"field {name}[{i}]", f"must be a string or number, got {dict(v)!r}")
        parts = []
        for k, x in v.items():
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise InputError(path, f"field cap[{i}].{k}", f"must be a number in (0, 1], got {x!r}")
            parts.append(f"{k}={x}")
        return ",".join(parts)
    return str(v)


def load_grid_file(path: str | Path) -> dict[str, list[str]]:
    """A YAML grid (``axis: value`` or ``axis: [values]``), checked field by field."""
    import yaml  # noqa: PLC0415

    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(p, None, "no such grid file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(p, None, f"cannot read grid file ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise InputError(p, where, "not valid YAML") from None
    if not isinstance(doc, Mapping) or not doc:
        raise InputError(p, None, "must be a mapping of axis: values, e.g. 'board: [pynq-z2, zcu104]'")
    out: dict[str, list[str]] = {}
    for name, vals in doc.items():
        if name not in AXES:
            raise InputError(p, f"field {name}", f"unknown axis; valid: {', '.join(AXES)}")
        items = vals if isinstance(vals, list) else [vals]
        out[name] = [_yaml_value(p, name, i, v) for i, v in enumerate(items)]
    return out


__all__ = [
    "AXES",
    "MODEL_OWNED",
    "Axis",
    "Grid",
    "make_grid",
    "parse_grid",
    "apply_axis",
    "replace_field",
    "split_cli",
    "load_grid_file",
]
