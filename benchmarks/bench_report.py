"""Proposal report and paper export figures: layout and PDF time, pages, bytes.

1. The bundled examples (mail rack, two-rack proposal) as ``rackio report`` makes them.
2. A generated 3 × 20 × 10 design (60 servers, 600 guests): the report, and the diagram
   tiled over A4 sheets (``rackio export --paper a4``).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_report.py``. CPU
time (process time) is printed besides wall time: the machine may be shared.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from designer.fileformat import load  # noqa: E402
from designer.generate import generate  # noqa: E402
from designer.resources_access import example  # noqa: E402
from designer.solver import solve  # noqa: E402


def timed(label: str, work) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    pages, size = work()
    print(f"{label:<44} {time.perf_counter() - wall:6.2f} s wall {time.process_time() - cpu:6.2f} s CPU"
          f"  {pages:3d} pages  {size / 1024:7.0f} KiB")


def main() -> None:
    from designer.ui.app import make_application
    from designer.ui.proposal_pdf import ReportOptions, render_report
    from designer.ui.render import ExportOptions, render

    app = make_application()  # noqa: F841 (kept alive while drawing)
    designs = [("mail-rack", load(example("mail-rack.rackio"))),
               ("two-rack-proposal", load(example("two-rack-proposal.rackio"))),
               ("generated 3×20×10", generate(3, 20, 10))]
    for name, topo in designs:
        solution = solve(topo)

        def report(topo=topo, solution=solution):
            data, pages = render_report(topo, solution, ReportOptions(date="2026-01-01"))
            return pages, len(data)

        def tiles(topo=topo, solution=solution):
            rendered = render(topo, solution, ExportOptions(paper="a4", date="2026-01-01"), "pdf")
            return rendered.pages, len(rendered.data)

        timed(f"report  {name}", report)
        timed(f"export --paper a4  {name}", tiles)


if __name__ == "__main__":
    main()
