"""The README stays true: its Python examples compile, every self-contained one runs (on the bundled
sample; the one that reads the data mirror only where it exists), and every `make` target and `fa-nlp`
subcommand it names exists."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from fa_nlp.settings import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
PY_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_python_examples():
    assert len(PY_BLOCKS) >= 5


@pytest.mark.parametrize("i", range(len(PY_BLOCKS)))
def test_python_examples_compile(i):
    compile(PY_BLOCKS[i], f"README.md python block {i}", "exec")


# blocks that read what `make demo` or a training recipe wrote: compiled (above), not run here
NEEDS_ARTIFACTS = ("build/demo", "runs/")
RUNNABLE = [i for i, b in enumerate(PY_BLOCKS) if not any(a in b for a in NEEDS_ARTIFACTS)]


def test_most_examples_are_self_contained():
    assert len(RUNNABLE) >= 3, "README python blocks that run on the bundled sample"


@pytest.mark.parametrize("i", RUNNABLE)
def test_self_contained_examples_run(i, tmp_path, request):
    # in a scratch folder (an example that builds writes there), with the repo's corpora/ beside it
    if "corpus_files(" in PY_BLOCKS[i]:  # reads the real data mirror
        request.getfixturevalue("shared_data")
    (tmp_path / "corpora").symlink_to(REPO_ROOT / "corpora")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run([sys.executable, "-c", PY_BLOCKS[i]], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=300)
    assert run.returncode == 0, f"README python block {i} failed:\n{run.stderr[-2000:]}"


def test_text_example_runs_and_prints_what_it_says():
    block = next(b for b in PY_BLOCKS if "from fa_nlp.text import" in b)
    out = subprocess.run([sys.executable, "-c", block + "\nprint(repr(n.text), n.original[slice(*n.to_original(5, 8))])"],
                         capture_output=True, text=True, check=True, cwd=REPO_ROOT).stdout
    assert "'قیمت ۳.۵ درصد شد. من می\\u200cروم'" in out and "3.5" in out
    assert "['قیمت', '۳.۵', 'درصد', 'شد', '.']" in out


def test_named_make_targets_exist():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    named = set(re.findall(r"make ([a-z][a-z-]+)", README))
    assert named and named <= targets, named - targets


def test_named_cli_commands_exist():
    from fa_nlp.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    named = set(re.findall(r"^fa-nlp ([a-z][a-z-]+)", README, flags=re.M))
    assert named and named <= set(sub.choices), named - set(sub.choices)


def test_python_examples_import_what_exists():
    """Every `from fa_nlp... import name` in the README resolves (modules move; examples must follow)."""
    import importlib
    import importlib.util

    lines = {ln.strip() for b in PY_BLOCKS for ln in b.splitlines() if re.match(r"\s*from fa_nlp[\w.]* import ", ln)}
    assert lines
    for ln in sorted(lines):
        module, names = re.match(r"from ([\w.]+) import (.+)", ln).groups()
        mod = importlib.import_module(module)
        for name in (n.strip().split(" as ")[0] for n in names.split(",")):
            assert hasattr(mod, name) or importlib.util.find_spec(f"{module}.{name}"), f"README: {ln}"
