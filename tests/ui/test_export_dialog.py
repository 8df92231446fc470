"""File → Export Diagram… and File → Export Report (CSV)… in the window."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.ui.export import ExportDialog, export_report

from .helpers import open_example


def preview_image(dialog: ExportDialog) -> QImage:
    dialog.update_preview()
    pixmap = dialog.preview.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    return pixmap.toImage()


@pytest.fixture
def dialog(window):
    open_example(window)
    window.document.solve_now()
    dlg = ExportDialog(window)
    yield dlg
    dlg.close()
    dlg.deleteLater()


def test_menu_entries_sit_before_quit(window):
    texts = [a.text() for a in window.file_menu.actions()]
    quit_index = texts.index("&Quit")
    assert texts.index("Export &Diagram…") < quit_index
    assert texts.index("Export &Report (CSV)…") < quit_index
    assert window.act_export_diagram.isEnabled() and window.act_export_report.isEnabled()


def test_preview_appears_and_follows_the_options(dialog, qtbot):
    first = preview_image(dialog)
    assert first.width() > 100 and first.height() > 100
    assert "pixels" in dialog.size_label.text()
    dialog.legend_check.setChecked(False)
    # Debounced: the preview is redrawn shortly after the change.
    qtbot.waitUntil(lambda: dialog.preview.pixmap().toImage() != first, timeout=3000)
    dialog.title_check.setChecked(False)
    assert not dialog.title_group.isEnabled()
    assert preview_image(dialog) != first


def test_size_label_follows_scale_width_and_format(dialog):
    dialog.scale_radio.setChecked(True)
    dialog.scale_spin.setValue(1.0)
    dialog.update_preview()
    one = dialog.size_label.text()
    dialog.scale_spin.setValue(2.0)
    dialog.update_preview()
    w1, w2 = int(one.split(" × ")[0]), int(dialog.size_label.text().split(" × ")[0])
    assert abs(w2 - 2 * w1) <= 2
    dialog.width_radio.setChecked(True)
    dialog.width_spin.setValue(1500)
    dialog.update_preview()
    assert dialog.size_label.text().startswith("1500 × ")
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("pdf"))
    dialog.update_preview()
    assert dialog.size_label.text().endswith("mm")
    assert not dialog.transparent_check.isEnabled()
    assert not dialog.width_spin.isEnabled() and not dialog.scale_spin.isEnabled()


def test_selection_only_is_disabled_without_a_selection(window):
    open_example(window)
    window.scene.select_ids([])
    dlg = ExportDialog(window)
    assert not dlg.selection_radio.isEnabled()
    assert dlg.options().selection == ()
    dlg.close()
    window.scene.select_ids(["h1"])
    dlg = ExportDialog(window)
    assert dlg.selection_radio.isEnabled()
    whole = preview_image(dlg)
    dlg.selection_radio.setChecked(True)
    assert dlg.options().selection == ("h1",)
    part = preview_image(dlg)
    assert part != whole
    dlg.close()


def test_export_writes_the_file_and_remembers_the_options(dialog, window, dialogs, tmp_path):
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("svg"))
    dialog.author_edit.setText("Ada Planner")
    dialog.legend_check.setChecked(False)
    dialogs.save_path = str(tmp_path / "proposal")  # no extension typed: the format's is added
    dialog.export()
    target = tmp_path / "proposal.svg"
    assert target.exists()
    root = ET.parse(target).getroot()
    assert "Ada Planner" in "".join(root.itertext())
    assert dialog.result() == ExportDialog.DialogCode.Accepted
    assert [p.name for p in tmp_path.iterdir() if p.name != "recovery"] == ["proposal.svg"]  # no temporary file left
    again = ExportDialog(window)
    assert again.format() == "svg"
    assert again.author_edit.text() == "Ada Planner"
    assert not again.legend_check.isChecked()
    assert Path(again.suggested_path()).parent == tmp_path
    assert again.suggested_path().endswith(".svg")
    again.close()


def test_export_png_at_a_width(dialog, dialogs, tmp_path):
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("png"))
    dialog.width_radio.setChecked(True)
    dialog.width_spin.setValue(1200)
    dialog.transparent_check.setChecked(True)
    dialogs.save_path = str(tmp_path / "rack.png")
    dialog.export()
    image = QImage(str(tmp_path / "rack.png"))
    assert image.width() == 1200
    assert image.pixelColor(0, 0).alpha() == 0


def test_unwritable_folder_shows_a_dialog_and_writes_nothing(dialog, dialogs, tmp_path):
    dialogs.save_path = str(tmp_path / "missing" / "out.png")
    dialog.export()
    assert dialogs.of("critical") and "Could not write" in dialogs.of("critical")[0]
    assert not (tmp_path / "missing").exists()
    assert dialog.result() != ExportDialog.DialogCode.Accepted


def test_cancelled_file_chooser_writes_nothing(dialog, dialogs, tmp_path):
    dialogs.save_path = ""
    dialog.export()
    assert dialog.written_path is None


# ------------------------------------------------------------------ CSV report
def test_export_report_writes_four_tables(window, tmp_path, monkeypatch):
    open_example(window)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    window.act_export_report.trigger()
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != "recovery")  # recovery: the window's locks
    assert names == ["mail-rack-flows.csv", "mail-rack-problems.csv", "mail-rack-resources.csv",
                     "mail-rack-servers.csv"]
    with (tmp_path / "mail-rack-flows.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(window.document.solution.flow_records())
    assert "demand_gbps" in rows[0]
    with (tmp_path / "mail-rack-problems.csv").open(newline="") as fh:
        problems = list(csv.DictReader(fh))
    assert [(p["code"], p["element"]) for p in problems] == [
        (p.code, p.element) for p in window.document.solution.problems]
    assert ("guarantee-unsupported", "h2n0v0") in [(p["code"], p["element"]) for p in problems]


def test_export_report_asks_before_replacing(window, tmp_path, dialogs, monkeypatch):
    open_example(window)
    existing = tmp_path / "mail-rack-flows.csv"
    existing.write_text("old")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert export_report(window, str(tmp_path)) == []
    assert existing.read_text() == "old"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert len(export_report(window, str(tmp_path))) == 4  # flows, resources, servers, problems
    assert existing.read_text().startswith("flow,")


def test_export_report_into_a_file_shows_a_dialog(window, tmp_path, dialogs):
    open_example(window)
    taken = tmp_path / "taken"
    taken.write_text("keep")
    assert export_report(window, str(taken)) == []
    assert dialogs.of("critical") and taken.read_text() == "keep"


def test_export_drawio_from_the_dialog(dialog, dialogs, tmp_path):
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("drawio"))
    assert not dialog.transparent_check.isEnabled()
    assert not dialog.scale_radio.isEnabled()
    dialogs.save_path = str(tmp_path / "proposal")
    dialog.export()
    target = tmp_path / "proposal.drawio"
    root = ET.parse(target).getroot()
    assert root.tag == "mxfile"
    ids = [cell.get("id") for cell in root.iter("mxCell")]
    assert "e-h1" in ids and "legend" in ids
    assert dialog.result() == ExportDialog.DialogCode.Accepted


def test_paper_export_tiles_a_pdf_and_remembers_the_paper(dialog, window, dialogs, tmp_path, settings_path):
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("pdf"))
    dialog.paper_box.setCurrentIndex(dialog.paper_box.findData("a4"))
    assert dialog.landscape_check.isEnabled() and not dialog.scale_spin.isEnabled()
    dialog.update_preview()
    pixmap = dialog.preview.pixmap()
    assert pixmap is not None and pixmap.height() > pixmap.width()  # a portrait sheet
    assert "A4: 2 sheets" in dialog.size_label.text()  # the mail rack is too wide for portrait A4
    dialogs.save_path = str(tmp_path / "sheets.pdf")
    dialog.export()
    data = (tmp_path / "sheets.pdf").read_bytes()
    assert data.count(b"/MediaBox [0 0 595.000000 842.000000]") == 2
    dialog.landscape_check.setChecked(True)
    dialog.update_preview()
    assert "1 sheet" in dialog.size_label.text()
    dialog.save_settings()
    window.settings.sync()
    from PySide6.QtCore import QSettings

    stored = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert stored.value("export/paper") == "a4" and stored.value("export/landscape") in (True, "true")
