"""Line routing cost (designer.diagram.routing) on generated designs.

Prints, per design: the time to route every cable (what opening the design or a
drop in a small design costs), the median and worst time of one drag step's
re-routing (moving one server 20 units, as ``DesignScene.item_moved`` does), and
the number of crossings between cables (0 is the goal).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_routing.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from designer.diagram.routing import Box  # noqa: E402
from designer.generate import generate  # noqa: E402


def crossings(paths) -> int:
    runs = []
    for path in paths:
        runs.append([(a, b) for a, b in zip(path, path[1:])])
    count = 0
    for i, a_runs in enumerate(runs):
        for b_runs in runs[i + 1:]:
            for (p, q) in a_runs:
                for (r, s) in b_runs:
                    h, v = ((p, q), (r, s)) if p[1] == q[1] else ((r, s), (p, q))
                    if h[0][1] != h[1][1] or v[0][0] != v[1][0]:
                        continue
                    x0, x1 = sorted((h[0][0], h[1][0]))
                    y0, y1 = sorted((v[0][1], v[1][1]))
                    if x0 < v[0][0] < x1 and y0 < h[0][1] < y1:
                        count += 1
    return count


def main() -> int:
    from designer.ui.app import make_application
    from designer.ui.canvas.scene import DesignScene

    app = make_application()  # noqa: F841
    for racks, servers, vms in ((1, 40, 50), (3, 20, 10), (10, 40, 5)):
        scene = DesignScene(generate(racks, servers, vms, seed=1))
        scene.detach()
        start = time.perf_counter()
        scene._route_all()
        full_ms = (time.perf_counter() - start) * 1000
        server = scene.top_items["r1s20"]
        x0, y0 = server.x(), server.y()
        steps = []
        for i in range(30):
            t0 = time.perf_counter()
            scene.routes.move("r1s20", Box(x0 + (i % 10) * 20, y0, server.width, server.height),
                              {end: port.__class__((port.point[0] + (i % 10) * 20, port.point[1]), port.server,
                                                   port.rank, port.count)
                               for end, port in scene._ports_of(server).items()})
            steps.append((time.perf_counter() - t0) * 1000)
        cables = len(scene.cables)
        crossed = crossings(list(scene._route_all() or scene.routes.paths.values())) if cables < 300 else None
        print(f"{racks} × {servers} × {vms}: {cables} cables; route all {full_ms:.0f} ms "
              f"({full_ms / cables:.2f} ms a cable); drag step re-routing median {statistics.median(steps):.1f} ms, "
              f"worst {max(steps):.1f} ms"
              + (f"; crossings {crossed}" if crossed is not None else ""), flush=True)
        scene.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
