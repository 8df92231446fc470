"""The guests of a design as columns, as the file loader read them.

The loader's fast path (``fileformat/bulk.py``) reads every field of the VMs, their vNICs
and the VFs as one column per field before it makes the objects. A command that loads a
design and solves it without editing it (``rackio solve``) keeps those columns, and
routing (``solver/flows.py``) and the design rules (``model/rules.py``) then read them
instead of visiting 50,000 vNIC objects attribute by attribute.

They describe the design *as loaded*: an edit of an element changes the objects, never
the columns. So they are passed explicitly, only by callers that do not edit between the
load and the solve; the designer, which edits, never passes them. Whoever reads them
first checks that they still describe the topology (``describes``: no edit through the
topology's API since, the same VM objects), and reads the objects where they do not.
A field of an object set directly, behind the API, is not seen: it is for callers that
do not edit at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import is_
from typing import Any

from .elements import VM
from .topology import Topology

# A column is a list with one value per row, or a single value every row has (a field
# no record writes, which takes its default).
Column = Any


@dataclass
class GuestColumns:
    """VMs, their vNICs and the VFs of a design, one column per field.

    ``vm_ids``, ``vm_parent``, ``vnic_count``: per VM, in element order. ``vnic``: per vNIC,
    VM by VM and in each VM's order, every field of ``VNic`` but ``extra``. ``vf``: per VF,
    in element order, ``id``, ``parent``, ``port``, ``min_gbps`` and ``max_gbps``."""

    vm_ids: list[str]
    vm_parent: list[str]
    vnic_count: list[int]
    vnic: dict[str, Column]
    vf: dict[str, Column]
    vms: list[VM] = field(default_factory=list, repr=False)  # the objects they were read into
    revision: int = 0  # the topology's ``revision`` when they were read

    def describes(self, topo: Topology, vms: list[VM]) -> bool:
        """Whether these are still the columns of ``topo``, whose VMs are ``vms`` (in element
        order): no edit through its API since they were read, and the same VM objects."""
        return topo.revision == self.revision and len(vms) == len(self.vms) and all(map(is_, vms, self.vms))


def as_list(column: Column, n: int) -> list:
    """A column as a list of its ``n`` values."""
    return column if isinstance(column, list) else [column] * n
