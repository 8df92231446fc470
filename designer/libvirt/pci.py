"""PCI addresses and PCIe link rates as libvirt writes them."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

# Usable Gbit/s per lane and direction after line encoding, by link speed in GT/s:
# PCIe 1.x/2.x use 8b/10b (80 %), 3.0–5.0 use 128b/130b. (6.0 at 64 GT/s uses FLIT mode
# with 242/256 payload.) Gen3 x8 = 8 × 8 × 128/130 = 63.0, the figure the catalogue uses.
ENCODING = {2.5: 8 / 10, 5.0: 8 / 10, 8.0: 128 / 130, 16.0: 128 / 130, 32.0: 128 / 130, 64.0: 242 / 256}


def lane_gbps(speed_gt_s: float) -> float | None:
    factor = ENCODING.get(float(speed_gt_s))
    return None if factor is None else speed_gt_s * factor


def link_gbps(speed_gt_s: float, width: int) -> float | None:
    """Usable Gbit/s per direction of a PCIe link, rounded to 0.1; None for an unknown speed."""
    lane = lane_gbps(speed_gt_s)
    if lane is None or width < 1:
        return None
    return round(lane * width, 1)


@dataclass(frozen=True, order=True)
class Pci:
    domain: int
    bus: int
    slot: int
    function: int

    def __str__(self) -> str:
        return f"{self.domain:04x}:{self.bus:02x}:{self.slot:02x}.{self.function:x}"

    @property
    def card(self) -> tuple[int, int, int]:
        """Domain, bus and slot: the functions of one card (its PFs, or a run of VFs)."""
        return self.domain, self.bus, self.slot

    def attributes(self) -> dict[str, str]:
        return {"type": "pci", "domain": f"0x{self.domain:04x}", "bus": f"0x{self.bus:02x}",
                "slot": f"0x{self.slot:02x}", "function": f"0x{self.function:x}"}

    @classmethod
    def parse(cls, text: str) -> "Pci | None":
        """``0000:3b:02.1`` → Pci; None if it is not written that way."""
        try:
            head, function = text.rsplit(".", 1)
            domain, bus, slot = head.split(":")
            return cls._checked(int(domain, 16), int(bus, 16), int(slot, 16), int(function, 16))
        except ValueError:
            return None

    @classmethod
    def _checked(cls, domain: int, bus: int, slot: int, function: int) -> "Pci | None":
        if 0 <= domain <= 0xFFFF and 0 <= bus <= 0xFF and 0 <= slot <= 0x1F and 0 <= function <= 7:
            return cls(domain, bus, slot, function)
        return None


def _number(text: str | None) -> int | None:
    """libvirt writes address parts as hex ``0x3b`` or as decimal ``59``."""
    if text is None:
        return None
    text = text.strip()
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        return None


def from_attributes(element: Element | None) -> Pci | None:
    """``<address domain='0x0000' bus='0x3b' slot='0x02' function='0x1'/>`` → Pci (None if incomplete)."""
    if element is None:
        return None
    parts = [_number(element.get(name)) for name in ("domain", "bus", "slot", "function")]
    if parts[0] is None:
        parts[0] = 0  # libvirt fills in domain 0 when it is left out
    if any(p is None for p in parts):
        return None
    return Pci._checked(*parts)  # type: ignore[arg-type]


def from_children(element: Element) -> Pci | None:
    """A node device's ``<capability type='pci'>`` with ``<domain>``, ``<bus>``… children."""
    parts = [_number(element.findtext(name)) for name in ("domain", "bus", "slot", "function")]
    if any(p is None for p in parts):
        return None
    return Pci._checked(*parts)  # type: ignore[arg-type]
