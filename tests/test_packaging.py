"""The built wheel: every module, the type marker, the licence, one version (§10).

The wheel is built from this tree with the project's own backend (hatchling, in the ``test``
extra) and no network, installed into a fresh virtual environment, and imported there. The
new environment borrows only the run-time dependencies (``attrs``, ``python-dateutil``) from
the running one, through a ``.pth`` line placed after its own ``site-packages``, so the
package it imports is the installed wheel, not this source tree.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"

# A scratch copy of the package without pyproject.toml cannot be built, nor can an environment
# without the build backend (the mutation runs' own venv); the test extra installs it.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PYPROJECT.exists(), reason="no pyproject.toml: not a source tree"),
    pytest.mark.skipif(
        importlib.util.find_spec("hatchling") is None, reason="no build backend (hatchling)"
    ),
]


def _project_version() -> str:
    with PYPROJECT.open("rb") as file:
        version = tomllib.load(file)["project"]["version"]
    assert isinstance(version, str)
    return version


def _run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this tree, offline (``--no-build-isolation``, ``--no-deps``)."""
    out = tmp_path_factory.mktemp("wheel")
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out, ROOT, cwd=out)
    (built,) = out.glob("aclf_protocol-*.whl")
    return built


def test_wheel_holds_every_module_and_the_type_marker(wheel: Path) -> None:
    """Each ``aclf_protocol/*.py`` of the tree, ``py.typed`` and the LICENSE are in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {f"aclf_protocol/{p.name}" for p in (ROOT / "aclf_protocol").glob("*.py")}
    assert modules <= names
    assert "aclf_protocol/py.typed" in names
    assert any(n.endswith("LICENSE") and ".dist-info/" in n for n in names)


def test_wheel_is_named_for_the_pyproject_version(wheel: Path) -> None:
    """The file name carries the one version, the one in pyproject.toml."""
    assert wheel.name.startswith(f"aclf_protocol-{_project_version()}-")


def test_installed_wheel_reports_the_pyproject_version(wheel: Path, tmp_path: Path) -> None:
    """In a fresh environment the package imports from the wheel and reports that version."""
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path
        ).strip()
    )
    # The dependencies come from the running environment, after the wheel's own directory.
    (site / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python,
        "install", "--no-deps", "--no-index", wheel,
        cwd=tmp_path,
    )  # fmt: skip
    shown = _run(
        python, "-c",
        "import aclf_protocol as a; print(a.__version__); print(a.__file__)",
        cwd=tmp_path,
    ).split()  # fmt: skip
    assert shown[0] == _project_version()
    assert Path(shown[1]).is_relative_to(site)
