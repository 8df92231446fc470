"""The loader pauses the cycle collector while it reads and leaves it as it found it:
enabled with the same thresholds (also after a refused file), off if it was off. The
command line keeps it off while it solves, and gives it back to in-process callers."""

from __future__ import annotations

import gc
import json

import pytest

from designer.fileformat import ProjectFileError, dumps, loads
from designer.generate import generate

TEXT = dumps(generate(1, 3, 4, seed=1))


@pytest.fixture(autouse=True)
def collector_on():
    """Each test starts with the automatic collector on, as a fresh process has it (the
    designer's window turns it off for its own timed collection, and GUI tests may have
    made one earlier in the same process); whatever it was is given back afterwards."""
    was_on = gc.isenabled()
    gc.enable()
    yield
    if not was_on:
        gc.disable()


def test_collector_resumes_with_its_thresholds():
    thresholds = gc.get_threshold()
    assert gc.isenabled()
    topo = loads(TEXT)
    assert gc.isenabled() and gc.get_threshold() == thresholds
    assert len(topo.elements) > 10


def test_collector_resumes_after_a_refused_file():
    with pytest.raises(ProjectFileError):
        loads(json.dumps({"format": "rackio-project", "version": 1, "elements": [{"id": "x"}]}))
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off():
    gc.disable()
    try:
        loads(TEXT)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_solve_command_gives_the_collector_back(tmp_path, capsys, monkeypatch):
    import designer.cli as cli

    path = tmp_path / "d.rackio"
    path.write_text(TEXT, encoding="utf-8")
    seen = []
    real = cli._solve

    def spy(args):
        seen.append(gc.isenabled())
        return real(args)

    monkeypatch.setattr(cli, "_solve", spy)
    assert cli.main(["solve", "--json", str(path)]) == 0
    assert seen == [False] and gc.isenabled()
    assert json.loads(capsys.readouterr().out)["format"] == "rackio-report"
