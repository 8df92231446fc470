"""The solve report as four CSV tables — flows, resources, servers, problems — with units in
the column names (``demand_gbps``, ``utilization_pct``, ``vmm_cores``).

Used by ``rackio solve FILE --csv DIR`` and by File → Export Report (CSV)… in the
designer. No Qt here. Numbers are written as plain decimals (no thousands separators,
no units in the cells); utilisations are percentages; a resource's capacity, load and
reservation are in Gbit/s for ports, PCIe and links and in cores for a VMM, each unit
in its own column so that a column never mixes units.
"""

from __future__ import annotations

import csv
import errno
import io
import os
from pathlib import Path

from .fileformat.atomic import write_atomic
from .model.elements import MODES
from .textsafe import csv_row

TABLES = ("flows", "resources", "servers", "problems")

FLOW_COLUMNS = [
    "flow", "vm", "vnic", "direction", "mode", "demand_gbps", "floor_gbps", "floor_enforced",
    "admitted_floor_gbps", "cap_gbps", "rate_gbps", "floor_met", "vmm_cores", "routed", "bottleneck", "path",
]
PROBLEM_COLUMNS = ["code", "severity", "element", "message"]
RESOURCE_COLUMNS = [
    "resource", "kind", "element", "capacity_gbps", "load_gbps", "reserved_gbps",
    "capacity_cores", "load_cores", "reserved_cores", "utilization_pct", "saturated",
]
SERVER_COLUMNS = (
    ["server", "label", "vmm_cores", "vmm_capacity_cores", "vmm_utilization_pct"]
    + [f"vmm_cores_{mode}" for mode in MODES]
)


def _num(value) -> str:
    """A decimal without float noise (rates are exact to 1e-6)."""
    if value is None:
        return ""
    number = round(float(value), 6)
    if number == 0:
        number = 0.0  # no "-0.0"
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _pct(fraction) -> str:
    return _num(round(float(fraction) * 100, 4))


def _bool(value) -> str:
    return "yes" if value else "no"


def flow_rows(solution) -> list[list[str]]:
    rows = []
    # "no" where the NIC's driver cannot enforce the VF minimum (SPEC §9): floor_gbps is then
    # what was asked for, and admitted_floor_gbps is 0.
    enforced = solution.flows.floor_enforced.tolist()
    for f, r in enumerate(solution.flow_records()):
        rows.append([
            r["id"], r["vm"], str(r["vnic"]), r["direction"], r["mode"],
            _num(r["demand_gbps"]), _num(r["floor_gbps"]), _bool(enforced[f]), _num(r["admitted_floor_gbps"]),
            _num(r["cap_gbps"]), _num(r["rate_gbps"]), _bool(r["floor_met"]), _num(r["vmm_cores"]),
            _bool(r["routed"]), r["bottleneck"] or "", " > ".join(r["path"]),
        ])
    return rows


def resource_rows(solution) -> list[list[str]]:
    rows = []
    for r in solution.resource_records():
        figures = [_num(r["capacity"]), _num(r["load"]), _num(r["reserved"])]
        blank = ["", "", ""]
        cores = r["kind"] == "vmm"
        rows.append([
            r["id"], r["kind"], r["element"] or "",
            *(blank if cores else figures), *(figures if cores else blank),
            _pct(r["utilization"]), _bool(r["saturated"]),
        ])
    return rows


def server_rows(solution, topology=None) -> list[list[str]]:
    rows = []
    for r in solution.server_records(topology):
        element = topology.elements.get(r["id"]) if topology is not None else None
        label = getattr(element, "label", "") or ""
        by_mode = r.get("vmm_cores_by_mode", {})
        rows.append([
            r["id"], label, _num(r["vmm_cores"]), _num(r["vmm_capacity_cores"]), _pct(r["vmm_utilization"]),
            *(_num(by_mode.get(mode, 0.0)) for mode in MODES),
        ])
    return rows


def problem_rows(solution) -> list[list[str]]:
    return [[p.code, p.severity, p.element, p.message] for p in solution.problems]


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(csv_row(row) for row in rows)  # a label "=cmd|…" is text, never a formula
    return buffer.getvalue()


def report_tables(solution, topology=None) -> dict[str, str]:
    """table name -> CSV text."""
    return {
        "flows": _csv_text(FLOW_COLUMNS, flow_rows(solution)),
        "resources": _csv_text(RESOURCE_COLUMNS, resource_rows(solution)),
        "servers": _csv_text(SERVER_COLUMNS, server_rows(solution, topology)),
        "problems": _csv_text(PROBLEM_COLUMNS, problem_rows(solution)),
    }


def report_paths(folder: str | Path, name: str) -> dict[str, Path]:
    """Where the tables of a project called ``name`` go: NAME-flows.csv and so on."""
    return {table: Path(folder) / f"{name}-{table}.csv" for table in TABLES}


def check_folder(folder: str | Path) -> None:
    """Raise OSError (with the path) when the folder cannot take the tables."""
    path = Path(folder)
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "the path is a loop of symbolic links", str(path)) from None
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(20, "is not a folder", str(path))
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(13, "cannot write in this folder", str(path))


def write_report_csv(folder: str | Path, name: str, solution, topology=None, **write_options) -> list[Path]:
    """Write the four tables into ``folder`` (created when missing), each atomically.

    ``write_options`` go to write_atomic (``inputs`` never to replace, ``stream_ok``)."""
    check_folder(folder)
    Path(folder).mkdir(parents=True, exist_ok=True)
    tables = report_tables(solution, topology)  # everything computed before the first write
    paths = report_paths(folder, name)
    for table in TABLES:
        write_atomic(paths[table], tables[table].encode("utf-8"), **write_options)
    return [paths[t] for t in TABLES]
