"""Field rules shared by the file loader, the edit API and the inspector.

Each editable field has one ``FieldSpec`` saying its type, unit, range and
default. ``FieldSpec.coerce`` turns a raw value (from JSON or a text box) into the
field's value or raises ``FieldError`` with a sentence a user understands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .elements import ID_PATTERN, MODES, is_valid_netdev


class FieldError(ValueError):
    """A value that does not fit its field; the message says what is expected."""


# Physical bounds (docs/file-format.md, "Bounds"): far above any real device, and small enough
# that every sum the solver forms (2,000,000 elements × 64 vNICs × the bound) stays a finite float.
MAX_GBPS = 1_000_000.0  # 1 Pbit/s per rate field
MAX_CORES = 100_000


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # "int", "float", "bool", "str", "ref", "enum", "end", "netdevs"
    default: Any = None
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    optional: bool = False  # None is allowed
    ref_kind: str | None = None  # for "ref": the kind the id must name
    choices: tuple[str, ...] = ()
    help: str = ""

    def describe_range(self) -> str:
        if self.minimum is None and self.maximum is None:
            return ""
        lo = ("> " if self.exclusive_minimum else "≥ ") + _fmt(self.minimum) if self.minimum is not None else ""
        if self.maximum is not None and self.minimum is not None and not self.exclusive_minimum:
            return f"from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
        hi = f"≤ {_fmt(self.maximum)}" if self.maximum is not None else ""
        return " and ".join(p for p in (lo, hi) if p)

    def coerce(self, value: Any) -> Any:
        """Return the field value for ``value`` or raise FieldError."""
        t = self.type
        # Fast path for the common case of a plain, in-range number.
        if t == "float" and type(value) is float or t == "int" and type(value) is int:
            if (self.minimum is None or value > self.minimum or (value == self.minimum and not self.exclusive_minimum)) \
                    and (self.maximum is None or value <= self.maximum) and value == value and value - value == 0:
                return value + 0 if t == "float" else value  # + 0: -0.0 becomes 0.0
        elif t == "float" and type(value) is int and -2**53 <= value <= 2**53:
            # Files write whole numbers as integers (25, not 25.0); exact as a float.
            number = float(value)
            if (self.minimum is None or number > self.minimum or (number == self.minimum and not self.exclusive_minimum)) \
                    and (self.maximum is None or number <= self.maximum):
                return number
        if value is None:
            if self.optional:
                return None
            raise FieldError(f"must be {self.expected()}, got null")
        if t == "bool":
            if isinstance(value, bool):
                return value
            raise FieldError(f"must be true or false, got {_show(value)}")
        if t in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise FieldError(f"must be {self.expected()}, got {_show(value)}")
            if isinstance(value, float) and not math.isfinite(value):
                raise FieldError(f"must be a finite number, got {_show(value)}")
            # Bounds first: an integer too large for a float (10**400) is refused, never converted.
            if self.maximum is not None and value > self.maximum:
                raise FieldError(f"must be {self.expected()}, got {_show(value)}")
            if self.minimum is not None and value < self.minimum:
                raise FieldError(f"must be {self.expected()}, got {_show(value)}")
            if t == "int":
                if isinstance(value, float):
                    if not value.is_integer():
                        raise FieldError(f"must be a whole number, got {_show(value)}")
                    value = int(value)
            else:
                try:
                    value = float(value)
                except OverflowError:
                    raise FieldError(f"must be {self.expected()}, got {_show(value)}") from None
                if not math.isfinite(value):
                    raise FieldError(f"must be a finite number, got {_show(value)}")
                value += 0.0  # -0.0 becomes 0.0: never shown or written as "-0"
            if self.minimum is not None:
                if value < self.minimum or (self.exclusive_minimum and value <= self.minimum):
                    raise FieldError(f"must be {self.expected()}, got {_show(value)}")
            if self.maximum is not None and value > self.maximum:
                raise FieldError(f"must be {self.expected()}, got {_show(value)}")
            return value
        if t == "enum":
            if value in self.choices:
                return value
            raise FieldError(f"must be one of {', '.join(self.choices)}, got {_show(value)}")
        if t == "ref":
            if isinstance(value, str) and ID_PATTERN.match(value):
                return value
            raise FieldError(f"must be the id of a {self.ref_kind}, got {_show(value)}")
        if t == "netdevs":
            if not isinstance(value, list):
                raise FieldError(f"must be a list of interface names, got {_show(value)}")
            if len(value) > 16:
                raise FieldError(f"has {len(value)} names; a NIC has at most 16 ports")
            for name in value:
                if not is_valid_netdev(name):
                    raise FieldError(
                        f"must list interface names of 1–15 characters of A-Z a-z 0-9 _ . @ -, got {_show(name)}")
            if len(set(value)) != len(value):
                raise FieldError("names an interface twice")
            return list(value)
        if t in ("str", "end"):
            if isinstance(value, str):
                if len(value) > 4096:
                    raise FieldError("is longer than 4096 characters")
                reason = unsavable_text(value)
                if reason:
                    raise FieldError(reason)
                return value
            raise FieldError(f"must be text, got {_show(value)}")
        raise AssertionError(t)

    def expected(self) -> str:
        base = {
            "int": "a whole number",
            "float": "a number",
            "bool": "true or false",
            "str": "text",
            "end": "a switch, a network or a NIC port",
            "ref": f"the id of a {self.ref_kind}",
            "enum": "one of " + ", ".join(self.choices),
            "netdevs": "a list of interface names",
        }[self.type]
        rng = self.describe_range()
        if rng:
            base += " " + rng
        if self.optional:
            base += " or null"
        return base

    def parse_text(self, text: str) -> Any:
        """Parse what a user typed in a text box (inspector)."""
        text = text.strip()
        if text == "" and self.optional:
            return None
        if self.type == "int":
            try:
                return self.coerce(int(text))
            except ValueError:
                raise FieldError(f"must be {self.expected()}, got {text!r}") from None
        if self.type == "float":
            try:
                number = float(text)
            except ValueError:
                raise FieldError(f"must be {self.expected()}, got {text!r}") from None
            return self.coerce(number)
        if self.type == "bool":
            low = text.lower()
            if low in ("true", "yes", "on", "1"):
                return True
            if low in ("false", "no", "off", "0"):
                return False
            raise FieldError(f"must be true or false, got {text!r}")
        if self.type == "netdevs":
            return self.coerce([name for name in text.replace(",", " ").split()])
        return self.coerce(text)


def unsavable_text(text: str) -> str | None:
    """Why ``text`` could never be written to a file (UTF-8), or None. Python strings may hold a
    lone UTF-16 surrogate (from a JSON escape ``\\udc00`` or a pasted clipboard); no file can."""
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError as exc:
        return (f"holds an unpaired surrogate U+{ord(text[exc.start]):04X} at character {exc.start + 1}, "
                "which is not text a file can hold")


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def _show(value: Any) -> str:
    """A value echoed in a message, cut short: a 4,000-digit number is not repeated whole."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10**30:
        digits = len(str(abs(value))) if abs(value) < 10**4000 else "over 4000"
        return f"a {'negative ' if value < 0 else ''}number of {digits} digits"
    if isinstance(value, float) and value == 0:
        return "0"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _f(name, type, default=None, **kw) -> FieldSpec:
    return FieldSpec(name=name, type=type, default=default, **kw)


COMMON_FIELDS = [
    _f("label", "str", "", help="free text shown on the canvas"),
    _f("x", "float", None, optional=True, help="canvas position"),
    _f("y", "float", None, optional=True, help="canvas position"),
]

KIND_FIELDS: dict[str, list[FieldSpec]] = {
    "network": [],
    "switch": [
        _f("ports", "int", 48, minimum=1, maximum=4096, help="number of ports for NIC cables"),
        _f("port_gbps", "float", 25.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="speed of each port"),
        _f("rack", "str", None, optional=True, help="id of the rack the switch sits in"),
        _f("rack_u", "int", None, optional=True, minimum=1, maximum=1000, help="lowest U occupied (1 = bottom)"),
        _f("height_u", "int", 1, unit="U", minimum=1, maximum=100, help="height in rack units"),
    ],
    "server": [
        _f("cores", "int", 32, unit="cores", minimum=1, maximum=MAX_CORES, help="CPU cores of the host"),
        _f("vmm_io_cores", "float", 4.0, unit="cores", minimum=0, maximum=MAX_CORES, help="CPU the VMM may spend on I/O"),
        _f("iommu", "bool", True, help="VT-d enabled (needed for passthrough)"),
        _f("rack", "str", None, optional=True, help="id of the rack the server sits in"),
        _f("rack_u", "int", None, optional=True, minimum=1, maximum=1000, help="lowest U occupied (1 = bottom)"),
        _f("height_u", "int", 1, unit="U", minimum=1, maximum=100, help="height in rack units"),
    ],
    "nic": [
        _f("parent", "ref", "", ref_kind="server", help="server the NIC sits in"),
        _f("model", "str", "", help="NIC model"),
        _f("ports", "int", 2, minimum=1, maximum=16, help="physical ports"),
        _f("port_gbps", "float", 25.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="speed of each port"),
        _f("pcie_gbps", "float", 63.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="usable PCIe bandwidth per direction"),
        _f("sriov", "bool", True, help="SR-IOV enabled"),
        _f("max_vfs", "int", 64, minimum=0, maximum=65535, help="virtual functions the NIC supports"),
        _f("vmdq", "bool", False, help="VMDq queue sorting (lowers VMM receive cost)"),
        _f("vf_min_rate", "bool", True, help="the driver enforces a VF's guaranteed minimum (min_tx_rate)"),
        _f("vf_max_rate", "bool", True, help="the driver enforces a VF's cap (max_tx_rate)"),
        _f("max_vfs_per_port", "int", 0, minimum=0, maximum=65535, help="VFs allowed on one port (0 = no limit)"),
        _f("throughput_gbps", "float", 0.0, unit="Gbit/s", minimum=0,
           help="the NIC's own forwarding limit per direction over all its ports (0 = none)"),
        _f("driver", "str", "", help="Linux driver, e.g. ice, i40e, mlx5_core"),
        _f("netdevs", "netdevs", [], help="host interface name of each port (PF), e.g. ens1f0 ens1f1"),
    ],
    "vf": [
        _f("parent", "ref", "", ref_kind="nic", help="NIC the VF belongs to"),
        _f("port", "int", 0, minimum=0, maximum=15, help="NIC port the VF sends on"),
        _f("min_gbps", "float", 0.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="guaranteed minimum transmit rate"),
        _f("max_gbps", "float", 0.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="transmit cap (0 = none)"),
    ],
    "vm": [
        _f("parent", "ref", "", ref_kind="server", help="server the guest runs on"),
    ],
}

VNIC_FIELDS: list[FieldSpec] = [
    _f("mode", "enum", None, choices=MODES, help="how the guest reaches the network"),
    _f("vf", "ref", None, optional=True, ref_kind="vf", help="virtual function (mode vf)"),
    _f("nic", "ref", None, optional=True, ref_kind="nic", help="NIC used (uplink or passed-through device)"),
    _f("port", "int", 0, minimum=0, maximum=15, help="NIC port used"),
    _f("tx_gbps", "float", 0.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="offered transmit load"),
    _f("rx_gbps", "float", 0.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="offered receive load"),
    _f("min_gbps", "float", 0.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="guaranteed minimum transmit rate"),
    _f("max_gbps", "float", 0.0, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, help="transmit cap (0 = none)"),
    # Shares, like NIOC's; bounded so that weight ratios stay far inside float precision.
    _f("weight", "float", 1.0, minimum=0.001, maximum=1e6, help="share of spare capacity"),
    # Up to 64 KiB: with TSO/GSO the VMM handles segmentation-offloaded super-packets (docs/solver.md).
    _f("packet_bytes", "int", 1500, unit="bytes", minimum=64, maximum=65536, help="mean packet size (up to 65536 with TSO/GSO)"),
    _f("to", "ref", None, optional=True, ref_kind="network", help="network the traffic goes to"),
]

LINK_FIELDS: list[FieldSpec] = [
    _f("a", "end", None),
    _f("b", "end", None),
    # > 0: a cable of no capacity is no cable ("gbps": -0.0 read as "capacity -0"); null = the default.
    _f("gbps", "float", None, unit="Gbit/s", minimum=0, maximum=MAX_GBPS, exclusive_minimum=True, optional=True,
       help="capacity (empty = default)"),
    _f("id", "ref", None, ref_kind="link"),
]

# A rack (the top-level ``racks`` list of a project).
RACK_FIELDS: list[FieldSpec] = [
    _f("id", "ref", None, ref_kind="rack", help="unique among racks and elements"),
    _f("label", "str", "", help="name shown above the rack"),
    _f("height_u", "int", 42, unit="U", minimum=1, maximum=100, help="rack height in rack units"),
]

COST_MODEL_FIELDS: list[FieldSpec] = [
    _f("vmdq_rx_factor", "float", 0.43, minimum=0, maximum=10, help="VMM receive cost factor with VMDq"),
]
CORE_US_SPEC = _f("core_us_per_packet", "float", 0.0, unit="core·µs", minimum=0, maximum=1e6)


def fields_for(kind: str) -> list[FieldSpec]:
    """Every editable field of an element kind (id and kind excluded)."""
    return COMMON_FIELDS + KIND_FIELDS[kind]


def field_spec(kind: str, name: str) -> FieldSpec:
    for spec in fields_for(kind):
        if spec.name == name:
            return spec
    raise KeyError(f"{kind} has no field {name!r}")


def link_field_spec(name: str) -> FieldSpec:
    for spec in LINK_FIELDS:
        if spec.name == name:
            return spec
    raise KeyError(f"cable has no field {name!r}")


def vnic_field_spec(name: str) -> FieldSpec:
    for spec in VNIC_FIELDS:
        if spec.name == name:
            return spec
    raise KeyError(f"vNIC has no field {name!r}")


def rack_field_spec(name: str) -> FieldSpec:
    for spec in RACK_FIELDS:
        if spec.name == name:
            return spec
    raise KeyError(f"rack has no field {name!r}")
