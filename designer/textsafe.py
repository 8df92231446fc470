"""Text from a design, made safe for where it goes out (docs/safety.md, "Output hygiene").

Labels, titles and notes are free text and may hold anything a file can: control characters,
terminal escape sequences, a leading ``=``. They are kept as they are in the design and cleaned
only on the way out: for XML (SVG), for a spreadsheet (CSV) and for a terminal. No Qt here.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

# Characters XML 1.0 does not allow at all (tab, newline and carriage return are allowed), plus
# lone surrogates, which no UTF-8 encoder writes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NOT_XML_REF = re.compile(r"&#(?:x0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]|[fF]{3}[eEfF])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]));")

# C0 and C1 control characters and DEL: ESC starts the sequences that move the cursor, clear the
# screen or (OSC 52) write the clipboard; CSI is also a single C1 character, U+009B.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xml_text(text: str) -> str:
    """``text`` without the characters that would make an XML document ill-formed."""
    return _NOT_XML.sub("", text)


def clean_xml_document(data: bytes) -> bytes:
    """A UTF-8 XML document with every character XML forbids removed (raw or as a reference)."""
    text = data.decode("utf-8", errors="replace")
    return _NOT_XML_REF.sub("", xml_text(text)).encode("utf-8")


def terminal_text(text: str) -> str:
    """One line a terminal prints as it is: line breaks and tabs become spaces, other control
    characters (ESC, BEL, CSI, DEL …) are dropped."""
    return _CONTROL.sub(lambda m: " " if m.group(0) in "\n\r\t" else "", text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cell(value: Any) -> Any:
    """A spreadsheet cell that is never a formula: text starting with = + - @ tab or CR gets a
    leading ``'``. Numbers, and text that is a number ("-1.5"), stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(cell) for cell in row]
