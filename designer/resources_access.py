"""Find the bundled resources (examples, NIC catalogue, icons), installed or in a checkout.

In a wheel the top-level ``resources/`` folder ships as the package
``designer.resources``; in a source checkout the folder beside ``designer/`` is used;
in the PyInstaller bundle (packaging/rackio.spec) it sits at
``<bundle>/_internal/designer/resources`` (``sys._MEIPASS``).
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        path = Path(frozen) / "designer" / "resources"
        if (path / "nic-catalogue.json").is_file():
            return path
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


def icons_dir() -> Path:
    return resources_dir() / "icons"


def icon_path(name: str) -> Path:
    """The SVG of a named icon (``rackio``, ``kind-server``, ``zoom-in``…); KeyError if it is not shipped."""
    path = icons_dir() / f"{name}.svg"
    if not path.is_file():
        raise KeyError(f"icon {name!r} is not in {icons_dir()}")
    return path
