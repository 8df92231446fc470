"""Analysis docks: resource utilisation, VMM load per server, rates against guarantees,
and the demand sweep — pyqtgraph plots that follow the document and the canvas selection.

``install(window)`` adds the four docks (tabbed beside Problems), their View-menu
toggles, and the wiring: each command done, undone or redone (``Document.changed``)
refreshes the plots once — with the new solution when the command needs a re-solve
(``Document.solved``), at once when it does not (a label) — visible plots redraw and
hidden ones catch up when shown; a click on a bar or point selects its element on the
canvas, and a canvas selection is highlighted in every plot.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget

from .guarantees import GuaranteesPanel
from .sweep import SweepPanel
from .utilisation import UtilisationPanel
from .vmm import VmmPanel

DOCKS = (
    ("utilisation", "Resource Utilisation", "utilisationDock"),
    ("vmm", "VMM Load", "vmmLoadDock"),
    ("guarantees", "Rates and Guarantees", "guaranteesDock"),
    ("sweep", "Demand Sweep", "sweepDock"),
)
MIN_PLOT_HEIGHT = 240
PLOT_HEIGHT = 340


class AnalysisDocks(QObject):
    """Owns the four analysis panels of one main window and keeps them in step with it."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("analysisDocks")
        self.window = window
        self.utilisation = UtilisationPanel()
        self.vmm = VmmPanel()
        self.guarantees = GuaranteesPanel()
        self.sweep = SweepPanel()
        self.panels = {"utilisation": self.utilisation, "vmm": self.vmm, "guarantees": self.guarantees,
                       "sweep": self.sweep}
        self.docks: dict[str, QDockWidget] = {}
        self.sweep_stale = True
        self._grown: set[str] = set()
        window.view_menu.addSeparator()
        for key, title, name in DOCKS:
            panel = self.panels[key]
            dock = QDockWidget(title, window)
            dock.setObjectName(name)
            dock.setWidget(panel)
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            window.tabifyDockWidget(window.problems_dock, dock)
            action = dock.toggleViewAction()
            action.setText(title)
            window.view_menu.addAction(action)
            dock.visibilityChanged.connect(lambda visible, k=key: visible and self._shown(k))
            panel.elementRequested.connect(self._select_on_canvas)
            panel.statusMessage.connect(window.show_message)
            self.docks[key] = dock
        window.problems_dock.raise_()
        window.documentChanged.connect(self._document_changed)
        window.themeChanged.connect(lambda _name: self.restyle())
        self._pending_solution = None
        # One refresh per turn of the event loop, however many signals asked for it.
        self._plot_timer = QTimer(self)
        self._plot_timer.setSingleShot(True)
        self._plot_timer.setInterval(0)
        self._plot_timer.timeout.connect(self._apply_solution)
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(0)
        self._selection_timer.timeout.connect(self._selection_changed)
        jobs = [self.sweep.job, self.vmm.job]

        def stop_jobs(*_args) -> None:  # no bound method: it runs while the window is being destroyed
            for job in jobs:
                job.cancel()
            # Let the workers finish here, so their last references to Qt objects are
            # dropped in this (the GUI) thread and never in a worker.
            for job in jobs:
                job.wait(5.0)

        window.destroyed.connect(stop_jobs)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(stop_jobs)

    # ----------------------------------------------------------- following
    def _document_changed(self, document) -> None:
        document.changed.connect(self._edited)
        document.solved.connect(self._solved)
        document.solveFailed.connect(lambda _reason: self._solved(None))  # no stale plots
        self.window.scene.selectionChanged.connect(self._selection_timer.start)
        for panel in (self.utilisation, self.vmm, self.guarantees):
            panel.selected = []
        self.sweep.selected = []
        self.sweep.result = None
        self.sweep.result_topology = None
        self.sweep.figure.set_result(None, self.sweep.to_box.value())
        self._solved(document.solution)

    def _edited(self) -> None:
        # A command that needs a re-solve refreshes the plots when its solution lands
        # (``_solved``); one that does not (a label, a position) refreshes them now.
        document = self.window.document
        if document is not None and not document.solve_pending():
            self._solved(document.solution)

    def _solved(self, solution) -> None:
        # After the canvas, on the next turn of the event loop: the solve reaches the
        # overlay first, and the document's solve debounce already makes a burst of edits
        # (a spin box held down) one solve.
        self._pending_solution = solution
        self._plot_timer.start()

    def plots_pending(self) -> bool:
        """True while an edit or a solve has yet to reach the plots."""
        document = self.window.document
        return self._plot_timer.isActive() or (document is not None and document.solve_pending())

    def _apply_solution(self) -> None:
        solution = self._pending_solution
        document = self.window.document
        topo = document.topology if document is not None else None
        for panel in (self.utilisation, self.vmm, self.guarantees):
            panel.set_solution(solution, topo)
        self.sweep.set_topology(topo)
        self.sweep_stale = True
        if self.sweep.shown():
            self._run_sweep()
        else:
            self.sweep.job.cancel()  # a sweep of an older design is of no use

    def _run_sweep(self) -> None:
        self.sweep_stale = False
        self.sweep.start()

    def _shown(self, key: str) -> None:
        dock = self.docks[key]
        if key not in self._grown and dock.height() < MIN_PLOT_HEIGHT and not dock.isFloating():
            # The bottom area starts sized for the Problems list; a plot needs more room.
            self._grown.add(key)
            QTimer.singleShot(0, dock, lambda: self.window.resizeDocks([dock], [PLOT_HEIGHT],
                                                                        Qt.Orientation.Vertical))
        if key == "sweep":
            if self.sweep_stale:
                self._run_sweep()
        else:
            self.panels[key].update_now()
            self.panels[key].set_selection(self._selected_ids())

    def _selected_ids(self) -> list[str]:
        scene = self.window.scene
        return scene.selected_ids() if scene is not None else []

    def _selection_changed(self) -> None:
        ids = self._selected_ids()
        for panel in self.panels.values():
            panel.set_selection(ids)

    def _select_on_canvas(self, element_id: str) -> None:
        self.window.reveal_element(element_id)

    def restyle(self) -> None:
        for panel in self.panels.values():
            panel.restyle()


def install(window) -> None:
    window.analysis = AnalysisDocks(window)
