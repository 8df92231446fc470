"""File → Export Diagram… and File → Export Report (CSV)….

The diagram dialog shows a live preview drawn by ``render`` — the same code that
``rackio export`` runs — and remembers its options in the window's settings. Files
are written whole or not at all (temporary file, then rename); a failure is a
message box, never a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..report_csv import report_paths, write_report_csv
from . import render
from .plain import plain
from .render import ExportError, ExportOptions

PREVIEW_SIZE = QSize(440, 330)
PREVIEW_DELAY_MS = 180
FORMAT_LABELS = {"png": "PNG image", "svg": "SVG drawing", "pdf": "PDF document",
                 "drawio": "draw.io diagram (editable)"}
FORMAT_FILTERS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)", "pdf": "PDF document (*.pdf)",
                  "drawio": "draw.io diagram (*.drawio)"}


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def _number(value, default: float, cast=float):
    try:
        return cast(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def ask_folder(window, settings_key: str, title: str) -> str:
    """A folder for files written together, starting where the last ones went (the
    setting), else beside the project, else in the home folder; "" when cancelled."""
    start = str(window.settings.value(settings_key, "") or "")
    if not start or not Path(start).is_dir():
        doc = window.document
        start = str(Path(doc.path).parent) if doc.path else str(Path.home())
    return QFileDialog.getExistingDirectory(window, title, start)


def project_name(document) -> str:
    """A file-name stem for exports: the project file's, else the title's, else 'design'."""
    if document.path:
        return Path(document.path).stem
    slug = re.sub(r"[^A-Za-z0-9]+", "-", document.topology.title or "").strip("-").lower()
    return slug[:60] or "design"


class ExportDialog(QDialog):
    """Export the design as PNG, SVG or PDF, with a live preview."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.settings = window.settings
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export Diagram")
        self.selection = tuple(window.scene.selected_ids()) if window.scene is not None else ()
        if window.document is not None and window.document.solve_pending():
            window.document.solve_now()  # the preview and the file show the design as it is now
        self.written_path: str | None = None
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self._build()
        self._load_settings()
        self._connect()
        self._sync_enabled()
        self.update_preview()

    # ---------------------------------------------------------------- widgets
    def _build(self) -> None:
        form = QFormLayout()
        self.format_box = QComboBox(objectName="exportFormat")
        for fmt in render.FORMATS:
            self.format_box.addItem(FORMAT_LABELS[fmt], fmt)
        form.addRow("&Format:", self.format_box)

        self.view_box = QComboBox(objectName="exportView")
        for name in render.views():
            self.view_box.addItem(render.VIEW_LABELS.get(name, name.capitalize()), name)
        form.addRow("&View:", self.view_box)

        self.level_box = QComboBox(objectName="exportLevel")
        for name in render.LEVELS:
            self.level_box.addItem(render.LEVEL_LABELS[name], name)
        self.level_box.setToolTip("Overview (racks) draws each rack as one block with its uplinks")
        form.addRow("&Level:", self.level_box)

        scope = QWidget()
        row = QHBoxLayout(scope)
        row.setContentsMargins(0, 0, 0, 0)
        self.whole_radio = QRadioButton("&Whole design", objectName="exportWhole")
        count = len(self.selection)
        self.selection_radio = QRadioButton(
            f"&Selection only ({count} item{'s' * (count != 1)})" if count else "&Selection only",
            objectName="exportSelection")
        self.scope_group = QButtonGroup(self)
        self.scope_group.addButton(self.whole_radio)
        self.scope_group.addButton(self.selection_radio)
        self.whole_radio.setChecked(True)
        row.addWidget(self.whole_radio)
        row.addWidget(self.selection_radio)
        row.addStretch(1)
        form.addRow("Export:", scope)

        size = QWidget()
        row = QHBoxLayout(size)
        row.setContentsMargins(0, 0, 0, 0)
        self.scale_radio = QRadioButton("Sc&ale", objectName="exportScaleMode")
        self.scale_spin = QDoubleSpinBox(objectName="exportScale")
        self.scale_spin.setRange(render.MIN_SCALE, render.MAX_SCALE)
        self.scale_spin.setSingleStep(0.5)
        self.scale_spin.setDecimals(1)
        self.scale_spin.setSuffix(" ×")
        self.width_radio = QRadioButton("Wi&dth", objectName="exportWidthMode")
        self.width_spin = QSpinBox(objectName="exportWidth")
        self.width_spin.setRange(render.MIN_WIDTH_PX, render.MAX_WIDTH_PX)
        self.width_spin.setSingleStep(100)
        self.width_spin.setSuffix(" px")
        self.size_group = QButtonGroup(self)
        self.size_group.addButton(self.scale_radio)
        self.size_group.addButton(self.width_radio)
        for widget in (self.scale_radio, self.scale_spin, self.width_radio, self.width_spin):
            row.addWidget(widget)
        row.addStretch(1)
        form.addRow("PNG size:", size)

        sheet = QWidget()
        row = QHBoxLayout(sheet)
        row.setContentsMargins(0, 0, 0, 0)
        self.paper_box = QComboBox(objectName="exportPaper")
        self.paper_box.addItem("Sized to the design", "")
        from .paper import PAPER_LABELS

        for key, label in PAPER_LABELS.items():
            self.paper_box.addItem(label, key)
        self.landscape_check = QCheckBox("Lands&cape", objectName="exportLandscape")
        self.dpi_spin = QSpinBox(objectName="exportDpi")
        self.dpi_spin.setRange(int(render.MIN_DPI), int(render.MAX_DPI))
        self.dpi_spin.setSingleStep(50)
        self.dpi_spin.setSuffix(" dpi")
        for widget in (self.paper_box, self.landscape_check, self.dpi_spin):
            row.addWidget(widget)
        row.addStretch(1)
        form.addRow("Pa&per:", sheet)

        self.transparent_check = QCheckBox("&Transparent background (PNG, SVG)", objectName="exportTransparent")
        self.overlay_check = QCheckBox("Solver &overlay: utilisation colours, VMM gauges, guest badges",
                                       objectName="exportOverlay")
        self.legend_check = QCheckBox("&Legend", objectName="exportLegend")
        self.title_check = QCheckBox("Title &block: project title, date, summary", objectName="exportTitle")
        for check in (self.transparent_check, self.overlay_check, self.legend_check, self.title_check):
            form.addRow("", check)

        self.title_group = QGroupBox("Title block")
        title_form = QFormLayout(self.title_group)
        self.author_edit = QLineEdit(objectName="exportAuthor")
        self.author_edit.setPlaceholderText("optional")
        self.notes_edit = QPlainTextEdit(objectName="exportNotes")
        self.notes_edit.setPlaceholderText("optional: shown under the title")
        self.notes_edit.setFixedHeight(64)
        title_form.addRow("&Author:", self.author_edit)
        title_form.addRow("&Notes:", self.notes_edit)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.title_group)
        left.addStretch(1)

        self.preview = QLabel(objectName="exportPreview")
        self.preview.setFixedSize(PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFrameShape(QLabel.Shape.StyledPanel)
        self.size_label = QLabel(objectName="exportSizeLabel")
        self.size_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right = QVBoxLayout()
        right.addWidget(QLabel("Preview"))
        right.addWidget(self.preview)
        right.addWidget(self.size_label)
        right.addStretch(1)

        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("&Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.buttons)

    def _connect(self) -> None:
        for signal in (self.format_box.currentIndexChanged, self.view_box.currentIndexChanged,
                       self.level_box.currentIndexChanged,
                       self.whole_radio.toggled, self.scale_radio.toggled, self.scale_spin.valueChanged,
                       self.width_spin.valueChanged, self.transparent_check.toggled, self.overlay_check.toggled,
                       self.legend_check.toggled, self.title_check.toggled, self.author_edit.textChanged,
                       self.notes_edit.textChanged, self.paper_box.currentIndexChanged,
                       self.landscape_check.toggled, self.dpi_spin.valueChanged):
            signal.connect(self._changed)

    # --------------------------------------------------------------- settings
    def _load_settings(self) -> None:
        s = self.settings
        fmt = str(s.value("export/format", "png"))
        self.format_box.setCurrentIndex(max(0, self.format_box.findData(fmt)))
        view = str(s.value("export/view", "diagram"))
        self.view_box.setCurrentIndex(max(0, self.view_box.findData(view)))
        self.scale_spin.setValue(_number(s.value("export/scale"), 2.0))
        self.width_spin.setValue(_number(s.value("export/width"), 2400, int))
        (self.width_radio if _bool(s.value("export/useWidth"), False) else self.scale_radio).setChecked(True)
        self.transparent_check.setChecked(_bool(s.value("export/transparent"), False))
        self.overlay_check.setChecked(_bool(s.value("export/overlay"), True))
        self.legend_check.setChecked(_bool(s.value("export/legend"), True))
        self.title_check.setChecked(_bool(s.value("export/title"), True))
        self.author_edit.setText(str(s.value("export/author", "") or ""))
        self.notes_edit.setPlainText(str(s.value("export/notes", "") or ""))
        self.paper_box.setCurrentIndex(max(0, self.paper_box.findData(str(s.value("export/paper", "") or ""))))
        self.landscape_check.setChecked(_bool(s.value("export/landscape"), False))
        self.dpi_spin.setValue(_number(s.value("export/dpi"), 150, int))
        if self.selection and _bool(s.value("export/selectionOnly"), False):
            self.selection_radio.setChecked(True)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("export/format", self.format())
        s.setValue("export/view", self.view_box.currentData())
        s.setValue("export/scale", self.scale_spin.value())
        s.setValue("export/width", self.width_spin.value())
        s.setValue("export/useWidth", self.width_radio.isChecked())
        s.setValue("export/transparent", self.transparent_check.isChecked())
        s.setValue("export/overlay", self.overlay_check.isChecked())
        s.setValue("export/legend", self.legend_check.isChecked())
        s.setValue("export/title", self.title_check.isChecked())
        s.setValue("export/author", self.author_edit.text())
        s.setValue("export/notes", self.notes_edit.toPlainText())
        s.setValue("export/selectionOnly", self.selection_radio.isChecked())
        s.setValue("export/paper", self.paper_box.currentData())
        s.setValue("export/landscape", self.landscape_check.isChecked())
        s.setValue("export/dpi", self.dpi_spin.value())

    # ---------------------------------------------------------------- options
    def format(self) -> str:
        return self.format_box.currentData()

    def options(self) -> ExportOptions:
        fmt = self.format()
        diagram = self.view_box.currentData() == "diagram"
        return ExportOptions(
            view=self.view_box.currentData(),
            selection=self.selection if (diagram and self.selection_radio.isChecked()) else (),
            overlay=self.overlay_check.isChecked(),
            legend=self.legend_check.isChecked(),
            title_block=self.title_check.isChecked(),
            author=self.author_edit.text(),
            notes=self.notes_edit.toPlainText(),
            transparent=self.transparent_check.isChecked() and fmt in ("png", "svg"),
            scale=self.scale_spin.value(),
            width_px=self.width_spin.value() if self.width_radio.isChecked() else None,
            level=self.level_box.currentData() if diagram else "detail",
            paper=(self.paper_box.currentData() or None) if fmt != "drawio" else None,
            landscape=self.landscape_check.isChecked(),
            dpi=float(self.dpi_spin.value()),
        )

    def _sync_enabled(self) -> None:
        fmt = self.format()
        png = fmt == "png"
        diagram = self.view_box.currentData() == "diagram"
        self.selection_radio.setEnabled(bool(self.selection) and diagram)
        self.level_box.setEnabled(diagram)
        if not self.selection_radio.isEnabled() and self.selection_radio.isChecked():
            self.whole_radio.setChecked(True)
        on_paper = bool(self.paper_box.currentData()) and fmt != "drawio"
        for widget in (self.scale_radio, self.width_radio):
            widget.setEnabled(png and not on_paper)
        self.scale_spin.setEnabled(png and not on_paper and self.scale_radio.isChecked())
        self.width_spin.setEnabled(png and not on_paper and self.width_radio.isChecked())
        self.landscape_check.setEnabled(on_paper)
        self.dpi_spin.setEnabled(on_paper and png)
        self.transparent_check.setEnabled(fmt in ("png", "svg"))
        self.paper_box.setEnabled(fmt != "drawio")
        self.title_group.setEnabled(self.title_check.isChecked())

    def _changed(self, *_args) -> None:
        self._sync_enabled()
        self._preview_timer.start()

    # ---------------------------------------------------------------- preview
    def _document(self):
        return self.window_.document

    def update_preview(self) -> None:
        self._preview_timer.stop()
        doc = self._document()
        options = self.options()
        try:
            render.check_options(doc.topology, options, self.format())
            if options.paper:
                self._paper_preview(options)
                return
            image, info = render.render_image(doc.topology, doc.solution, options, fit=PREVIEW_SIZE)
        except ExportError as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(str(exc))
            self.preview.setWordWrap(True)
            self.size_label.setText("")
            return
        self.preview.setPixmap(QPixmap.fromImage(self._on_checkerboard(image) if options.transparent else image))
        page_w = info.size.width() / info.scale
        page_h = info.size.height() / info.scale
        fmt = self.format()
        if fmt == "png":
            width, height, _scale = render.png_size(info.size / info.scale, options)
            self.size_label.setText(f"{width} × {height} pixels")
        else:
            self.size_label.setText(f"{page_w * 25.4 / render.DPI:.0f} × {page_h * 25.4 / render.DPI:.0f} mm")

    def _paper_preview(self, options: ExportOptions) -> None:
        from .paper import page_size

        doc = self._document()
        sheet = page_size(options.paper, options.landscape)
        width = int(min(PREVIEW_SIZE.width(), PREVIEW_SIZE.height() * sheet.width() / sheet.height())) - 4
        image, sheets, scale = render.paper_preview(doc.topology, doc.solution, options, self.format(), width)
        self.preview.setPixmap(QPixmap.fromImage(image))
        name = "A4" if options.paper == "a4" else "Letter"
        if self.format() == "pdf" and sheets > 1:
            self.size_label.setText(f"{name}: {sheets} sheets (tiled, design at {scale * 100:.0f} %)")
        elif self.format() == "png":
            w, h = (round(sheet.width() * options.dpi / render.DPI), round(sheet.height() * options.dpi / render.DPI))
            self.size_label.setText(f"{name}: {w} × {h} pixels, design at {scale * 100:.0f} %")
        else:
            self.size_label.setText(f"{name}: 1 sheet, design at {scale * 100:.0f} %")

    @staticmethod
    def _on_checkerboard(image: QImage) -> QImage:
        """Show transparency as the usual grey checks."""
        board = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
        board.fill(QColor("white"))
        painter = QPainter(board)
        light = QColor("#e6e6e6")
        step = 8
        for y in range(0, board.height(), step):
            for x in range((y // step) % 2 * step, board.width(), 2 * step):
                painter.fillRect(QRectF(x, y, step, step), light)
        painter.drawImage(0, 0, image)
        painter.end()
        return board

    # ----------------------------------------------------------------- export
    def suggested_path(self) -> str:
        folder = str(self.settings.value("export/folder", "") or "")
        if not folder or not Path(folder).is_dir():
            doc = self._document()
            folder = str(Path(doc.path).parent) if doc.path else str(Path.home())
        return str(Path(folder) / f"{project_name(self._document())}.{self.format()}")

    def export(self) -> None:
        fmt = self.format()
        path, _filter = QFileDialog.getSaveFileName(self, "Export Diagram", self.suggested_path(),
                                                    FORMAT_FILTERS[fmt])
        if not path:
            return
        if Path(path).suffix.lower() != f".{fmt}":
            path += f".{fmt}"  # the extension follows the chosen format
        if self.write(path):
            self.accept()

    def write(self, path: str) -> bool:
        """Render and write ``path``; a failure is reported in a message box."""
        doc = self._document()
        try:
            rendered = render.export_file(path, doc.topology, doc.solution, self.options(),
                                          inputs=[doc.path] if doc.path else [])  # never over the project
        except ExportError as exc:
            QMessageBox.warning(self, "Export Diagram", plain(f"Cannot export: {exc}"))
            return False
        except OSError as exc:
            reason = exc.strerror or str(exc)
            QMessageBox.critical(self, "Export Diagram", plain(f"Could not write {path}: {reason}."))
            return False
        self.written_path = path
        self.settings.setValue("export/folder", str(Path(path).parent))
        self.save_settings()
        unit = "pixels" if rendered.format == "png" else "px at 96 dpi"
        if self.paper_box.currentData():
            sheets = f"{rendered.pages} sheet{'s' * (rendered.pages != 1)}"
            self.window_.show_message(f"Exported {Path(path).name} ({sheets} of {self.paper_box.currentText()}).")
            return True
        self.window_.show_message(f"Exported {Path(path).name} ({rendered.width:.0f} × {rendered.height:.0f} {unit}).")
        return True

    def done(self, result: int) -> None:
        self._preview_timer.stop()
        super().done(result)


# ------------------------------------------------------------------- report
def export_report(window, folder: str | None = None) -> list[Path]:
    """Write the flows, resources and servers tables of the current solve into a folder."""
    doc = window.document
    if doc is None:
        return []
    solution = doc.solve_now() if (doc.solve_pending() or doc.solution is None) else doc.solution
    if solution is None:
        QMessageBox.warning(window, "Export Report (CSV)",
                            plain(f"The design could not be solved, so there is no report: {doc.solve_error}"))
        return []
    if folder is None:
        folder = ask_folder(window, "export/reportFolder", "Export Report (CSV) into Folder")
        if not folder:
            return []
    name = project_name(doc)
    existing = [p.name for p in report_paths(folder, name).values() if p.exists()]
    if existing:
        answer = QMessageBox.question(
            window, "Export Report (CSV)", plain(f"Replace {', '.join(existing)} in {folder}?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return []
    try:
        paths = write_report_csv(folder, name, solution, doc.topology, inputs=[doc.path] if doc.path else [])
    except OSError as exc:
        where = exc.filename or folder
        QMessageBox.critical(window, "Export Report (CSV)", plain(f"Could not write into {where}: {exc.strerror or exc}."))
        return []
    window.settings.setValue("export/reportFolder", str(folder))
    window.show_message(f"Wrote {', '.join(p.name for p in paths)} in {folder}.")
    return paths


def install(window) -> None:
    def action(text: str, slot, shortcut: str | None, tip: str, name: str) -> QAction:
        act = QAction(text, window)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setStatusTip(tip)
        act.setObjectName(name)
        act.triggered.connect(lambda _=False: slot())
        window.addAction(act)
        return act

    def open_dialog() -> None:
        dialog = ExportDialog(window)
        window.export_dialog = dialog
        try:
            dialog.exec()
        finally:
            window.export_dialog = None
            dialog.deleteLater()

    window.export_dialog = None
    window.act_export_diagram = action("Export &Diagram…", open_dialog, "Ctrl+E",
                                       "Save the design as a PNG, SVG or PDF for a proposal",
                                       "action_exportdiagram")
    window.act_export_report = action("Export &Report (CSV)…", lambda: export_report(window), None,
                                      "Save the flows, resources and servers tables of the solve as CSV files",
                                      "action_exportreportcsv")
    menu = window.file_menu
    menu.insertAction(window.act_quit, window.act_export_diagram)
    menu.insertAction(window.act_quit, window.act_export_report)
    menu.insertSeparator(window.act_quit)
