"""Feature module (being written): installs itself into the main window."""


def install(window) -> None:
    return None
