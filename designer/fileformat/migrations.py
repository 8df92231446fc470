"""Version migrations of the project file: each step turns version N into N+1.

Version 0 is the pre-release layout (documented in docs/file-format.md):
``nodes`` with ``type`` instead of ``elements`` with ``kind``, a VM's ``nics``
with ``attach`` and ``vf_id`` instead of ``vnics`` with ``mode`` and ``vf``,
``cables`` with ``from``/``to``/``speed`` instead of ``links`` with
``a``/``b``/``gbps``, and ``name`` instead of ``title``. Unknown keys are carried
over untouched.
"""

from __future__ import annotations

from typing import Any, Callable

CURRENT_VERSION = 1


class MigrationError(ValueError):
    """A version-0 document that cannot be converted without guessing; one sentence."""


# v0 key -> v1 key, at the top level and in the objects of each list.
_TOP_RENAMES = {"name": "title", "nodes": "elements", "cables": "links"}
_NODE_RENAMES = {"type": "kind", "nics": "vnics"}
_VNIC_RENAMES = {"attach": "mode", "vf_id": "vf"}
_CABLE_RENAMES = {"from": "a", "to": "b", "speed": "gbps"}


def _renamed(obj: dict, renames: dict[str, str], where: str) -> dict:
    """``obj`` with its v0 keys renamed. A v0 key beside its v1 name holds two values for one
    field: refused, never resolved by dropping one of them silently."""
    for old, new in renames.items():
        if old in obj and new in obj:
            raise MigrationError(
                f"{where}: version 0 field {old!r} and its version 1 name {new!r} are both present; "
                f"keep one of them (this file is version 0, so {old!r} is the one read).")
    return {renames.get(k, k): v for k, v in obj.items()}


def _v0_list(doc: dict, key: str) -> list:
    value = doc[key]
    if not isinstance(value, list):
        raise MigrationError(f"project: version 0 field {key!r} must be a list, got {_kind(value)}.")
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else {dict: "an object", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _v0_to_v1(doc: dict) -> dict:
    """Rename the v0 keys; everything else (unknown keys included) is carried over as it is.

    Only the known, flat v0 structure is walked (top level, nodes, a node's nics, cables), and
    only dictionaries are rebuilt: unknown values are shared, not copied, so however deeply they
    nest the migration never recurses into them (the loader then refuses deep nesting itself)."""
    out = _renamed(doc, _TOP_RENAMES, "project")
    if "nodes" in doc:
        nodes = []
        for index, node in enumerate(_v0_list(doc, "nodes")):
            if isinstance(node, dict):
                where = f"nodes[{index}]"
                node = _renamed(node, _NODE_RENAMES, where)
                if isinstance(node.get("vnics"), list) and "nics" in doc["nodes"][index]:
                    node["vnics"] = [_renamed(v, _VNIC_RENAMES, f"{where}: nics[{i}]") if isinstance(v, dict) else v
                                     for i, v in enumerate(node["vnics"])]
            nodes.append(node)
        out["elements"] = nodes
    if "cables" in doc:
        out["links"] = [_renamed(c, _CABLE_RENAMES, f"cables[{i}]") if isinstance(c, dict) else c
                        for i, c in enumerate(_v0_list(doc, "cables"))]
    out["version"] = 1
    return out


MIGRATIONS: dict[int, Callable[[dict], dict]] = {0: _v0_to_v1}


def migrate(doc: dict) -> dict:
    """Bring a document of any older version up to CURRENT_VERSION."""
    version = doc["version"]
    if version == CURRENT_VERSION:
        return doc
    # Each step builds new containers for what it changes and never mutates its input.
    while version < CURRENT_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
        doc["version"] = version
    return doc
