"""The layout's dependency rules, read from the source (lazy imports inside functions included).

commands → tasks → training / decoding / models / metrics → data / tokenization → text: no circles
between packages, `training/` imports no task or evaluation code, `models/` imports only torch (and
itself), `text/` nothing else of fa_nlp; no two files import each other (directly or round a loop) and no
task folder imports another task.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fa_nlp

PKG = Path(fa_nlp.__file__).parent


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def _area(module: str) -> str | None:
    """`fa_nlp.training.loop` -> `training`; top-level modules (`fa_nlp.io`) -> their own name."""
    parts = module.split(".")
    return parts[1] if parts[0] == "fa_nlp" and len(parts) > 1 else None


def _package_imports(area: str) -> dict[str, set[str]]:
    root = PKG / area
    files = sorted(root.rglob("*.py")) if root.is_dir() else [PKG / f"{area}.py"]
    return {str(f.relative_to(PKG)): {m for m in _imports(f) if m.startswith("fa_nlp.")} for f in files}


@pytest.mark.parametrize("area", ["text", "models", "training", "decoding", "metrics", "data", "tokenization"])
def test_lower_layers_never_import_upper_ones(area):
    forbidden = {
        "text": {"data", "tokenization", "models", "training", "decoding", "metrics", "tasks", "commands", "io",
                 "report", "config", "plots", "cli", "settings"},
        "models": {"text", "data", "tokenization", "training", "decoding", "metrics", "tasks", "commands", "io",
                   "report", "config", "plots", "cli", "settings"},
        "training": {"tasks", "commands", "cli", "decoding", "metrics"},
        "decoding": {"tasks", "commands", "cli", "training", "metrics", "data"},
        "metrics": {"tasks", "commands", "cli", "training", "decoding", "models"},
        "data": {"tasks", "commands", "cli", "training", "decoding", "models", "metrics"},
        "tokenization": {"tasks", "commands", "cli", "training", "decoding", "models", "metrics"},
    }[area]
    bad = {f: sorted(m for m in mods if _area(m) in forbidden) for f, mods in _package_imports(area).items()}
    assert not {f: m for f, m in bad.items() if m}, f"{area}/ imports from a layer above it"


def test_models_import_only_torch():
    third_party = set()
    for f in (PKG / "models").rglob("*.py"):
        third_party |= {m.split(".")[0] for m in _imports(f) if not m.startswith("fa_nlp")}
    assert third_party <= {"torch", "math", "dataclasses", "importlib", "__future__", "typing", "collections"}


def test_no_import_circles_between_areas():
    areas = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    graph = {a: {_area(m) for mods in _package_imports(a).values() for m in mods} - {a, None} for a in areas}
    graph = {a: deps & areas for a, deps in graph.items()}

    def reach(a, seen):
        for b in graph.get(a, ()):
            if b not in seen:
                seen.add(b)
                reach(b, seen)
        return seen

    circles = sorted(a for a in areas if a in reach(a, set()))
    assert not circles, f"areas that import themselves through others: {circles} ({graph})"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _file_graph() -> dict[str, set[str]]:
    """module -> the fa_nlp modules it imports (function-local imports included). `from pkg import sub`
    points at `pkg.sub` when that is a module, else at `pkg` (its __init__), as Python resolves it."""
    modules = {_module_name(f): f for f in PKG.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module in modules:
                subs = {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
                deps |= subs if len(subs) == len(node.names) else subs | {node.module}
        graph[name] = deps - {name}
    return graph


def test_no_import_circles_between_files():
    # why: a circle (a.py imports b.py imports a.py) works only by import order luck and hides which
    # module is the lower one; one in every area would pass the area test above
    graph = _file_graph()
    index: dict[str, int] = {}
    circles = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == start:
                circles.append(" -> ".join([*path, start]))
            elif nxt not in path and index.get(nxt, -1) > index[start]:
                walk(start, nxt, [*path, nxt])

    order = sorted(graph)
    index.update({m: i for i, m in enumerate(order)})
    for m in order:  # each circle is reported once, from its first module in sorted order
        walk(m, m, [m])
    assert not circles, "file-level import circles:\n" + "\n".join(circles[:20])


def test_no_task_imports_another_task():
    # why: what two tasks share lives below them (data/, metrics/, text/, tasks/base.py, tasks/predict_io.py);
    # a task folder importing a sibling couples their releases and hides the shared component
    tasks = {p.name for p in (PKG / "tasks").iterdir() if (p / "__init__.py").is_file()}
    bad = {}
    for task in tasks:
        for f, mods in _package_imports(f"tasks/{task}").items():
            others = sorted(m for m in mods if m.split(".")[:2] == ["fa_nlp", "tasks"] and len(m.split(".")) > 2
                            and m.split(".")[2] in tasks - {task})
            if others:
                bad[f] = others
    assert not bad, f"task folders importing other tasks: {bad}"


# Files whose function-local fa_nlp imports may stay, each with its reason. Lazy imports are for heavy
# third-party packages only (torch, hazm, datasets, ...): a heavy fa_nlp module loads those inside its
# functions (`decoding/search.py`) or is reached through a name table (`models/__init__.py`, the registry).
LOCAL_IMPORT_ALLOWED: dict[str, str] = {}


def _local_fa_nlp_imports(path: Path) -> list[str]:
    """`line: module` for every import of an fa_nlp module inside a function body (nested ones too)."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import):
                found.extend(f"{child.lineno}: {a.name}" for a in child.names if a.name.split(".")[0] == "fa_nlp")
            elif in_function and isinstance(child, ast.ImportFrom) and (
                    child.level or (child.module or "").split(".")[0] == "fa_nlp"):
                found.append(f"{child.lineno}: {'.' * child.level}{child.module or ''}")
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def test_fa_nlp_modules_are_imported_at_the_top_of_files():
    # why: a function-local import hides a dependency from the reader and from the circle checks' first glance;
    # only heavy third-party packages load lazily, so `import fa_nlp` and `fa-nlp --help` stay fast
    bad = {}
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(PKG).as_posix()
        if any(rel == k or (k.endswith("/") and rel.startswith(k)) for k in LOCAL_IMPORT_ALLOWED):
            continue
        if found := _local_fa_nlp_imports(f):
            bad[rel] = found
    assert not bad, f"function-local fa_nlp imports (move them to the top of the file): {bad}"


def test_the_local_import_check_sees_nested_and_relative_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('"""from fa_nlp.io import x  (a docstring example is no import)"""\nfrom fa_nlp import io\n\n\n'
                 "def f():\n    import torch\n\n    def g():\n        from fa_nlp.text import normalize\n"
                 "        from . import sibling\n        import fa_nlp.io\n", encoding="utf-8")
    assert _local_fa_nlp_imports(f) == ["9: fa_nlp.text", "10: .", "11: fa_nlp.io"]
