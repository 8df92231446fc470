"""The loader pauses the cycle collector while it reads and leaves it as it found it:
enabled with the same thresholds (also after a refused file), off if it was off, an
application's frozen objects still frozen; what was read is long-lived and lands in
the oldest generation rather than being walked by the next young collections."""

from __future__ import annotations

import gc
import json

import pytest

from designer.fileformat import ProjectFileError, dumps, loads
from designer.generate import generate

TEXT = dumps(generate(1, 3, 4, seed=1))


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


def test_frozen_objects_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        loads(TEXT)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_what_was_read_is_in_the_oldest_generation():
    topo = loads(TEXT)
    young = {id(o) for o in gc.get_objects(generation=0)} | {id(o) for o in gc.get_objects(generation=1)}
    assert id(topo.elements) not in young
    assert not any(id(e) in young for e in topo.elements.values())
    assert any(o is topo.elements for o in gc.get_objects(generation=2))
