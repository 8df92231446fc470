"""Write what an admin runs to realise a design on its hosts (SPEC §11).

For each server: ``<server>.sh`` (POSIX sh: the ``sriov_numvfs`` each PF needs and one
``ip link set dev <pf> vf <index> …`` line per VF, rates in Mbit/s), ``<server>/<guest>.xml``
(the guest's ``<interface>``/``<hostdev>`` elements, inside a ``<domain>`` skeleton that
``rackio import libvirt`` reads back) and, for all servers, ``vf-assignments.csv``.

Rounding (Linux takes integer Mbit/s; libvirt integer kB/s): a cap is rounded down, so a
guest never gets more than the design allows (but never to 0, which would mean "no cap");
a minimum is rounded up, so a guarantee is never below the design's. Wherever rounding
changes a value, a comment gives the design's exact figure.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..model.elements import VM, Element, Nic, Server, VirtualFunction, VNic, is_valid_netdev
from ..model.topology import Topology
from .importer import EMULATED_MODELS, SOFTWARE_TYPES
from .scan import RACKIO_NS


def cap_mbit(gbps: float) -> int:
    """A cap in Mbit/s: rounded down, at least 1 (0 means no cap); 0 stays 0."""
    if gbps <= 0:
        return 0
    return max(1, math.floor(round(gbps * 1000, 6)))


def min_mbit(gbps: float) -> int:
    if gbps <= 0:
        return 0
    return math.ceil(round(gbps * 1000, 6))


def cap_kbytes(gbps: float) -> int:
    """A cap in libvirt's kB/s (Gbit/s × 10⁶ / 8): rounded down, at least 1."""
    if gbps <= 0:
        return 0
    return max(1, math.floor(round(gbps * 1e6 / 8, 6)))


def _g(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else repr(value)


def _rounded(gbps: float, mbit: int) -> bool:
    return abs(gbps * 1000 - mbit) > 1e-6


def file_stem(element_id: str) -> str:
    """A file or folder name for an id: ids may be '.' or '..', which must not name a folder."""
    return element_id.replace(".", "_") if element_id in (".", "..") else element_id


def _comment(text: str) -> str:
    """Text safe inside an XML comment and on one shell comment line."""
    return " ".join(str(text).replace("--", "- -").split())


@dataclass
class PortPlan:
    nic: Nic
    port: int
    pf: str  # an interface name, or a shell expression for a placeholder
    placeholder: str | None  # the shell variable that must be set, when netdevs has no name
    vfs: list[VirtualFunction] = field(default_factory=list)


@dataclass
class HostConfig:
    files: dict[str, bytes] = field(default_factory=dict)
    servers: list[str] = field(default_factory=list)
    vfs: int = 0
    guests: int = 0


def _placeholder(nic: Nic, port: int, taken: set[str]) -> str:
    base = "PF_" + re.sub(r"[^A-Za-z0-9_]", "_", nic.id) + f"_{port}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def port_plans(topo: Topology, server: Server, taken: set[str]) -> list[PortPlan]:
    plans = []
    for nic in topo.nics_of(server.id):
        for port in range(nic.ports):
            vfs = topo.vfs_of(nic.id, port)
            name = nic.netdevs[port] if port < len(nic.netdevs) and is_valid_netdev(nic.netdevs[port]) else None
            if name is not None:
                plans.append(PortPlan(nic, port, name, None, vfs))
            else:
                var = _placeholder(nic, port, taken)
                plans.append(PortPlan(nic, port, f"${var}", var, vfs))
    return plans


def _vf_users(topo: Topology, vf: VirtualFunction) -> list[tuple[VM, int]]:
    return [(vm, index) for vm, index in topo.users_of(vf.id) if vm.vnics[index].mode == "vf"]


def _header(design: str, date: str, what: str) -> list[str]:
    return [f"{what} from the RackIO design {design}, {date}."]


# ------------------------------------------------------------------ script
def server_script(topo: Topology, server: Server, design: str, date: str,
                  shared: frozenset[str] | None = None) -> tuple[str, list[list[str]]]:
    shared = shared_addresses(topo) if shared is None else shared
    taken: set[str] = set()
    plans = port_plans(topo, server, taken)
    lines = [
        "#!/bin/sh",
        f"# Host configuration of server {_comment(server.id)} ({_comment(server.display_name())}),",
        f"# {_comment(_header(design, date, 'written by rackio host-config')[0])}",
        "# Read it before running it as root on that host. Rates are Mbit/s, as ip-link(8) takes",
        "# them: caps are rounded down (never to 0, which means no cap) and minimums up; a comment",
        "# gives the design's value wherever rounding changed it.",
        "set -eu",
        "",
    ]
    rows: list[list[str]] = []
    needed = [p for p in plans if p.vfs]
    missing = [p for p in needed if p.placeholder]
    if missing:
        lines.append("# The design has no interface name (netdevs) for these PFs yet: give each one, e.g.")
        lines.append(f"#   {missing[0].placeholder}=ens1f0 sh {file_stem(server.id)}.sh")
        for plan in missing:
            lines.append(f': "${{{plan.placeholder}:?set {plan.placeholder} to the interface of NIC '
                         f'{_comment(plan.nic.id)} port {plan.port} (ip -br link)}}"')
        lines.append("")
    if not needed:
        lines.append("# No VFs on this server: nothing to configure.")
        return "\n".join(lines) + "\n", rows
    lines += [
        "# Changing a PF's VF count removes all of its VFs, and guests using them lose them: so a",
        "# count other than 0 that differs from the design's stops the script instead.",
        "need_no_vfs() {",
        '    have=$(cat "/sys/class/net/$1/device/sriov_numvfs")',
        '    if [ "$have" != 0 ]; then',
        '        echo "$1 has $have VFs and the design wants $2: stop the guests using them, then run" >&2',
        "        echo \"  echo 0 > /sys/class/net/$1/device/sriov_numvfs\" >&2",
        "        exit 1",
        "    fi",
        "}",
        "",
    ]
    for plan in needed:
        nic, count = plan.nic, len(plan.vfs)
        pf_word = f'"{plan.pf}"' if plan.placeholder else plan.pf
        sysfs = f'"/sys/class/net/{plan.pf}/device/sriov_numvfs"' if plan.placeholder else \
            f"/sys/class/net/{plan.pf}/device/sriov_numvfs"
        about = ", ".join(x for x in (nic.model, nic.driver) if x)
        lines.append(f"# NIC {_comment(nic.id)}{' (' + _comment(about) + ')' if about else ''} port {plan.port}: "
                     f"{'PF ' + plan.pf if not plan.placeholder else 'PF not named yet'}, {count} VF{'s' * (count != 1)}")
        if not nic.sriov:
            lines.append(f"# SR-IOV is off on NIC {_comment(nic.id)} in the design: its VFs are not configured.")
            lines.append("")
            continue
        if nic.max_vfs_per_port and count > nic.max_vfs_per_port:
            lines.append(f"# The design puts {count} VFs on this port; the NIC allows {nic.max_vfs_per_port}: "
                         f"the kernel will refuse.")
        lines.append(f'if [ "$(cat {sysfs})" != {count} ]; then')
        lines.append(f"    need_no_vfs {pf_word} {count}")
        lines.append(f"    echo {count} > {sysfs}")
        lines.append("fi")
        for index, vf in enumerate(plan.vfs):
            users = _vf_users(topo, vf)
            who = ", ".join(f"{vm.id} vNIC {i}" for vm, i in users) or "no guest"
            lines.append(f"# VF {index} = {_comment(vf.id)}: {_comment(who)}")
            info = _libvirt_info(vf)
            if info.get("pool"):
                lines.append(f"# (from VF pool {_comment(info['pool'])}: libvirt picks the guest's VF when it "
                             f"starts; these rates are for VF {index})")
            if isinstance(info.get("address"), str) and not _address_still_true(topo, vf, index, shared):
                lines.append(f"# (imported at {_comment(info['address'])}, VF {info.get('index')} of NIC "
                             f"{_comment(str(info.get('nic')))} port {info.get('port')}; the design has moved it, "
                             f"so the guest's snippet has a placeholder address)")
            params: list[str] = []
            notes: list[str] = []  # the CSV's note column: what the script cannot set as designed
            max_v, min_v = cap_mbit(vf.max_gbps), min_mbit(vf.min_gbps)
            if nic.vf_max_rate:
                params += ["max_tx_rate", str(max_v)]
                if vf.max_gbps > 0 and _rounded(vf.max_gbps, max_v):
                    lines.append(f"# max {_g(vf.max_gbps)} Gbit/s rounded down to {max_v} Mbit/s")
            elif vf.max_gbps > 0:
                notes.append(f"max {_g(vf.max_gbps)} Gbit/s not enforceable by {nic.driver or nic.model or 'the driver'}")
                lines.append(f"# max {_g(vf.max_gbps)} Gbit/s not set: the driver of NIC {_comment(nic.id)} "
                             f"({_comment(nic.driver or nic.model or 'unknown')}) cannot enforce a VF's max_tx_rate")
            if nic.vf_min_rate:
                params += ["min_tx_rate", str(min_v)]
                if vf.min_gbps > 0 and _rounded(vf.min_gbps, min_v):
                    lines.append(f"# min {_g(vf.min_gbps)} Gbit/s rounded up to {min_v} Mbit/s")
            else:
                if nic.vf_max_rate:
                    # Drivers without minimums refuse only a non-zero one (ixgbe, i40e): 0 clears any.
                    params += ["min_tx_rate", "0"]
                if vf.min_gbps > 0:
                    notes.append(f"min {_g(vf.min_gbps)} Gbit/s not enforceable by "
                                 f"{nic.driver or nic.model or 'the driver'}")
                    lines.append(f"# min {_g(vf.min_gbps)} Gbit/s not set: the driver of NIC {_comment(nic.id)} "
                                 f"({_comment(nic.driver or nic.model or 'unknown')}) cannot enforce a VF's "
                                 f"min_tx_rate, so this guarantee does not hold")
            if params:
                lines.append(f"ip link set dev {pf_word} vf {index} {' '.join(params)}")
            else:
                lines.append(f"# VF {index}: no rate this driver can set")
            # The rates the script sets (empty: none set), as the ip link line has them.
            set_rates = dict(zip(params[::2], params[1::2]))
            guests: list[tuple[VM | None, int | None]] = [*users] if users else [(None, None)]  # a row even unused
            for vm, i in guests:
                rows.append([server.id, nic.id, str(plan.port), plan.pf if not plan.placeholder else "",
                             str(index), vf.id, vm.id if vm else "", "" if i is None else str(i),
                             set_rates.get("min_tx_rate", ""), set_rates.get("max_tx_rate", ""), "; ".join(notes)])
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n", rows


# ---------------------------------------------------------------- snippets
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


def _attrs(values: dict[str, str]) -> str:
    """Attributes, escaped; a name that is not a plain XML name (kept from a foreign file) is left out."""
    return "".join(f" {k}={quoteattr(str(v))}" for k, v in values.items()
                   if isinstance(k, str) and _XML_NAME.fullmatch(k) and isinstance(v, (str, int, float)))


def _placeholder_address() -> str:
    return "<address type='pci' domain='DOMAIN' bus='BUS' slot='SLOT' function='FUNCTION'/>"


def _pci_attrs(text: str) -> str | None:
    from .pci import Pci

    address = Pci.parse(text) if isinstance(text, str) else None
    return None if address is None else f"<address{_attrs(address.attributes())}/>"


def guest_snippet(topo: Topology, vm: VM, design: str, date: str, plans: dict[tuple[str, int], PortPlan],
                  shared: frozenset[str] | None = None) -> str:
    shared = shared_addresses(topo) if shared is None else shared
    name = _libvirt_info(vm).get("name")
    name = name if isinstance(name, str) and name else vm.id
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        f"<!-- Network devices of guest {_comment(name)} on server {_comment(vm.parent)}, "
        f"{_comment(_header(design, date, 'written by rackio host-config')[0])}",
        f"     Copy each <interface> and <hostdev> below into the guest's <devices> (virsh edit {_comment(name)}).",
        "     The <metadata> keeps what libvirt's XML cannot hold (a VF's min and max rate, a VMM minimum),",
        "     so that rackio import libvirt reads this file back into the same design. -->",
        "<domain type='kvm'>",
        f"  <name>{escape(name)}</name>",
        "  <metadata>",
        f"    <rackio:vnics xmlns:rackio='{RACKIO_NS}'>",
    ]
    devices: list[str] = []
    for index, vnic in enumerate(vm.vnics):
        meta = {"index": str(index), "mode": vnic.mode}
        devices += _device(topo, vm, index, vnic, plans, meta, shared)
        out.append(f"      <rackio:vnic{_attrs(meta)}/>")
    out += ["    </rackio:vnics>", "  </metadata>", "  <devices>"]
    out += ["    " + line for line in devices]
    out += ["  </devices>", "</domain>"]
    return "\n".join(out) + "\n"


def shared_addresses(topo: Topology) -> frozenset[str]:
    """Imported VF addresses (and MACs) that more than one VF (vNIC) of the design claims: copies, say."""
    seen: set[str] = set()
    shared: set[str] = set()
    for vf in topo.vfs:
        info = vf.extra.get("libvirt")
        address = info.get("address") if isinstance(info, dict) else None
        if isinstance(address, str):
            (shared if address in seen else seen).add(address)
    for _, _, vnic in topo.iter_vnics():  # and MACs kept by two vNICs, written as "mac:<address>"
        mac = _libvirt_info(vnic).get("mac")
        if isinstance(mac, str):
            key = f"mac:{mac}"
            (shared if key in seen else seen).add(key)
    return frozenset(shared)


def _address_still_true(topo: Topology, vf: VirtualFunction, position: int, shared: frozenset[str] | None = None) -> bool:
    """An imported VF address holds while the VF is on the NIC, port and index it was imported
    at, and no other VF of the design claims the same address."""
    info = vf.extra.get("libvirt")
    if not isinstance(info, dict) or not isinstance(info.get("address"), str):
        return False
    if (info.get("nic"), info.get("port"), info.get("index")) != (vf.parent, vf.port, position):
        return False
    return info["address"] not in (shared_addresses(topo) if shared is None else shared)


def _libvirt_info(owner: Element | VNic) -> dict[str, Any]:
    """What the import kept of the libvirt XML (``extra["libvirt"]``), or nothing."""
    return _dict_at(owner.extra, "libvirt")


def _dict_at(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def _device(topo: Topology, vm: VM, index: int, vnic: VNic, plans: dict[tuple[str, int], PortPlan],
            meta: dict[str, str], shared: frozenset[str]) -> list[str]:
    info = _libvirt_info(vnic)
    mac = info.get("mac")
    mac_line = [f"  <mac address={quoteattr(mac)}/>"] if isinstance(mac, str) and re.fullmatch(
        r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac) else []
    if mac_line and f"mac:{mac}" in shared:
        mac_line = [f"  <!-- MAC {mac} is kept by more than one vNIC of the design (a copy?): left to libvirt -->"]
    if vnic.mode == "vf":
        vf = topo.get(vnic.vf or "")
        if not isinstance(vf, VirtualFunction):
            return [f"<!-- vNIC {index}: mode vf without a VF in the design; not written -->"]
        meta.update({"vf": vf.id, "nic": vf.parent, "port": str(vf.port),
                     "min_gbps": _g(vf.min_gbps), "max_gbps": _g(vf.max_gbps)})
        plan = plans.get((vf.parent, vf.port))
        position = plan.vfs.index(vf) if plan is not None and vf in plan.vfs else 0
        if plan is not None and not plan.placeholder:
            meta["pf"] = plan.pf
        meta["vf_index"] = str(position)
        vf_info = _libvirt_info(vf)
        if isinstance(vf_info.get("pool"), str):
            return [f"<!-- vNIC {index}: a VF from pool {_comment(vf_info['pool'])} ({_comment(vf.id)}) -->",
                    "<interface type='network'>", *mac_line,
                    f"  <source network={quoteattr(vf_info['pool'])}/>", "</interface>"]
        address = _pci_attrs(vf_info.get("address", "")) if _address_still_true(topo, vf, position, shared) else None
        if address is None:
            pf = plan.pf if plan is not None else "PF"
            address_lines = [f"    <!-- VF {position} of {_comment(pf)}: readlink "
                             f"/sys/class/net/{_comment(pf)}/device/virtfn{position} gives its PCI address -->",
                             f"    {_placeholder_address()}"]
        else:
            address_lines = [f"    {address}"]
        return [f"<!-- vNIC {index}: VF {position} ({_comment(vf.id)}) of NIC {_comment(vf.parent)} port {vf.port}; "
                f"its rates are set by ip link in {_comment(file_stem(vm.parent))}.sh (libvirt refuses <bandwidth> "
                f"on hostdev interfaces) -->",
                "<interface type='hostdev' managed='yes'>", *mac_line, "  <source>", *address_lines, "  </source>",
                "</interface>"]
    if vnic.mode == "passthrough":
        nic = topo.get(vnic.nic or "")
        meta.update({"nic": vnic.nic or "", "port": str(vnic.port)})
        uplink = plans.get((vnic.nic or "", vnic.port))
        if uplink is not None and not uplink.placeholder:
            meta["pf"] = uplink.pf
        pci = nic.extra.get("libvirt", {}).get("pci", []) if isinstance(nic, Nic) and isinstance(
            nic.extra.get("libvirt"), dict) else []
        address = _pci_attrs(pci[vnic.port]) if isinstance(pci, list) and vnic.port < len(pci) else None
        lines = [f"<!-- vNIC {index}: NIC {_comment(vnic.nic or '?')} port {vnic.port} passed through -->",
                 "<hostdev mode='subsystem' type='pci' managed='yes'>", "  <source>"]
        if address is None:
            lines += [f"    <!-- the PCI address of NIC {_comment(vnic.nic or '?')} port {vnic.port} (lspci -D) -->",
                      f"    {_placeholder_address()}"]
        else:
            lines.append(f"    {address}")
        return lines + ["  </source>", "</hostdev>"]
    # Software modes: virtio (paravirtual) or an emulated model, with <bandwidth> for the cap.
    meta.update({"min_gbps": _g(vnic.min_gbps), "max_gbps": _g(vnic.max_gbps)})
    if vnic.nic:
        meta.update({"nic": vnic.nic, "port": str(vnic.port)})
        uplink = plans.get((vnic.nic, vnic.port))
        if uplink is not None and not uplink.placeholder:
            meta["pf"] = uplink.pf
    kind = info.get("type") if info.get("type") in SOFTWARE_TYPES else None
    source = info.get("source") if isinstance(info.get("source"), dict) else {}
    lines = []
    if kind is None:
        plan = plans.get((vnic.nic or "", vnic.port))
        if plan is not None and not plan.placeholder:
            kind, source = "direct", {"dev": plan.pf, "mode": "bridge"}
        elif plan is not None:
            kind, source = "direct", {"dev": plan.placeholder or "PF", "mode": "bridge"}
            lines.append(f"<!-- {plan.placeholder}: the interface of NIC {_comment(plan.nic.id)} port {plan.port} -->")
        else:
            kind, source = "network", {"network": "default"}
            lines.append("<!-- the design gives this vNIC no NIC: libvirt's default network stands in -->")
    model: str = "virtio" if vnic.mode == "paravirtual" else (
        info["model"] if info.get("model") in EMULATED_MODELS else "e1000")
    lines.append(f"<!-- vNIC {index}: {vnic.mode}"
                 f"{', uplink NIC ' + _comment(vnic.nic) + ' port ' + str(vnic.port) if vnic.nic else ''} -->")
    lines.append(f"<interface type={quoteattr(kind)}>")
    lines += mac_line
    if source:
        lines.append(f"  <source{_attrs({k: v for k, v in source.items() if isinstance(v, str)})}/>")
    lines.append(f"  <model type={quoteattr(model)}/>")
    kept = _dict_at(info, "bandwidth")
    outbound = dict(kept.get("outbound", {})) if isinstance(kept.get("outbound"), dict) else {}
    inbound = dict(kept.get("inbound", {})) if isinstance(kept.get("inbound"), dict) else {}
    if vnic.max_gbps > 0:
        average = cap_kbytes(vnic.max_gbps)
        outbound = {"average": str(average), **{k: v for k, v in outbound.items() if k != "average"}}
        if abs(vnic.max_gbps * 1e6 / 8 - average) > 1e-6:
            lines.append(f"  <!-- max {_g(vnic.max_gbps)} Gbit/s rounded down to {average} kB/s -->")
    else:
        outbound = {}  # no cap in the design: no outbound shaping at all
    if outbound or inbound:
        lines.append("  <bandwidth>")
        if inbound:
            lines.append(f"    <inbound{_attrs({k: str(v) for k, v in inbound.items()})}/>")
        if outbound:
            lines.append(f"    <outbound{_attrs({k: str(v) for k, v in outbound.items()})}/>")
        lines.append("  </bandwidth>")
    lines.append("</interface>")
    return lines


# ------------------------------------------------------------------- whole
CSV_HEADER = ["server", "nic", "port", "pf", "vf_index", "vf", "guest", "vnic", "min_tx_rate_mbit", "max_tx_rate_mbit",
              "note"]


def host_config(topo: Topology, design: str, date: str, server_id: str | None = None) -> HostConfig:
    """Every output file, by path relative to the output folder, as bytes."""
    servers = topo.servers if server_id is None else [s for s in topo.servers if s.id == server_id]
    result = HostConfig()
    rows: list[list[str]] = []
    shared = shared_addresses(topo)
    for server in servers:
        stem = file_stem(server.id)
        script, server_rows = server_script(topo, server, design, date, shared)
        result.files[f"{stem}.sh"] = script.encode("utf-8")
        rows += server_rows
        plans = {(p.nic.id, p.port): p for p in port_plans(topo, server, set())}
        for vm in topo.vms_of(server.id):
            result.files[f"{stem}/{file_stem(vm.id)}.xml"] = guest_snippet(topo, vm, design, date, plans, shared).encode("utf-8")
            result.guests += 1
        result.vfs += sum(len(p.vfs) for p in plans.values())
        result.servers.append(server.id)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    result.files["vf-assignments.csv"] = buf.getvalue().encode("utf-8")
    return result


def write_file(path: Path, data: bytes) -> None:
    """One output file, whole or not at all (the project's atomic writer)."""
    from ..fileformat.project import write_atomic

    write_atomic(path, data)


def write_tree(out_dir: str | os.PathLike, files: dict[str, bytes], inputs: list[str | os.PathLike]) -> list[Path]:
    """Write ``files`` under ``out_dir``; refuse (OSError) before writing anything if one would
    replace an input. Each file is written atomically; files not named are left alone."""
    from ..fileformat.atomic import check_output, same_file

    out = Path(out_dir)
    if any(same_file(out, p) for p in inputs):
        raise IsADirectoryError(21, "the output folder is an input file", str(out))
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(20, "not a folder", str(out))
    targets = []
    for rel in sorted(files):
        target = out / rel
        if target.is_dir():
            raise IsADirectoryError(21, "is a folder", str(target))
        if target.parent.is_dir():
            check_output(target, inputs)  # never an input (also a hard link of one), a device or a link loop
        targets.append((target, files[rel]))
    out.mkdir(exist_ok=True)
    written = []
    for target, data in targets:
        target.parent.mkdir(exist_ok=True)
        write_file(target, data)
        written.append(target)
    return written
