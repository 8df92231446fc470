"""Read one libvirt XML file without trusting it.

``virsh dumpxml``, ``virsh nodedev-dumpxml`` and ``virsh net-dumpxml`` never write a DTD, so
any document type declaration is refused outright (no entity expansion — the "billion laughs"
— and no external entity or DTD fetch). Files are bounded in size before a byte is parsed.
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import io

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAX_XML_BYTES = 10 * 1024 * 1024
# A domain XML has a few hundred elements, nested a dozen deep: these bounds keep a hostile
# file's parse short and small (a 10 MiB file of 1.4 million nested elements would take
# seconds and hundreds of MiB), stopping at the first element past them.
MAX_XML_ELEMENTS = 200_000
MAX_XML_DEPTH = 100
# The root elements the importer understands, by what ``virsh`` command writes them.
KINDS = {"domain": "domain", "device": "node device", "network": "network"}


class LibvirtError(ValueError):
    """An input the importer refuses; the message is one line naming the file."""


def read_xml(path: str | os.PathLike) -> Element:
    """Parse one file into an ElementTree element, or raise LibvirtError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_XML_BYTES:
            raise LibvirtError(f"{path}: {size / 2**20:.0f} MiB is more than the {MAX_XML_BYTES // 2**20} MiB "
                               "a libvirt XML file may have; refused")
        with open(path, "rb") as fh:
            data = fh.read(MAX_XML_BYTES + 1)
    except FileNotFoundError:
        raise LibvirtError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise LibvirtError(f"{path} is a folder") from None
    except PermissionError:
        raise LibvirtError(f"{path} cannot be read: permission denied") from None
    except OSError as exc:
        raise LibvirtError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_XML_BYTES:  # grew while being read, or a device that does not report a size
        raise LibvirtError(f"{path}: more than {MAX_XML_BYTES // 2**20} MiB; refused")
    return parse_xml(data, str(path))


def parse_xml(data: bytes, name: str) -> Element:
    if len(data) > MAX_XML_BYTES:
        raise LibvirtError(f"{name}: more than {MAX_XML_BYTES // 2**20} MiB; refused")
    try:
        return _bounded_parse(data, name)
    except LibvirtError:
        raise
    except DefusedXmlException as exc:
        what = type(exc).__name__
        reason = {
            "DTDForbidden": "it declares a DTD, which libvirt never writes (entities and external references are refused)",
            "EntitiesForbidden": "it declares entities, which are refused",
            "ExternalReferenceForbidden": "it refers to an external entity, which is refused",
        }.get(what, "it uses XML features that are refused")
        raise LibvirtError(f"{name}: not imported: {reason}") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        message = str(exc).split(":")[0]
        raise LibvirtError(f"{name}: not well-formed XML ({message} at line {line}, column {column + 1})") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise LibvirtError(f"{name}: cannot be read as XML ({type(exc).__name__})") from None


def _bounded_parse(data: bytes, name: str) -> Element:
    depth = count = 0
    root: Element | None = None
    events = iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True, forbid_entities=True,
                       forbid_external=True)
    for event, element in events:
        if event == "start":
            if root is None:
                root = element
            depth += 1
            count += 1
            if depth > MAX_XML_DEPTH:
                raise LibvirtError(f"{name}: elements nested deeper than {MAX_XML_DEPTH} levels; refused")
            if count > MAX_XML_ELEMENTS:
                raise LibvirtError(f"{name}: more than {MAX_XML_ELEMENTS} elements; refused")
        else:
            depth -= 1
    if root is None:
        raise LibvirtError(f"{name}: no XML element in the file")
    return root
