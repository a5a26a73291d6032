"""The repository keeps its own promises: lint-clean, and the README's commands are the real ones."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_check_is_clean():
    result = _ruff("check", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _ruff("format", "--check", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```(?:bash|sh)\n(.*?)\n```", quick_start, re.S)
    assert len(commands) == 2, "the quick start has exactly two commands"
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1].strip() in ci


def test_every_adr_has_context_decision_consequences():
    adrs = sorted((ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(adrs) >= 3
    for adr in adrs:
        text = adr.read_text()
        for heading in ("## Context", "## Decision", "## Consequences"):
            assert heading in text, f"{adr.name} lacks {heading}"


def test_the_package_imports_only_its_declared_dependencies():
    """A fresh `pip install .` has no test extras: src must not import them."""
    import ast
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        re.split(r"[<>=\[ ;]", spec, maxsplit=1)[0].lower().replace("-", "_")
        for spec in project["dependencies"]
    }
    import_names = {
        "ibis_framework": "ibis",
        "pydantic_settings": "pydantic_settings",
        "pyyaml": "yaml",
        "argon2_cffi": "argon2",
        "python_multipart": "multipart",
        "scikit_learn": "sklearn",
    }
    allowed = {import_names.get(name, name) for name in declared} | {
        "journeylens",
        "starlette",
        "pydantic_core",
        "typing_extensions",  # via fastapi/pydantic
    }
    for file in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names:
                    continue
                assert top in allowed, (
                    f"{file.relative_to(ROOT)} imports {top}, not a declared dependency"
                )


def test_every_file_the_readme_links_exists():
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(((?!https?:)[^)#\s]+)\)", readme)
    assert any(t.endswith(".png") for t in targets), "the README shows no screenshot"
    for target in targets:
        assert (ROOT / target).exists(), f"README links {target}, which does not exist"


def test_package_data_covers_every_web_ui_file():
    import fnmatch
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = project["tool"]["setuptools"]["package-data"]["journeylens.web.ui"]
    ui = ROOT / "src" / "journeylens" / "web" / "ui"
    for file in ui.rglob("*"):
        if file.is_dir() or file.suffix in (".py", ".pyc"):
            continue
        relative = file.relative_to(ui).as_posix()
        assert any(fnmatch.fnmatch(relative, g) for g in globs), (
            f"{relative} would not be installed"
        )


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    files = []
    for name in filter(None, listed):
        path = ROOT / name
        if path.is_file() and path.suffix not in (".png", ".parquet", ".woff2", ".ico"):
            files.append(path)
    return files


def test_no_file_points_outside_the_repository():
    """A user of the repository has its files only: no links into the shared folder beside the
    checkout, no design document that lives there instead of in ``docs/architecture.md``."""
    outside = "../" + "shared/"
    design = "DESIGN" + ".md"
    found = []
    for file in _tracked_text_files():
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for needle in (outside, design):
            if needle in text:
                found.append(f"{file.relative_to(ROOT)} mentions {needle}")
    assert found == []


def _documented_columns() -> dict[str, list[str]]:
    """``### `table` `` sections of docs/architecture.md and the columns their tables list."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    sections = re.split(r"^### ", text, flags=re.M)[1:]
    documented: dict[str, list[str]] = {}
    for section in sections:
        title, _, body = section.partition("\n")
        name = re.fullmatch(r"`(\w+)`", title.strip())
        if name:
            body = re.split(r"^## ", body, flags=re.M)[0]
            documented[name[1]] = re.findall(r"^\| `(\w+)` \|", body, flags=re.M)
    return documented


def test_architecture_describes_every_table_and_column_of_the_schema():
    import duckdb

    from journeylens.store import schema

    con = duckdb.connect()
    schema.migrate(con)
    actual: dict[str, list[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " ORDER BY table_name, ordinal_position"
    ).fetchall():
        actual.setdefault(table, []).append(column)
    con.close()
    documented = _documented_columns()
    assert sorted(documented) == sorted(actual), "docs/architecture.md: tables differ"
    for table, columns in actual.items():
        assert documented[table] == columns, (
            f"docs/architecture.md lists {table}'s columns as {documented[table]}, "
            f"the schema has {columns} (same order)"
        )
