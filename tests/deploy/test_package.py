"""`make package`: the deployment zip holds the app and nothing else, and the app runs from it alone.

One clean venv per test session gets only requirements.txt from PyPI (as the Functions platform's
remote build does) and imports the unpacked app with no settings in the environment.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.deploy.templates import ROOT

WIRE_CONTRACT_FUNCTIONS = {
    "getToken",
    "users",
    "chats",
    "messages",
    "search",
    "logout",
    "recoveryCode",
    "recover",
    "eventHandler",
    "health",
}
APP_ROOT_FILES = {"function_app.py", "host.json", "requirements.txt"}
PROBE = """
import json, sys
sys.path.insert(0, ".")
import function_app
print(json.dumps(sorted(f.get_function_name() for f in function_app.app.get_functions())))
"""


def _load_package_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chatr_deploy_package", ROOT / "deploy" / "package.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


package = _load_package_module()


def _api_sources() -> set[str]:
    """Every source file of api/ as git sees it: tracked, or new and not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "api"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {name for name in listed if (ROOT / name).is_file()}


@pytest.fixture(scope="session")
def built_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package") / "chatr-api.zip"
    subprocess.run(["make", "--no-print-directory", "package", f"PACKAGE={out}"], cwd=ROOT, check=True)
    return out


@pytest.fixture(scope="session")
def clean_venv_python(tmp_path_factory: pytest.TempPathFactory, built_zip: Path) -> Iterator[tuple[Path, Path]]:
    """(python of a venv holding only requirements.txt, folder the zip was unpacked into)."""
    base = tmp_path_factory.mktemp("clean")
    app = base / "app"
    with zipfile.ZipFile(built_zip) as archive:
        archive.extractall(app)
    venv.EnvBuilder(with_pip=True, clear=True).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"],
        cwd=app,
        check=True,
        timeout=540,
    )
    yield python, app
    shutil.rmtree(base, ignore_errors=True)


def _functions(python: Path, app_dir: Path) -> list[str]:
    """The function names the app registers, imported by `python` from `app_dir` with no app settings set."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "TMPDIR", "LANG") if key in os.environ}
    result = subprocess.run(
        [str(python), "-I", "-c", PROBE], cwd=app_dir, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_zip_holds_exactly_the_app_files(built_zip: Path) -> None:
    with zipfile.ZipFile(built_zip) as archive:
        names = set(archive.namelist())
    assert names == APP_ROOT_FILES | _api_sources()


def test_the_app_files_sit_at_the_root_of_the_zip_where_the_host_looks(built_zip: Path) -> None:
    with zipfile.ZipFile(built_zip) as archive:
        assert set(archive.namelist()) >= APP_ROOT_FILES
        assert "api/__init__.py" in archive.namelist()


def test_generated_and_unrelated_files_stay_out(tmp_path: Path) -> None:
    for name in [*APP_ROOT_FILES, "api/__init__.py", "api/config.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# app\n")
    for junk in ["api/__pycache__/config.cpython-311.pyc", "api/old.pyc", "client/index.html", "tests/t.py", ".env"]:
        (tmp_path / junk).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / junk).write_text("junk\n")
    names = package.build(tmp_path / "dist" / "app.zip", root=tmp_path)
    assert set(names) == {*APP_ROOT_FILES, "api/__init__.py", "api/config.py"}


def test_the_same_sources_give_the_same_zip(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    package.build(first)
    package.build(second)
    assert first.read_bytes() == second.read_bytes()


def test_a_missing_app_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text("")
    with pytest.raises(package.PackageError, match=r"host\.json is missing"):
        package.build(tmp_path / "app.zip", root=tmp_path)
    assert not (tmp_path / "app.zip").exists()


def test_funcignore_publishes_the_same_files_as_the_zip(tmp_path: Path, built_zip: Path) -> None:
    """Core Tools reads .funcignore with gitignore rules, so git itself decides what it would keep."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    generated = ["api/__pycache__/state.cpython-311.pyc", "client/vendor/vue.js", "local.settings.json", "dist/x.zip"]
    for name in [*tracked, *generated]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    shutil.copy(ROOT / ".funcignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    kept = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    with zipfile.ZipFile(built_zip) as archive:
        zipped = set(archive.namelist())
    assert set(kept) - {".gitignore"} == {name for name in zipped if name in tracked}


def test_the_unpacked_app_imports_in_a_clean_venv_and_exposes_the_wire_contracts_functions(
    clean_venv_python: tuple[Path, Path],
) -> None:
    python, app = clean_venv_python
    assert set(_functions(python, app)) == WIRE_CONTRACT_FUNCTIONS


def test_the_packaged_app_exposes_the_same_functions_as_the_source(clean_venv_python: tuple[Path, Path]) -> None:
    python, app = clean_venv_python
    assert _functions(python, app) == _functions(Path(sys.executable), ROOT)
