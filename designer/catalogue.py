"""The bundled NIC catalogue (resources/nic-catalogue.json): what each model's hardware and
driver can do (SPEC §9), where that comes from, and what changing a NIC to a model means.

No Qt here: the palette, the preferences, the inspector's model chooser and
``rackio catalogue`` all read the catalogue through this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model.elements import Nic
from .model.schema import FieldError, field_spec
from .model.topology import Topology
from .resources_access import nic_catalogue

# The NIC fields a catalogue entry sets: the card and its driver. Everything else of a NIC
# (id, label, parent, position, netdevs) belongs to the design, not to the model.
HARDWARE_FIELDS = (
    "model", "driver", "ports", "port_gbps", "pcie_gbps", "throughput_gbps", "sriov", "max_vfs",
    "max_vfs_per_port", "vmdq", "vf_min_rate", "vf_max_rate",
)
ENTRY_FIELDS = ("name",) + HARDWARE_FIELDS + ("note", "source")


def entries() -> list[dict]:
    return nic_catalogue()


def entry(name: str) -> dict | None:
    for candidate in nic_catalogue():
        if candidate["name"] == name:
            return candidate
    return None


def preset(item: dict) -> dict:
    """The NIC field values of a catalogue entry."""
    return {k: item[k] for k in HARDWARE_FIELDS if k in item}


def entry_problems(item: object, position: int = 0) -> list[str]:
    """Why a catalogue entry is not valid (every field a valid NIC value, a name, a source)."""
    if not isinstance(item, dict):
        return [f"nics[{position}] is not an object"]
    name = item.get("name") if isinstance(item.get("name"), str) and item.get("name") else f"nics[{position}]"
    found = []
    for key in ENTRY_FIELDS:
        if key not in item:
            found.append(f"{name}: field {key!r} is missing")
    for key in item:
        if key not in ENTRY_FIELDS:
            found.append(f"{name}: field {key!r} is not a catalogue field")
    for key in HARDWARE_FIELDS:
        if key in item:
            try:
                value = field_spec("nic", key).coerce(item[key])
            except FieldError as exc:
                found.append(f"{name}: {key} {exc}")
                continue
            if value != item[key]:
                found.append(f"{name}: {key} is written as {item[key]!r}, read as {value!r}")
    for key in ("name", "note", "source"):
        if key in item and not (isinstance(item[key], str) and item[key].strip()):
            found.append(f"{name}: {key} must be a non-empty text")
    if isinstance(item.get("ports"), int) and isinstance(item.get("max_vfs_per_port"), int) \
            and isinstance(item.get("max_vfs"), int) and item["max_vfs_per_port"] > item["max_vfs"]:
        found.append(f"{name}: max_vfs_per_port is larger than max_vfs")
    return found


def catalogue_problems(data: object) -> list[str]:
    """Every problem of a catalogue document (empty when it is valid)."""
    if not isinstance(data, dict) or data.get("format") != "rackio-nic-catalogue" or data.get("version") != 1:
        return ["not a rackio-nic-catalogue version 1 document"]
    nics = data.get("nics")
    if not isinstance(nics, list) or not nics:
        return ["'nics' must be a non-empty list"]
    found = []
    names = [n.get("name") for n in nics if isinstance(n, dict)]
    for name in sorted({n for n in names if names.count(n) > 1}, key=str):
        found.append(f"{name}: the name is used twice")
    for position, item in enumerate(nics):
        found.extend(entry_problems(item, position))
    return found


def matching_entry(nic: Nic) -> dict | None:
    """The catalogue entry this NIC is exactly (every hardware field equal), or None ("Custom")."""
    for item in nic_catalogue():
        if all(getattr(nic, k) == item[k] for k in HARDWARE_FIELDS if k in item):
            return item
    return None


def label(item: dict) -> str:
    """How the canvas would label a NIC of this model, e.g. "Intel E810-CQDA2 · 2×100G"."""
    return f"{item['model']} · {item['ports']}×{item['port_gbps']:g}G"


# ------------------------------------------------------------ changing a NIC's model
@dataclass
class ModelChange:
    """What choosing a catalogue entry for a NIC does.

    ``values``: the NIC fields to set (only those that change). ``remove_vfs`` and
    ``remove_links``: what no longer fits and would be removed, each with the reason in
    ``reasons``. ``refusal``: a sentence when the change cannot be made at all."""

    nic_id: str
    entry_name: str
    values: dict = field(default_factory=dict)
    remove_vfs: list[str] = field(default_factory=list)
    remove_links: list[str] = field(default_factory=list)
    trim_netdevs: list[str] | None = None
    reasons: list[str] = field(default_factory=list)
    refusal: str | None = None

    @property
    def removes_anything(self) -> bool:
        return bool(self.remove_vfs or self.remove_links or self.trim_netdevs is not None)


def plan_model_change(topo: Topology, nic_id: str, item: dict) -> ModelChange:
    """What it takes to make NIC ``nic_id`` the catalogue model ``item``, keeping every VF and
    cable that still fits. VFs on ports the new card lacks, VFs beyond its per-port or total
    limits (the last ones in the file go first) and cables on missing ports are listed for
    removal with the reason; a VF used by a guest is never removed silently — the change is
    refused instead, naming it, so that no guest loses its network behind the user's back."""
    nic = topo.elements[nic_id]
    assert isinstance(nic, Nic)
    change = ModelChange(nic_id, item["name"])
    new = preset(item)
    change.values = {k: v for k, v in new.items() if getattr(nic, k) != v}
    ports = new.get("ports", nic.ports)
    vfs = topo.vfs_of(nic_id)
    keep: list = []
    for vf in vfs:
        if vf.port >= ports:
            change.remove_vfs.append(vf.id)
            change.reasons.append(f"VF {vf.id} is on port {vf.port}; the {item['name']} has ports 0–{ports - 1}")
        else:
            keep.append(vf)
    per_port = new.get("max_vfs_per_port", 0)
    if per_port:
        by_port: dict[int, list] = {}
        for vf in keep:
            by_port.setdefault(vf.port, []).append(vf)
        for port, on_port in sorted(by_port.items()):
            for vf in on_port[per_port:]:
                change.remove_vfs.append(vf.id)
                change.reasons.append(f"VF {vf.id} is one more than the {per_port} per port the {item['name']} "
                                      f"allows on port {port}")
        keep = [vf for vf in keep if vf.id not in change.remove_vfs]
    total = new.get("max_vfs", nic.max_vfs)
    if new.get("sriov", nic.sriov) is False:
        total = 0
    for vf in keep[total:]:
        change.remove_vfs.append(vf.id)
        change.reasons.append(f"VF {vf.id} is one more than the {total} VFs the {item['name']} supports")
    for port in range(ports, nic.ports):
        link = topo.cable_at(nic_id, port)
        if link is not None:
            change.remove_links.append(link.id)
            change.reasons.append(f"cable {link.id} is on port {port}; the {item['name']} has {ports} port"
                                  f"{'s' if ports != 1 else ''}")
    if len(nic.netdevs) > ports:
        change.trim_netdevs = nic.netdevs[:ports]
        change.reasons.append(f"interface names {' '.join(nic.netdevs[ports:])} name ports the "
                              f"{item['name']} does not have")
    users = []
    for vf_id in change.remove_vfs:
        for vm, index in topo.users_of(vf_id):
            users.append(f"VM {vm.id} vNIC {index} uses VF {vf_id}")
    for vm, index in topo.users_of(nic_id):
        if vm.vnics[index].port >= ports:
            users.append(f"VM {vm.id} vNIC {index} uses port {vm.vnics[index].port}")
    if users:
        change.refusal = (f"NIC {nic_id} cannot become a {item['name']}: " + "; ".join(users)
                          + f" — the {item['name']} has ports 0–{ports - 1} and at most {total} VFs"
                          + (f" ({per_port} per port)" if per_port else "")
                          + ". Move or detach those guests first.")
    return change
