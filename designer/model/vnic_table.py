"""Every vNIC of a design as columns, read in one pass: what routing and the design rules
walk at data-centre scale.

Reading 50,000 vNIC objects attribute by attribute costs a visit to each object per
attribute; a loop that branches per vNIC costs the interpreter a dozen steps per vNIC. The
table reads each vNIC once (``operator.attrgetter`` of all its fields, at C speed) and
transposes the rows into one tuple per field, so the passes over the design that follow
are ``map``s, set operations and numpy over columns.

A table is a snapshot: it is made for one solve and is not kept (an edit would make it
stale). ``solve`` makes one and gives it to both ``compile_flows`` and ``check_design``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np

from .elements import VM, VNic

if TYPE_CHECKING:
    from .topology import Topology

FIELDS = ("mode", "vf", "nic", "port", "tx_gbps", "rx_gbps", "min_gbps", "max_gbps", "weight",
          "packet_bytes", "to")
_ROW = attrgetter(*FIELDS)


@dataclass(frozen=True)
class VNicTable:
    """vNIC ``i`` is ``vms[vm_of[i]].vnics[index[i]]``; each field is a tuple in vNIC order."""

    vms: list[VM]  # every VM of the design, in element order
    vnics: list[VNic]  # every vNIC, VM by VM, each VM's in its order
    vm_of: np.ndarray  # int64: the vNIC's VM, an index into ``vms``
    index: np.ndarray  # int64: the vNIC's position in its VM's list
    mode: tuple
    vf: tuple
    nic: tuple
    port: tuple
    tx_gbps: tuple
    rx_gbps: tuple
    min_gbps: tuple
    max_gbps: tuple
    weight: tuple
    packet_bytes: tuple
    to: tuple

    def __len__(self) -> int:
        return len(self.vnics)


def vnic_table(topo: Topology) -> VNicTable:
    """The vNICs of ``topo`` as it is now."""
    vms: list[VM] = [e for e in topo.elements.values() if isinstance(e, VM)]
    lists = list(map(attrgetter("vnics"), vms))
    vnics: list[VNic] = list(chain.from_iterable(lists))
    rows = list(zip(*map(_ROW, vnics))) if vnics else list(repeat((), len(FIELDS)))
    return table_of(vms, lists, vnics, dict(zip(FIELDS, rows)))


def table_of(vms: list[VM], lists: list[list[VNic]], vnics: list[VNic], columns: dict) -> VNicTable:
    """The table of these VMs, their vNIC lists, the vNICs in a row and a column (any
    iterable, in vNIC order) per field of ``FIELDS`` (also the loader's, which has read
    them already)."""
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    vm_of = np.repeat(np.arange(len(vms), dtype=np.int64), counts)
    starts = np.zeros(len(vms), dtype=np.int64)
    if len(vms) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    index = np.arange(len(vnics), dtype=np.int64) - starts[vm_of]
    return VNicTable(vms, vnics, vm_of, index, *(tuple(columns[name]) for name in FIELDS))
