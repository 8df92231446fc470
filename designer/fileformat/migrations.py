"""Version migrations of the project file: each step turns version N into N+1.

Version 0 is the pre-release layout (documented in docs/file-format.md):
``nodes`` with ``type`` instead of ``elements`` with ``kind``, a VM's ``nics``
with ``attach`` and ``vf_id`` instead of ``vnics`` with ``mode`` and ``vf``,
``cables`` with ``from``/``to``/``speed`` instead of ``links`` with
``a``/``b``/``gbps``, and ``name`` instead of ``title``. Unknown keys are carried
over untouched.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

CURRENT_VERSION = 1


def _v0_to_v1(doc: dict) -> dict:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "name":
            out["title"] = value
        elif key == "nodes":
            out["elements"] = [_v0_node(n) for n in value]
        elif key == "cables":
            out["links"] = [_v0_cable(c) for c in value]
        else:
            out[key] = value
    out["version"] = 1
    return out


def _v0_node(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "type":
            out["kind"] = value
        elif key == "nics" and isinstance(value, list):
            out["vnics"] = [_v0_vnic(v) for v in value]
        else:
            out[key] = value
    return out


def _v0_vnic(vnic: Any) -> Any:
    if not isinstance(vnic, dict):
        return vnic
    renames = {"attach": "mode", "vf_id": "vf"}
    return {renames.get(k, k): v for k, v in vnic.items()}


def _v0_cable(cable: Any) -> Any:
    if not isinstance(cable, dict):
        return cable
    renames = {"from": "a", "to": "b", "speed": "gbps"}
    return {renames.get(k, k): v for k, v in cable.items()}


MIGRATIONS: dict[int, Callable[[dict], dict]] = {0: _v0_to_v1}


def migrate(doc: dict) -> dict:
    """Bring a document of any older version up to CURRENT_VERSION."""
    version = doc["version"]
    if version == CURRENT_VERSION:
        return doc
    doc = copy.deepcopy(doc)
    while version < CURRENT_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
        doc["version"] = version
    return doc
