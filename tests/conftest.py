"""Docker fixtures: one private engine per session for tests marked ``docker``.

Without an engine (no root, binaries missing, dockerd does not start) those tests
skip on a laptop and **fail** when ``CI`` is set: CI must exercise the real engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine_harness import (
    Engine,
    EngineUnavailable,
    build_images,
    start_engine,
    unavailable_reason,
)
from tests.repo import REPO, in_ci


def pytest_configure(config: pytest.Config) -> None:
    """With ``DINDCHECK_TEST_INSTALLED`` set (CI), the package under test must be the
    installed wheel, never the checkout."""
    if os.environ.get("DINDCHECK_TEST_INSTALLED"):
        import dindcheck

        where = Path(dindcheck.__file__).resolve()
        if where.is_relative_to(REPO):
            raise pytest.UsageError(f"testing the checkout ({where}), not the installed "
                                    "package: install the wheel, run pytest (not python -m "
                                    "pytest) in importlib mode")


def _no_engine(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI must exercise the real Docker engine: {reason}", pytrace=False)
    pytest.skip(f"no private Docker engine: {reason}")


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A private dockerd with the busybox and dind test images (log kept in pytest's tmp)."""
    reason = unavailable_reason()
    if reason:
        _no_engine(reason)
    try:
        engine = start_engine(log_dir=tmp_path_factory.getbasetemp())
    except EngineUnavailable as exc:
        _no_engine(str(exc))
        raise
    try:
        build_images(engine)
        yield engine
    finally:
        engine.stop()
