"""``rackio catalogue [--json]``: the bundled NIC models, what their drivers enforce, and the
source of every figure (SPEC §9)."""

from __future__ import annotations

import json
import sys

from .catalogue import HARDWARE_FIELDS, entries

FORMAT = "rackio-nic-catalogue"


def add_parser(sub) -> None:
    p = sub.add_parser("catalogue", help="list the NIC catalogue with what each driver enforces and the sources")
    p.add_argument("--json", action="store_true", help="print the catalogue as JSON")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def format_catalogue(items: list[dict]) -> str:
    lines = [f"NIC catalogue ({len(items)} models)", ""]
    for item in items:
        per_port = f", {item['max_vfs_per_port']} per port" if item.get("max_vfs_per_port") else ""
        throughput = (f", {item['throughput_gbps']:g} Gbit/s total per direction"
                      if item.get("throughput_gbps") else "")
        lines += [
            f"{item['name']}  (model {item['model']!r}, driver {item['driver']})",
            f"  {item['ports']} × {item['port_gbps']:g} Gbit/s, PCIe {item['pcie_gbps']:g} Gbit/s{throughput}",
            f"  SR-IOV {_yes(item['sriov'])}: up to {item['max_vfs']} VFs{per_port}; VMDq {_yes(item['vmdq'])}",
            f"  VF minimum (min_tx_rate) enforced: {_yes(item['vf_min_rate'])}; "
            f"VF cap (max_tx_rate) enforced: {_yes(item['vf_max_rate'])}",
            f"  note: {item['note']}",
            f"  source: {item['source']}",
            "",
        ]
    return "\n".join(lines)


def cmd_catalogue(args) -> int:
    items = entries()
    if args.json:
        doc = {"format": FORMAT, "version": 1,
               "nics": [{k: item[k] for k in ("name",) + HARDWARE_FIELDS + ("note", "source") if k in item}
                        for item in items]}
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_catalogue(items))
    return 0
