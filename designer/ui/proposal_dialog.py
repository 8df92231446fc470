"""File → Export Proposal…: the paged PDF of ``rackio report``, with a page preview.

The dialog lays the document out with the same ``ProposalDocument`` the command line
uses, shows one page at a time, and remembers the author, paper, orientation and
whether to include the plots in the window's settings. The file (and the optional
bill-of-materials CSV) is written whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..fileformat.project import write_atomic
from ..proposal import bill_of_materials
from . import paper
from .export import _bool, project_name
from .proposal_pdf import ProposalDocument, ReportError, ReportOptions

PREVIEW_W = 360
PREVIEW_DELAY_MS = 250
PREVIEW_OVERSAMPLE = 3


class ProposalDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.settings = window.settings
        self.setObjectName("proposalDialog")
        self.setWindowTitle("Export Proposal")
        doc = window.document
        if doc is not None and (doc.solve_pending() or doc.solution is None):
            doc.solve_now()
        self.document_: ProposalDocument | None = None
        self.written_path: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.update_preview)
        self._build()
        self._load_settings()
        for signal in (self.paper_box.currentIndexChanged, self.landscape_box.toggled, self.plots_box.toggled,
                       self.author_edit.textChanged, self.logo_edit.textChanged, self.date_edit.dateChanged):
            signal.connect(lambda *_: self._timer.start())
        self.page_spin.valueChanged.connect(lambda *_: self._show_page())
        self.update_preview()

    def _build(self) -> None:
        form = QFormLayout()
        self.paper_box = QComboBox(objectName="proposalPaper")
        for key, label in paper.PAPER_LABELS.items():
            self.paper_box.addItem(label, key)
        form.addRow("&Paper:", self.paper_box)
        self.landscape_box = QCheckBox("&Landscape", objectName="proposalLandscape")
        form.addRow("", self.landscape_box)
        self.author_edit = QLineEdit(objectName="proposalAuthor")
        self.author_edit.setPlaceholderText("shown on the cover and in the footer")
        form.addRow("&Author:", self.author_edit)
        logo_row = QWidget()
        row = QHBoxLayout(logo_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.logo_edit = QLineEdit(objectName="proposalLogo")
        self.logo_edit.setPlaceholderText("optional PNG for the cover")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_logo)
        row.addWidget(self.logo_edit, 1)
        row.addWidget(browse)
        form.addRow("L&ogo:", logo_row)
        self.date_edit = QDateEdit(QDate.currentDate(), objectName="proposalDate")
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setCalendarPopup(True)
        form.addRow("&Date:", self.date_edit)
        self.plots_box = QCheckBox("Include the &plots (utilisation, VMM load, demand sweep)",
                                   objectName="proposalPlots")
        form.addRow("", self.plots_box)
        self.bom_box = QCheckBox("Also write the &bill of materials as CSV beside the PDF", objectName="proposalBom")
        form.addRow("", self.bom_box)
        note = QLabel("Title and notes come from the project (Inspector, nothing selected).")
        note.setWordWrap(True)
        note.setStyleSheet("color: gray")
        form.addRow("", note)

        self.preview = QLabel(objectName="proposalPreview")
        self.preview.setFixedSize(QSize(PREVIEW_W, round(PREVIEW_W * 1.42)))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #888")
        self.page_spin = QSpinBox(objectName="proposalPage")
        self.page_spin.setMinimum(1)
        self.pages_label = QLabel()
        pager = QHBoxLayout()
        pager.addWidget(QLabel("Page"))
        pager.addWidget(self.page_spin)
        pager.addWidget(self.pages_label)
        pager.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.preview)
        right.addLayout(pager)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Export…")
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addLayout(right)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.buttons)

    # --------------------------------------------------------------- settings
    def _load_settings(self) -> None:
        s = self.settings
        index = self.paper_box.findData(str(s.value("proposal/paper", "a4") or "a4"))
        self.paper_box.setCurrentIndex(max(0, index))
        self.landscape_box.setChecked(_bool(s.value("proposal/landscape"), False))
        self.author_edit.setText(str(s.value("proposal/author", "") or ""))
        self.logo_edit.setText(str(s.value("proposal/logo", "") or ""))
        self.plots_box.setChecked(_bool(s.value("proposal/plots"), True))
        self.bom_box.setChecked(_bool(s.value("proposal/bomCsv"), False))

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("proposal/paper", self.paper_box.currentData())
        s.setValue("proposal/landscape", self.landscape_box.isChecked())
        s.setValue("proposal/author", self.author_edit.text())
        s.setValue("proposal/logo", self.logo_edit.text())
        s.setValue("proposal/plots", self.plots_box.isChecked())
        s.setValue("proposal/bomCsv", self.bom_box.isChecked())

    def options(self) -> ReportOptions:
        return ReportOptions(paper=self.paper_box.currentData(), landscape=self.landscape_box.isChecked(),
                             author=self.author_edit.text().strip(), logo=self.logo_edit.text().strip() or None,
                             plots=self.plots_box.isChecked(), date=self.date_edit.date().toString("yyyy-MM-dd"))

    def _browse_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Logo", self.logo_edit.text(), "PNG image (*.png)")
        if path:
            self.logo_edit.setText(path)

    # ---------------------------------------------------------------- preview
    def _layout(self) -> ProposalDocument:
        doc = self.window_.document
        if doc.solution is None:
            reason = f": {doc.solve_error}" if getattr(doc, "solve_error", None) else ""
            raise ReportError(f"the design could not be solved{reason}")
        return ProposalDocument(doc.topology, doc.solution, self.options())

    def update_preview(self) -> None:
        self._timer.stop()
        if self.document_ is not None:
            self.document_.close()
            self.document_ = None
        try:
            self.document_ = self._layout()
        except ReportError as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(str(exc))
            self.pages_label.setText("")
            return
        count = self.document_.page_count
        self.page_spin.setMaximum(count)
        self.pages_label.setText(f"of {count}")
        self._show_page()

    def _show_page(self) -> None:
        if self.document_ is None:
            return
        index = min(self.page_spin.value(), self.document_.page_count) - 1
        box = self.preview.size()
        size = self.document_.page_size(index)
        width = int(min(box.width(), box.height() * size.width() / size.height())) - 8
        # Painted larger and shrunk: the canvas leaves out text it would draw too small, and
        # the preview should show what the PDF holds.
        width = max(50, width)
        image = self.document_.page_image(index, width * PREVIEW_OVERSAMPLE)
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(QPixmap.fromImage(image))

    # ----------------------------------------------------------------- export
    def suggested_path(self) -> str:
        folder = str(self.settings.value("proposal/folder", "") or "")
        doc = self.window_.document
        if not folder or not Path(folder).is_dir():
            folder = str(Path(doc.path).parent) if doc.path else str(Path.home())
        return str(Path(folder) / f"{project_name(doc)}-proposal.pdf")

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Proposal", self.suggested_path(), "PDF document (*.pdf)")
        if not path:
            return
        if Path(path).suffix.lower() != ".pdf":
            path += ".pdf"
        if self.write(path):
            self.accept()

    def write(self, path: str) -> bool:
        doc = self.window_.document
        try:
            document = self._layout()
            try:
                data = document.render_pdf()
                pages = document.page_count
            finally:
                document.close()
            write_atomic(Path(path), data)
            if self.bom_box.isChecked():
                write_atomic(Path(path).with_suffix(".bom.csv"), bill_of_materials(doc.topology).to_csv().encode())
        except ReportError as exc:
            QMessageBox.warning(self, "Export Proposal", f"Cannot export: {exc}")
            return False
        except OSError as exc:
            QMessageBox.critical(self, "Export Proposal", f"Could not write {path}: {exc.strerror or exc}.")
            return False
        self.written_path = path
        self.settings.setValue("proposal/folder", str(Path(path).parent))
        self.save_settings()
        self.window_.show_message(f"Exported {Path(path).name} ({pages} pages).")
        return True

    def done(self, result: int) -> None:
        self._timer.stop()
        if self.document_ is not None:
            self.document_.close()
            self.document_ = None
        super().done(result)


def install(window) -> None:
    def open_dialog() -> None:
        dialog = ProposalDialog(window)
        window.proposal_dialog = dialog
        try:
            dialog.exec()
        finally:
            window.proposal_dialog = None
            dialog.deleteLater()

    window.proposal_dialog = None
    act = QAction("Export &Proposal…", window)
    act.setObjectName("action_exportproposal")
    act.setStatusTip("Save a paged PDF proposal: verdict, diagrams, tables, plots and bill of materials")
    act.triggered.connect(lambda _=False: open_dialog())
    window.addAction(act)
    window.act_export_proposal = act
    before = getattr(window, "act_export_report", None) or window.act_quit
    window.file_menu.insertAction(before, act)
