"""Edit → Preferences…: values stored under prefs/, applied at once, invalid ones impossible."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtGui import QKeySequence

from tests.conftest import REPO


def catalogue() -> list[dict]:
    return json.loads((REPO / "resources" / "nic-catalogue.json").read_text(encoding="utf-8"))["nics"]


@pytest.fixture
def dialog(window, qtbot):
    window.act_preferences.trigger()
    dlg = window.preferences.dialog
    assert dlg is not None and dlg.isVisible()
    yield dlg
    dlg.close()


def test_preferences_entry_in_edit_menu(window):
    action = window.act_preferences
    assert action in window.edit_menu.actions()
    assert not action.shortcut().isEmpty()
    expected = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
    if expected:  # the platform has a Preferences binding: it is the one used
        assert action.shortcuts() == expected
    assert not action.icon().isNull()


def test_grid_size_applies_at_once_to_the_canvas_and_drops(window, dialog, qtbot):
    with qtbot.waitSignal(window.preferencesChanged):
        dialog.grid.setValue(40)
    assert window.settings.value("prefs/gridSize") == 40
    assert window.scene.grid_size == 40
    assert window.editor.drop("switch", None, QPointF(1013, 1027)) is None
    new = [e for e in window.document.topology.switches]
    assert len(new) == 1
    # Centred on the drop point, its corner on the nearest multiples of 40 (not of the old 20).
    from designer.ui.canvas.items import SwitchItem
    assert new[0].x % 40 == 0 and new[0].y % 40 == 0
    assert abs(new[0].x + SwitchItem.W / 2 - 1013) <= 20 and abs(new[0].y + SwitchItem.H / 2 - 1027) <= 20


def test_spin_boxes_cannot_hold_invalid_values(window, dialog, qtbot):
    from designer.ui import recovery

    dialog.grid.setValue(100000)
    dialog.grid.setValue(-5)
    assert dialog.grid.value() > 0
    assert window.settings.value("prefs/gridSize") == dialog.grid.value()
    dialog.autosave.setValue(1)
    assert dialog.autosave.value() >= recovery.MIN_AUTOSAVE_SECONDS
    assert window.recovery.autosave_seconds() == dialog.autosave.value()
    dialog.vmm.setValue(-3.0)
    assert dialog.vmm.value() == 0.0
    before = dialog.grid.value()
    dialog.grid.selectAll()
    qtbot.keyClicks(dialog.grid, "abc")
    assert dialog.grid.value() == before  # letters are not accepted


def test_autosave_interval_reaches_the_recovery_feature(window, dialog):
    dialog.autosave.setValue(120)
    assert window.settings.value("prefs/autosaveSeconds") == 120
    assert window.recovery.periodic_interval_ms == 120_000


def test_snap_checkbox_and_view_menu_are_the_same_preference(window, dialog):
    assert window.act_snap.isChecked() and window.scene.snap_to_grid
    dialog.snap.setChecked(False)
    assert not window.act_snap.isChecked()
    assert not window.scene.snap_to_grid
    assert window.settings.value("prefs/snapToGrid") is False
    window.act_snap.trigger()  # View → Snap to Grid back on
    assert dialog.snap.isChecked()
    assert window.scene.snap_to_grid
    assert window.settings.value("prefs/snapToGrid") is True


def test_default_nic_and_vmm_budget_for_new_elements(window, dialog, examples_dir):
    entry = next(e for e in catalogue() if e["port_gbps"] == 100 and e["max_vfs"] == 256)
    dialog.nic.setCurrentIndex(dialog.nic.findText(entry["name"]))
    dialog.vmm.setValue(6.5)
    assert window.settings.value("prefs/defaultNic") == entry["name"]
    # A new server gets the budget.
    assert window.editor.drop("server", None, QPointF(0, 0)) is None
    server = window.document.topology.servers[0]
    assert server.vmm_io_cores == 6.5
    # A plain NIC dropped onto it is the chosen catalogue model.
    window.scene.flush()
    at = window.scene.element_item(server.id).sceneBoundingRect().center()
    assert window.editor.drop("nic", None, at) is None
    nic = window.document.topology.nics_of(server.id)[0]
    assert (nic.model, nic.ports, nic.port_gbps, nic.max_vfs) == (
        entry["model"], entry["ports"], entry["port_gbps"], entry["max_vfs"])
    # The preference survives opening another design (a new editor).
    assert window.open_path(str(examples_dir / "mail-rack.rackio"), ask=False)
    assert window.editor.defaults.vmm_io_cores == 6.5
    assert window.editor.defaults.nic["model"] == entry["model"]


def test_stored_preferences_apply_to_a_new_window_and_new_documents(qtbot, tmp_path):
    from designer.ui.main_window import MainWindow

    path = tmp_path / "prefs.ini"
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    settings.setValue("prefs/gridSize", 25)
    settings.setValue("prefs/snapToGrid", False)
    settings.setValue("prefs/vmmIoCores", 2.25)
    settings.sync()
    win = MainWindow(QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert win.scene.grid_size == 25
    assert not win.scene.snap_to_grid and not win.act_snap.isChecked()
    assert win.editor.defaults.vmm_io_cores == 2.25
    win.file_new()
    assert win.scene.grid_size == 25 and not win.scene.snap_to_grid
    assert win.editor.defaults.vmm_io_cores == 2.25


def test_unreadable_settings_fall_back_to_sane_values(qtbot, tmp_path):
    from designer.ui.main_window import MainWindow

    path = tmp_path / "bad.ini"
    path.write_text("[prefs]\ngridSize=abc\nautosaveSeconds=99999999\ndefaultNic=No Such NIC\n"
                    "theme=purple\nvmmIoCores=nan\nsnapToGrid=maybe\n", encoding="utf-8")
    win = MainWindow(QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.act_preferences.trigger()
    dlg = win.preferences.dialog
    assert dlg.grid.value() == win.scene.grid_size > 0
    assert dlg.autosave.value() == dlg.autosave.maximum()
    assert dlg.nic.currentText() in {e["name"] for e in catalogue()}
    assert dlg.theme.currentData() == "system"
    assert dlg.vmm.value() == win.editor.defaults.vmm_io_cores >= 0
    assert dlg.snap.isChecked() == win.scene.snap_to_grid
    dlg.close()


def test_restore_defaults_forgets_every_choice(window, dialog):
    fresh = (dialog.grid.value(), dialog.snap.isChecked(), dialog.autosave.value(), dialog.nic.currentText(),
             dialog.vmm.value(), dialog.theme.currentData())
    dialog.grid.setValue(55)
    dialog.snap.setChecked(False)
    dialog.autosave.setValue(300)
    dialog.nic.setCurrentIndex((dialog.nic.currentIndex() + 1) % dialog.nic.count())
    dialog.vmm.setValue(9)
    dialog.restore_defaults()
    assert (dialog.grid.value(), dialog.snap.isChecked(), dialog.autosave.value(), dialog.nic.currentText(),
            dialog.vmm.value(), dialog.theme.currentData()) == fresh
    assert not any(key.startswith("prefs/") for key in window.settings.allKeys())
    assert window.scene.grid_size == fresh[0] and window.scene.snap_to_grid


def test_close_keeps_the_changes(window, dialog):
    dialog.grid.setValue(30)
    dialog.buttons.button(dialog.buttons.StandardButton.Close).click()
    assert not dialog.isVisible()
    assert window.settings.value("prefs/gridSize") == 30
    window.act_preferences.trigger()
    assert window.preferences.dialog.grid.value() == 30


def test_about_names_version_licence_and_qt(window, dialogs):
    import PySide6
    from PySide6.QtCore import qVersion

    from designer import __version__

    window.act_about.trigger()
    (text,) = dialogs.of("about")
    assert __version__ in text
    assert "GPL-3.0-or-later" in text
    assert f"Qt {qVersion()}" in text and f"PySide6 {PySide6.__version__}" in text
    assert "about" in window.act_about_qt.text().lower().replace("&", "")
    assert window.act_about_qt in window.help_menu.actions()


def test_window_and_application_icon(window):
    from PySide6.QtWidgets import QApplication

    assert not window.windowIcon().isNull()
    image = window.windowIcon().pixmap(64, 64).toImage()
    assert image.width() == 64
    assert image.pixelColor(32, 32).alpha() == 255  # drawn, not blank
    assert image.pixelColor(0, 0).alpha() == 0  # the rounded corner stays transparent
    assert QApplication.instance() is not None


@pytest.mark.parametrize("key", ["prefs/gridSize", "prefs/snapToGrid", "prefs/theme", "prefs/autosaveSeconds",
                                 "prefs/defaultNic", "prefs/vmmIoCores"])
def test_each_control_writes_its_key(window, dialog, key):
    change = {
        "prefs/gridSize": lambda: dialog.grid.setValue(dialog.grid.value() + 5),
        "prefs/snapToGrid": lambda: dialog.snap.setChecked(not dialog.snap.isChecked()),
        "prefs/theme": lambda: dialog.theme.setCurrentIndex(dialog.theme.findData("light")),
        "prefs/autosaveSeconds": lambda: dialog.autosave.setValue(dialog.autosave.value() + 10),
        "prefs/defaultNic": lambda: dialog.nic.setCurrentIndex((dialog.nic.currentIndex() + 1) % dialog.nic.count()),
        "prefs/vmmIoCores": lambda: dialog.vmm.setValue(dialog.vmm.value() + 1),
    }[key]
    assert window.settings.value(key) is None
    change()
    assert window.settings.value(key) is not None
