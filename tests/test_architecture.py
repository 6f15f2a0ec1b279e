"""The package's architecture, measured on its own import statements (ast, no import-linter needed).

Every import counts, as grimp and import-linter count them: module level, inside functions and under
``TYPE_CHECKING``.  Two rules keep the layers honest: no import cycle between modules of ``fpga_prune``,
and no module takes another module's private ``_name`` (what is shared gets a public name in the module
whose job it is).  ``fpga_prune._keras_env`` is the one private module imported across modules, by design:
the package ``__init__`` imports it first, before anything can import TensorFlow.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "fpga_prune"
PRIVATE_BY_DESIGN = {"fpga_prune._keras_env"}


#: cycles being broken on another branch (typed sweeps: the CLI's run and sweep commands); delete on merge
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    return {_module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


class _Imports(ast.NodeVisitor):
    """The package modules one file imports, and the private names it takes from other modules."""

    def __init__(self, name: str, is_package: bool, modules: set[str]):
        self.name, self.is_package, self.modules = name, is_package, modules
        self.imported: set[str] = set()
        self.private: list[str] = []
        self.aliases: dict[str, str] = {}  # local name -> package module it is bound to

    def _flag(self, what: str, lineno: int) -> None:
        self.private.append(f"{self.name}:{lineno}: {what}")

    def _check_module_path(self, dotted: str, lineno: int) -> None:
        """A private module is for its own package (a subpackage's siblings); at the top only by design."""
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            prefix, parent = ".".join(parts[: i + 1]), ".".join(parts[:i])
            inside = parent != PACKAGE and (self.name == parent or self.name.startswith(parent + "."))
            if _is_private(part) and prefix not in PRIVATE_BY_DESIGN and not inside:
                self._flag(f"import of private module {dotted}", lineno)
                return

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] != PACKAGE:
                continue
            self._check_module_path(alias.name, node.lineno)
            if alias.name in self.modules:
                self.imported.add(alias.name)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                self.aliases[PACKAGE] = PACKAGE

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _absolute(self.name, self.is_package, node)
        if source.split(".")[0] != PACKAGE:
            return
        self._check_module_path(source, node.lineno)
        for alias in node.names:
            full = f"{source}.{alias.name}"
            if full in self.modules:
                self.imported.add(full)
                self._check_module_path(full, node.lineno)
                self.aliases[alias.asname or alias.name] = full
            else:
                if source in self.modules:
                    self.imported.add(source)
                if _is_private(alias.name) and source != self.name:
                    self._flag(f"from {source} import {alias.name}", node.lineno)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain: list[str] = [node.attr]
        value = node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in self.aliases:
            dotted = self.aliases[value.id]
            for attr in reversed(chain):
                if f"{dotted}.{attr}" in self.modules:
                    dotted = f"{dotted}.{attr}"
                    continue
                if _is_private(attr) and dotted != self.name:
                    self._flag(f"{dotted}.{attr}", node.lineno)
                break
        self.generic_visit(node)


def scan(path: Path, name: str, modules: set[str]) -> _Imports:
    visitor = _Imports(name, path.name == "__init__.py", modules)
    visitor.visit(ast.parse(path.read_text(), filename=str(path)))
    return visitor


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (itself left out)."""
    modules = package_modules()
    names = set(modules)
    return {name: scan(path, name, names).imported - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def private_imports(paths: list[Path]) -> list[str]:
    """Every private name a file takes from a package module other than itself."""
    names = set(package_modules())
    found: list[str] = []
    for path in paths:
        name = _module_name(path) if path.is_relative_to(ROOT / PACKAGE) else str(path.relative_to(ROOT))
        found += scan(path, name, names).private
    return found


def test_no_import_cycles_between_modules():
    assert cycles(import_graph()) == []


def test_no_private_names_imported_across_modules():
    assert private_imports(sorted((ROOT / PACKAGE).rglob("*.py"))) == []


def test_tests_and_benches_use_public_names():
    files = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py"))
    assert private_imports(files) == []


def test_the_checks_see_a_cycle_and_a_private_import(tmp_path):
    """The scanner itself: a two-module cycle through a function-local import, and ``mod._name``."""
    graph = {"p.a": {"p.b"}, "p.b": {"p.a"}, "p.c": {"p.a"}}
    assert cycles(graph) == [["p.a", "p.b"]]
    source = "def f():\n    from fpga_prune.arith import fixed\n    return fixed._hidden\n"
    tree = _Imports("fpga_prune.x", False, {"fpga_prune.arith", "fpga_prune.arith.fixed"})
    tree.visit(ast.parse(source))
    assert tree.imported == {"fpga_prune.arith.fixed"}
    assert tree.private == ["fpga_prune.x:3: fpga_prune.arith.fixed._hidden"]
    mods = {"fpga_prune.cli._source", "fpga_prune._secret", "fpga_prune._keras_env"}
    inside = _Imports("fpga_prune.cli.run", False, mods)
    inside.visit(ast.parse("from fpga_prune.cli import _source\nfrom fpga_prune import _keras_env\n"))
    assert inside.private == []
    outside = _Imports("fpga_prune.flow.run", False, mods)
    outside.visit(ast.parse("from fpga_prune.cli import _source\nfrom fpga_prune import _secret\n"))
    assert len(outside.private) == 2


if __name__ == "__main__":
    graph = import_graph()
    for component in cycles(graph):
        print("cycle:", " <-> ".join(component))
    for hit in private_imports(sorted((ROOT / PACKAGE).rglob("*.py"))):
        print("private:", hit)
    for hit in private_imports(sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py"))):
        print("private (tests/bench):", hit)


def test_the_readme_python_api_imports_as_documented():
    """The README's "Python API" section: its import lines run, and every dotted name it cites exists."""
    import importlib

    section = (ROOT / "README.md").read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    imports = "\n".join(line for line in code.splitlines() if line.startswith(("import ", "from ")))
    exec(compile(imports, "README.md", "exec"), {})
    cited = sorted(set(re.findall(r"`(fpga_prune(?:\.\w+)+)", section)))
    assert cited, "the section cites no fpga_prune names"
    for dotted in cited:
        module, _, attr = dotted.rpartition(".")
        try:
            importlib.import_module(dotted)
        except ModuleNotFoundError:
            assert hasattr(importlib.import_module(module), attr), dotted
