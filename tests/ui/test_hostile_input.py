"""Hostile input (issue 7): nothing pasted, typed, dropped or opened may crash the app or leave
the model invalid, and nothing in a file is ever executed.

After every fuzzed input the model must pass the invariants: every field within its spec,
the design saves and loads back to the same document, the design rules run, the canvas
shows exactly the model's elements, and a refused input changes nothing at all."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

from designer.fileformat import dumps, load, loads, to_document
from designer.fileformat.project import MAX_ELEMENTS, MAX_FILE_BYTES
from designer.model.rules import check_design
from designer.ui.canvas.view import encode_payload

from .helpers import MAIL, assert_model_valid, open_example, snapshot, state
from .test_drops import deliver_drop, raw_mime

MAIL_TOPOLOGY = load(MAIL)
GUI_FUZZ = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def check_invariants(window) -> None:
    topo = window.document.topology
    assert_model_valid(topo)
    again = loads(dumps(topo))
    assert to_document(again) == to_document(topo)
    check_design(topo)
    window.scene.flush()
    assert sorted(window.scene.all_element_ids()) == sorted(list(topo.elements) + list(topo.links))


# ----------------------------------------------------------------- clipboard
json_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10))
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4)
                           | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=10)


def clipboard_of_mail(window) -> dict:
    text = window.editor.copy_text(["h1", "tor", "wan"])
    return json.loads(text)


@st.composite
def mutated_clipboards(draw) -> dict:
    """The right shape (a real copy of the mail example), with bad values put in."""
    from designer.fileformat.project import element_to_dict, link_to_dict

    base_topo = MAIL_TOPOLOGY
    keep = {"h1", "tor", "wan"} | {e.id for e in base_topo.descendants("h1")}
    doc = {"format": "rackio-clipboard", "version": 1,
           "elements": [element_to_dict(e) for e in base_topo.elements.values() if e.id in keep],
           "links": [link_to_dict(link) for link in base_topo.links.values()
                     if all(base_topo._end_owner(end) in keep for end in link.ends())]}
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["element", "element", "vnic", "link", "top"]))
        elements = [e for e in doc.get("elements", []) if isinstance(e, dict)] \
            if isinstance(doc.get("elements"), list) else []
        links = [e for e in doc.get("links", []) if isinstance(e, dict)] if isinstance(doc.get("links"), list) else []
        vnics = [v for e in elements if isinstance(e.get("vnics"), list) for v in e["vnics"] if isinstance(v, dict)]
        if where == "element" and elements:
            element = draw(st.sampled_from(elements))
            key = draw(st.sampled_from(sorted(element) + ["ports", "parent", "kind", "id", "x"]))
        elif where == "vnic" and vnics:
            element = draw(st.sampled_from(vnics))
            key = draw(st.sampled_from(sorted(element) + ["mode", "vf", "nic", "to", "port"]))
        elif where == "link" and links:
            element = draw(st.sampled_from(links))
            key = draw(st.sampled_from(["a", "b", "gbps", "id"]))
        else:
            element = doc
            key = draw(st.sampled_from(["elements", "links", "version"]))
        if draw(st.integers(0, 4)) == 0:
            element.pop(key, None)
        else:
            plausible = st.sampled_from([-1, 0, 1, 2, 2.5, 64, 1e6, 1e308, 2**64, True, None, "", "x" * 300, "h1",
                                         "h1n0", "h1n0v0", "tor", "wan", "san", "h1n0:0", "h1n0:99", "vf",
                                         "passthrough", "emulated"])
            element[key] = draw(plausible if draw(st.integers(0, 3)) else json_values)
    return doc


def paste_and_check(window, text: str) -> None:
    before = state(window)
    error, ids = window.editor.paste_text(text, QPointF(60, 60), target_server="h1")
    if currently_in_test_context():
        event("refused" if error else "pasted")
    if error:
        assert isinstance(error, str) and error and not ids
        assert state(window) == before, "a refused paste changed something"
    else:
        assert ids and all(i in window.document.topology.elements for i in ids)
    check_invariants(window)
    if not error:  # undo gives back exactly the design before the paste
        window.edit_undo()
        assert state(window)[0] == before[0]


@GUI_FUZZ
@given(text=st.text(max_size=200))
def test_paste_of_foreign_text(window, text):
    if not window.document.path:
        open_example(window)
    paste_and_check(window, text)


@GUI_FUZZ
@given(value=json_values)
def test_paste_of_json_of_the_wrong_shape(window, value):
    if not window.document.path:
        open_example(window)
    paste_and_check(window, json.dumps(value))
    if isinstance(value, dict):
        value = dict(value, format="rackio-clipboard")
        paste_and_check(window, json.dumps(value))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=mutated_clipboards())
def test_paste_of_the_right_shape_with_bad_values(window, doc):
    if not window.document.path:
        open_example(window)
    paste_and_check(window, json.dumps(doc))


@pytest.mark.parametrize("text", [
    "",
    "\x00" * 10,
    '{"format": "rackio-clipboard", "version": 1, "elements": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"format": "rackio-clipboard", "elements": [{"id": "a", "kind": "server", "x": NaN}]}',
    '{"format": "rackio-clipboard", "elements": [{"id": "a", "kind": "server", "x": 1e999}]}',
    '{"format": "rackio-clipboard", "elements": [{"id": "n", "kind": "nic", "parent": "n"}]}',
    '{"format": "rackio-clipboard", "elements": [{"id": "v", "kind": "vm", "parent": "h1", '
    '"vnics": [{"mode": "vf", "vf": "h1"}]}]}',
    '{"format": "rackio-clipboard", "elements": [], "links": [{"a": "tor", "b": "tor"}]}',
    # A VF put in a switch (in no server), used by a guest pasted into a server.
    '{"format": "rackio-clipboard", "elements": [{"id": "t", "kind": "switch"}, {"id": "f", "kind": "vf", '
    '"parent": "t"}, {"id": "s", "kind": "server"}, {"id": "v", "kind": "vm", "parent": "s", '
    '"vnics": [{"mode": "vf", "vf": "f"}]}]}',
    '{"format": "rackio-project", "version": 1, "elements": [{"id": "s", "kind": "server"}]}',
])
def test_paste_of_odd_clipboards(window, text):
    open_example(window)
    paste_and_check(window, text)


def test_paste_of_huge_text_is_refused_quickly(window):
    open_example(window)
    huge = " " * (65 * 1024 * 1024)
    started = time.perf_counter()
    paste_and_check(window, huge)
    assert time.perf_counter() - started < 5
    del huge


def test_paste_of_many_elements_works(window):
    open_example(window)
    doc = {"format": "rackio-clipboard", "version": 1,
           "elements": [{"id": f"s{i}", "kind": "server", "x": i * 10, "y": 0} for i in range(300)]}
    error, ids = window.editor.paste_text(json.dumps(doc), QPointF(0, 0))
    assert error is None and len(ids) == 300
    check_invariants(window)


def test_paste_through_the_clipboard_menu(window):
    from PySide6.QtGui import QGuiApplication

    open_example(window)
    before = state(window)
    QGuiApplication.clipboard().setText("rm -rf / ; {\"format\": \"rackio-clipboard\"")
    window.act_paste.trigger()
    assert state(window) == before
    assert "clipboard" in window.statusBar().currentMessage()


# ----------------------------------------------------------------- inspector
odd_texts = st.text(max_size=30) | st.sampled_from([
    "nan", "NaN", "inf", "-inf", "1e309", "-0", "0", "1e-320", "9" * 400, "1_000", "0x10", " 5 ", "٣",
    "1e15", "-1", "2.5", "true", "None", "__import__('os')", "\x00", "1,5", "+3", "1e3"])


@GUI_FUZZ
@given(element_id=st.sampled_from(["h1", "h1n0", "h1n0v0", "mail", "web", "tor", "wan", "tor--wan", ""]),
       edits=st.lists(st.tuples(st.integers(0, 200), odd_texts), min_size=1, max_size=4))
def test_inspector_fields_take_any_text(window, element_id, edits):
    if not window.document.path:
        open_example(window)
    topo = window.document.topology
    if element_id and element_id not in topo.elements and element_id not in topo.links:
        return
    window.scene.select_ids([element_id] if element_id else [])
    window.inspector.set_selection([element_id] if element_id else [])
    for pick, text in edits:
        editors = list(window.inspector.field_editors.values())
        if not editors:
            break
        fe = editors[pick % len(editors)]
        widget = fe.widget
        if isinstance(widget, QLineEdit):
            widget.setText(text)
            widget.editingFinished.emit()
        elif isinstance(widget, QCheckBox):
            widget.click()
        elif isinstance(widget, QComboBox) and widget.count():
            index = pick % widget.count()
            widget.setCurrentIndex(index)
            widget.activated.emit(index)
        check_invariants(window)
    event(f"undo depth {min(window.document.undo_stack.count(), 3)}")


# --------------------------------------------------------------------- drops
@GUI_FUZZ
@given(kind=st.sampled_from(["network", "switch", "server", "nic", "vf", "vm", "router", ""]),
       preset=st.dictionaries(st.sampled_from(["ports", "port_gbps", "label", "max_vfs", "sriov", "cores",
                                               "vmm_io_cores", "min_gbps", "id", "parent", "x", "model"]),
                              json_values, max_size=5),
       where=st.sampled_from([QPointF(-300, 520), QPointF(0, 0), QPointF(120, 60), QPointF(700, -300)]))
def test_drops_of_any_payload(window, kind, preset, where):
    if not window.document.path:
        open_example(window)
    before = state(window)
    deliver_drop(window, raw_mime(encode_payload(kind, preset)), where)
    check_invariants(window)
    if kind not in ("network", "switch", "server", "nic", "vf", "vm"):
        assert state(window) == before


# ------------------------------------------------------------------- opening
INJECTION = [
    "__import__('os').system('touch PWNED')",
    "eval(compile('open(\"PWNED\",\"w\")','x','exec'))",
    "${jndi:ldap://x/a}", "{{7*7}}", "$(touch PWNED)", "`touch PWNED`", "'; DROP TABLE racks; --",
    '{"format": "rackio-project", "version": 99}', '"}, {"id": "evil", "kind": "server"}, {"x": "',
    "<script>alert(1)</script>", "<b>bold</b>", "\u202egnp.exe", "line\nbreak\ttab", "%s%s%n", "\\u0000",
]


def test_a_file_full_of_code_loads_as_plain_text(window, dialogs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = json.loads(MAIL.read_text(encoding="utf-8"))
    doc["title"] = INJECTION[0]
    doc["notes"] = "\n".join(INJECTION)
    doc["__class__"] = INJECTION[1]
    doc["x-plugin"] = {"__reduce__": INJECTION[0], "exec": INJECTION[1], "import": "os"}
    for element, text in zip(doc["elements"], INJECTION):
        element["label"] = text
        element["x-script"] = text
    path = tmp_path / "hostile.rackio"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert window.open_path(str(path), ask=False), dialogs.calls
    topo = window.document.topology
    assert topo.title == INJECTION[0] and topo.notes == "\n".join(INJECTION)
    for element, text in zip(doc["elements"], INJECTION):
        assert topo.elements[element["id"]].label == text
        assert topo.elements[element["id"]].extra["x-script"] == text
    assert "evil" not in topo.elements
    assert topo.extra["x-plugin"]["exec"] == INJECTION[1]
    window.inspector.set_selection([doc["elements"][0]["id"]])
    window.scene.flush()
    window.grab()  # labels are painted as text
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()
    # Saved back unchanged: still text, still not run.
    out = tmp_path / "again.rackio"
    window._save_to(str(out))
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["title"] == INJECTION[0] and saved["x-plugin"] == doc["x-plugin"]
    assert not (tmp_path / "PWNED").exists()


def test_oversized_file_is_refused_before_reading(window, dialogs, tmp_path):
    open_example(window)
    before = snapshot(window)
    big = tmp_path / "huge.rackio"
    with open(big, "wb") as fh:  # sparse: no disk space, and never read
        fh.truncate(MAX_FILE_BYTES + 1)
    started = time.perf_counter()
    assert not window.open_path(str(big), ask=False)
    assert time.perf_counter() - started < 2
    (text,) = dialogs.of("critical")
    assert "huge.rackio" in text and "256 MiB" in text
    assert snapshot(window) == before


def test_absurd_element_count_is_refused(window, dialogs, tmp_path):
    open_example(window)
    before = snapshot(window)
    path = tmp_path / "count.rackio"
    body = b",".join([b"0"] * (MAX_ELEMENTS + 1))
    path.write_bytes(b'{"format": "rackio-project", "version": 1, "elements": [' + body + b'], "links": []}')
    started = time.perf_counter()
    assert not window.open_path(str(path), ask=False)
    assert time.perf_counter() - started < 10
    (text,) = dialogs.of("critical")
    assert f"more than the {MAX_ELEMENTS} allowed" in text
    assert snapshot(window) == before


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=200) | st.integers(0, 4000).map(
    lambda n: MAIL.read_bytes()[:n]))
def test_opening_garbage_through_the_window(window, dialogs, tmp_path, data):
    path = tmp_path / "garbage.rackio"
    path.write_bytes(data)
    document = window.document
    dialogs.calls.clear()
    opened = window.open_path(str(path), ask=False)
    if opened:
        check_invariants(window)
    else:
        (text,) = dialogs.of("critical")
        assert text.startswith("Cannot open garbage.rackio:")
        assert window.document is document
    assert path.read_bytes() == data  # opening never writes
    os.utime(path)
