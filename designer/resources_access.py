"""Find the bundled resources (examples, NIC catalogue, icons), installed or in a checkout.

In a wheel the top-level ``resources/`` folder ships as the package
``designer.resources``; in a source checkout the folder beside ``designer/`` is used.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    try:
        root = importlib_resources.files("designer.resources")
        path = Path(str(root))
        if (path / "nic-catalogue.json").is_file():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "resources"


def examples() -> list[Path]:
    """The bundled example projects, by file name."""
    return sorted((resources_dir() / "examples").glob("*.rackio"))


def example(name: str) -> Path:
    return resources_dir() / "examples" / name


@lru_cache(maxsize=1)
def nic_catalogue() -> list[dict]:
    """NIC models the palette offers: name, model, ports, port_gbps, pcie_gbps, max_vfs, sriov."""
    with open(resources_dir() / "nic-catalogue.json", encoding="utf-8") as fh:
        data = json.load(fh)
    return list(data["nics"])
