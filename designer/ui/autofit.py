"""Fit a view once it has its final size, and keep it fitted while the fit was automatic.

Shared by the topology canvas and the Rack tab: a fit asked for before the window is laid
out waits for the view's size; a resize or show after an automatic fit fits again; any
zoom or pan of the user's own ends that (the view sets ``auto_fit = False``)."""

from __future__ import annotations

from PySide6.QtCore import QTimer


class AutoFit:
    """Mixin for a QGraphicsView with a ``fit_all()`` that clears ``auto_fit`` (listed after
    QGraphicsView among the bases, so the view's Qt methods come first)."""

    auto_fit: bool

    def _init_auto_fit(self) -> None:
        self.auto_fit = False  # the zoom is the last automatic fit: a resize fits again
        self._fit_timer = QTimer(self)  # type: ignore[arg-type]
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._auto_fit_now)

    def request_fit(self, now: bool = False) -> None:
        """Fit once the view has its size: soon if it is shown, else when it is shown or resized.

        ``now``: a view already shown fits at once too, before it next paints (a new scene is
        not drawn first at the old zoom), and again once the window's layout has settled."""
        self.auto_fit = True
        if self.isVisible() and self.viewport().width() > 1:  # type: ignore[attr-defined]
            if now:
                self._auto_fit_now()
            self._fit_timer.start()

    def _auto_fit_now(self) -> None:
        if self.auto_fit:
            self.fit_all()  # type: ignore[attr-defined]
            self.auto_fit = True

    def _refit_if_automatic(self) -> None:
        """After a resize or show: the last fit was automatic, so keep the design fitted."""
        if self.auto_fit:
            self._fit_timer.start()
