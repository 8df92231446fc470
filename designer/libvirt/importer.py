"""Build design elements from libvirt definitions (SPEC §11).

Each host becomes a ``server``; each domain a ``vm`` whose vNICs follow its ``<interface>``
and NIC ``<hostdev>`` elements in document order; each PF card of the node-device XML a
``nic`` (the PFs of one PCI bus/slot are the ports of one card). VFs given to guests become
``vf`` elements on the port of their PF, at the index the host gives them. Everything that
cannot be mapped is a line of ``ImportResult.notes``; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..layout import NIC_GAP, nic_size, server_layout
from ..model.elements import (
    ID_PATTERN,
    MODES,
    VM,
    Element,
    Nic,
    Server,
    VirtualFunction,
    VNic,
    is_valid_netdev,
)
from ..model.racks import members, span
from ..model.schema import VNIC_FIELDS, FieldError, field_spec, fields_for
from ..model.topology import Topology
from .pci import Pci, from_attributes, link_gbps
from .scan import Guest, HostFiles, NetworkDef, PciDevice, scan_paths
from .xmlsafe import MAX_XML_BYTES, LibvirtError

PARAVIRTUAL_MODELS = {"virtio", "virtio-transitional", "virtio-non-transitional"}
EMULATED_MODELS = {"e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet"}
SOFTWARE_TYPES = {"network", "bridge", "direct", "ethernet", "user", "vhostuser"}
MAX_VNICS_PER_VM = 64
MAX_RATES_BYTES = MAX_XML_BYTES
# Drivers a PF is bound to while passed through to a guest: not the NIC's own driver.
_NOT_NIC_DRIVERS = {"vfio-pci", "pci-stub", "pciback", "xen-pciback"}
_NOT_ID = re.compile(r"[^A-Za-z0-9_.\-]+")
_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


def kbytes_to_gbps(kbytes_per_s: float) -> float:
    """libvirt's ``<bandwidth>`` rates are kilobytes per second: A × 8 / 10⁶ Gbit/s."""
    return kbytes_per_s * 8 / 1e6


@dataclass
class ImportResult:
    elements: list[Element] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def vms(self) -> list[VM]:
        return [e for e in self.elements if isinstance(e, VM)]

    def mode_counts(self) -> Counter:
        return Counter(v.mode for vm in self.vms for v in vm.vnics)

    def summary(self) -> str:
        counts = self.mode_counts()
        vnics = sum(counts.values())
        nics = sum(1 for e in self.elements if isinstance(e, Nic))
        vfs = sum(1 for e in self.elements if isinstance(e, VirtualFunction))
        by_mode = ", ".join(f"{mode} {counts.get(mode, 0)}" for mode in MODES)
        lines = [
            f"imported {_n(len(self.hosts), 'host')} ({', '.join(self.hosts)}), {_n(len(self.vms), 'guest')}, "
            f"{_n(vnics, 'vNIC')} ({by_mode}), {_n(nics, 'NIC')}, {_n(vfs, 'VF')}"
        ]
        if self.notes:
            lines.append(f"not mapped or assumed ({len(self.notes)}):")
            lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


class _Ids:
    """Ids unique among the design's elements, links and racks and those made so far."""

    def __init__(self, topo: Topology | None) -> None:
        self.taken: set[str] = set()
        if topo is not None:
            self.taken |= set(topo.elements) | set(topo.links) | set(topo.racks)

    def make(self, wanted: str, fallback: str) -> str:
        stem = _NOT_ID.sub("-", wanted).strip("-")[:64] or fallback
        if not ID_PATTERN.match(stem):
            stem = fallback
        candidate, n = stem, 2
        while candidate in self.taken:
            suffix = f"-{n}"
            candidate = stem[: 64 - len(suffix)] + suffix
            n += 1
        self.taken.add(candidate)
        return candidate


@dataclass
class _Port:
    """The VFs of one NIC port: ``fixed`` at the index the host gives them, ``loose`` in arrival order."""

    fixed: dict[int, VirtualFunction] = field(default_factory=dict)
    loose: list[tuple[tuple, VirtualFunction]] = field(default_factory=list)


@dataclass
class _Card:
    nic: Nic
    pfs: list[PciDevice | None]  # by port; None for a port known only by its netdev or a guess
    ports: dict[int, _Port] = field(default_factory=dict)
    inferred: bool = False
    named_ports: dict[int, str] = field(default_factory=dict)  # netdevs known from RackIO metadata

    def port(self, index: int) -> _Port:
        return self.ports.setdefault(index, _Port())


class _HostBuilder:
    def __init__(self, files: HostFiles, ids: _Ids, notes: list[str], catalogue: list[dict]) -> None:
        self.files = files
        self.ids = ids
        self.notes = notes
        self.catalogue = catalogue
        self.server = Server(id=ids.make(files.name, "host"), label=files.name)
        self.cards: list[_Card] = []
        self.by_slot: dict[tuple[int, int, int], _Card] = {}
        self.by_netdev: dict[str, tuple[_Card, int]] = {}
        self.vf_home: dict[Pci, tuple[_Card, int, int]] = {}  # VF address → card, port, VF index
        self.pci: dict[Pci, PciDevice] = {d.address: d for d in files.pci}
        self.vms: list[VM] = []
        self.unplaced_card: _Card | None = None
        self.by_meta: dict[str, _Card] = {}
        self.origin: dict[int, str] = {}  # id(element) → the file it came from, for refusals
        self.noted_networks: set[str] = set()
        self.noted_bridges: set[str] = set()
        self._pf_cards()

    def note(self, text: str) -> None:
        self.notes.append(text)

    # ----------------------------------------------------------------- NICs
    def _pf_cards(self) -> None:
        pfs = [d for d in self.files.pci if d.phys_function is None and (d.is_network or d.max_vfs is not None)]
        groups: dict[tuple[int, int, int], list[PciDevice]] = {}
        for device in sorted(pfs, key=lambda d: d.address):
            groups.setdefault(device.address.card, []).append(device)
        nets_by_parent: dict[str, list] = {}
        for net in self.files.nets:
            nets_by_parent.setdefault(net.parent, []).append(net)
        for key, devices in groups.items():
            first = devices[0]
            nic = Nic(id=self.ids.make(f"{self.server.id}n{len(self.cards)}", "nic"), parent=self.server.id,
                      ports=len(devices))
            product = first.product or f"PCI device {first.address}"
            nic.label = product
            nic.model = product
            speeds = [n.speed_mbit for d in devices for n in nets_by_parent.get(d.name, []) if n.speed_mbit]
            match = match_catalogue(product, len(devices), max(speeds) / 1000 if speeds else None, self.catalogue)
            if match is not None:
                _take_catalogue(nic, match)
            else:
                self.note(f"{first.file}: product {product!r} is not in the NIC catalogue; "
                          f"NIC {nic.id} keeps the default port speed and driver capabilities")
            if first.driver and first.driver not in _NOT_NIC_DRIVERS:
                nic.driver = first.driver
            counts = [d.max_vfs for d in devices if d.max_vfs is not None]
            if counts:
                nic.sriov = any(c > 0 for c in counts)
                nic.max_vfs = sum(counts)
                nic.max_vfs_per_port = max(counts)
            if first.link_cap is not None:
                gbps = link_gbps(*first.link_cap)
                if gbps is None:
                    self.note(f"{first.file}: PCIe speed {first.link_cap[0]:g} GT/s is not one RackIO knows; "
                              f"NIC {nic.id} keeps pcie_gbps {nic.pcie_gbps:g}")
                else:
                    nic.pcie_gbps = gbps
                if first.link_sta is not None and first.link_sta != first.link_cap:
                    self.note(f"{first.file}: the PCIe link of {first.address} runs at {first.link_sta[0]:g} GT/s "
                              f"x{first.link_sta[1]}, below its capability {first.link_cap[0]:g} GT/s "
                              f"x{first.link_cap[1]}: pcie_gbps is the capability's {nic.pcie_gbps:g}; "
                              f"{link_gbps(*first.link_sta)} if the slot stays at this speed")
            if speeds:
                nic.port_gbps = max(speeds) / 1000
            netdevs = []
            for port, device in enumerate(devices):
                names = [n.interface for n in nets_by_parent.get(device.name, [])]
                netdevs.append(names[0] if names and is_valid_netdev(names[0]) else None)
            if all(netdevs):
                nic.netdevs = list(netdevs)  # type: ignore[arg-type]
            elif any(netdevs):
                self.note(f"NIC {nic.id}: the interface name of port "
                          f"{', '.join(str(p) for p, n in enumerate(netdevs) if not n)} is not in the node-device XML; "
                          f"netdevs left empty")
            nic.extra["libvirt"] = {"pci": [str(d.address) for d in devices]}
            card = _Card(nic, list(devices))
            self.origin[id(nic)] = first.file
            self.cards.append(card)
            self.by_slot[key] = card
            for port, name in enumerate(netdevs):
                if name:
                    self.by_netdev[name] = (card, port)
            for port, device in enumerate(devices):
                for index, vf in enumerate(device.vf_addresses):
                    self.vf_home[vf] = (card, port, index)
        # A VF's own node device names its PF: that places it even when the PF lists no VFs.
        for device in self.files.pci:
            pf = device.phys_function
            if pf is not None and device.address not in self.vf_home and pf.card in self.by_slot:
                card = self.by_slot[pf.card]
                port = [p.address if p else None for p in card.pfs].index(pf) if pf in [
                    p.address if p else None for p in card.pfs] else 0
                self.vf_home[device.address] = (card, port, -1)

    def _new_card(self, label: str, ports: int, inferred: bool = True, wanted_id: str | None = None) -> _Card:
        nic = Nic(id=self.ids.make(wanted_id or f"{self.server.id}n{len(self.cards)}", "nic"), parent=self.server.id,
                  ports=max(1, ports), label=label)
        card = _Card(nic, [None] * max(1, ports), inferred=inferred)
        self.cards.append(card)
        return card

    def card_for_slot(self, address: Pci, port: int) -> _Card:
        card = self.by_slot.get(address.card)
        if card is None:
            card = self._new_card(f"PCI {address.domain:04x}:{address.bus:02x}:{address.slot:02x}", port + 1)
            self.by_slot[address.card] = card
            self.note(f"{self.server.id}: NIC {card.nic.id} is inferred from the guests' PCI addresses on "
                      f"{address.domain:04x}:{address.bus:02x}:{address.slot:02x} (no node-device XML of its PF): "
                      f"one NIC per bus/slot, default model fields, VF indices in PCI address order")
        elif port >= card.nic.ports and card.inferred:
            card.nic.ports = port + 1
            card.pfs += [None] * (port + 1 - len(card.pfs))
        return card

    def card_for_netdev(self, netdev: str, why: str) -> tuple[_Card, int]:
        found = self.by_netdev.get(netdev)
        if found is not None:
            return found
        card = self._new_card(netdev, 1, inferred=True)
        if is_valid_netdev(netdev):
            card.nic.netdevs = [netdev]
        self.by_netdev[netdev] = (card, 0)
        self.note(f"{self.server.id}: NIC {card.nic.id} stands for interface {netdev!r} ({why}); "
                  f"no node-device XML describes it, so it has one port and default model fields")
        return card, 0

    def card_for_meta(self, meta: dict[str, str]) -> tuple[_Card, int] | None:
        """The NIC and port a guest's RackIO metadata names (host-config writes it), when no
        node-device XML describes them: the design's NIC id, port and PF name come back."""
        nic_id, pf = meta.get("nic"), meta.get("pf")
        try:
            port = int(meta.get("port", "0"))
        except ValueError:
            return None
        if not nic_id or not 0 <= port < 16:
            return None
        if pf and pf in self.by_netdev and not self.by_netdev[pf][0].inferred:
            return self.by_netdev[pf]
        card = self.by_meta.get(nic_id)
        if card is None:
            card = self._new_card("", port + 1, wanted_id=nic_id)
            self.by_meta[nic_id] = card
        if port >= card.nic.ports:
            card.nic.ports = port + 1
            card.pfs += [None] * (port + 1 - len(card.pfs))
        if pf and is_valid_netdev(pf):
            card.named_ports[port] = pf
            self.by_netdev.setdefault(pf, (card, port))
        return card, port

    def _card_on_bus(self, address: Pci) -> _Card | None:
        """The one node-device card on the VF's PCI bus (a PF's VFs sit on its bus, in other slots)."""
        cards = [card for key, card in self.by_slot.items()
                 if not card.inferred and key[:2] == (address.domain, address.bus)]
        return cards[0] if len(cards) == 1 else None

    def card_unplaced(self) -> _Card:
        if self.unplaced_card is None:
            self.unplaced_card = self._new_card("VFs of unknown PF", 1, inferred=True)
            self.note(f"{self.server.id}: NIC {self.unplaced_card.nic.id} holds VFs whose PF is not known "
                      f"(no usable PCI address); move them to the right NIC")
        return self.unplaced_card

    # -------------------------------------------------------------- guests
    def guest(self, guest: Guest, vm_id: str) -> VM:
        vm = VM(id=vm_id, parent=self.server.id, label=guest.name)
        self.origin[id(vm)] = guest.file
        vm.extra["libvirt"] = {"name": guest.name}
        where = f"{guest.file}: guest {guest.name}"
        for device in guest.devices:
            if len(vm.vnics) >= MAX_VNICS_PER_VM:
                raise LibvirtError(f"{guest.file}: guest {guest.name} has more than the {MAX_VNICS_PER_VM} "
                                   f"network devices RackIO takes per guest")
            meta = guest.metadata.get(len(vm.vnics), {})
            if device.tag == "interface":
                vnic = self._interface(device.element, where, len(vm.vnics), meta)
            else:
                vnic = self._hostdev(device.element, where, len(vm.vnics), meta)
            if vnic is not None:
                vm.vnics.append(vnic)
        if not vm.vnics:
            self.note(f"{where}: no network device RackIO can map; imported as a guest without vNICs")
        self.vms.append(vm)
        return vm

    def _interface(self, el, where: str, index: int, meta: dict[str, str]) -> VNic | None:
        kind = el.get("type", "")
        at = f"{where} interface {index}"
        mac_el = el.find("mac")
        mac = mac_el.get("address") if mac_el is not None else None
        info: dict[str, Any] = {"type": kind}
        if mac:
            info["mac"] = mac.lower()
        target = el.find("target")
        if target is not None and target.get("dev"):
            info["target"] = target.get("dev")  # the host side's name, as virsh domifstat takes it
        source = el.find("source")
        if source is not None and source.attrib:
            info["source"] = {k: v for k, v in source.attrib.items() if isinstance(v, str)}
        model_el = el.find("model")
        model = model_el.get("type") if model_el is not None else None
        if kind == "hostdev":
            # An SR-IOV VF given to the guest; its <model> is irrelevant (SPEC §11).
            address = from_attributes(source.find("address") if source is not None else None)
            vnic = self._vf_vnic(address, None, at, meta, info)
        elif kind == "network" and self._pool(source, meta) is not None:
            pool = self._pool(source, meta)
            assert pool is not None
            info["network"] = pool.name
            vnic = self._vf_vnic(None, pool, at, meta, info)
        elif kind in SOFTWARE_TYPES:
            if model in PARAVIRTUAL_MODELS:
                mode = "paravirtual"
            elif model is None or model in EMULATED_MODELS:
                mode = "emulated"
            else:
                mode = "emulated"
                self.note(f"{at}: model {model!r} is not in SPEC §11's table; imported as emulated")
            if model:
                info["model"] = model
            vnic = VNic(mode=mode)
            self._uplink(vnic, kind, source, at, meta)
        else:
            self.note(f"{at}: type {kind!r} is not mapped (SPEC §11 maps hostdev, network, bridge, direct, "
                      f"ethernet, user and vhostuser); skipped")
            return None
        self._bandwidth(el, vnic, at, info)
        self._metadata(vnic, meta)
        vnic.extra["libvirt"] = info
        return vnic

    def _pool(self, source, meta: dict[str, str]) -> NetworkDef | None:
        name = source.get("network") if source is not None else None
        network = self.files.networks.get(name or "")
        if network is None and name and meta.get("mode") == "vf":
            # host-config's snippet of a VF from a pool: its metadata says so and names the PF.
            network = NetworkDef("metadata", name, "hostdev", pf_dev=meta.get("pf") or None)
            self.files.networks[name] = network
        return network if network is not None and network.is_vf_pool else None

    def _hostdev(self, el, where: str, index: int, meta: dict[str, str]) -> VNic | None:
        at = f"{where} hostdev {index}"
        if el.get("mode", "subsystem") != "subsystem" or el.get("type") != "pci":
            self.note(f"{at}: <hostdev mode={el.get('mode')!r} type={el.get('type')!r}> is not a PCI device; skipped")
            return None
        address = from_attributes(el.find("source/address"))
        if address is None and meta.get("mode") == "passthrough" and self.card_for_meta(meta) is not None:
            card, port = self.card_for_meta(meta)  # type: ignore[misc]
            self.note(f"{at}: the PCI address is a placeholder; NIC {card.nic.id} port {port} from RackIO metadata")
            vnic = VNic(mode="passthrough", nic=card.nic.id, port=port)
            vnic.extra["libvirt"] = {"type": "hostdev-pci"}
            return vnic
        if address is None:
            self.note(f"{at}: PCI hostdev without a complete source address; skipped")
            return None
        info: dict[str, Any] = {"type": "hostdev-pci", "address": str(address)}
        if address in self.vf_home or (address in self.pci and self.pci[address].phys_function is not None):
            vnic = self._vf_vnic(address, None, at, meta, info)  # a VF given as a plain <hostdev>
            self.note(f"{at}: {address} is a VF given as <hostdev>; imported in mode vf")
            self._metadata(vnic, meta)
            vnic.extra["libvirt"] = info
            return vnic
        device = self.pci.get(address)
        if device is not None and not device.is_network and device.max_vfs is None:
            self.note(f"{at}: {address} ({device.product or 'PCI device'}) is not a NIC; skipped")
            return None
        card = self.by_slot.get(address.card)
        if card is not None and not card.inferred:
            ports = [p.address if p else None for p in card.pfs]
            port = ports.index(address) if address in ports else 0
        elif device is None and self.card_for_meta(meta) is not None:
            card, port = self.card_for_meta(meta)  # type: ignore[misc]
            card.nic.extra.setdefault("libvirt", {}).setdefault("pci", [""] * card.nic.ports)
            pci = card.nic.extra["libvirt"]["pci"]
            pci += [""] * (card.nic.ports - len(pci))
            pci[port] = str(address)
        else:
            if device is None:
                self.note(f"{at}: no node-device XML describes {address}; taken to be a whole NIC")
            card = self.card_for_slot(address, address.function)
            port = address.function
        vnic = VNic(mode="passthrough", nic=card.nic.id, port=port)
        self._metadata(vnic, meta)
        vnic.extra["libvirt"] = info
        return vnic

    def _vf_vnic(self, address: Pci | None, pool: NetworkDef | None, at: str, meta: dict[str, str],
                 info: dict[str, Any]) -> VNic:
        vf = VirtualFunction(id="", parent="")
        vf_info: dict[str, Any] = {}
        if address is not None:
            vf_info["address"] = str(address)
        home = self.vf_home.get(address) if address is not None else None
        if home is not None:
            card, port, index = home
            if index >= 0:
                if index in card.port(port).fixed:
                    self.note(f"{at}: VF {address} is already given to another guest; both use it")
                    other = card.port(port).fixed[index]
                    return VNic(mode="vf", vf=other.id or None, extra={"_vf": other})
                card.port(port).fixed[index] = vf
                vf_info["index"] = index
            else:
                card.port(port).loose.append(((0, address), vf))
        elif pool is None and (named := self.card_for_meta(meta)) is not None:
            card, port = named
            meta_index = _whole(meta.get("vf_index"))
            if meta_index is not None and meta_index not in card.port(port).fixed:
                card.port(port).fixed[meta_index] = vf
                vf_info["index"] = meta_index
            else:
                card.port(port).loose.append(((2, len(card.port(port).loose)), vf))
        elif pool is not None:
            vf_info["pool"] = pool.name
            card, port = self._pool_home(pool, at, meta)
            card.port(port).loose.append(((1, len(card.port(port).loose)), vf))
            self.note(f"{at}: takes a VF from pool {pool.name!r}; libvirt picks which VF when the guest starts")
        elif address is not None and self._card_on_bus(address) is not None:
            card, port = self._card_on_bus(address), 0  # type: ignore[assignment]
            self.note(f"{at}: VF {address} is in no PF's virt_functions list; placed on NIC {card.nic.id}, "
                      f"the only card on bus {address.domain:04x}:{address.bus:02x}, port 0")
            card.port(0).loose.append(((0, address), vf))
        elif address is not None:
            card, port = self.card_for_slot(address, 0), 0
            card.port(0).loose.append(((0, address), vf))
        else:
            pf = meta.get("pf")
            if pf and is_valid_netdev(pf):
                card, port = self.card_for_netdev(pf, "named by the guest's RackIO metadata")
            else:
                self.note(f"{at}: the VF's PCI address is missing or a placeholder")
                card, port = self.card_unplaced(), 0
            card.port(port).loose.append(((2, len(card.port(port).loose)), vf))
        vf.parent = card.nic.id
        vf.port = port
        if meta.get("vf"):
            vf.id = meta["vf"]  # the design's VF id, kept when it is free
        vf.extra["libvirt"] = vf_info
        return VNic(mode="vf", extra={"_vf": vf})

    def _pool_home(self, pool: NetworkDef, at: str, meta: dict[str, str]) -> tuple[_Card, int]:
        if (not pool.pf_dev or pool.pf_dev not in self.by_netdev) and self.card_for_meta(meta) is not None:
            return self.card_for_meta(meta)  # type: ignore[return-value]
        if pool.pf_dev:
            return self.card_for_netdev(pool.pf_dev, f"the PF of VF pool {pool.name!r}")
        for address in pool.vf_addresses:
            home = self.vf_home.get(address)
            if home is not None:
                return home[0], home[1]
        if pool.vf_addresses:
            return self.card_for_slot(pool.vf_addresses[0], 0), 0
        self.note(f"{pool.file}: VF pool {pool.name!r} names neither a <pf dev> nor VF addresses")
        return self.card_unplaced(), 0

    def _uplink(self, vnic: VNic, kind: str, source, at: str, meta: dict[str, str]) -> None:
        """The vSwitch uplink of a software vNIC, where libvirt's XML names it."""
        home = self.card_for_meta(meta)
        if home is not None:
            vnic.nic, vnic.port = home[0].nic.id, home[1]
            return
        dev = None
        if kind == "direct" and source is not None:
            dev = source.get("dev")
        elif kind == "network" and source is not None:
            name = source.get("network", "")
            network = self.files.networks.get(name)
            if network is None:
                if name not in self.noted_networks:
                    self.noted_networks.add(name)
                    self.note(f"{self.server.id}: network {name!r} has no network XML; its guests' vNICs are taken "
                              f"as software vNICs with no uplink (set their NIC in the inspector)")
                return
            dev = network.pf_dev or (network.devs[0] if network.devs else None)
            if not dev:
                if name not in self.noted_networks:
                    self.noted_networks.add(name)
                    self.note(f"{network.file}: network {name!r} (forward mode {network.forward_mode or 'none'}"
                              f"{', bridge ' + network.bridge if network.bridge else ''}) names no host interface; "
                              f"its guests' vNICs have no NIC yet (set it in the inspector)")
                return
        if dev and (dev in self.by_netdev):
            card, port = self.by_netdev[dev]
            vnic.nic, vnic.port = card.nic.id, port
            return
        if dev:
            card, port = self.card_for_netdev(dev, f"the uplink of {at}")
            vnic.nic, vnic.port = card.nic.id, port
            return
        bridge = source.get("bridge") if (source is not None and kind == "bridge") else None
        key = bridge or kind
        if key not in self.noted_bridges:
            self.noted_bridges.add(key)
            what = f"bridge {bridge!r}" if bridge else f"type {kind!r} interfaces"
            self.note(f"{self.server.id}: the uplink NIC of {what} is not in libvirt's XML; "
                      f"those vNICs have no NIC yet (set it in the inspector)")

    def _bandwidth(self, el, vnic: VNic, at: str, info: dict[str, Any]) -> None:
        bandwidth = el.find("bandwidth")
        if bandwidth is None:
            return
        kept: dict[str, dict[str, str]] = {}
        outbound = bandwidth.find("outbound")
        if outbound is not None:
            average = _number(outbound.get("average"))
            if average is None and outbound.get("average") is not None:
                self.note(f"{at}: outbound average {outbound.get('average')!r} is not a number; ignored")
            elif average is not None and average > 0 and not math.isfinite(kbytes_to_gbps(average)):
                self.note(f"{at}: outbound average {outbound.get('average')!r} is beyond any rate; ignored")
            elif average is not None and average > 0:
                gbps = kbytes_to_gbps(average)
                if vnic.mode == "vf":
                    vnic.extra["_vf"].max_gbps = gbps
                    self.note(f"{at}: <bandwidth> on a hostdev interface (libvirt refuses it); "
                              f"kept as the VF's max_gbps {gbps:g}")
                else:
                    vnic.max_gbps = gbps
            rest = {k: v for k, v in outbound.attrib.items() if k != "average"}
            if rest:
                kept["outbound"] = rest
                self.note(f"{at}: outbound {', '.join(sorted(rest))} kept under vnic libvirt.bandwidth "
                          f"(RackIO models the average only)")
        inbound = bandwidth.find("inbound")
        if inbound is not None and inbound.attrib:
            kept["inbound"] = dict(inbound.attrib)
            floor = _number(inbound.get("floor"))
            if floor:
                self.note(f"{at}: inbound floor {floor:g} kB/s ({kbytes_to_gbps(floor):g} Gbit/s) is a receive "
                          f"guarantee the VMM enforces; kept as vnic field libvirt.bandwidth.inbound "
                          f"(RackIO's floors are on transmit)")
            others = sorted(k for k in inbound.attrib if k != "floor")
            if others:
                self.note(f"{at}: inbound {', '.join(others)} (receive shaping) kept under vnic "
                          f"libvirt.bandwidth.inbound (RackIO caps transmit only)")
        if kept:
            info["bandwidth"] = kept

    def _metadata(self, vnic: VNic, meta: dict[str, str]) -> None:
        """What host-config wrote in the guest's RackIO <metadata>: rates libvirt's XML cannot hold."""
        for name in ("min_gbps", "max_gbps"):
            value = _number(meta.get(name))
            if value is None or value < 0:
                continue
            if vnic.mode == "vf":
                setattr(vnic.extra["_vf"], name, value)
            elif name == "min_gbps" or not vnic.max_gbps:
                setattr(vnic, name, value)

    # ---------------------------------------------------------- finishing
    def finish(self) -> list[Element]:
        elements: list[Element] = [self.server]
        vf_elements: list[VirtualFunction] = []
        for card in self.cards:
            if card.named_ports and not card.nic.netdevs:
                names = [card.named_ports.get(p) for p in range(card.nic.ports)]
                if all(names) and len(set(names)) == len(names):
                    card.nic.netdevs = names  # type: ignore[assignment]
            elements.append(card.nic)
            for port_index in sorted(card.ports):
                port = card.ports[port_index]
                slots: dict[int, VirtualFunction] = dict(port.fixed)
                free = 0
                for _, loose_vf in sorted(port.loose, key=lambda item: item[0]):
                    while free in slots:
                        free += 1
                    slots[free] = loose_vf
                top = max(slots) + 1 if slots else 0
                spares = 0
                for index in range(top):
                    vf = slots.get(index)
                    if vf is None:
                        # An unused VF below a used one keeps the used VF at the index the host gives it.
                        vf = VirtualFunction(id="", parent=card.nic.id, port=port_index, label="spare")
                        spares += 1
                    vf.id = self.ids.make(vf.id or f"{card.nic.id}p{port_index}v{index}", "vf")
                    vf.port = port_index
                    info = vf.extra.get("libvirt")
                    if isinstance(info, dict) and "address" in info:
                        # Where the address was true: host-config writes it only while the VF stays there.
                        info["nic"], info["port"], info["index"] = card.nic.id, port_index, index
                    vf_elements.append(vf)
                if spares:
                    self.note(f"NIC {card.nic.id} port {port_index}: {spares} unused VF"
                              f"{'s' * (spares != 1)} below the highest VF in use, kept as spares so each VF "
                              f"keeps the index the host gives it")
        for vm in self.vms:
            for vnic in vm.vnics:
                vf = vnic.extra.pop("_vf", None)
                if vf is not None:
                    vnic.vf = vf.id
        return elements + vf_elements + self.vms


def _whole(text: str | None) -> int | None:
    try:
        value = int(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value < 4096 else None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


# --------------------------------------------------------------- catalogue
_VENDOR_WORDS = {"intel", "nvidia", "mellanox", "broadcom", "corporation", "technologies", "inc", "ltd", "co"}


def _words(text: str) -> set[str]:
    out: set[str] = set()
    for word in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower()):
        out.add(word)
        out.update(word.split("-"))
    return out


def _chips(entry: dict) -> tuple[set[str], set[str]]:
    """The chip tokens of a catalogue entry (``x710`` of "Intel X710-DA2", ``82599es`` and
    ``x520`` of "Intel 82599ES (X520-DA2)") and all the entry's words."""
    chips: set[str] = set()
    for text in (entry.get("model", ""), entry.get("name", "")):
        for token in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", str(text).lower()):
            if token in _VENDOR_WORDS or not re.search(r"\d", token) or not re.search(r"[a-z]", token):
                continue
            chips.add(token if re.fullmatch(r"[a-z]+-\d+", token) else token.split("-")[0])
            break
    return chips, _words(str(entry.get("model", ""))) | _words(str(entry.get("name", "")))


def match_catalogue(product: str, ports: int, port_gbps: float | None, catalogue: list[dict]) -> dict | None:
    """The catalogue entry for a node device's product name, ignoring vendor words: the entry's
    chip (X710, E810, 82599ES, ConnectX-5…) must appear in the product; ties are broken by
    port count, port speed and the other words both share; then catalogue order."""
    product_words = _words(product) - _VENDOR_WORDS
    best, best_score = None, -1.0
    for position, entry in enumerate(catalogue):
        chips, words = _chips(entry)
        if not chips & product_words:
            continue
        score = 0.0
        if entry.get("ports") == ports:
            score += 4
        if port_gbps is not None and entry.get("port_gbps") == port_gbps:
            score += 2
        score += len((words - _VENDOR_WORDS) & product_words) * 0.5
        if score > best_score:
            best, best_score = entry, score
    return best


_CATALOGUE_SKIP = {"name", "note", "kind", "id", "parent", "x", "y", "label", "ports", "source", "netdevs"}


def _take_catalogue(nic: Nic, entry: dict) -> None:
    for key, value in entry.items():
        if key in _CATALOGUE_SKIP or not isinstance(key, str):
            continue
        try:
            setattr(nic, key, field_spec("nic", key).coerce(value))
        except (KeyError, FieldError):
            continue


# ---------------------------------------------------------------- rates
def read_rates(path: str, vms: list[VM]) -> None:
    """Apply ``vm,interface,tx_gbps,rx_gbps`` rows (interface = MAC, host-side target name such as
    ``vnet3``, or vNIC index)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_RATES_BYTES:
            raise LibvirtError(f"{path}: a rates file over {MAX_RATES_BYTES // 2**20} MiB is refused")
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LibvirtError(f"{path}: not UTF-8 text") from None
    except FileNotFoundError:
        raise LibvirtError(f"{path} does not exist") from None
    except OSError as exc:
        raise LibvirtError(f"{path} cannot be read: {exc.strerror or exc}") from None
    by_name: dict[str, VM] = {}
    for guest in vms:
        by_name.setdefault(guest.id, guest)
        by_name.setdefault(guest.extra.get("libvirt", {}).get("name", guest.id), guest)
    seen: set[tuple[str, int]] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in row]
        if number == 1 and cells[0].lower() == "vm":
            continue  # header
        at = f"{path} line {number}"
        if len(cells) != 4:
            raise LibvirtError(f"{at}: expected vm,interface,tx_gbps,rx_gbps, got {len(cells)} fields")
        name, interface, tx_text, rx_text = cells
        vm = by_name.get(name)
        if vm is None:
            raise LibvirtError(f"{at}: vm {name[:64]!r} is not among the imported guests")
        targets = [i for i, v in enumerate(vm.vnics) if v.extra.get("libvirt", {}).get("target") == interface]
        if targets and not interface.isdigit():
            index = targets[0]
        elif _MAC.match(interface):
            matches = [i for i, v in enumerate(vm.vnics) if v.extra.get("libvirt", {}).get("mac") == interface.lower()]
            if not matches:
                raise LibvirtError(f"{at}: guest {name} has no interface with MAC {interface}")
            index = matches[0]
        elif interface.isdigit() and int(interface) < len(vm.vnics):
            index = int(interface)
        else:
            raise LibvirtError(f"{at}: interface {interface[:40]!r} is neither a MAC address, a target name nor a vNIC index "
                               f"of guest {name} (0–{len(vm.vnics) - 1})")
        if (vm.id, index) in seen:
            raise LibvirtError(f"{at}: guest {name} interface {interface} is given twice")
        seen.add((vm.id, index))
        for label, cell, attr in (("tx_gbps", tx_text, "tx_gbps"), ("rx_gbps", rx_text, "rx_gbps")):
            value = _number(cell)
            if value is None:
                raise LibvirtError(f"{at}: {label} {cell[:40]!r} must be a number ≥ 0")
            setattr(vm.vnics[index], attr, value)


# --------------------------------------------------------------- placing
def _place(topo: Topology | None, servers: list[tuple[Server, list[Nic], int]]) -> None:
    """Put new servers in a row right of what the canvas holds, and into the first rack
    with free units (lowest first) when the design has racks."""
    x, y = 0.0, 0.0
    if topo is not None:
        rights, tops = [], []
        for element in topo.elements.values():
            if element.parent_id or element.x is None:
                continue
            width = 240.0
            if isinstance(element, Server):
                sizes = [nic_size(n.ports, {}) for n in topo.nics_of(element.id)]
                width = server_layout(sizes, len(topo.vms_of(element.id)))["width"]
            rights.append(element.x + width)
            tops.append(element.y or 0.0)
        if rights:
            x, y = max(rights) + 120.0, min(tops)
    used: dict[str, set[int]] = {}
    if topo is not None:
        for rack_id in topo.racks:
            used[rack_id] = {u for other in members(topo, rack_id) for u in range(span(other)[0], span(other)[1] + 1)}
    for server, nics, n_vms in servers:
        server.x, server.y = x, y
        x += server_layout([nic_size(n.ports, {}) for n in nics], n_vms)["width"] + 4 * NIC_GAP
        for rack_id, taken in used.items():
            height = topo.racks[rack_id].height_u  # type: ignore[union-attr]
            start = next((u for u in range(1, height - server.height_u + 2)
                          if not any(v in taken for v in range(u, u + server.height_u))), None)
            if start is not None:
                server.rack, server.rack_u = rack_id, start
                taken.update(range(start, start + server.height_u))
                break


def import_libvirt(paths: list[str], host: str | None = None, rates: str | None = None,
                   topo: Topology | None = None, catalogue: list[dict] | None = None) -> ImportResult:
    """Read libvirt XML files and folders into new elements for ``topo`` (or a new design)."""
    if catalogue is None:
        from ..resources_access import nic_catalogue

        try:
            catalogue = nic_catalogue()
        except (OSError, ValueError, KeyError):
            catalogue = []
    hosts = scan_paths(paths, host)
    result = ImportResult()
    ids = _Ids(topo)
    placed: list[tuple[Server, list[Nic], int]] = []
    for files in hosts:
        result.notes.extend(files.skipped)
        builder = _HostBuilder(files, ids, result.notes, catalogue)
        for guest in files.guests:
            builder.guest(guest, ids.make(guest.name, "vm"))
        elements = builder.finish()
        _validate(elements, builder.origin, files.name)
        result.elements.extend(elements)
        result.hosts.append(builder.server.id)
        placed.append((builder.server, [c.nic for c in builder.cards], len(builder.vms)))
        if not files.guests:
            result.notes.append(f"{files.name}: no domain XML among the files")
    if rates:
        read_rates(rates, result.vms)
    _place(topo, placed)
    return result


def _validate(elements: list[Element], origin: dict[int, str], host: str) -> None:
    """Every field as the file loader would check it, so a saved import always loads again."""
    for element in elements:
        where = origin.get(id(element), f"host {host}")
        for spec in fields_for(element.KIND):
            try:
                setattr(element, spec.name, spec.coerce(getattr(element, spec.name)))
            except FieldError as exc:
                raise LibvirtError(f"{where}: {element.KIND} {element.id}: field {spec.name!r} {exc}") from None
        if isinstance(element, VM):
            for index, vnic in enumerate(element.vnics):
                for spec in VNIC_FIELDS:
                    try:
                        setattr(vnic, spec.name, spec.coerce(getattr(vnic, spec.name)))
                    except FieldError as exc:
                        raise LibvirtError(f"{where}: guest {element.label or element.id}: vNIC {index} field "
                                           f"{spec.name!r} {exc}") from None
