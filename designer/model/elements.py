"""The elements of a RackIO design (SPEC §2–3) as plain typed objects.

Rates are Gbit/s, CPU is cores, packet sizes are bytes. Every object keeps the
fields it did not recognise in ``extra`` so that a file written by a newer or
foreign tool round-trips without loss.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

# \A…\Z, not ^…$: "$" also matches before a trailing newline, so "n:1\n" would pass.
ID_PATTERN = re.compile(r"\A[A-Za-z0-9_.\-]{1,64}\Z")
# Link ids default to "<a>--<b>", and an end may be "<nic>:<port>", so they also allow ':'.
LINK_ID_PATTERN = re.compile(r"\A[A-Za-z0-9_.:\-]{1,140}\Z")

MODES = ("emulated", "paravirtual", "vf", "passthrough")
SOFTWARE_MODES = ("emulated", "paravirtual")
DIRECT_MODES = ("vf", "passthrough")

DEFAULT_CORE_US_PER_PACKET = {"emulated": 7.5, "paravirtual": 1.5, "vf": 0.0, "passthrough": 0.0}
DEFAULT_VMDQ_RX_FACTOR = 0.43


# A Linux interface name (IFNAMSIZ is 16 with the NUL), restricted to characters that need
# no quoting in a shell script, since host configuration writes them into one (SPEC §11).
NETDEV_PATTERN = re.compile(r"[A-Za-z0-9_.@-]{1,15}")


def is_valid_netdev(value: object) -> bool:
    return isinstance(value, str) and NETDEV_PATTERN.fullmatch(value) is not None


def netdevs_problem(ports: int, netdevs: list[str]) -> str | None:
    """Why a NIC's interface names do not fit its ports, or None. One name per port (PF),
    in port order; fewer names than ports is fine (the rest are not named yet), more would
    name a port the card does not have — host configuration would write a line for it."""
    if len(netdevs) > ports:
        return (f"names {len(netdevs)} interfaces ({' '.join(netdevs)}) but the NIC has "
                f"{ports} port{'s' if ports != 1 else ''}; give one name per port")
    return None


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.match(value) is not None


def is_valid_link_id(value: object) -> bool:
    return isinstance(value, str) and LINK_ID_PATTERN.match(value) is not None


@dataclass
class Element:
    """Common fields of every element kind."""

    KIND: ClassVar[str] = ""
    # Fields a user edits, in the order the inspector and the writer list them.
    id: str
    label: str = ""
    x: float | None = None
    y: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=True)

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def parent_id(self) -> str | None:
        return getattr(self, "parent", None)

    def display_name(self) -> str:
        return self.label or self.id

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "extra"]


@dataclass
class Network(Element):
    """An external destination: clients, WAN, a storage network."""

    KIND: ClassVar[str] = "network"


@dataclass
class Switch(Element):
    """A top-of-rack or aggregation switch."""

    KIND: ClassVar[str] = "switch"
    ports: int = 48
    port_gbps: float = 25.0
    rack: str | None = None
    rack_u: int | None = None
    height_u: int = 1


@dataclass
class Server(Element):
    """A virtualisation host; ``vmm_io_cores`` is the CPU its VMM may spend on I/O."""

    KIND: ClassVar[str] = "server"
    cores: int = 32
    vmm_io_cores: float = 4.0
    iommu: bool = True
    rack: str | None = None
    rack_u: int | None = None
    height_u: int = 1


@dataclass
class Nic(Element):
    """A physical NIC in a server. ``pcie_gbps`` is usable PCIe bandwidth per direction."""

    KIND: ClassVar[str] = "nic"
    parent: str = ""
    model: str = ""
    ports: int = 2
    port_gbps: float = 25.0
    pcie_gbps: float = 63.0
    sriov: bool = True
    max_vfs: int = 64
    vmdq: bool = False
    # What the driver can enforce (SPEC §9); the defaults keep 1.0 behaviour.
    vf_min_rate: bool = True
    vf_max_rate: bool = True
    max_vfs_per_port: int = 0
    throughput_gbps: float = 0.0
    driver: str = ""
    netdevs: list[str] = field(default_factory=list)

    def port_end(self, port: int) -> str:
        return f"{self.id}:{port}"


@dataclass
class VirtualFunction(Element):
    """An SR-IOV virtual function on one port of its NIC, with optional min/max tx rate."""

    KIND: ClassVar[str] = "vf"
    parent: str = ""
    port: int = 0
    min_gbps: float = 0.0
    max_gbps: float = 0.0


@dataclass
class VNic:
    """One virtual NIC of a guest and the traffic it offers."""

    mode: str
    vf: str | None = None
    nic: str | None = None
    port: int = 0
    tx_gbps: float = 0.0
    rx_gbps: float = 0.0
    min_gbps: float = 0.0
    max_gbps: float = 0.0
    weight: float = 1.0
    packet_bytes: int = 1500
    to: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "extra"]

    def device(self) -> str | None:
        """The element the guest is attached to: its VF, or the NIC."""
        return self.vf if self.mode == "vf" else self.nic


@dataclass
class VM(Element):
    """A guest on a server."""

    KIND: ClassVar[str] = "vm"
    parent: str = ""
    vnics: list[VNic] = field(default_factory=list)


@dataclass
class Link:
    """A cable. Ends are switch or network ids, or NIC ports written ``nic:port``."""

    a: str
    b: str
    gbps: float | None = None
    id: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = default_link_id(self.a, self.b)

    def ends(self) -> tuple[str, str]:
        return self.a, self.b

    def other_end(self, end: str) -> str:
        return self.b if end == self.a else self.a


def default_link_id(a: str, b: str) -> str:
    return f"{a}--{b}"


@dataclass
class CostModel:
    """CPU cost of I/O in the VMM (SPEC §4)."""

    core_us_per_packet: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CORE_US_PER_PACKET)
    )
    vmdq_rx_factor: float = DEFAULT_VMDQ_RX_FACTOR
    # The named preset the values were taken from ("" = none). A label only: the values
    # above are what the solver uses, so a file stays exact if presets change later.
    preset: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def matching_preset(self) -> str:
        """The id of the preset whose values these are exactly, or "" (custom values)."""
        for preset_id, preset in COST_PRESETS.items():
            if preset.core_us_per_packet == self.core_us_per_packet and preset.vmdq_rx_factor == self.vmdq_rx_factor:
                return preset_id
        return ""


@dataclass(frozen=True)
class CostPreset:
    """A named VMM cost model (docs/solver.md gives the sources of each figure)."""

    label: str
    core_us_per_packet: dict[str, float]
    vmdq_rx_factor: float

    def cost_model(self, preset_id: str) -> "CostModel":
        return CostModel(core_us_per_packet=dict(self.core_us_per_packet), vmdq_rx_factor=self.vmdq_rx_factor,
                         preset=preset_id)


# "conservative": SPEC §4's defaults, per-packet costs without segmentation offload.
# "virtio-tso": paravirtual (virtio-net) with TSO/GSO, calibrated on Firecracker's bulk TCP
# figure of ~28.7 Gbit/s at 92 % of one VMM core, i.e. 0.032 cores per Gbit/s; expressed per
# 1500-byte packet (τ = 0.032 × 1500 / 125 = 0.384 core·µs) so packet_bytes keeps its meaning.
COST_PRESETS: dict[str, CostPreset] = {
    "conservative": CostPreset("conservative, no offloads", dict(DEFAULT_CORE_US_PER_PACKET), DEFAULT_VMDQ_RX_FACTOR),
    "virtio-tso": CostPreset("virtio with TSO/GSO",
                             {"emulated": 7.5, "paravirtual": 0.384, "vf": 0.0, "passthrough": 0.0},
                             DEFAULT_VMDQ_RX_FACTOR),
}



DEFAULT_RACK_HEIGHT_U = 42
# The kinds that occupy rack units (``rack``, ``rack_u``, ``height_u``).
RACKABLE_KINDS = ("server", "switch")


@dataclass
class Rack:
    """A physical rack: elements name it in ``rack`` and sit from ``rack_u`` upwards (U1 = bottom)."""

    id: str
    label: str = ""
    height_u: int = DEFAULT_RACK_HEIGHT_U
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def display_name(self) -> str:
        return self.label or self.id


ELEMENT_CLASSES: dict[str, type[Element]] = {
    cls.KIND: cls for cls in (Network, Switch, Server, Nic, VirtualFunction, VM)
}
KINDS = tuple(ELEMENT_CLASSES)

# What an element of each kind may be placed in.
PARENT_KIND = {"nic": "server", "vf": "nic", "vm": "server"}


PORT_INDEX = re.compile(r"\A(0|[1-9][0-9]{0,3})\Z")


@functools.lru_cache(maxsize=1 << 16)  # the loader, the design rules and routing ask for every cable end
def split_port_end(end: str) -> tuple[str, int] | None:
    """``"h1n0:1"`` → ``("h1n0", 1)``; a plain id, or a port not written canonically, → None."""
    nic, sep, port = end.rpartition(":")
    if not sep or not PORT_INDEX.match(port):
        return None
    return nic, int(port)
