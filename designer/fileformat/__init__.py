"""Project files (.rackio): load with precise errors, migrate, save atomically. Qt-free."""

from .migrations import CURRENT_VERSION
from .project import ProjectFileError, dumps, load, loads, save, to_document

__all__ = ["CURRENT_VERSION", "ProjectFileError", "dumps", "load", "loads", "save", "to_document"]
