"""The edit commands live in ``designer.edit.commands`` (Qt-free); this name stays for
older imports. ``designer/ui/undo.py`` puts them on the undo stack."""

from ..edit.commands import *  # noqa: F401,F403
from ..edit.commands import Command, Rollback  # noqa: F401
