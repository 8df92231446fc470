"""File → Import → libvirt Guests… (one undo step) and File → Export Host Configuration…."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog

from designer.fileformat import save
from designer.model.elements import Server
from designer.model.topology import Topology
from designer.ui import libvirt_io
from designer.ui.document import Document

HOST = Path(__file__).resolve().parent.parent / "libvirt" / "fixtures" / "kvm01"


def _accepting(monkeypatch, paths, *, rates: str = ""):
    """Make the dialog's exec() fill in the paths and press Import, as a user would."""
    seen = {}

    def fake_exec(dialog):
        dialog.add_paths(paths)
        if rates:
            dialog.rates.setText(rates)
            dialog.update_preview()
        seen["preview"] = dialog.preview.toPlainText()
        seen["ok"] = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        return QDialog.DialogCode.Accepted if seen["ok"] else QDialog.DialogCode.Rejected

    monkeypatch.setattr(libvirt_io.ImportLibvirtDialog, "exec", fake_exec)
    return seen


def test_menu_entries(window):
    titles = [a.text() for a in window.file_menu.actions()]
    assert "&Import" in titles and "Export &Host Configuration…" in titles
    assert titles.index("&Import") < titles.index("&Quit")
    assert [a.text() for a in window.import_menu.actions()] == ["libvirt &Guests…"]


def test_import_adds_the_guests_as_one_undo_step(window, monkeypatch, dialogs):
    topo = Topology(title="Existing")
    topo.add(Server(id="kvm01", x=0, y=0))
    window.set_document(Document(topo, parent=window))
    seen = _accepting(monkeypatch, [str(HOST)])
    window.act_import_libvirt.trigger()
    assert seen["ok"] and seen["preview"].startswith("imported 1 host (kvm01-2), 6 guests")
    model = window.document.topology
    assert model["mail"].parent == "kvm01-2" and model["kvm01-2"].x > 0
    assert window.scene.element_item("kvm01-2") is not None
    assert any("not mapped or assumed" in text for text in dialogs.of("information"))
    stack = window.document.undo_stack
    assert stack.undoText() == "Import libvirt guests (kvm01-2)"
    stack.undo()
    assert set(model.elements) == {"kvm01"}
    stack.redo()
    assert "web" in model.elements and model["web"].vnics[0].max_gbps == 2.0


def test_hostile_xml_is_shown_in_the_preview_and_nothing_is_added(window, monkeypatch, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<!DOCTYPE d [<!ENTITY a "aaaa">]><domain><name>&a;</name></domain>')
    seen = _accepting(monkeypatch, [str(bad)])
    before = set(window.document.topology.elements)
    window.act_import_libvirt.trigger()
    assert not seen["ok"]
    assert seen["preview"].startswith(f"Not imported: {bad}: not imported: it declares a DTD")
    assert set(window.document.topology.elements) == before
    assert not window.document.undo_stack.canUndo()


def test_dialog_without_paths_cannot_import(window):
    dialog = libvirt_io.ImportLibvirtDialog(window)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.add_paths([str(HOST)])
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.rates.setText(str(HOST / "missing.csv"))
    dialog.update_preview()
    assert "missing.csv does not exist" in dialog.preview.toPlainText()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.deleteLater()


def test_export_host_configuration_writes_the_files(window, monkeypatch, tmp_path, dialogs):
    seen = _accepting(monkeypatch, [str(HOST)])
    window.act_import_libvirt.trigger()
    assert seen["ok"]
    project = tmp_path / "design.rackio"
    save(window.document.topology, project)
    window.open_path(str(project), ask=False)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    window.act_export_host_config.trigger()
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "kvm01.sh" in names and "kvm01/web.xml" in names and "vf-assignments.csv" in names
    script = (out / "kvm01.sh").read_text()
    assert "ip link set dev ens1f0 vf 1 " in script and "(design.rackio)" in script
    first = (out / "kvm01.sh").read_bytes()
    dialogs.calls.clear()
    window.act_export_host_config.trigger()  # files exist now: it asks first (the fake answers Ok = not Yes)
    assert any("Replace kvm01.sh" in text for text in dialogs.of("question"))
    assert (out / "kvm01.sh").read_bytes() == first


def test_export_without_servers_says_so(window, dialogs):
    assert libvirt_io.export_host_config(window) == []
    assert dialogs.of("information") == ["The design has no servers to configure."]


def test_export_into_a_file_shows_a_dialog(window, monkeypatch, tmp_path, dialogs):
    topo = Topology()
    topo.add(Server(id="h1"))
    window.set_document(Document(topo, parent=window))
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert libvirt_io.export_host_config(window, str(blocker)) == []
    assert any("Could not write" in text for text in dialogs.of("critical"))
    assert blocker.read_text() == "x"


def test_add_folder_and_files_buttons_use_the_file_dialogs_and_remember_the_place(window, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(HOST))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(HOST / "mail.xml")], ""))
    dialog = libvirt_io.ImportLibvirtDialog(window)
    dialog.findChild(type(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)), "libvirtAddFolder").click()
    assert dialog.path_list() == [str(HOST)]
    assert window.settings.value("import/libvirtFolder") == str(HOST.parent)
    dialog.findChild(type(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)), "libvirtAddFiles").click()
    assert dialog.path_list() == [str(HOST), str(HOST / "mail.xml")]
    assert dialog.preview.toPlainText().startswith("imported 1 host (kvm01), 6 guests")  # mail.xml read once
    dialog.deleteLater()
