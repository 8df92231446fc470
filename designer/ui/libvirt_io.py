"""File → Import → libvirt Guests… and File → Export Host Configuration… (SPEC §11).

The import dialog previews what ``rackio import libvirt`` would add (the same code), and adds
it to the open design as one undo step. The export writes what ``rackio host-config`` writes
into a chosen folder. Refused input is a line in the preview or a message box, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..libvirt.hostconfig import host_config, write_tree
from ..libvirt.importer import ImportResult, import_libvirt
from ..libvirt.xmlsafe import LibvirtError
from ..edit import ops
from .export import ask_folder

TITLE_IMPORT = "Import libvirt Guests"
TITLE_EXPORT = "Export Host Configuration"


class ImportLibvirtDialog(QDialog):
    """Choose domain XML files or host folders (and optionally a host name and a rates CSV);
    the preview shows the summary and every unmapped item before anything is added."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("importLibvirtDialog")
        self.setWindowTitle(TITLE_IMPORT)
        self.result_: ImportResult | None = None
        self.error: str | None = None

        self.paths = QListWidget(objectName="libvirtPaths")
        self.paths.setMaximumHeight(110)
        add_files = QPushButton("Add &Files…", objectName="libvirtAddFiles")
        add_folder = QPushButton("Add F&older…", objectName="libvirtAddFolder")
        remove = QPushButton("&Remove", objectName="libvirtRemove")
        add_files.clicked.connect(self._add_files)
        add_folder.clicked.connect(self._add_folder)
        remove.clicked.connect(self._remove)
        buttons_row = QHBoxLayout()
        for button in (add_files, add_folder, remove):
            buttons_row.addWidget(button)
        buttons_row.addStretch(1)

        self.host = QLineEdit(objectName="libvirtHost")
        self.host.setPlaceholderText("the folder's name, or 'host'")
        self.rates = QLineEdit(objectName="libvirtRates")
        self.rates.setPlaceholderText("optional: vm,interface,tx_gbps,rx_gbps (interface = MAC, vnetN or index)")
        browse = QPushButton("Browse…", objectName="libvirtRatesBrowse")
        browse.clicked.connect(self._browse_rates)
        rates_row = QWidget()
        row = QHBoxLayout(rates_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.rates, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("&Host name:", self.host)
        form.addRow("&Rates CSV:", rates_row)
        self.host.editingFinished.connect(self.update_preview)
        self.rates.editingFinished.connect(self.update_preview)

        self.preview = QPlainTextEdit(objectName="libvirtPreview")
        self.preview.setReadOnly(True)
        self.preview.setMinimumSize(560, 220)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.paths)
        layout.addLayout(buttons_row)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        self.update_preview()

    def _start(self) -> str:
        remembered = str(self.window_.settings.value("import/libvirtFolder", "") or "")
        if remembered and Path(remembered).is_dir():
            return remembered
        doc = self.window_.document
        return str(Path(doc.path).parent) if doc is not None and doc.path else str(Path.home())

    def _remember(self, path: str) -> None:
        folder = Path(path) if Path(path).is_dir() else Path(path).parent
        self.window_.settings.setValue("import/libvirtFolder", str(folder.parent if Path(path).is_dir() else folder))

    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Domain, node-device or network XML", self._start(),
                                                "libvirt XML (*.xml);;All files (*)")
        if files:
            self._remember(files[0])
        self.add_paths(files)

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A host's folder of libvirt XML", self._start())
        if folder:
            self._remember(folder)
            self.add_paths([folder])

    def _remove(self) -> None:
        for item in self.paths.selectedItems():
            self.paths.takeItem(self.paths.row(item))
        self.update_preview()

    def _browse_rates(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Rates CSV", self._start(), "CSV (*.csv);;All files (*)")
        if path:
            self.rates.setText(path)
            self.update_preview()

    def add_paths(self, paths) -> None:
        present = set(self.path_list())
        for path in paths:
            if path and path not in present:
                self.paths.addItem(path)
                present.add(path)
        self.update_preview()

    def path_list(self) -> list[str]:
        return [self.paths.item(i).text() for i in range(self.paths.count())]

    def update_preview(self) -> None:
        """Run the import against the open design (nothing is added yet) and show what it says."""
        self.result_, self.error = None, None
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        paths = self.path_list()
        if not paths:
            self.preview.setPlainText("Add a guest's domain XML (virsh dumpxml), or a host's folder of domain, "
                                      "node-device and network XML.")
            ok.setEnabled(False)
            return
        try:
            self.result_ = import_libvirt(paths, host=self.host.text().strip() or None,
                                          rates=self.rates.text().strip() or None,
                                          topo=self.window_.document.topology)
        except LibvirtError as exc:
            self.error = str(exc)
            self.preview.setPlainText(f"Not imported: {exc}")
            ok.setEnabled(False)
            return
        self.preview.setPlainText(self.result_.summary())
        ok.setEnabled(bool(self.result_.elements))


def apply_import(window, result: ImportResult) -> str | None:
    """Add the imported elements to the open design as one undo step; an error sentence or None."""
    text = f"Import libvirt guests ({', '.join(result.hosts)})"
    error = window.editor.run(ops.add_elements(window.document.topology, result.elements, text=text))
    if error:
        return error
    window.scene.select_ids([e.id for e in result.elements if e.kind == "server"])
    window.view.fit_all()
    return None


def import_guests(window) -> ImportResult | None:
    dialog = ImportLibvirtDialog(window)
    window.libvirt_dialog = dialog
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_ is None:
            return None
        result = dialog.result_
    finally:
        window.libvirt_dialog = None
        dialog.deleteLater()
    error = apply_import(window, result)
    if error:
        QMessageBox.warning(window, TITLE_IMPORT, f"The guests were not added: {error}")
        return None
    QMessageBox.information(window, TITLE_IMPORT, result.summary())
    return result


def _date(document) -> str:
    """The header date: the project file's modification day when the design is saved as it is
    (as the command line does), else today (UTC)."""
    if document.path and not document.modified and Path(document.path).is_file():
        stamp = os.stat(document.path).st_mtime
        return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).date().isoformat()
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def export_host_config(window, folder: str | None = None) -> list[Path]:
    doc = window.document
    topo = doc.topology
    if not topo.servers:
        QMessageBox.information(window, TITLE_EXPORT, "The design has no servers to configure.")
        return []
    if folder is None:
        folder = ask_folder(window, "export/hostConfigFolder", "Export Host Configuration into Folder")
        if not folder:
            return []
    name = Path(doc.path).name if doc.path else "unsaved design"
    design = f'"{topo.title}" ({name})' if topo.title else name
    config = host_config(topo, design, _date(doc))
    existing = [rel for rel in sorted(config.files) if (Path(folder) / rel).exists()]
    if existing:
        shown = ", ".join(existing[:4]) + (f" and {len(existing) - 4} more" if len(existing) > 4 else "")
        answer = QMessageBox.question(
            window, TITLE_EXPORT, f"Replace {shown} in {folder}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return []
    try:
        written = write_tree(folder, config.files, [doc.path] if doc.path else [])
    except OSError as exc:
        where = exc.filename or folder
        QMessageBox.critical(window, TITLE_EXPORT, f"Could not write {where}: {exc.strerror or exc}.")
        return []
    window.settings.setValue("export/hostConfigFolder", str(folder))
    window.show_message(f"Wrote {len(written)} files in {folder}: {len(config.servers)} server scripts, "
                        f"{config.guests} guest snippets, vf-assignments.csv.")
    return written


def install(window) -> None:
    window.libvirt_dialog = None
    window.act_import_libvirt = QAction("libvirt &Guests…", window)
    window.act_import_libvirt.setObjectName("action_importlibvirt")
    window.act_import_libvirt.setStatusTip("Add guests from libvirt domain, node-device and network XML")
    window.act_import_libvirt.triggered.connect(lambda _=False: import_guests(window))
    window.act_export_host_config = QAction("Export &Host Configuration…", window)
    window.act_export_host_config.setObjectName("action_exporthostconfig")
    window.act_export_host_config.setStatusTip(
        "Write each server's SR-IOV and ip-link script, the guests' libvirt interfaces and the VF assignments")
    window.act_export_host_config.triggered.connect(lambda _=False: export_host_config(window))
    menu = window.file_menu
    window.import_menu = QMenu("&Import", window)
    window.import_menu.setObjectName("importMenu")
    window.import_menu.addAction(window.act_import_libvirt)
    menu.insertMenu(window.act_quit, window.import_menu)
    menu.insertAction(window.act_quit, window.act_export_host_config)
    menu.insertSeparator(window.act_quit)

