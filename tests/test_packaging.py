"""The wheel holds every package and data file of the checkout (the product is the wheel)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.repo import REPO

PACKAGE = REPO / "dindcheck"
DATA_PATTERNS = ("tui/*.tcss", "schemas/*.json", "knowledge/*.json", "rules/*.yaml",
                 "rules/*.json", "rules/fixes/*.yaml")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel CI built (``DINDCHECK_WHEEL``), else one built from the checkout now."""
    built = os.environ.get("DINDCHECK_WHEEL")
    if built:
        return Path(built)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, timeout=300)
    (found,) = out.glob("dindcheck-*.whl")
    return found


def _checkout_files() -> set[str]:
    """``dindcheck/…`` paths the wheel must hold: every ``__init__.py`` (the catalogue is
    reached through the ``rules`` symlink) and every data file."""
    wanted = set()
    for folder, _dirs, files in os.walk(PACKAGE, followlinks=True):
        if "__init__.py" in files:
            wanted.add(f"{Path(folder).relative_to(REPO).as_posix()}/__init__.py")
    for pattern in DATA_PATTERNS:
        wanted.update(f"dindcheck/{p.relative_to(PACKAGE).as_posix()}"
                      for p in PACKAGE.glob(pattern))
    return wanted


def test_every_package_and_data_file_is_in_the_wheel(wheel: Path) -> None:
    wanted = _checkout_files()
    assert {"dindcheck/tui/screens/__init__.py", "dindcheck/rules/rule.schema.json",
            "dindcheck/rules/DIND001-data-root-on-overlay.yaml"} <= wanted
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    assert sorted(wanted - shipped) == []


def test_the_wheel_ships_only_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"dindcheck"}
