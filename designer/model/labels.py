"""Engineering labels for the file format's field names, as the inspector shows them
("Transmit demand (Gbit/s)"); the field name stays in the tooltip. Qt-free.

Keyed by field name, with a per-kind entry where one name means different things
(a switch's ``ports`` count vs a NIC's)."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "label": "Label",
    "ports": "Ports",
    "port_gbps": "Port speed",
    "rack": "Rack",
    "rack_u": "Lowest rack unit",
    "height_u": "Height",
    "cores": "CPU cores",
    "vmm_io_cores": "VMM I/O budget",
    "iommu": "VT-d / IOMMU",
    "model": "Model",
    "pcie_gbps": "PCIe bandwidth",
    "sriov": "SR-IOV enabled",
    "max_vfs": "Virtual functions (max)",
    "max_vfs_per_port": "Virtual functions per port (max)",
    "vmdq": "VMDq",
    "vf_min_rate": "VF minimum rates supported",
    "vf_max_rate": "VF rate caps supported",
    "throughput_gbps": "Total throughput",
    "driver": "Driver",
    "netdevs": "Interface names",
    "port": "Port",
    "min_gbps": "Guaranteed minimum",
    "max_gbps": "Rate cap",
    "mode": "Attachment mode",
    "vf": "Virtual function",
    "nic": "NIC",
    "tx_gbps": "Transmit demand",
    "rx_gbps": "Receive demand",
    "weight": "Share weight",
    "packet_bytes": "Packet size",
    "to": "Destination",
    "vmdq_rx_factor": "VMDq receive cost factor",
    "gbps": "Capacity",
    "title": "Title",
    "notes": "Notes",
}

UNITS = {"cores": "cores", "Gbit/s": "Gbit/s", "U": "U", "bytes": "bytes"}


def field_label(name: str, unit: str = "") -> str:
    """``"Transmit demand (Gbit/s)"`` for ``tx_gbps``; the name itself when it has no label."""
    text = LABELS.get(name, name.replace("_", " ").capitalize())
    return f"{text} ({unit})" if unit else text


def rate_cap_text(gbps: float | None) -> str:
    """A VF's or vNIC's cap as read: 0 (or none) means no cap."""
    return "no cap" if not gbps else f"{gbps:g} Gbit/s"
