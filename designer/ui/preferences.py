"""Edit → Preferences…: grid, snapping, theme, autosave, defaults for new elements.

Every value lives in the window's QSettings under ``prefs/`` (docs/user-guide.md,
"Preferences"), is applied the moment it changes, and is announced with
``window.preferencesChanged``:

==========================  =======  ==========================================
key                         default  meaning
==========================  =======  ==========================================
``prefs/gridSize``          20       canvas grid step in scene units (5–200)
``prefs/snapToGrid``        true     moved and dropped items snap to the grid
``prefs/theme``             system   ``system`` (follow the desktop), ``light``, ``dark``
``prefs/autosaveSeconds``   60       recovery copy interval while edits go on (5–3600)
``prefs/defaultNic``        Intel X710-DA2   NIC catalogue entry a plain NIC drop gets
``prefs/vmmIoCores``        4.0      ``vmm_io_cores`` of a new server (0–1024)
==========================  =======  ==========================================

A value that is missing or unreadable in the settings file falls back to its
default; a number out of range is clamped. The dialog's spin boxes cannot hold an
invalid value in the first place.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from ..catalogue import HARDWARE_FIELDS
from ..resources_access import nic_catalogue
from . import icons
from .recovery import DEFAULT_AUTOSAVE_SECONDS, MAX_AUTOSAVE_SECONDS, MIN_AUTOSAVE_SECONDS
from .theme import THEME_CHOICES, ThemeManager

GRID_KEY, GRID_DEFAULT, GRID_RANGE = "prefs/gridSize", 20, (5, 200)
SNAP_KEY, SNAP_DEFAULT = "prefs/snapToGrid", True
THEME_KEY, THEME_DEFAULT = "prefs/theme", "system"
# The recovery module owns the autosave bounds; the dialog stays in step with it.
AUTOSAVE_KEY, AUTOSAVE_DEFAULT = "prefs/autosaveSeconds", DEFAULT_AUTOSAVE_SECONDS
AUTOSAVE_RANGE = (MIN_AUTOSAVE_SECONDS, MAX_AUTOSAVE_SECONDS)
NIC_KEY, NIC_DEFAULT = "prefs/defaultNic", "Intel X710-DA2"
VMM_KEY, VMM_DEFAULT, VMM_RANGE = "prefs/vmmIoCores", 4.0, (0.0, 1024.0)
NIC_PRESET_FIELDS = HARDWARE_FIELDS  # every hardware field of the catalogue entry (SPEC §9)
THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}



# ------------------------------------------------------------ reading values
def _number(settings: QSettings, key: str, default, low, high, kind=int):
    raw = settings.value(key, default)
    try:
        value = kind(float(raw)) if kind is int else kind(raw)
    except (TypeError, ValueError):
        return default
    if isinstance(value, float) and math.isnan(value):
        return default
    return max(low, min(high, value))


def _bool(settings: QSettings, key: str, default: bool) -> bool:
    raw = settings.value(key, default)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
    if isinstance(raw, int):
        return bool(raw)
    return default


def grid_size(settings: QSettings) -> int:
    return _number(settings, GRID_KEY, GRID_DEFAULT, *GRID_RANGE)


def snap_to_grid(settings: QSettings) -> bool:
    return _bool(settings, SNAP_KEY, SNAP_DEFAULT)


def theme_choice(settings: QSettings) -> str:
    value = str(settings.value(THEME_KEY, THEME_DEFAULT) or THEME_DEFAULT)
    return value if value in THEME_CHOICES else THEME_DEFAULT


def autosave_seconds(settings: QSettings) -> int:
    return _number(settings, AUTOSAVE_KEY, AUTOSAVE_DEFAULT, *AUTOSAVE_RANGE)


def vmm_io_cores(settings: QSettings) -> float:
    return _number(settings, VMM_KEY, VMM_DEFAULT, *VMM_RANGE, kind=float)


def nic_entry(name: str) -> dict | None:
    for entry in nic_catalogue():
        if entry["name"] == name:
            return entry
    return None


def default_nic_name(settings: QSettings) -> str:
    name = str(settings.value(NIC_KEY, NIC_DEFAULT) or NIC_DEFAULT)
    if nic_entry(name) is None:
        name = NIC_DEFAULT if nic_entry(NIC_DEFAULT) is not None else nic_catalogue()[0]["name"]
    return name


def default_nic_preset(settings: QSettings) -> dict:
    entry = nic_entry(default_nic_name(settings)) or {}
    return {k: entry[k] for k in NIC_PRESET_FIELDS if k in entry}


# ------------------------------------------------------------------ dialog
class PreferencesDialog(QDialog):
    """Changes apply at once; Close keeps them, Restore Defaults resets every value."""

    def __init__(self, controller: Preferences, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        settings = controller.settings
        layout = QVBoxLayout(self)

        canvas = QGroupBox("Canvas")
        form = QFormLayout(canvas)
        self.grid = QSpinBox()
        self.grid.setObjectName("prefGridSize")
        self.grid.setRange(*GRID_RANGE)
        self.grid.setSuffix(" px")
        self.grid.setToolTip("Step of the canvas grid that moved and dropped items snap to")
        self.snap = QCheckBox("Snap moved and dropped items to the grid")
        self.snap.setObjectName("prefSnap")
        self.theme = QComboBox()
        self.theme.setObjectName("prefTheme")
        for choice in THEME_CHOICES:
            self.theme.addItem(THEME_LABELS[choice], choice)
        form.addRow("Grid size", self.grid)
        form.addRow("", self.snap)
        form.addRow("Theme", self.theme)
        layout.addWidget(canvas)

        files = QGroupBox("Files")
        form = QFormLayout(files)
        self.autosave = QSpinBox()
        self.autosave.setObjectName("prefAutosave")
        self.autosave.setRange(*AUTOSAVE_RANGE)
        self.autosave.setSuffix(" s")
        self.autosave.setToolTip("While you keep editing, a recovery copy is written at least this often")
        form.addRow("Autosave every", self.autosave)
        layout.addWidget(files)

        new = QGroupBox("New elements")
        form = QFormLayout(new)
        self.nic = QComboBox()
        self.nic.setObjectName("prefDefaultNic")
        for entry in nic_catalogue():
            self.nic.addItem(icons.kind_icon("nic"), entry["name"], entry["name"])
            self.nic.setItemData(self.nic.count() - 1,
                                 f"{entry['ports']}×{entry['port_gbps']} Gbit/s, PCIe {entry['pcie_gbps']} Gbit/s, "
                                 f"up to {entry['max_vfs']} VFs", Qt.ItemDataRole.ToolTipRole)
        self.vmm = QDoubleSpinBox()
        self.vmm.setObjectName("prefVmmCores")
        self.vmm.setRange(*VMM_RANGE)
        self.vmm.setDecimals(2)
        self.vmm.setSingleStep(0.5)
        self.vmm.setSuffix(" cores")
        self.vmm.setToolTip("CPU a new server's VMM may spend on I/O (vmm_io_cores)")
        form.addRow("Default NIC model", self.nic)
        form.addRow("VMM I/O budget", self.vmm)
        hint = QLabel("Used for a NIC dropped from the Elements list and for every new server; "
                      "existing elements keep their values.")
        hint.setWordWrap(True)
        form.addRow(hint)
        layout.addWidget(new)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.RestoreDefaults
                                   | QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        buttons.button(QDialogButtonBox.StandardButton.Close).clicked.connect(self.accept)
        self.buttons = buttons
        layout.addWidget(buttons)

        self.load(settings)
        self.grid.valueChanged.connect(lambda v: controller.set_value(GRID_KEY, int(v)))
        self.snap.toggled.connect(lambda on: controller.set_value(SNAP_KEY, bool(on)))
        self.theme.currentIndexChanged.connect(lambda _i: controller.set_value(THEME_KEY, self.theme.currentData()))
        self.autosave.valueChanged.connect(lambda v: controller.set_value(AUTOSAVE_KEY, int(v)))
        self.nic.currentIndexChanged.connect(lambda _i: controller.set_value(NIC_KEY, self.nic.currentData()))
        self.vmm.valueChanged.connect(lambda v: controller.set_value(VMM_KEY, float(v)))

    def load(self, settings: QSettings) -> None:
        widgets = (self.grid, self.snap, self.theme, self.autosave, self.nic, self.vmm)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.grid.setValue(grid_size(settings))
            self.snap.setChecked(snap_to_grid(settings))
            self.theme.setCurrentIndex(self.theme.findData(theme_choice(settings)))
            self.autosave.setValue(autosave_seconds(settings))
            self.nic.setCurrentIndex(max(0, self.nic.findData(default_nic_name(settings))))
            self.vmm.setValue(vmm_io_cores(settings))
        finally:
            for w in widgets:
                w.blockSignals(False)

    def restore_defaults(self) -> None:
        self.controller.restore_defaults()
        self.load(self.controller.settings)


# ---------------------------------------------------------------- controller
class Preferences(QObject):
    """Applies the stored preferences to the window; ``window.preferences``."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.theme = ThemeManager(window)
        self.dialog: PreferencesDialog | None = None

    @property
    def settings(self) -> QSettings:
        return self.window.settings

    def set_value(self, key: str, value) -> None:
        if self.settings.value(key) == value:
            return
        self.settings.setValue(key, value)
        self.apply()

    def restore_defaults(self) -> None:
        for key in (GRID_KEY, SNAP_KEY, THEME_KEY, AUTOSAVE_KEY, NIC_KEY, VMM_KEY):
            self.settings.remove(key)
        self.apply()

    def apply(self) -> None:
        """Bring the window in line with the settings, then tell the other features."""
        self.apply_to_document()
        snap = snap_to_grid(self.settings)
        action = getattr(self.window, "act_snap", None)
        if action is not None and action.isChecked() != snap:
            action.blockSignals(True)
            action.setChecked(snap)
            action.blockSignals(False)
        self.theme.apply()
        self.window.preferencesChanged.emit()

    def apply_to_document(self, _document=None) -> None:
        """Grid and snapping of the current scene, defaults of the current editor."""
        window = self.window
        scene = window.scene
        if scene is not None:
            size = float(grid_size(self.settings))
            if scene.grid_size != size:
                scene.grid_size = size
                scene.update()
                window.view.resetCachedContent()
            scene.snap_to_grid = snap_to_grid(self.settings)
        editor = window.editor
        if editor is not None:
            editor.defaults.nic = default_nic_preset(self.settings)
            editor.defaults.vmm_io_cores = vmm_io_cores(self.settings)

    def _snap_toggled(self, on: bool) -> None:
        """View → Snap to Grid is the same preference as the dialog's check box."""
        self.settings.setValue(SNAP_KEY, bool(on))
        if self.dialog is not None:
            self.dialog.load(self.settings)
        self.apply_to_document()
        self.window.preferencesChanged.emit()

    def show_dialog(self) -> PreferencesDialog:
        if self.dialog is None:
            self.dialog = PreferencesDialog(self, self.window)
        self.dialog.load(self.settings)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog


def install(window) -> None:
    prefs = window.preferences = Preferences(window)

    action = QAction("&Preferences…", window)
    action.setObjectName("action_preferences")
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences) or [QKeySequence("Ctrl+,")]
    action.setShortcuts(keys)
    action.setMenuRole(QAction.MenuRole.PreferencesRole)
    action.setStatusTip("Grid, snapping, theme, autosave and defaults for new elements")
    action.triggered.connect(lambda _=False: prefs.show_dialog())
    window.addAction(action)
    window.act_preferences = action
    window.edit_menu.addSeparator()
    window.edit_menu.addAction(action)

    about_qt = QAction("About &Qt", window)
    about_qt.setObjectName("action_aboutqt")
    about_qt.setMenuRole(QAction.MenuRole.AboutQtRole)
    about_qt.triggered.connect(lambda _=False: QApplication.aboutQt())
    window.act_about_qt = about_qt
    window.help_menu.addAction(about_qt)

    window.setWindowIcon(icons.app_icon())
    window.act_snap.toggled.connect(prefs._snap_toggled)
    window.documentChanged.connect(prefs.apply_to_document)
    # The snap action starts from the stored value; the first document follows via documentChanged.
    window.act_snap.blockSignals(True)
    window.act_snap.setChecked(snap_to_grid(window.settings))
    window.act_snap.blockSignals(False)
    prefs.theme.apply(force=True)  # also sets every action's icon
