"""The problems dock and the solver overlay on the canvas."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt

from designer.model.elements import VM, Link, Network, Nic, Server, Switch, VirtualFunction, VNic
from designer.ui import style

from .helpers import open_example, use_design
from .test_inspector import select, type_into


# ------------------------------------------------------------------- problems
@pytest.fixture
def broken(window):
    return use_design(window, [
        Network(id="net1", x=0, y=-400),
        Switch(id="sw1", x=0, y=-200),
        Server(id="h1", x=0, y=0),
        Nic(id="h1n0", parent="h1", sriov=False),
        VirtualFunction(id="h1n0v0", parent="h1n0"),
        VM(id="vm1", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=1, rx_gbps=1,
                                                to="net1")]),
        Server(id="h2", x=2000, y=1500),  # far away: revealing must scroll
    ], [Link(a="sw1", b="net1")])


def problem_rows(window) -> dict[str, str]:
    """element id → row text of the problems list."""
    rows = {}
    for i in range(window.problems.count()):
        item = window.problems.item(i)
        element = item.data(Qt.ItemDataRole.UserRole)
        if element:
            rows[element] = item.text()
    return rows


def test_known_problems_are_listed(window, broken):
    rows = problem_rows(window)
    assert "sriov-disabled" in rows["h1n0v0"]
    assert "port-unwired" in rows["h1n0"] and "vm1" in rows["h1n0"]


def test_clicking_a_problem_selects_and_reveals_the_element(qtbot, window, broken):
    window.view.resetTransform()
    window.view.centerOn(window.scene.top_items["h2"])
    problems = window.problems
    row = next(problems.item(i) for i in range(problems.count())
               if problems.item(i).data(Qt.ItemDataRole.UserRole) == "h1n0v0")
    chip = window.scene.element_item("h1n0v0")
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert not visible.contains(chip.sceneBoundingRect().center())
    rect = problems.visualItemRect(row)
    assert rect.isValid()
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.scene.selected_ids() == ["h1n0v0"]
    chip = window.scene.element_item("h1n0v0")
    assert chip.isSelected()
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(chip.sceneBoundingRect().center())
    qtbot.waitUntil(lambda: window.inspector.ids == ["h1n0v0"], timeout=2000)


def test_fixing_a_problem_removes_it_from_the_list(qtbot, window, broken):
    assert "h1n0" in problem_rows(window)
    port = window.scene.port_item("h1n0:0")
    assert window.editor.connect(port, window.scene.top_items["sw1"]) is None
    qtbot.waitUntil(lambda: "h1n0" not in problem_rows(window), timeout=3000)
    assert "h1n0v0" in problem_rows(window)  # the other one stays
    window.editor.set_field(["h1n0"], "sriov", True)
    qtbot.waitUntil(lambda: not problem_rows(window), timeout=3000)
    assert window.problems.count() == 1 and "No problems" in window.problems.item(0).text()


# -------------------------------------------------------------------- overlay
def cable(window, link_id):
    return window.scene.cables[link_id]


def is_red(item) -> bool:
    return item.pen().color() == style.SATURATED_COLOR


def test_overlay_colours_cables_by_utilisation(window):
    open_example(window)
    solution = window.document.solve_now()
    assert solution is not None
    util = window.scene.resource_utilization()
    low = cable(window, "h1n0:1--tor")
    assert low.utilization == pytest.approx(max(util["port:h1n0:1:tx"][0], util["port:h1n0:1:rx"][0]))
    assert 0 < low.utilization < 0.5 and not is_red(low)
    assert low.pen().color() == style.utilization_color(low.utilization)
    for link_id, item in window.scene.cables.items():
        # Red exactly where the solver says a resource of the cable is full.
        assert is_red(item) == (item.utilization is not None and item.utilization >= 1 - 1e-9), link_id
    # The VMM of the mail host is at its budget in this example.
    h1 = window.scene.top_items["h1"]
    assert h1.vmm_solved and h1.vmm_cores == pytest.approx(solution.server_vmm_cores["h1"])
    assert h1.vmm_cores == pytest.approx(h1.vmm_budget)


def test_raising_demand_saturates_the_port_and_updates_gauge_and_badge(qtbot, window):
    topo = open_example(window)
    window.document.solve_now()
    link = cable(window, "h2n0:0--tor")
    assert link.utilization < 1 and not is_red(link)
    h2 = window.scene.top_items["h2"]
    gauge_before = h2.vmm_cores
    badge = window.scene.element_item("app1").overlay
    assert badge is not None and badge.has_flows and badge.rx_demand == pytest.approx(5)
    assert badge.tx_rate == pytest.approx(badge.tx_demand) and badge.rx_rate == pytest.approx(badge.rx_demand)

    fields = select(qtbot, window, "app1")
    type_into(qtbot, fields["vnic0.rx_gbps"], "30")  # 9 Gbit/s of rx on a 10G port becomes 34
    assert topo["app1"].vnics[0].rx_gbps == 30
    qtbot.waitUntil(lambda: (cable(window, "h2n0:0--tor").utilization or 0) >= 1 - 1e-9, timeout=3000)
    link = cable(window, "h2n0:0--tor")
    assert is_red(link)
    assert link.pen().widthF() > cable(window, "h1n0:1--tor").pen().widthF()  # saturated is drawn thicker
    assert window.scene.port_item("h2n0:0").color == style.SATURATED_COLOR
    h2 = window.scene.top_items["h2"]
    # Port 0 rx fills: app1 = t, app2 (weight 2) = min(2t, 4) → t + 4 = 10, app1 gets 6 instead of 5;
    # one more Gbit/s of paravirtual rx on a VMDq card costs 0.125 × 0.43 cores.
    assert h2.vmm_cores == pytest.approx(gauge_before + 0.125 * 0.43)
    assert h2.vmm_cores == pytest.approx(window.document.solution.server_vmm_cores["h2"])
    badge = window.scene.element_item("app1").overlay
    assert badge.rx_demand == pytest.approx(30) and badge.rx_rate < 30 - 1  # throttled
    # Another host is untouched.
    assert not is_red(cable(window, "h1n0:1--tor"))

    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: cable(window, "h2n0:0--tor").utilization < 1, timeout=3000)
    assert not is_red(cable(window, "h2n0:0--tor"))
    assert window.scene.top_items["h2"].vmm_cores == pytest.approx(gauge_before)
    assert window.scene.element_item("app1").overlay.rx_demand == pytest.approx(5)


def test_a_vm_attached_by_editor_gets_a_badge_after_the_debounced_solve(qtbot, window):
    topo = open_example(window)
    window.document.solve_now()
    h1 = window.scene.top_items["h1"]
    assert window.editor.drop("vm", None, h1.mapToScene(QPointF(h1.width / 2, h1.footer_y + 12))) is None
    new_vm = next(v.id for v in topo.vms_of("h1") if v.id not in ("mail", "web1", "web2", "legacy"))
    assert window.editor.attach_vm(new_vm, window.scene.port_item("h1n0:1")) is None
    qtbot.waitUntil(lambda: window.scene.element_item(new_vm).overlay is not None, timeout=3000)
    overlay = window.scene.element_item(new_vm).overlay
    assert overlay.has_flows and overlay.tx_demand == pytest.approx(window.editor.defaults.vnic_tx_gbps)


def test_idle_cable_is_grey_and_overlay_can_be_switched_off(qtbot, window):
    use_design(window, [
        Network(id="net1", x=0, y=-400), Switch(id="sw1", x=0, y=-200),
        Server(id="h1", x=0, y=0), Nic(id="h1n0", parent="h1"),
    ], [Link(a="sw1", b="net1"), Link(a="h1n0:0", b="sw1")])
    window.document.solve_now()
    idle = cable(window, "h1n0:0--sw1")
    assert not idle.utilization and idle.pen().color() == style.IDLE_COLOR
    open_example(window)
    window.document.solve_now()
    assert any(c.utilization for c in window.scene.cables.values())
    window.act_overlay.setChecked(False)
    assert all(c.utilization is None and c.pen().color() == style.IDLE_COLOR for c in window.scene.cables.values())
    assert not window.scene.top_items["h2"].vmm_solved
    window.act_overlay.setChecked(True)
    assert cable(window, "h2n0:0--tor").utilization > 0.5
