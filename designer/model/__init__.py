"""The design model: elements, the Topology graph and its edit API, design rules. Qt-free."""

from .elements import (
    KINDS,
    MODES,
    VM,
    CostModel,
    Element,
    Link,
    Network,
    Nic,
    Rack,
    Server,
    Switch,
    VirtualFunction,
    VNic,
)
from .rules import PROBLEM_CODES, Problem, check_design
from .topology import ModelError, ModelEvent, Removal, Topology

__all__ = [
    "KINDS", "MODES", "VM", "CostModel", "Element", "Link", "Network", "Nic", "Rack", "Server", "Switch",
    "VirtualFunction", "VNic", "PROBLEM_CODES", "Problem", "check_design", "ModelError", "ModelEvent",
    "Removal", "Topology",
]
