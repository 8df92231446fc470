"""The solver: routes, VMM cost, generalized max-min fair allocation, the report. Qt-free."""

from .allocate import Allocation, max_min_fair
from .flows import FlowSet, compile_flows
from .solve import Solution, allocate, solve

__all__ = ["Allocation", "max_min_fair", "FlowSet", "compile_flows", "Solution", "allocate", "solve"]
