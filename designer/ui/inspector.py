"""The inspector dock: the selected element's fields with units, ranges and
defaults from the spec, validated as typed. A wrong value is shown in red with
the reason and is not applied; a multi-selection edits a common field on every
selected element in one undo step. With nothing selected it shows the project
(title, notes, VMM cost model)."""

from __future__ import annotations

import copy
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

from ..model.elements import MODES, VM
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

    def set_value(self, value: Any) -> None:
        if self.widget.hasFocus():
            return
        if isinstance(self.widget, QCheckBox):
            self.widget.setChecked(bool(value))
        elif isinstance(self.widget, QComboBox):
            self.widget.setCurrentIndex(max(0, self.widget.findData(value)))
        elif isinstance(self.widget, QLineEdit):
            self.widget.setText(_text(value))
            self._last_text = self.widget.text()
            self.clear_error()


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
        elif elements and not links:
            self._build_elements(layout, elements)
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
        self._report(self.editor.set_cost_model(cm))

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
        for spec in specs or []:
            values = [getattr(e, spec.name) for e in elements]
            mixed = any(v != values[0] for v in values)
            fe = FieldEditor(spec, values[0], mixed=mixed)
            fe.setObjectName(f"field_{spec.name}")
            fe.committed.connect(lambda v, name=spec.name, fe=fe: self._report(self.editor.set_field(ids, name, v), fe))
            form.addRow(spec.name, fe)
            self.field_editors[spec.name] = fe
            if not mixed:
                self._updaters.append(
                    lambda fe=fe, name=spec.name, eid=ids[0]: eid in self.editor.topo.elements
                    and fe.set_value(getattr(self.editor.topo.elements[eid], name)))
        if len(elements) == 1 and isinstance(elements[0], VM):
            self._build_vnics(layout, elements[0])

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
                    form.addRow("to", combo)
                    continue
                fe = FieldEditor(spec, getattr(vnic, spec.name))
                fe.setObjectName(f"vnic{index}_{spec.name}")
                fe.committed.connect(lambda v, idx=index, name=spec.name, fe=fe: self._report(
                    self._set_vnic(vm.id, idx, name, v), fe))
                form.addRow(spec.name, fe)
                self.field_editors[f"vnic{index}.{spec.name}"] = fe
                self._updaters.append(
                    lambda fe=fe, idx=index, name=spec.name: vm.id in topo.elements
                    and idx < len(topo.elements[vm.id].vnics)
                    and fe.set_value(getattr(topo.elements[vm.id].vnics[idx], name)))
            if vnic.mode == "vf" and vnic.vf in topo.elements:
                vf = topo.elements[vnic.vf]
                note = QLabel(f"Guarantee and cap come from VF {vf.id}: min {vf.min_gbps:g}, "
                              f"max {vf.max_gbps:g} Gbit/s (select the VF to change them).")
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

    def _report(self, error: str | None, fe: FieldEditor | None = None) -> None:
        if error:
            if fe is not None:
                fe.show_error(error)
            self.statusMessage.emit(error)
