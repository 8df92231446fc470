"""File → Export Proposal… in the window: preview, settings, the written PDF."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from designer.ui.proposal_dialog import ProposalDialog

from .helpers import open_example


def _dialog(window):
    open_example(window)
    window.document.solve_now()
    return ProposalDialog(window)


def test_menu_entry_and_preview_pages(window):
    texts = [a.text() for a in window.file_menu.actions()]
    assert "Export &Proposal…" in texts and texts.index("Export &Proposal…") < texts.index("&Quit")
    dialog = _dialog(window)
    try:
        assert dialog.document_ is not None and dialog.document_.page_count > 3
        assert dialog.page_spin.maximum() == dialog.document_.page_count
        first = dialog.preview.pixmap().toImage()
        assert not first.isNull()
        dialog.page_spin.setValue(2)
        second = dialog.preview.pixmap().toImage()
        assert second != first  # another page is shown
        portrait = first.height() > first.width()
        dialog.landscape_box.setChecked(True)
        dialog.update_preview()
        dialog.page_spin.setValue(1)
        landscape = dialog.preview.pixmap().toImage()
        assert portrait and landscape.width() > landscape.height()
    finally:
        dialog.done(0)
        dialog.deleteLater()


def test_export_writes_the_pdf_and_remembers_author_and_paper(window, dialogs, tmp_path, settings_path):
    dialog = _dialog(window)
    try:
        dialog.author_edit.setText("Ada Lovelace")
        dialog.paper_box.setCurrentIndex(dialog.paper_box.findData("letter"))
        dialog.bom_box.setChecked(True)
        target = tmp_path / "out"
        dialogs.save_path = str(target)
        dialog.export()
        written = tmp_path / "out.pdf"
        assert dialog.written_path == str(written)
        data = written.read_bytes()
        assert data.startswith(b"%PDF") and b"/MediaBox [0 0 612.000000 792.000000]" in data
        assert (tmp_path / "out.bom.csv").read_text("utf-8").startswith("section,Type,")
    finally:
        dialog.deleteLater()
    window.settings.sync()
    stored = QSettings(str(settings_path), QSettings.Format.IniFormat)
    assert stored.value("proposal/author") == "Ada Lovelace" and stored.value("proposal/paper") == "letter"
    again = ProposalDialog(window)
    try:
        assert again.author_edit.text() == "Ada Lovelace" and again.paper_box.currentData() == "letter"
    finally:
        again.done(0)
        again.deleteLater()


def test_a_logo_that_is_no_image_is_shown_not_raised(window, dialogs, tmp_path):
    dialog = _dialog(window)
    try:
        bad = tmp_path / "logo.png"
        bad.write_text("nope")
        dialog.logo_edit.setText(str(bad))
        dialog.update_preview()
        assert "logo" in dialog.preview.text()
        assert not dialog.write(str(tmp_path / "x.pdf"))
        assert dialogs.of("warning") and not (tmp_path / "x.pdf").exists()
    finally:
        dialog.done(0)
        dialog.deleteLater()


def test_an_unsolvable_design_is_explained_not_raised(window, dialogs, tmp_path, monkeypatch):
    open_example(window)
    doc = window.document

    def broken():
        doc.solution, doc.solve_error = None, "RuntimeError: solver bug"
        return None

    monkeypatch.setattr(doc, "solve_now", broken)
    doc.solution = None
    dialog = ProposalDialog(window)
    try:
        assert "could not be solved" in dialog.preview.text()
        assert not dialog.write(str(tmp_path / "x.pdf"))
        assert any("could not be solved" in text for text in dialogs.of("warning"))
        assert not (tmp_path / "x.pdf").exists()
    finally:
        dialog.done(0)
        dialog.deleteLater()
