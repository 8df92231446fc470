"""Entry point of the PyInstaller bundle: the same ``rackio`` command as the wheel's."""

import sys

from designer.cli import main

if __name__ == "__main__":
    sys.exit(main())
