"""Read libvirt's XML into plain records: guests, node devices (PFs, VFs, netdevs), networks.

Nothing here builds design elements; ``importer`` does that from these records. Each
file's kind is told by its root element: ``<domain>`` (``virsh dumpxml``), ``<device>``
(``virsh nodedev-dumpxml``) or ``<network>`` (``virsh net-dumpxml``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from .pci import Pci, from_attributes, from_children
from .xmlsafe import LibvirtError, read_xml

MAX_FILES_PER_FOLDER = 10_000
# The namespace of the <metadata> host-config writes, for what libvirt's own XML cannot hold
# (a VF's min/max rate, a software vNIC's guaranteed minimum).
RACKIO_NS = "urn:rackio:host-config:1"


@dataclass
class PciDevice:
    """A PCI node device: a PF (``virt_functions``), a VF (``phys_function``) or another device."""

    file: str
    name: str
    address: Pci
    device_class: int | None = None
    product: str = ""
    vendor: str = ""
    driver: str = ""
    max_vfs: int | None = None
    vf_addresses: list[Pci] = field(default_factory=list)
    link_cap: tuple[float, int] | None = None
    link_sta: tuple[float, int] | None = None
    phys_function: Pci | None = None

    @property
    def is_network(self) -> bool:
        return self.device_class is not None and (self.device_class >> 16) == 0x02


@dataclass
class NetDevice:
    """A ``<capability type='net'>`` node device: the host interface of a PCI function."""

    file: str
    interface: str
    parent: str
    speed_mbit: int | None = None


@dataclass
class NetworkDef:
    file: str
    name: str
    forward_mode: str | None
    pf_dev: str | None = None
    vf_addresses: list[Pci] = field(default_factory=list)
    devs: list[str] = field(default_factory=list)
    bridge: str | None = None

    @property
    def is_vf_pool(self) -> bool:
        return self.forward_mode == "hostdev"


@dataclass
class Device:
    """One ``<interface>`` or ``<hostdev>`` of a guest, in document order."""

    tag: str  # "interface" or "hostdev"
    element: Element
    position: int  # among the guest's <interface>/<hostdev> elements


@dataclass
class Guest:
    file: str
    name: str
    devices: list[Device]
    metadata: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass
class HostFiles:
    """What one host's files say."""

    name: str
    guests: list[Guest] = field(default_factory=list)
    pci: list[PciDevice] = field(default_factory=list)
    nets: list[NetDevice] = field(default_factory=list)
    networks: dict[str, NetworkDef] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def xml_files(folder: Path) -> list[Path]:
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xml" and p.is_file())
    except OSError as exc:
        raise LibvirtError(f"{folder} cannot be read: {exc.strerror or exc}") from None
    if len(files) > MAX_FILES_PER_FOLDER:
        raise LibvirtError(f"{folder}: {len(files)} XML files is more than the {MAX_FILES_PER_FOLDER} one host may have")
    return files


def scan_file(path: Path, host: HostFiles) -> None:
    root = read_xml(path)
    tag = _local(root.tag)
    name = str(path)
    if tag == "domain":
        host.guests.append(_guest(root, name))
    elif tag == "device":
        _node_device(root, name, host)
    elif tag == "network":
        network = _network(root, name)
        if network.name in host.networks:
            raise LibvirtError(f"{name}: network {network.name!r} is also defined in {host.networks[network.name].file}")
        host.networks[network.name] = network
    else:
        host.skipped.append(f"{name}: root element <{tag[:40]}> is not a domain, node device or network; skipped")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


# ------------------------------------------------------------------ guests
def _guest(root: Element, file: str) -> Guest:
    name = _text(root.find("name"))
    if not name:
        raise LibvirtError(f"{file}: the domain has no <name>")
    devices_el = root.find("devices")
    devices: list[Device] = []
    if devices_el is not None:
        for child in devices_el:
            tag = _local(child.tag)
            if tag in ("interface", "hostdev"):
                devices.append(Device(tag, child, len(devices)))
    metadata: dict[int, dict[str, str]] = {}
    meta = root.find("metadata")
    if meta is not None:
        for vnic in meta.iter(f"{{{RACKIO_NS}}}vnic"):
            try:
                index = int(vnic.get("index", ""))
            except ValueError:
                continue
            metadata[index] = dict(vnic.attrib)
    return Guest(file, name, devices, metadata)


# ------------------------------------------------------------ node devices
def _node_device(root: Element, file: str, host: HostFiles) -> None:
    name = _text(root.find("name"))
    parent = _text(root.find("parent"))
    driver = _text(root.find("driver/name"))
    for cap in root.findall("capability"):
        kind = cap.get("type")
        if kind == "pci":
            address = from_children(cap)
            if address is None:
                raise LibvirtError(f"{file}: node device {name or '?'} has no complete PCI address")
            device = PciDevice(file, name, address, driver=driver)
            device.device_class = _int(_text(cap.find("class")))
            device.product = _text(cap.find("product"))
            device.vendor = _text(cap.find("vendor"))
            for sub in cap.findall("capability"):
                if sub.get("type") == "virt_functions":
                    device.max_vfs = _int(sub.get("maxCount"))
                    device.vf_addresses = [a for a in (from_attributes(x) for x in sub.findall("address")) if a]
                elif sub.get("type") == "phys_function":
                    device.phys_function = from_attributes(sub.find("address"))
            for pcie_link in cap.findall("pci-express/link"):
                speed, width = _float(pcie_link.get("speed")), _int(pcie_link.get("width"))
                if speed is not None and width is not None:
                    if pcie_link.get("validity") == "cap":
                        device.link_cap = (speed, width)
                    elif pcie_link.get("validity") == "sta":
                        device.link_sta = (speed, width)
            host.pci.append(device)
            return
        if kind == "net":
            interface = _text(cap.find("interface"))
            if interface:
                link = cap.find("link")
                speed = _int(link.get("speed")) if link is not None else None
                host.nets.append(NetDevice(file, interface, parent, speed if speed and speed > 0 else None))
            return
    host.skipped.append(f"{file}: node device {name or '?'} is neither a PCI device nor a network interface; skipped")


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value == value and abs(value) < 1e6 else None


# ---------------------------------------------------------------- networks
def _network(root: Element, file: str) -> NetworkDef:
    name = _text(root.find("name"))
    if not name:
        raise LibvirtError(f"{file}: the network has no <name>")
    forward = root.find("forward")
    mode = None
    network = NetworkDef(file, name, None)
    if forward is not None:
        mode = forward.get("mode") or "nat"  # libvirt's default forward mode
        network.forward_mode = mode
        pf = forward.find("pf")
        network.pf_dev = pf.get("dev") if pf is not None else None
        network.vf_addresses = [a for a in (from_attributes(x) for x in forward.findall("address")) if a]
        devs = [forward.get("dev")] + [i.get("dev") for i in forward.findall("interface")]
        network.devs = [d for d in devs if d]
    bridge = root.find("bridge")
    network.bridge = bridge.get("name") if bridge is not None else None
    return network


def scan_paths(paths: Sequence[str | os.PathLike[str]], host_name: str | None) -> list[HostFiles]:
    """Group the given files and folders into hosts: a folder is one host named after it;
    loose files belong to ``host_name`` (default ``host``). With ``host_name`` every path
    goes to that one host."""
    hosts: dict[str, HostFiles] = {}
    seen: set[Path] = set()  # a file given twice (alone and in its folder) is read once
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            name = host_name or path.resolve().name or "host"
            files = xml_files(path)
            if not files:
                raise LibvirtError(f"{path}: the folder holds no .xml files")
        elif path.exists():
            name = host_name or "host"
            files = [path]
        else:
            raise LibvirtError(f"{path} does not exist")
        fresh = [file for file in files if file.resolve() not in seen]
        if not fresh:
            continue
        host = hosts.setdefault(name, HostFiles(name))
        for file in fresh:
            seen.add(file.resolve())
            scan_file(file, host)
    return list(hosts.values())
