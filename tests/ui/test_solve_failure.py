"""Issue 12 §3.10: a solve that fails shows as failed; the old numbers are never kept silently."""

from __future__ import annotations

from designer.ui import document as document_module

from .helpers import open_example


def test_a_failed_solve_clears_the_figures_and_says_so(window, monkeypatch):
    open_example(window)
    doc = window.document
    assert doc.solution is not None and "Peak" in window.summary.text()
    assert any(cable.utilization is not None for cable in window.scene.cables.values())

    def broken(_topology, *args, **kwargs):
        raise RuntimeError("matrix\nexploded")

    working = document_module.solve
    monkeypatch.setattr(document_module, "solve", broken)
    assert window.editor.set_field(["h1"], "vmm_io_cores", 3.0) is None
    assert doc.solve_now() is None
    assert doc.solution is None and doc.solve_error == "RuntimeError: matrix exploded"
    assert window.summary.text() == "Solve failed: no figures"
    assert "could not be solved: RuntimeError: matrix exploded" in window.statusBar().currentMessage()
    (problem,) = window.problems.problems
    assert problem.code == "solve-failed" and problem.severity == "error" and "matrix exploded" in problem.message
    assert window.scene.solution is None
    assert all(cable.utilization is None for cable in window.scene.cables.values())

    # Solving again once the cause is gone brings the figures back.
    monkeypatch.setattr(document_module, "solve", working)  # not undo(): that would also bring back real dialogs
    assert doc.solve_now() is not None
    assert "Peak" in window.summary.text()
    assert all(p.code != "solve-failed" for p in window.problems.problems)
    assert any(cable.utilization is not None for cable in window.scene.cables.values())
