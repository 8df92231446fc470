"""Entry point of the PyInstaller bundle: the same ``rackio`` command as the wheel's."""

from designer.cli import run

if __name__ == "__main__":
    run()
