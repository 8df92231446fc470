"""The inspector dock: the selected element's fields with units, ranges and
defaults from the spec, validated as typed. A wrong value is shown in red with
the reason and is not applied; a multi-selection edits a common field on every
selected element in one undo step. With nothing selected it shows the project
(title, notes, VMM cost model)."""

from __future__ import annotations

import copy
from typing import Any, Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QMessageBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .. import catalogue
from ..model.elements import COST_PRESETS, MODES, VM, Nic, VirtualFunction
from ..model.labels import field_label, rate_cap_text
from ..model.schema import (
    CORE_US_SPEC,
    COST_MODEL_FIELDS,
    VNIC_FIELDS,
    FieldError,
    FieldSpec,
    fields_for,
    link_field_spec,
)
from .plain import markup
from .style import KIND_LABELS, MODE_LABELS

MIXED = "(mixed)"
HIDDEN_FIELDS = {"x", "y"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


class FieldEditor(QWidget):
    """One field: an input, its unit and range, and a red line saying why a value was refused."""

    committed = Signal(object)

    def __init__(self, spec: FieldSpec, value: Any, mixed: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.spec = spec
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        row = QHBoxLayout()
        row.setSpacing(4)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #c62828; font-size: 11px;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.widget: QWidget
        if spec.type == "bool":
            box = QCheckBox()
            if mixed:
                box.setTristate(True)
                box.setCheckState(Qt.CheckState.PartiallyChecked)
            else:
                box.setChecked(bool(value))
            box.clicked.connect(lambda checked: self.committed.emit(bool(checked)))
            self.widget = box
        elif spec.type == "enum":
            combo = QComboBox()
            for choice in spec.choices:
                combo.addItem(MODE_LABELS.get(choice, choice), choice)
            if mixed:
                combo.insertItem(0, MIXED, None)
                combo.setCurrentIndex(0)
            else:
                combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.activated.connect(lambda i: combo.itemData(i) is not None and self.committed.emit(combo.itemData(i)))
            self.widget = combo
        else:
            edit = QLineEdit()
            edit.setText("" if mixed else _text(value))
            placeholder = MIXED if mixed else (f"default {_text(spec.default)}" if spec.default not in (None, "", []) else "")
            if spec.optional and not mixed:
                placeholder = "empty = none / default"
            edit.setPlaceholderText(placeholder)
            edit.editingFinished.connect(self._finish_text)
            edit.installEventFilter(self)
            self.widget = edit
            self._last_text = edit.text()
        row.addWidget(self.widget, 1)
        if spec.unit:
            unit = QLabel(spec.unit)
            unit.setStyleSheet("color: #607d8b;")
            row.addWidget(unit)
        tips = [spec.help] if spec.help else []
        if spec.describe_range():
            tips.append(f"range: {spec.describe_range()}")
        if spec.default not in (None, "", []):
            tips.append(f"default: {_text(spec.default)}")
        self.widget.setToolTip("\n".join(tips))

    def _finish_text(self) -> None:
        edit = self.widget
        assert isinstance(edit, QLineEdit)
        text = edit.text()
        if text == self._last_text and not self.error.isVisible():
            return
        try:
            value = self.spec.parse_text(text)
        except FieldError as exc:
            self.show_error(f"{self.spec.name} {exc}")
            return
        self._last_text = text
        self.clear_error()
        self.committed.emit(value)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.widget.setStyleSheet("border: 1px solid #c62828;")

    def clear_error(self) -> None:
        self.error.hide()
        self.widget.setStyleSheet("")

    def edited(self) -> bool:
        """Whether the field holds typing not yet applied (or refused) to the design."""
        return isinstance(self.widget, QLineEdit) and (self.widget.text() != self._last_text or self.error.isVisible())

    def revert_text(self) -> None:
        """Back to the design's value: the typing is dropped, and its red error with it."""
        if isinstance(self.widget, QLineEdit):
            self.widget.setText(self._last_text)
        self.clear_error()

    def eventFilter(self, watched, event) -> bool:
        """Ctrl+Z in a text field: if the field was edited, the first Ctrl+Z reverts the field
        to the design's value; otherwise (and then) it undoes the last design edit, as
        everywhere else. Ctrl+Shift+Z / Ctrl+Y in an unedited field redo the design edit."""
        if watched is self.widget and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            undo = event.matches(QKeySequence.StandardKey.Undo)
            redo = event.matches(QKeySequence.StandardKey.Redo)
            if undo or redo:
                if undo and self.edited():
                    if event.type() == QEvent.Type.KeyPress:
                        self.revert_text()
                    event.accept()
                    return event.type() == QEvent.Type.KeyPress
                # Unedited: let the window's Undo/Redo shortcut have the key.
                event.ignore()
                return True
        return super().eventFilter(watched, event)

    def set_value(self, value: Any) -> None:
        """Show the design's value, unless the user is typing in this field right now."""
        if isinstance(self.widget, QLineEdit) and self.widget.hasFocus() and self.edited():
            return
        if isinstance(self.widget, QCheckBox):
            self.widget.setChecked(bool(value))
        elif isinstance(self.widget, QComboBox):
            self.widget.setCurrentIndex(max(0, self.widget.findData(value)))
        elif isinstance(self.widget, QLineEdit):
            self.widget.setText(_text(value))
            self._last_text = self.widget.text()
            self.clear_error()


def row_label(spec: FieldSpec) -> QLabel:
    """The engineering label with its unit ("Transmit demand (Gbit/s)"); the file format's
    field name is in the tooltip."""
    unit = spec.unit
    if spec.name == "max_gbps":
        unit = f"{unit}; 0 = no cap" if unit else "0 = no cap"
    label = QLabel(field_label(spec.name, unit))
    label.setObjectName(f"label_{spec.name}")
    label.setToolTip(f"Field {spec.name}" + (f": {spec.help}" if spec.help else ""))
    label.setWordWrap(True)
    return label


class InspectorWidget(QScrollArea):
    statusMessage = Signal(str)

    def __init__(self, editor, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.setObjectName("inspector")
        self.setWidgetResizable(True)
        self.ids: list[str] = []
        self._signature: tuple = ()
        self.field_editors: dict[str, FieldEditor] = {}
        self._build()

    # ---------------------------------------------------------------- public
    def set_editor(self, editor) -> None:
        self.editor = editor
        self.ids = []
        self._signature = ()
        self._build()

    def set_selection(self, ids: list[str]) -> None:
        self.ids = list(ids)
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        topo = self.editor.topo
        self.ids = [i for i in self.ids if i in topo.elements or i in topo.links]
        signature = self._make_signature()
        if force or signature != self._signature:
            self._build()
        else:
            self._update_values()

    # -------------------------------------------------------------- building
    def _make_signature(self) -> tuple:
        topo = self.editor.topo
        parts = []
        for i in self.ids:
            element = topo.elements.get(i)
            if isinstance(element, VM):
                parts.append((i, "vm", tuple(v.mode for v in element.vnics), tuple(v.device() for v in element.vnics)))
            elif element is not None:
                parts.append((i, element.KIND))
            else:
                parts.append((i, "link"))
        return tuple(parts)

    def _build(self) -> None:
        self._signature = self._make_signature()
        self.field_editors = {}
        self._updaters: list[Callable[[], None]] = []
        self._solved_updaters: list[Callable[[], None]] = []
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        topo = self.editor.topo
        elements = [topo.elements[i] for i in self.ids if i in topo.elements]
        links = [topo.links[i] for i in self.ids if i in topo.links]
        if not self.ids:
            self._build_project(layout)
        elif len(self.ids) == 1 and links:
            self._build_link(layout, links[0].id)
            self._add_solved(layout, links[0].id)
        elif elements and not links:
            self._build_elements(layout, elements)
            if len(elements) == 1 and elements[0].KIND in ("server", "nic", "switch"):
                self._add_solved(layout, elements[0].id)
        else:
            layout.addWidget(QLabel(f"{len(self.ids)} items selected (elements and cables).\n"
                                    "Select elements of one kind, or one cable, to edit fields."))
        layout.addStretch(1)
        self.setWidget(page)

    def _heading(self, layout: QVBoxLayout, text: str, sub: str = "") -> None:
        # Names and labels come from the file: escaped, so they show as text, never as markup.
        title = QLabel(f"<b>{markup(text)}</b>" + (f"<br><span style='color:#607d8b'>{markup(sub)}</span>" if sub else ""))
        title.setTextFormat(Qt.TextFormat.RichText)
        title.setWordWrap(True)
        layout.addWidget(title)

    def _build_project(self, layout: QVBoxLayout) -> None:
        topo = self.editor.topo
        self._heading(layout, "Project", "Nothing selected: these fields belong to the whole design.")
        form = QFormLayout()
        layout.addLayout(form)
        title = QLineEdit(topo.title)
        title.setObjectName("projectTitle")
        title.editingFinished.connect(lambda: title.text() != self.editor.topo.title and self._report(
            self.editor.set_project_field("title", title.text())))
        form.addRow("Title", title)
        notes = QPlainTextEdit(topo.notes)
        notes.setObjectName("projectNotes")
        notes.setFixedHeight(90)
        notes.focusOutEvent = self._notes_focus_out(notes)  # type: ignore[method-assign]
        form.addRow("Notes", notes)
        box = QGroupBox("VMM cost model")
        box_form = QFormLayout(box)
        cm = topo.cost_model
        presets = QComboBox()
        presets.setObjectName("costPreset")
        presets.addItem("Custom values", None)
        for preset_id, preset in COST_PRESETS.items():
            presets.addItem(preset.label, preset_id)
        presets.setCurrentIndex(max(0, presets.findData(cm.matching_preset() or None)))
        presets.setToolTip("Named cost models (docs/solver.md gives their sources). Choosing one sets the "
                           "values below; editing a value makes them custom.")
        presets.activated.connect(lambda i: self._choose_cost_preset(presets.itemData(i)))
        box_form.addRow("preset", presets)
        self.field_editors_preset = presets
        for mode in MODES:
            spec = FieldSpec(name=f"{mode} cost", type="float", default=CORE_US_SPEC.default, unit="core·µs/packet",
                             minimum=0, maximum=1e6, help=f"CPU time per packet for {mode} vNICs")
            fe = FieldEditor(spec, cm.core_us_per_packet.get(mode, 0.0))
            fe.committed.connect(lambda v, m=mode: self._set_cost(per_packet={m: v}))
            box_form.addRow(mode, fe)
            self.field_editors[f"cost:{mode}"] = fe
        spec = COST_MODEL_FIELDS[0]
        fe = FieldEditor(spec, cm.vmdq_rx_factor)
        fe.committed.connect(lambda v: self._set_cost(vmdq=v))
        box_form.addRow("VMDq rx factor", fe)
        self.field_editors["cost:vmdq"] = fe
        layout.addWidget(box)

    def _notes_focus_out(self, notes: QPlainTextEdit):
        original = notes.focusOutEvent

        def handler(event):
            if notes.toPlainText() != self.editor.topo.notes:
                self._report(self.editor.set_project_field("notes", notes.toPlainText()))
            original(event)

        return handler

    def _set_cost(self, per_packet: dict | None = None, vmdq: float | None = None) -> None:
        cm = copy.deepcopy(self.editor.topo.cost_model)
        if per_packet:
            cm.core_us_per_packet.update(per_packet)
        if vmdq is not None:
            cm.vmdq_rx_factor = vmdq
        cm.preset = cm.matching_preset()  # an edited value is no longer the preset's
        self._report(self.editor.set_cost_model(cm))

    def _choose_cost_preset(self, preset_id: str | None) -> None:
        if preset_id is None or preset_id not in COST_PRESETS:
            return  # "Custom values": keep them
        cm = COST_PRESETS[preset_id].cost_model(preset_id)
        cm.extra = copy.deepcopy(self.editor.topo.cost_model.extra)
        self._report(self.editor.set_cost_model(cm))
        self.refresh(force=True)

    def _build_link(self, layout: QVBoxLayout, link_id: str) -> None:
        link = self.editor.topo.links[link_id]
        self._heading(layout, f"Cable {link_id}", f"{link.a} ↔ {link.b}")
        form = QFormLayout()
        layout.addLayout(form)
        spec = link_field_spec("gbps")
        fe = FieldEditor(spec, link.gbps)
        fe.committed.connect(lambda v: self._report(self.editor.set_link_capacity(link_id, v), fe))
        form.addRow("Capacity", fe)
        self.field_editors["gbps"] = fe
        self._updaters.append(lambda: fe.set_value(self.editor.topo.links[link_id].gbps))
        hint = QLabel("Empty: the default — for a NIC cable the NIC port's speed, or the switch port's if slower; "
                      "100 Gbit/s for an uplink.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #607d8b;")
        layout.addWidget(hint)

    def _build_elements(self, layout: QVBoxLayout, elements: list) -> None:
        kinds = {e.KIND for e in elements}
        if len(elements) == 1:
            e = elements[0]
            sub = f"id {e.id}" + (f" · in {e.parent_id}" if e.parent_id else "")
            self._heading(layout, f"{KIND_LABELS[e.KIND]} {e.display_name()}", sub)
        else:
            names = ", ".join(sorted(KIND_LABELS[k] for k in kinds))
            self._heading(layout, f"{len(elements)} elements selected", f"{names}: common fields apply to all.")
        specs = None
        for kind in kinds:
            names = [s for s in fields_for(kind) if s.name not in HIDDEN_FIELDS and s.name != "parent"]
            specs = names if specs is None else [s for s in specs if any(s.name == n.name for n in names)]
        form = QFormLayout()
        layout.addLayout(form)
        ids = [e.id for e in elements]
        single_nic = elements[0] if len(elements) == 1 and isinstance(elements[0], Nic) else None
        if single_nic is not None:
            self._build_model_chooser(form, single_nic)
        for spec in specs or []:
            values = [getattr(e, spec.name) for e in elements]
            mixed = any(v != values[0] for v in values)
            if spec.name == "rack":
                form.addRow(row_label(spec), self._rack_choice(ids, values, mixed))
                continue
            fe = FieldEditor(spec, values[0], mixed=mixed)
            fe.setObjectName(f"field_{spec.name}")
            if single_nic is not None and spec.name == "model":
                fe.committed.connect(lambda v, fe=fe, nic_id=single_nic.id: self._type_model(nic_id, v, fe))
            else:
                fe.committed.connect(
                    lambda v, name=spec.name, fe=fe: self._report(self.editor.set_field(ids, name, v), fe))
            form.addRow(row_label(spec), fe)
            self.field_editors[spec.name] = fe
            if not mixed:
                self._updaters.append(
                    lambda fe=fe, name=spec.name, eid=ids[0]: eid in self.editor.topo.elements
                    and fe.set_value(getattr(self.editor.topo.elements[eid], name)))
        if len(elements) == 1 and isinstance(elements[0], (Nic, VirtualFunction)):
            self._build_capabilities(layout, elements[0])
        if len(elements) == 1 and isinstance(elements[0], VM):
            self._build_vnics(layout, elements[0])
        elif len(elements) > 1 and all(isinstance(e, VM) for e in elements):
            self._build_bulk_vnics(layout, [e for e in elements if isinstance(e, VM)])

    def _rack_choice(self, ids: list[str], values: list, mixed: bool) -> QComboBox:
        """``rack`` is one of the design's racks (or none), not free text."""
        topo = self.editor.topo
        combo = QComboBox()
        combo.setObjectName("field_rack")
        if mixed:
            combo.addItem(MIXED, "")
        combo.addItem("(not in a rack)", None)
        for rack in topo.racks.values():
            combo.addItem(rack.display_name(), rack.id)
        if values and values[0] is not None and values[0] not in topo.racks:
            combo.addItem(str(values[0]), values[0])  # a name the design has no rack for
        if not mixed:
            combo.setCurrentIndex(max(0, combo.findData(values[0])))
        combo.activated.connect(lambda i: combo.itemData(i) != "" and self._report(
            self.editor.set_field(ids, "rack", combo.itemData(i))))
        return combo

    def _build_bulk_vnics(self, layout: QVBoxLayout, vms: list[VM]) -> None:
        """Several guests: their vNIC fields, set on every vNIC of every selected guest that
        has one, as one undo step."""
        with_vnics = [vm for vm in vms if vm.vnics]
        box = QGroupBox(f"vNICs of {len(with_vnics)} of {len(vms)} guests")
        box.setObjectName("bulk_vnics")
        form = QFormLayout(box)
        layout.addWidget(box)
        if not with_vnics:
            form.addRow(QLabel("None of the selected guests has a vNIC yet."))
            return
        vnics = [v for vm in with_vnics for v in vm.vnics]
        ids = [vm.id for vm in with_vnics]
        topo = self.editor.topo
        for spec in VNIC_FIELDS:
            if spec.name in ("vf", "nic", "port"):
                continue  # the device is chosen by dragging, one guest at a time
            if spec.name == "to":
                combo = QComboBox()
                values = {v.to for v in vnics}
                combo.addItem(MIXED if len(values) > 1 else "(the only network)" if len(topo.networks) == 1
                              else "(choose)", None)
                for net in topo.networks:
                    combo.addItem(net.display_name(), net.id)
                if len(values) == 1:
                    combo.setCurrentIndex(max(0, combo.findData(values.pop())))
                combo.setObjectName("bulk_vnic_to")
                combo.activated.connect(lambda i, c=combo: c.itemData(i) is not None and self._report(
                    self.editor.set_vnic_field(ids, "to", c.itemData(i))))
                form.addRow(row_label(spec), combo)
                continue
            values = [getattr(v, spec.name) for v in vnics]
            mixed = any(v != values[0] for v in values)
            fe = FieldEditor(spec, values[0], mixed=mixed)
            fe.setObjectName(f"bulk_vnic_{spec.name}")
            fe.committed.connect(lambda v, name=spec.name, fe=fe: self._report(
                self.editor.set_vnic_field(ids, name, v), fe))
            form.addRow(row_label(spec), fe)
            self.field_editors[f"vnics.{spec.name}"] = fe

    # ------------------------------------------------------------ NIC hardware
    def _build_model_chooser(self, form: QFormLayout, nic: Nic) -> None:
        """The NIC's model: a catalogue entry (its hardware comes with it) or Custom."""
        combo = QComboBox()
        combo.setObjectName("nicModelChooser")
        combo.addItem("Custom (fields below)", None)
        for item in catalogue.entries():
            combo.addItem(item["name"], item["name"])
            combo.setItemData(combo.count() - 1, f"{catalogue.label(item)} — {item['note']}",
                              Qt.ItemDataRole.ToolTipRole)
        current = catalogue.matching_entry(nic)
        combo.setCurrentIndex(max(0, combo.findData(current["name"])) if current else 0)
        combo.setToolTip("Choosing a catalogue model sets ports, speeds, PCIe, VF limits and what the driver "
                         "enforces, as one undo step. Custom keeps the fields as they are.")
        error = QLabel()
        error.setObjectName("nicModelError")
        error.setStyleSheet("color: #c62828; font-size: 11px;")
        error.setWordWrap(True)
        error.hide()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(combo)
        column.addWidget(error)
        combo.activated.connect(lambda i, nic_id=nic.id: self._choose_model(nic_id, combo.itemData(i), combo, error))
        form.addRow("catalogue", box)
        self.model_chooser = combo
        self.model_error = error
        self._updaters.append(lambda nic_id=nic.id: self._restore_chooser(nic_id, combo))

    def _choose_model(self, nic_id: str, name: str | None, combo: QComboBox | None = None,
                      error: QLabel | None = None) -> str | None:
        """Make NIC ``nic_id`` the catalogue model ``name``; returns why not, or None."""
        nic = self.editor.topo.elements.get(nic_id)
        if name is None or not isinstance(nic, Nic):
            return None  # Custom: the fields stay as they are
        item = catalogue.entry(name)
        if item is None:
            return None
        change = catalogue.plan_model_change(self.editor.topo, nic_id, item)
        reason = change.refusal
        if reason is None and change.removes_anything:
            text = (f"Making {nic_id} a {name} removes what no longer fits:\n\n"
                    + "\n".join(f"• {why}" for why in change.reasons) + "\n\nChange the model and remove them?")
            answer = QMessageBox.warning(self, "Change NIC model", text,
                                         QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                         QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Yes:
                self._restore_chooser(nic_id, combo)
                return "cancelled"
        if reason is None:
            reason = self.editor.change_nic_model(change)
        if reason:
            self._restore_chooser(nic_id, combo)
            if error is not None:
                error.setText(reason)
                error.show()
            self.statusMessage.emit(reason)
        return reason

    def _restore_chooser(self, nic_id: str, combo: QComboBox | None) -> None:
        nic = self.editor.topo.elements.get(nic_id)
        if combo is not None and isinstance(nic, Nic):
            current = catalogue.matching_entry(nic)
            combo.setCurrentIndex(max(0, combo.findData(current["name"])) if current else 0)

    def _type_model(self, nic_id: str, text: str, fe: FieldEditor) -> None:
        """A typed model name that is a catalogue model brings that model's hardware with it,
        so the canvas label never names a card the fields do not describe."""
        named = [item for item in catalogue.entries() if item["model"] == text]
        nic = self.editor.topo.elements.get(nic_id)
        if not named or (isinstance(nic, Nic) and catalogue.matching_entry(nic) in named):
            self._report(self.editor.set_field([nic_id], "model", text), fe)
        elif len(named) > 1:
            self._report(f"Several catalogue models are called {text} "
                         f"({', '.join(item['name'] for item in named)}): choose one in the catalogue list.", fe)
        else:
            reason = self._choose_model(nic_id, named[0]["name"])
            if reason and reason != "cancelled":
                fe.show_error(reason)

    def _build_capabilities(self, layout: QVBoxLayout, element) -> None:
        """One sentence per thing the NIC's driver can or cannot enforce (SPEC §9), kept
        up to date as the fields change."""
        note = QLabel()
        note.setObjectName("nicCapabilities")
        note.setWordWrap(True)
        note.setStyleSheet("color: #607d8b;")
        layout.addWidget(note)
        self.capabilities = note

        def update(element_id=element.id):
            current = self.editor.topo.elements.get(element_id)
            if current is not None:
                note.setText(self._capability_text(current))

        update()
        self._updaters.append(update)

    def _capability_text(self, element) -> str:
        topo = self.editor.topo
        nic = element if isinstance(element, Nic) else topo.elements.get(element.parent)
        if not isinstance(nic, Nic):
            return ""
        driver = f"driver {nic.driver}" if nic.driver else "driver not set"
        lines = []
        if isinstance(element, VirtualFunction):
            if element.min_gbps > 0:
                lines.append(f"Guarantee {element.min_gbps:g} Gbit/s: "
                             + ("enforced by the NIC (min_tx_rate)." if nic.vf_min_rate else
                                f"NOT enforced — NIC {nic.id} ({driver}) cannot hold a VF minimum, so it is "
                                f"reported, not guaranteed."))
            if element.max_gbps > 0:
                lines.append(f"Cap {element.max_gbps:g} Gbit/s: "
                             + ("enforced by the NIC (max_tx_rate)." if nic.vf_max_rate else
                                f"NOT enforced — NIC {nic.id} ({driver}) cannot cap a VF, so it is ignored."))
            if not lines:
                lines.append(f"No guarantee and no cap: the VF shares port {element.port} of {nic.id} fairly.")
        else:
            lines.append(f"VF minimums (min_gbps) are {'enforced' if nic.vf_min_rate else 'NOT enforced'} "
                         f"by this card ({driver}); VF caps (max_gbps) are "
                         f"{'enforced' if nic.vf_max_rate else 'NOT enforced'}.")
            lines.append(f"VFs: at most {nic.max_vfs} on the card"
                         + (f" and {nic.max_vfs_per_port} per port." if nic.max_vfs_per_port else ", any port."))
            lines.append(f"Forwarding limit: {nic.throughput_gbps:g} Gbit/s per direction over all ports."
                         if nic.throughput_gbps > 0 else
                         "No forwarding limit of its own: only ports and PCIe limit it.")
            if nic.netdevs:
                lines.append("Host interfaces: " + ", ".join(f"port {i} = {name}" for i, name in enumerate(nic.netdevs))
                             + ".")
        return "\n".join(lines)

    def _build_vnics(self, layout: QVBoxLayout, vm: VM) -> None:
        topo = self.editor.topo
        header = QLabel("<b>vNICs</b>")
        layout.addWidget(header)
        if not vm.vnics:
            hint = QLabel("No vNIC yet. Drag from the VM's handle to a VF (SR-IOV), a NIC port (through the "
                          "vSwitch) or a whole NIC (passthrough).")
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #607d8b;")
            layout.addWidget(hint)
        for index, vnic in enumerate(vm.vnics):
            device = vnic.device() or "not attached"
            box = QGroupBox(f"vNIC {index}: {MODE_LABELS[vnic.mode]} → {device}")
            box.setObjectName(f"vnic_{index}")
            form = QFormLayout(box)
            for spec in VNIC_FIELDS:
                if spec.name in ("vf", "nic"):
                    continue
                if spec.name == "port" and vnic.mode == "vf":
                    continue
                if spec.name in ("min_gbps", "max_gbps") and vnic.mode == "vf":
                    continue  # the VF's own min/max apply
                if spec.name == "to":
                    combo = QComboBox()
                    combo.addItem("(the only network)" if len(topo.networks) == 1 else "(choose)", None)
                    for net in topo.networks:
                        combo.addItem(net.display_name(), net.id)
                    combo.setCurrentIndex(max(0, combo.findData(vnic.to)))
                    combo.activated.connect(lambda i, c=combo, idx=index: self._set_vnic(vm.id, idx, "to", c.itemData(i)))
                    form.addRow(row_label(spec), combo)
                    continue
                fe = FieldEditor(spec, getattr(vnic, spec.name))
                fe.setObjectName(f"vnic{index}_{spec.name}")
                fe.committed.connect(lambda v, idx=index, name=spec.name, fe=fe: self._report(
                    self._set_vnic(vm.id, idx, name, v), fe))
                form.addRow(row_label(spec), fe)
                self.field_editors[f"vnic{index}.{spec.name}"] = fe
                self._updaters.append(
                    lambda fe=fe, idx=index, name=spec.name: vm.id in topo.elements
                    and idx < len(topo.elements[vm.id].vnics)
                    and fe.set_value(getattr(topo.elements[vm.id].vnics[idx], name)))
            if vnic.mode == "vf" and vnic.vf in topo.elements:
                vf = topo.elements[vnic.vf]
                note = QLabel(f"Guarantee and cap come from VF {vf.id}: min {vf.min_gbps:g} Gbit/s, "
                              f"max {rate_cap_text(vf.max_gbps)} (select the VF to change them).")
                note.setWordWrap(True)
                note.setStyleSheet("color: #607d8b;")
                form.addRow(note)
            remove = QPushButton("Remove this vNIC")
            remove.clicked.connect(lambda _=False, idx=index: self._report(self.editor.detach_vnic(vm.id, idx)))
            form.addRow(remove)
            layout.addWidget(box)

    def _set_vnic(self, vm_id: str, index: int, name: str, value: Any) -> str | None:
        vm = self.editor.topo.elements.get(vm_id)
        if not isinstance(vm, VM) or index >= len(vm.vnics):
            return "That vNIC no longer exists."
        vnics = copy.deepcopy(vm.vnics)
        if getattr(vnics[index], name) == value:
            return None
        setattr(vnics[index], name, value)
        if name == "mode":
            # Keep the device that fits the new mode; the rest becomes unattached.
            if value == "vf":
                vnics[index].nic = None
            else:
                vnics[index].vf = None
        error = self.editor.set_vnics(vm_id, vnics, text=f"Set {name} of {vm_id} vNIC {index}")
        return error

    def _update_values(self) -> None:
        for update in self._updaters:
            update()

    def update_solved(self) -> None:
        """A new solution: only the solver figures change (the fields are the model's)."""
        for update in self._solved_updaters:
            update()

    def solved_text(self, element_id: str) -> str:
        """The solver's figures for a server (VMM cores), a NIC (PCIe and ports) or a cable."""
        document = getattr(self.editor, "document", None)
        solution = getattr(document, "solution", None)
        topo = self.editor.topo
        if solution is None:
            return "Not solved yet."
        from .analysis.data import resource_element_id
        element = topo.elements.get(element_id)
        lines = []
        for record in solution.resource_records():
            rid = record["id"]
            owner = resource_element_id(rid, topo)
            nic_of_port = rid.split(":")[1] if rid.startswith(("port:", "pcie:")) else None
            if owner != element_id and not (element is not None and element.KIND == "nic"
                                            and nic_of_port == element_id):
                continue
            unit = "cores" if record["kind"] == "vmm" else "Gbit/s"
            lines.append(f"{rid}: load {record['load']:.3g} of {record['capacity']:.3g} {unit} "
                         f"({record['utilization'] * 100:.0f} %)" + (" — saturated" if record["saturated"] else ""))
        return "\n".join(lines) if lines else "No traffic through it."

    def _add_solved(self, layout: QVBoxLayout, element_id: str) -> None:
        box = QGroupBox("Solved")
        box.setObjectName("solved")
        inner = QVBoxLayout(box)
        label = QLabel(self.solved_text(element_id))
        label.setObjectName("solved_text")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        inner.addWidget(label)
        layout.addWidget(box)
        self._solved_updaters.append(lambda: label.setText(self.solved_text(element_id)))

    def _report(self, error: str | None, fe: FieldEditor | None = None) -> None:
        if error:
            if fe is not None:
                fe.show_error(error)
            self.statusMessage.emit(error)
