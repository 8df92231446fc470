"""Text no file can hold is refused where it would enter (issue 12 §2.4).

A JSON escape ``"\\udc00"`` reads into Python as a lone surrogate, which UTF-8 cannot encode:
the design would load, and then no Save, Save As or autosave could ever succeed. The loader
refuses it naming the element and field, wherever it is (titles, labels, vNIC fields, unknown
fields, field names); text fields and the project's title and notes refuse it when edited."""

from __future__ import annotations

import json

import pytest

from designer.fileformat import ProjectFileError, dumps, load, loads
from designer.model.schema import field_spec
from designer.model.topology import ModelError

BASE = {"format": "rackio-project", "version": 1, "title": "ok",
        "elements": [{"id": "s1", "kind": "server"},
                     {"id": "n1", "kind": "network", "label": "ok"},
                     {"id": "vm1", "kind": "vm", "parent": "s1",
                      "vnics": [{"mode": "paravirtual", "to": "n1"}]}],
        "links": []}
LONE = "x\udc00"


def text_with(change) -> str:
    doc = json.loads(json.dumps(BASE))
    change(doc)
    return json.dumps(doc)  # ensure_ascii: the surrogate is written as the escape \udc00


CASES = {
    "title": (lambda d: d.__setitem__("title", LONE), ["project", "'title'", "U+DC00"]),
    "notes": (lambda d: d.__setitem__("notes", "fine " + LONE), ["project", "'notes'", "U+DC00"]),
    "label": (lambda d: d["elements"][1].__setitem__("label", LONE), ['"n1"', "'label'"]),
    "unknown field": (lambda d: d["elements"][1].__setitem__("site", {"room": [LONE]}), ['"n1"', "site"]),
    "unknown top-level": (lambda d: d.__setitem__("owner", "\ud800"), ["project", "'owner'", "U+D800"]),
    "field name": (lambda d: d["elements"][1].__setitem__("k" + LONE, 1), ['"n1"', "its name"]),
    "vnic": (lambda d: d["elements"][2]["vnics"][0].__setitem__("note", LONE), ['"vm1"', "vnics[0].note"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_lone_surrogate_is_refused_on_load_naming_element_and_field(tmp_path, case):
    change, words = CASES[case]
    text = text_with(change)
    assert "\\ud" in text  # as a file holds it
    path = tmp_path / "s.rackio"
    path.write_text(text, encoding="ascii")
    with pytest.raises(ProjectFileError) as info:
        load(path)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert "surrogate" in message and "\n" not in message


def test_text_handed_over_as_a_python_string_is_refused_too():
    with pytest.raises(ProjectFileError, match="'title'"):
        loads(json.dumps(BASE).replace('"ok"', '"' + LONE + '"', 1))


def test_a_real_surrogate_pair_is_an_ordinary_character():
    topo = loads(json.dumps(BASE).replace('"ok"', '"\\ud83d\\ude00 rack"', 1))
    assert topo.title == "\U0001F600 rack"
    assert loads(dumps(topo)).title == topo.title


def test_editing_a_text_field_or_the_title_refuses_it():
    topo = loads(json.dumps(BASE))
    with pytest.raises(ModelError, match="surrogate"):
        topo.set_project_field("title", LONE)
    with pytest.raises(Exception, match="surrogate"):
        field_spec("network", "label").coerce(LONE)
    assert topo.title == "ok"
    dumps(topo).encode("utf-8")  # still saveable
