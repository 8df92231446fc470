"""Test setup: Qt runs offscreen and never touches the user's real settings."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "resources" / "examples"


def pytest_configure(config):
    try:
        from PySide6.QtCore import QCoreApplication, QStandardPaths
    except ImportError:  # Qt-free test runs
        return
    QStandardPaths.setTestModeEnabled(True)
    QCoreApplication.setOrganizationName("RackIO-tests")
    QCoreApplication.setApplicationName("RackIO Designer tests")


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
