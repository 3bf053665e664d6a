"""The package's shape, checked: a pure core, no import cycles, a small top level.

docs/architecture.md draws the data flow; these tests keep the code honest to it. A
new module in a core package is checked without being listed here: only the few
modules of a core package that really are edges (they read files) are named, as
exceptions, with the reason.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import replwatch

PACKAGE = Path(replwatch.__file__).resolve().parent

#: Packages whose every module is pure: text or events in, values out.
CORE_PACKAGES = ["grammar", "logs", "topology", "timeline", "report"]
#: Pure modules outside those packages.
CORE_MODULES = [
    "events.py",
    "kinds.py",
    "poll/info.py",
    "poll/role_reply.py",
    "poll/sentinel_reply.py",
    "poll/cluster_reply.py",
]
#: Modules of core packages that are edges on purpose, and why.
EDGES = {
    "grammar/loader.py": "reads grammars/*.grammar and the user's rule files",
    "logs/read.py": "opens log files (.gz too) and reads them in blocks",
    "logs/files.py": "stats files and plans their years",
    "logs/parallel.py": "runs the fast JSON path in two processes",
    "report/parallel.py": "reads big logs for the report in two processes",
}
#: What a pure module may not import: UI, CLI, client, watcher, and I/O or clocks.
FORBIDDEN_IMPORTS = {
    "textual", "click", "redis", "watchdog", "rich",
    "socket", "subprocess", "asyncio", "threading", "multiprocessing",
    "os", "shutil", "gzip", "signal", "pathlib", "time", "io",
}  # fmt: skip
#: Calls that do I/O or read a clock.
FORBIDDEN_CALLS = {
    "open", "read_text", "read_bytes", "write_text", "write_bytes",
    "now", "today", "utcnow", "monotonic", "perf_counter", "input",
}  # fmt: skip


def _core_files() -> list[Path]:
    files = [PACKAGE / name for name in CORE_MODULES if (PACKAGE / name).exists()]
    for package in CORE_PACKAGES:
        for path in sorted((PACKAGE / package).rglob("*.py")):
            if str(path.relative_to(PACKAGE)) not in EDGES:
                files.append(path)
    return files


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(
    tree: ast.AST, module: str, is_package: bool, modules: frozenset[str] = frozenset()
) -> set[str]:
    """Every module named by an import statement, lazy (in a function) ones included.

    ``from pkg import sub`` where every name is a submodule (one of ``modules``) names
    the submodules only: it needs ``pkg/__init__`` to have run, not to be finished.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:  # `if TYPE_CHECKING:` imports are types, not I/O
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = {f"{base}.{alias.name}" for alias in node.names}
            found.update(names)
            if not names <= modules:
                found.add(base)
    return found


def test_core_modules_import_no_framework_and_do_no_io() -> None:
    problems = []
    for path in _core_files():
        module = _module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        for name in _imports(tree, module, path.name == "__init__.py"):
            if name.split(".")[0] in FORBIDDEN_IMPORTS:
                problems.append(f"{module} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in FORBIDDEN_CALLS:
                    problems.append(f"{module}:{node.lineno} calls {called}()")
    assert not problems, "\n".join(problems)


def test_importing_the_core_pulls_in_no_framework() -> None:
    modules = [_module_name(path) for path in _core_files()]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in ('textual', 'redis', 'watchdog', 'click') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_import_cycles_lazy_imports_included() -> None:
    modules = {
        _module_name(path): path for path in PACKAGE.rglob("*.py") if "grammars" not in path.parts
    }
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        named = _imports(tree, module, path.name == "__init__.py", frozenset(modules))
        graph[module] = {name for name in named if name in modules and name != module}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_top_level_holds_at_most_four_modules() -> None:
    """Everything else lives in the folder of its stage (docs/architecture.md)."""
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(top) <= 4, top
