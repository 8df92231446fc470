"""The designer's main window: canvas, palette, inspector, problems, menus, files."""

from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSpinBox,
    QToolBar,
    QWidget,
)

from .. import __version__
from ..fileformat import ProjectFileError
from ..model.elements import MODES
from ..model.topology import Topology
from ..resources_access import examples
from .canvas.items import HandleItem, ServerItem, VmItem
from .canvas.scene import DesignScene
from .canvas.view import DesignView
from .document import Document
from .editor import Editor
from .inspector import InspectorWidget
from .palette import PaletteWidget
from .plain import plain
from .problems import ProblemsWidget

FILE_FILTER = "RackIO projects (*.rackio);;All files (*)"
MAX_RECENT = 10
APP_NAME = "RackIO Designer"


def about_text() -> str:
    """Help → About: what the program is, its version, licence and the libraries it runs on."""
    import platform

    import PySide6
    from PySide6.QtCore import qVersion

    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Plan virtualised server racks: VMM CPU load, saturation of every port, PCIe link and switch "
        "link, and whether every SR-IOV guaranteed minimum holds.</p>"
        "<p>Copyright © RackIO Designer contributors.<br>"
        "Free software under the GNU General Public License, version 3 or (at your option) any later "
        "version (GPL-3.0-or-later); it comes with no warranty. Full text: "
        "<a href='https://www.gnu.org/licenses/gpl-3.0.html'>gnu.org/licenses/gpl-3.0.html</a>.</p>"
        f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__} · Python {platform.python_version()}</p>"
    )


class BulkAddDialog(QDialog):
    """Insert → Add N servers × M VMs."""

    def __init__(self, topo: Topology, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add servers with VMs")
        form = QFormLayout(self)
        self.servers = QSpinBox()
        self.servers.setRange(1, 1000)
        self.servers.setValue(4)
        self.vms = QSpinBox()
        self.vms.setRange(0, 1000)
        self.vms.setValue(4)
        self.mode = QComboBox()
        for mode in MODES:
            if mode != "passthrough":
                self.mode.addItem(mode, mode)
        self.mode.setCurrentIndex(self.mode.findData("paravirtual"))
        self.switch = QComboBox()
        self.switch.addItem("(leave unwired)", None)
        for sw in topo.switches:
            self.switch.addItem(sw.display_name(), sw.id)
        if topo.switches:
            self.switch.setCurrentIndex(1)
        form.addRow("Servers", self.servers)
        form.addRow("VMs per server", self.vms)
        form.addRow("vNIC mode", self.mode)
        form.addRow("Cable NIC port 0 to", self.switch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[int, int, str, str | None]:
        return self.servers.value(), self.vms.value(), self.mode.currentData(), self.switch.currentData()


class MainWindow(QMainWindow):
    documentChanged = Signal(object)  # the new Document, after the scene and editor follow it
    preferencesChanged = Signal()  # a Preferences value changed; readers look it up in self.settings
    themeChanged = Signal(str)  # "light" or "dark", after the style module switched

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.resize(1400, 900)
        self.document: Document | None = None
        self.scene: DesignScene | None = None
        self.editor: Editor | None = None
        self._find_results: list[str] = []
        self._find_index = 0

        self.view = DesignView(DesignScene(Topology()), self)
        self.setCentralWidget(self.view)
        self.view.statusMessage.connect(self.show_message)
        self.view.contextMenuRequested.connect(self._context_menu)
        self.view.itemActivated.connect(self._activate_element)

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setObjectName("solveSummary")
        self.statusBar().addPermanentWidget(self.summary)

        self._make_docks()
        self._make_actions()
        self._make_menus()
        self._install_features()
        self.set_document(Document(Topology(title="Untitled design"), parent=self))
        self._restore_window()

    def active_view(self):
        """The canvas on the visible tab: the rack elevation when the Rack tab shows, else the topology."""
        tabs = getattr(self, "central_tabs", None)
        panel = getattr(self, "rack_panel", None)
        if tabs is not None and panel is not None and tabs.currentWidget() is panel:
            return panel.view
        return self.view

    def _install_features(self) -> None:
        """Each feature module adds its own docks, actions and menu entries."""
        from . import analysis, disk_watch, export, libvirt_io, preferences, proposal_dialog, rack, recovery

        from .canvas import view_menu

        for feature in (analysis, export, proposal_dialog, libvirt_io, rack, recovery, preferences, disk_watch,
                        view_menu):
            feature.install(self)

    # ------------------------------------------------------------------ docks
    def _make_docks(self) -> None:
        self.palette = PaletteWidget()
        self.palette_dock = self._dock("Palette", "paletteDock", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.problems = ProblemsWidget()
        self.problems.elementRequested.connect(self.reveal_element)
        self.problems_dock = self._dock("Problems", "problemsDock", self.problems,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.inspector: InspectorWidget | None = None
        self.inspector_dock = QDockWidget("Inspector", self)
        self.inspector_dock.setObjectName("inspectorDock")
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
        self._docks_sized = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            QTimer.singleShot(0, self, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        if self.settings.value("window/state") is None:  # first start: a sensible layout
            self.resizeDocks([self.problems_dock], [130], Qt.Orientation.Vertical)
            self.resizeDocks([self.palette_dock, self.inspector_dock], [230, 340], Qt.Orientation.Horizontal)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # ---------------------------------------------------------------- actions
    def _action(self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False,
                name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(QKeySequence.keyBindings(shortcut) if isinstance(shortcut, QKeySequence.StandardKey)
                                else [QKeySequence(shortcut)])
        if tip:
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _=False: slot())
        action.setObjectName(name or ("action_" + "".join(ch for ch in text.lower() if ch.isalnum())))
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        SK = QKeySequence.StandardKey
        a = self._action
        self.act_new = a("&New", self.file_new, SK.New, "Start an empty design")
        self.act_open = a("&Open…", self.file_open, SK.Open, "Open a project file")
        self.act_save = a("&Save", self.file_save, SK.Save, "Save the design")
        self.act_save_as = a("Save &As…", self.file_save_as, SK.SaveAs, "Save the design under a new name")
        self.act_quit = a("&Quit", self.close, "Ctrl+Q", "Quit RackIO Designer")
        self.act_cut = a("Cu&t", self.edit_cut, SK.Cut)
        self.act_copy = a("&Copy", self.edit_copy, SK.Copy)
        self.act_paste = a("&Paste", self.edit_paste, SK.Paste)
        self.act_duplicate = a("&Duplicate", self.edit_duplicate, "Ctrl+D")
        self.act_delete = a("&Delete", self.edit_delete, "Del", "Delete the selection with what it contains")
        # Not the platform's Delete binding: on KDE and GNOME it includes Ctrl+D, which is Duplicate here.
        self.act_delete.setShortcuts([QKeySequence("Del"), QKeySequence("Backspace")])
        self.act_select_all = a("Select &All", self.edit_select_all, SK.SelectAll)
        self.act_find = a("&Find…", self.edit_find, SK.Find, "Find an element by id or label")
        self.act_find_next = a("Find &Next", self.find_next, SK.FindNext)
        # Zoom acts on the canvas of the visible tab (the topology or the rack elevation).
        self.act_zoom_in = a("Zoom &In", lambda: self.active_view().zoom_in(), SK.ZoomIn)
        self.act_zoom_out = a("Zoom &Out", lambda: self.active_view().zoom_out(), SK.ZoomOut)
        self.act_zoom_reset = a("&Actual Size", lambda: self.active_view().reset_zoom(), "Ctrl+0")
        self.act_fit = a("&Fit to Window", lambda: self.active_view().fit_all(), "Ctrl+Shift+F")
        self.act_snap = a("&Snap to Grid", self._toggle_snap, None, "Snap moved items to the grid", True)
        self.act_snap.setChecked(True)
        self.act_overlay = a("Solver &Overlay", self._toggle_overlay, "Ctrl+Shift+O",
                             "Colour cables by utilisation and show VMM gauges and guest badges", True)
        self.act_overlay.setChecked(True)
        self.act_legend = a("Show &Legend", self._toggle_legend, None, "Show the overlay's colour legend", True)
        self.act_legend.setChecked(True)
        self.act_bulk = a("Add N Servers × M VMs…", self.insert_bulk, "Ctrl+Shift+B")
        self.act_about = a("&About RackIO Designer", self.help_about)
        self.act_escape = a("Cancel Drag", lambda: self.active_view().cancel_interaction(), "Esc")
        self.align_actions = {
            how: a(label, lambda how=how: self._align(how))
            for how, label in (("left", "Align &Left"), ("right", "Align &Right"), ("top", "Align &Top"),
                               ("bottom", "Align &Bottom"), ("hcenter", "Align Centres &Horizontally"),
                               ("vcenter", "Align Centres &Vertically"))
        }
        self.distribute_actions = {
            o: a(label, lambda o=o: self._distribute(o))
            for o, label in (("horizontal", "Distribute &Horizontally"), ("vertical", "Distribute &Vertically"))
        }
        self.insert_actions = {
            kind: a(f"{label}", lambda kind=kind: self.insert_element(kind))
            for kind, label in (("network", "&Network"), ("switch", "&Switch"), ("server", "Se&rver"),
                                ("nic", "N&IC (into the selected server)"),
                                ("vf", "&Virtual Function (into the selected NIC)"),
                                ("vm", "&VM (into the selected server)"))
        }

    def _make_menus(self) -> None:
        bar = self.menuBar()
        m = self.file_menu = bar.addMenu("&File")
        m.addActions([self.act_new, self.act_open])
        self.examples_menu = m.addMenu("Open &Example")
        for path in examples():
            action = self.examples_menu.addAction(path.stem.replace("-", " ").capitalize())
            action.triggered.connect(lambda _=False, p=str(path): self.open_example(p))
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addSeparator()
        m.addActions([self.act_save, self.act_save_as])
        m.addSeparator()
        m.addAction(self.act_quit)

        m = self.edit_menu = bar.addMenu("&Edit")
        self.act_undo = QAction("&Undo", self)
        self.act_redo = QAction("&Redo", self)
        self.act_undo.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Undo))
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):
            if QKeySequence(extra) not in redo_keys:
                redo_keys.append(QKeySequence(extra))
        self.act_redo.setShortcuts(redo_keys)
        self.act_undo.triggered.connect(self.edit_undo)
        self.act_redo.triggered.connect(self.edit_redo)
        m.addActions([self.act_undo, self.act_redo])
        m.addSeparator()
        m.addActions([self.act_cut, self.act_copy, self.act_paste, self.act_duplicate, self.act_delete])
        m.addSeparator()
        m.addActions([self.act_select_all, self.act_find, self.act_find_next])
        m.addSeparator()
        align = m.addMenu("A&lign")
        align.addActions(list(self.align_actions.values()))
        distribute = m.addMenu("Dis&tribute")
        distribute.addActions(list(self.distribute_actions.values()))

        m = self.view_menu = bar.addMenu("&View")
        m.addActions([self.act_zoom_in, self.act_zoom_out, self.act_zoom_reset, self.act_fit])
        m.addSeparator()
        m.addActions([self.act_snap, self.act_overlay, self.act_legend])
        m.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.problems_dock):
            m.addAction(dock.toggleViewAction())

        m = self.insert_menu = bar.addMenu("&Insert")
        m.addActions(list(self.insert_actions.values()))
        m.addSeparator()
        m.addAction(self.act_bulk)

        m = self.help_menu = bar.addMenu("&Help")
        m.addAction(self.act_about)

        tools = self.toolbar = QToolBar("Main", self)
        tools.setObjectName("mainToolbar")
        tools.addActions([self.act_new, self.act_open, self.act_save])
        tools.addSeparator()
        tools.addActions([self.act_undo, self.act_redo])
        tools.addSeparator()
        tools.addActions([self.act_zoom_in, self.act_zoom_out, self.act_fit])
        tools.addSeparator()
        tools.addAction(self.act_overlay)
        self.find_box = QLineEdit()
        self.find_box.setObjectName("findBox")
        self.find_box.setPlaceholderText("Find id or label…")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.setMaximumWidth(220)
        self.find_box.returnPressed.connect(lambda: self.find(self.find_box.text()))
        tools.addSeparator()
        tools.addWidget(self.find_box)
        self.addToolBar(tools)

    # --------------------------------------------------------------- document
    def set_document(self, document: Document) -> None:
        old = self.document
        old_scene = self.scene
        gc.unfreeze()  # what the last design left may now be collected (see below)
        if old is not None:
            old.close()
            if old_scene is not None:
                old_scene.detach()
        self.document = document
        self.scene = DesignScene(document.topology, self, defer_cables=True)  # drawn in self.view
        self.scene.viewStateChanged = document.mark_modified  # collapsing is saved with the design
        self.view.setScene(self.scene)
        if old_scene is not None:
            # The old scene and its items go with the old document (they are not kept alive by the window).
            old_scene.blockSignals(True)
            old_scene.clearSelection()
            old_scene.deleteLater()
        self.editor = Editor(document, self.scene)
        self.view.editor = self.editor
        self.scene.selectionChanged.connect(self._selection_changed)
        document.solved.connect(self._on_solved)
        document.solveFailed.connect(self._on_solve_failed)
        document.modifiedChanged.connect(lambda _m: self._update_title())
        document.pathChanged.connect(lambda _p: self._update_title())
        document.changed.connect(self._on_document_changed)
        stack = document.undo_stack
        stack.canUndoChanged.connect(self.act_undo.setEnabled)
        stack.canRedoChanged.connect(self.act_redo.setEnabled)
        stack.undoTextChanged.connect(lambda t: self.act_undo.setText(f"&Undo {t}" if t else "&Undo"))
        stack.redoTextChanged.connect(lambda t: self.act_redo.setText(f"&Redo {t}" if t else "&Redo"))
        self.act_undo.setEnabled(stack.canUndo())
        self.act_redo.setEnabled(stack.canRedo())
        if self.inspector is None:
            self.inspector = InspectorWidget(self.editor)
            self.inspector.statusMessage.connect(self.show_message)
            self.inspector_dock.setWidget(self.inspector)
        else:
            self.inspector.set_editor(self.editor)
        self._update_title()
        document.solvingChanged.connect(self._on_solving)
        if document.estimate_flows() > document.background_flows:
            document.solve_in_background()  # a large design is drawn first, its overlay follows
        else:
            document.solve_now()
        self.scene.flush()
        # Fitted now if the window is shown (a large design drawn first at 100 % would make the
        # guests of the servers in view, then throw that away at the fit), and again once the
        # window has its final size.
        self.view.request_fit(now=True)
        self.documentChanged.emit(document)
        # The design and its items, made just now, live as long as the document: the cycle
        # collector need not walk them again and again (at 79,000 elements a full collection
        # took over a second, a freeze of the editor; docs/performance.md). A cycle among them
        # that becomes garbage waits until the next document is set.
        gc.freeze()
        if old is not None:
            old.deleteLater()
        if old_scene is not None:
            # The old scene and its items go with their document (they lived as children of the
            # window until it closed before): no signal of theirs reaches a half-destroyed window.
            old_scene.blockSignals(True)
            old_scene.deleteLater()

    def _update_title(self) -> None:
        doc = self.document
        if doc is None:
            return
        self.setWindowFilePath(doc.path or "")
        self.setWindowTitle(f"{doc.display_name}[*] — {APP_NAME}")
        self.setWindowModified(doc.modified)

    def _on_document_changed(self) -> None:
        """After each command, undo or redo: the canvas, then the inspector, show the model."""
        if self.scene is not None:
            self.scene.flush()
        if self.inspector is not None:
            self.inspector.refresh()

    def _on_solving(self, running: bool) -> None:
        """A background solve: the overlay shows the previous solution until it lands."""
        self.view.legend.set_stale(running)
        if running:
            self.summary.setText("solving…")

    def _on_solved(self, solution) -> None:
        if self.scene is None:
            return
        self.scene.set_solution(solution)
        self.problems.set_problems(solution.problems)
        if self.inspector is not None:
            self.inspector.update_solved()
        errors = sum(1 for p in solution.problems if p.severity == "error")
        peak = solution.peak_utilization
        self.summary.setText(
            f"Peak {peak * 100:.1f} %{' (' + solution.peak_resource + ')' if solution.peak_resource else ''}"
            f" · VMM {solution.total_vmm_cores:.2f} cores"
            f" · {solution.guarantees_missed} guarantee{'s' * (solution.guarantees_missed != 1)} missed"
            f" · {errors} error{'s' * (errors != 1)}"
            f" · solved in {self.document.last_solve_seconds * 1000:.1f} ms")

    def _on_solve_failed(self, reason: str) -> None:
        """No numbers rather than stale ones: the overlay is cleared and the failure is said in the
        summary, the status bar and the Problems dock (docs/safety.md)."""
        if self.scene is None:
            return
        from ..model.rules import Problem

        self.scene.set_solution(None)
        self.problems.set_problems([Problem("solve-failed", "error", "",
                                            f"the design could not be solved ({reason}); no figures are shown")])
        self.summary.setText("Solve failed: no figures")
        self.show_message(f"The design could not be solved: {reason}")

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    # ----------------------------------------------------------------- files
    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes. True: go on."""
        doc = self.document
        if doc is None or not doc.modified:
            return True
        answer = QMessageBox.warning(
            self, APP_NAME, plain(f"{doc.display_name} has unsaved changes."),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.file_save()
        return answer == QMessageBox.StandardButton.Discard

    def file_new(self) -> None:
        if self.maybe_save():
            self.set_document(Document(Topology(title="Untitled design"), parent=self))

    def file_open(self) -> None:
        if not self.maybe_save():
            return
        start = str(Path(self.document.path).parent) if self.document and self.document.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, FILE_FILTER)
        if path:
            self.open_path(path, ask=False)

    def open_example(self, path: str) -> None:
        if self.maybe_save():
            self.open_path(path, ask=False, remember=False, as_template=True)

    def open_path(self, path: str, ask: bool = True, remember: bool = True, as_template: bool = False) -> bool:
        """Open a project; on failure show the loader's sentence and keep the current design."""
        if ask and not self.maybe_save():
            return False
        try:
            document = Document.open(path, parent=self)
        except ProjectFileError as exc:
            QMessageBox.critical(self, APP_NAME, plain(f"Cannot open {Path(path).name}:\n\n{exc}"))
            return False
        if as_template:
            document.path = None  # an example opens as a new, unsaved design
        self.set_document(document)
        if remember and not as_template:
            self.add_recent(document.path or path)
        if document.migrated_from is not None and not as_template:
            self._tell_migrated(Path(path).name, document.migrated_from)
        else:
            self.show_message(f"Opened {Path(path).name}")
        return True

    def _tell_migrated(self, name: str, version: int) -> None:
        """An older file was converted in memory: say so without blocking (docs/safety.md)."""
        from ..fileformat import CURRENT_VERSION

        text = (f"{name} was made in format version {version} and has been converted to version "
                f"{CURRENT_VERSION}. The file stays as it is until you save; then it is written in the "
                f"new format and the old one is kept as {name}.bak.")
        self.show_message(f"Converted {name} from format version {version}; saving writes version "
                          f"{CURRENT_VERSION} (the old file is kept as {name}.bak).")
        note = QMessageBox(QMessageBox.Icon.Information, APP_NAME, text, QMessageBox.StandardButton.Ok, self)
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setObjectName("migrationNote")
        note.setWindowModality(Qt.WindowModality.NonModal)
        note.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        note.show()

    def file_save(self) -> bool:
        doc = self.document
        if doc is None:
            return False
        if not doc.path:
            return self.file_save_as()
        return self._save_to(doc.path)

    def file_save_as(self) -> bool:
        doc = self.document
        if doc is None:
            return False
        start = doc.path or str(Path.home() / ((doc.topology.title or "design").replace("/", "-") + ".rackio"))
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, FILE_FILTER)
        if not path:
            return False
        if not path.endswith(".rackio"):
            path += ".rackio"
        return self._save_to(path)

    def _save_to(self, path: str) -> bool:
        from .disk_watch import OVERWRITE, SAVE_AS, confirm_save

        answer = confirm_save(self, self.document, path)  # the file changed on disk since it was read
        if answer == SAVE_AS:
            return self.file_save_as()
        if answer != OVERWRITE:
            return False
        try:
            written = self.document.save(path)
        except OSError as exc:
            from .recovery import describe_os_error

            QMessageBox.critical(self, APP_NAME, plain(f"Could not save {Path(path).name}: {describe_os_error(exc)}."
                                                       f"\n\n{exc.filename or path}\n\n"
                                                       "The previous file is unchanged and your design is still open."))
            return False
        self.add_recent(self.document.path)
        links = written.other_links if written is not None else 0
        self.show_message(f"Saved {Path(path).name}" + (
            f"; its {links} other hard link{'s' * (links != 1)} still hold the previous version" if links else ""))
        return True

    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if isinstance(v, str)]

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [p for p in self.recent_files() if p != path]
        files.insert(0, path)
        self.settings.setValue("recentFiles", files[:MAX_RECENT])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
            return
        for path in files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear list").triggered.connect(lambda: self.settings.setValue("recentFiles", []))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.maybe_save():
            if self.document is not None:
                self.document.wait_for_solve()  # no worker outlives the window
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState())
            recovery = getattr(self, "recovery", None)
            if recovery is not None:
                recovery.close()  # a clean exit leaves no recovery copy
            event.accept()
        else:
            event.ignore()

    def _restore_window(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    # ------------------------------------------------------------------ edit
    def selected_ids(self) -> list[str]:
        return self.scene.selected_ids() if self.scene else []

    def _report(self, error: str | None, ok: str = "") -> None:
        if error:
            self.show_message(error)
        elif ok:
            self.show_message(ok)

    def edit_undo(self) -> None:
        self.document.undo_stack.undo()
        self.scene.flush()

    def edit_redo(self) -> None:
        self.document.undo_stack.redo()
        self.scene.flush()

    def edit_copy(self) -> bool:
        text = self.editor.copy_text(self.selected_ids())
        if text is None:
            self.show_message("Select elements to copy.")
            return False
        QGuiApplication.clipboard().setText(text)
        return True

    def edit_cut(self) -> None:
        if self.edit_copy():
            self._report(self.editor.delete(self.selected_ids()))

    def edit_paste(self, at: QPointF | None = None) -> None:
        """Paste at ``at`` (a context menu's position), else on free space next to the originals."""
        text = QGuiApplication.clipboard().text()
        selected_servers = [i for i in self.selected_ids()
                            if self.document.topology.elements.get(i) is not None
                            and self.document.topology.elements[i].KIND == "server"]
        error, ids = self.editor.paste_text(text, at, target_server=selected_servers[0] if selected_servers else None)
        if error:
            self.show_message(error)
            return
        self.scene.select_ids(ids)
        self.show_message(" ".join([f"Pasted {len(ids)} element{'s' * (len(ids) != 1)}."] + self.editor.notes))

    def edit_duplicate(self) -> None:
        error, ids = self.editor.duplicate(self.selected_ids())
        if error:
            self.show_message(error)
        else:
            self.scene.select_ids(ids)
            if self.editor.notes:
                self.show_message(" ".join(self.editor.notes))

    def edit_delete(self) -> None:
        self._report(self.editor.delete(self.selected_ids()))

    def edit_select_all(self) -> None:
        self.scene.select_ids(list(self.scene.top_items) + list(self.scene.cables))

    def edit_find(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def find(self, text: str) -> list[str]:
        self._find_results = self.editor.find(text)
        self._find_index = 0
        if not self._find_results:
            self.show_message(f"No element matches {text!r}.")
            return []
        self.reveal_element(self._find_results[0])
        self.show_message(f"{len(self._find_results)} match(es); F3 for the next.")
        return self._find_results

    def find_next(self) -> None:
        if not self._find_results:
            if self.find_box.text():
                self.find(self.find_box.text())
            return
        self._find_index = (self._find_index + 1) % len(self._find_results)
        self.reveal_element(self._find_results[self._find_index])

    def reveal_element(self, element_id: str) -> None:
        """Select an element and centre the view on it."""
        self.scene.flush()
        if self.scene.element_item(element_id) is None:
            self.show_message(f"{element_id} is not on the canvas.")
            return
        self.view.center_on_element(element_id)  # zooms in as far as the element needs to be drawn
        self.scene.select_ids([element_id])

    def _activate_element(self, element_id: str) -> None:
        self.scene.select_ids([element_id])
        self.inspector_dock.show()
        self.inspector_dock.raise_()

    def _align(self, how: str) -> None:
        self._report(self.editor.align(self.selected_ids(), how))

    def _distribute(self, orientation: str) -> None:
        self._report(self.editor.distribute(self.selected_ids(), orientation))

    def _toggle_snap(self, on: bool) -> None:
        if self.scene is not None:
            self.scene.snap_to_grid = on

    def _toggle_legend(self, on: bool) -> None:
        self.view.show_legend = on

    def _toggle_overlay(self, on: bool) -> None:
        if self.scene is not None:
            self.scene.set_overlay_enabled(on)

    def _selection_changed(self) -> None:
        if self.inspector is not None and self.scene is not None:
            self.inspector.set_selection(self.scene.selected_ids())

    # ---------------------------------------------------------------- insert
    def insert_element(self, kind: str, at: QPointF | None = None) -> None:
        """Insert menu: top-level kinds at the view centre, contained kinds into the selection."""
        if at is None:
            if kind in ("nic", "vm"):
                # The selected server, or the server of a selected NIC or VM (a new one is selected).
                hosts = [self.document.topology.server_of(i) for i in self.selected_ids()]
                servers = [h.id for h in hosts if h is not None and isinstance(self.scene.top_items.get(h.id), ServerItem)]
                item = self.scene.element_item(servers[0]) if servers else None
                if item is None:
                    self.show_message(f"Select a server to insert a {'NIC' if kind == 'nic' else 'VM'} into.")
                    return
                at = item.sceneBoundingRect().center()
            elif kind == "vf":
                nics = [i for i in self.selected_ids() if self.document.topology.elements.get(i) is not None
                        and self.document.topology.elements[i].KIND == "nic"]
                item = self.scene.element_item(nics[0]) if nics else None
                if item is None:
                    self.show_message("Select a NIC to insert a virtual function into.")
                    return
                at = item.mapToScene(item.boundingRect().center())
            else:
                at = self._free_point()
        self._report(self.editor.drop(kind, None, at))

    def _free_point(self) -> QPointF:
        center = self.view.mapToScene(self.view.viewport().rect().center())
        while self.editor.target_at(center) is not None:
            center += QPointF(60, 60)
        return center

    def insert_bulk(self, at: QPointF | None = None) -> None:
        dialog = BulkAddDialog(self.document.topology, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        servers, vms, mode, switch = dialog.values()
        error, ids = self.editor.bulk_add(servers, vms, mode, switch, at)
        if error:
            self.show_message(error)
        else:
            self.scene.select_ids(ids)
            self.view.fit_all()

    # --------------------------------------------------------- context menus
    def _context_menu(self, item, scene_pos: QPointF, global_pos) -> None:
        menu = QMenu(self)
        from .canvas import view_menu

        if view_menu.rack_menu(self, menu, item):  # a rack's frame or block
            menu.exec(global_pos)
            return
        owner = item
        while owner is not None and getattr(owner, "element_id", None) is None:
            owner = owner.parentItem()
        if isinstance(owner, HandleItem):
            owner = owner.owner
        if owner is not None:
            element_id = owner.element_id  # type: ignore[attr-defined]
            if element_id not in self.selected_ids():
                self.scene.select_ids([element_id])
            menu.addAction(self.act_delete)
            menu.addAction(self.act_duplicate)
            menu.addAction(self.act_copy)
            menu.addAction(self.act_cut)
            menu.addAction("Inspect").triggered.connect(lambda: self._activate_element(element_id))
            topo = self.document.topology
            element = topo.elements.get(element_id)
            if element is not None and element.KIND == "server":
                menu.addSeparator()
                menu.addAction("Add NIC here").triggered.connect(lambda: self.insert_element("nic", scene_pos))
                menu.addAction("Add VM here").triggered.connect(lambda: self.insert_element("vm", scene_pos))
                view_menu.server_entries(self, menu, element_id)
            if element is not None and element.KIND == "nic":
                menu.addSeparator()
                menu.addAction("Add virtual function here").triggered.connect(
                    lambda: self.insert_element("vf", scene_pos))
            if isinstance(owner, VmItem) and element is not None and element.vnics:  # type: ignore[union-attr]
                menu.addSeparator()
                for index, vnic in enumerate(element.vnics):  # type: ignore[union-attr]
                    menu.addAction(f"Remove vNIC {index} ({vnic.mode} → {vnic.device() or 'unattached'})").triggered.connect(
                        lambda _=False, i=index: self._report(self.editor.detach_vnic(element_id, i)))
            if len(self.selected_ids()) >= 2:
                menu.addSeparator()
                align = menu.addMenu("Align")
                align.addActions(list(self.align_actions.values()))
                distribute = menu.addMenu("Distribute")
                distribute.addActions(list(self.distribute_actions.values()))
        else:
            self.scene.clearSelection()
            paste_here = menu.addAction("Paste here")  # at the click, not beside the originals
            paste_here.triggered.connect(lambda: self.edit_paste(scene_pos))
            menu.addSeparator()
            for kind, label in (("network", "Add network here"), ("switch", "Add switch here"),
                                ("server", "Add server here")):
                menu.addAction(label).triggered.connect(lambda _=False, k=kind: self.insert_element(k, scene_pos))
            menu.addAction("Add N servers × M VMs here…").triggered.connect(lambda: self.insert_bulk(scene_pos))
            menu.addSeparator()
            menu.addAction(self.act_select_all)
            menu.addAction(self.act_fit)
        menu.exec(global_pos)

    # ------------------------------------------------------------------ help
    def help_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", about_text())
