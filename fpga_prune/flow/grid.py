"""The sweep grid: named axes, each a list of values of one ``run`` option, from the command line or YAML.

Why a registry of axes: a point is ``run``'s own configuration with one
value per axis applied (``fpga_prune.flow.sweep.expand``), so a new run option
(objective, confidence) becomes a sweep axis with one line in :data:`AXES`.
Values stay strings here, as typed; the run parser converts and checks them.
Errors name the grid file (or the command line), the field and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fpga_prune.errors import InputError

@dataclass(frozen=True)
class Axis:
    """One grid axis: the ``run`` option (argparse dest) it sets.

    ``repeat``: on the command line each occurrence of the flag is one value
    (for ``--cap``, whose single value is already a comma list), else one
    flag takes a comma-separated list.
    """

    name: str
    dest: str
    repeat: bool = False


#: axis name -> the run option it sets (a new run option becomes an axis here, nowhere else)
AXES: dict[str, Axis] = {a.name: a for a in (
    Axis("board", "board"),
    Axis("target", "target"),
    Axis("seed", "seed"),
    Axis("strategy", "strategy"),
    Axis("cap", "cap", repeat=True),
)}

#: option values: axis name -> converter of one string value to what the run parser would store
Converters = Mapping[str, Callable[[str], object]]


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


def _boards(value: str) -> list[str]:
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
            vals.extend(_boards(v) if name == "board" else [v])
        if not vals:
            raise InputError(source, f"field {name}", "no values")
        dup = sorted({v for v in vals if vals.count(v) > 1})
        if dup:
            raise InputError(source, f"field {name}", f"value {dup[0]!r} given twice")
        axes.append((name, tuple(vals)))
    return Grid(tuple(axes), source)


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


__all__ = ["AXES", "Axis", "Converters", "Grid", "make_grid", "split_cli", "load_grid_file"]
