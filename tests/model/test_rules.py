"""Static design rules (SPEC §6): each code on the smallest design that shows it.

Every design starts from ``base()``, the SPEC §7 rack without its VMs — a network,
a switch, one server with one 2-port NIC cabled on port 0 — and adds just what
breaks one rule. ``base()`` plus clean guests gives no problem at all.
"""

from __future__ import annotations

import pytest

from designer.model import (
    PROBLEM_CODES,
    VM,
    Link,
    Network,
    Nic,
    Problem,
    Server,
    Switch,
    Topology,
    VirtualFunction,
    VNic,
    check_design,
)
from designer.model import checks
from designer.solver import solve


def base(**nic) -> Topology:
    t = Topology()
    t.add(Network(id="wan"))
    t.add(Switch(id="tor"))
    t.add(Server(id="h1", vmm_io_cores=2))
    t.add(Nic(id="h1n0", parent="h1", ports=2, port_gbps=10, **nic))
    t.connect(Link(a="h1n0:0", b="tor"))
    t.connect(Link(a="tor", b="wan", gbps=100))
    return t


def codes(problems: list[Problem]) -> list[tuple[str, str, str]]:
    return [(p.code, p.severity, p.element) for p in problems]


def only(t: Topology, code: str) -> Problem:
    found = check_design(t)
    assert [p.code for p in found] == [code], codes(found)
    p = found[0]
    assert p.severity == PROBLEM_CODES[code][0]
    assert p.message and "\n" not in p.message
    assert p.to_dict() == {"code": p.code, "severity": p.severity, "element": p.element, "message": p.message}
    return p


def test_clean_design_has_no_problems():
    t = base()
    t.add(VirtualFunction(id="h1n0v0", parent="h1n0", port=0, min_gbps=5))
    t.add(VM(id="mail", parent="h1", vnics=[VNic(mode="vf", vf="h1n0v0", tx_gbps=8, rx_gbps=2)]))
    t.add(VM(id="web", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=8)]))
    assert check_design(t) == []
    # The solver finds only that the port is full (SPEC §10 saturated): 8 + 8 on a 10 Gbit/s
    # port gives each 5, mail's floor of 5 holds, and both flows are held back by the port.
    assert [(p.code, p.severity, p.element) for p in solve(t).problems] == [("saturated", "warning", "h1n0")]
    # With web at 1 Gbit/s the port carries 8 + 1 < 10 Gbit/s: nothing is full, no problem at all.
    t.set_vnics("web", [VNic(mode="paravirtual", nic="h1n0", port=0, tx_gbps=1)])
    assert solve(t).problems == []


def test_empty_design_has_no_problems():
    assert check_design(Topology()) == []


def test_vf_limit():
    t = base(max_vfs=2)
    for i in range(3):
        t.add(VirtualFunction(id=f"v{i}", parent="h1n0"))
    p = only(t, "vf-limit")
    assert (p.element, p.severity) == ("h1n0", "error")
    assert "3" in p.message and "2" in p.message


def test_vf_limit_not_reached_at_exactly_max():
    t = base(max_vfs=2)
    for i in range(2):
        t.add(VirtualFunction(id=f"v{i}", parent="h1n0"))
    assert check_design(t) == []


def test_vf_limit_zero_vfs_allowed():
    t = base(max_vfs=0)
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    assert only(t, "vf-limit").element == "h1n0"


def test_sriov_disabled():
    t = base(sriov=False)
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    p = only(t, "sriov-disabled")
    assert (p.element, p.severity) == ("v0", "error")
    assert "h1n0" in p.message


def test_vf_shared():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    t.add(VM(id="a", parent="h1", vnics=[VNic(mode="vf", vf="v0", tx_gbps=1)]))
    t.add(VM(id="b", parent="h1", vnics=[VNic(mode="vf", vf="v0", tx_gbps=1)]))
    p = only(t, "vf-shared")
    assert (p.element, p.severity) == ("v0", "error")
    assert "a" in p.message and "b" in p.message


def test_vf_shared_by_two_vnics_of_one_vm():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    t.add(VM(id="a", parent="h1", vnics=[VNic(mode="vf", vf="v0"), VNic(mode="vf", vf="v0")]))
    assert only(t, "vf-shared").element == "v0"


def test_passthrough_no_iommu():
    t = base()
    t.set_field("h1", "iommu", False)
    t.add(VM(id="db", parent="h1", vnics=[VNic(mode="passthrough", nic="h1n0", tx_gbps=1)]))
    p = only(t, "passthrough-no-iommu")
    assert (p.element, p.severity) == ("db", "error")
    assert "h1" in p.message


def test_no_iommu_is_fine_without_passthrough():
    t = base()
    t.set_field("h1", "iommu", False)
    t.add(VM(id="web", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", tx_gbps=1)]))
    assert check_design(t) == []


def test_passthrough_shared_with_another_vnic():
    t = base()
    t.add(VM(id="db", parent="h1", vnics=[VNic(mode="passthrough", nic="h1n0", tx_gbps=1)]))
    t.add(VM(id="web", parent="h1", vnics=[VNic(mode="emulated", nic="h1n0", tx_gbps=1)]))
    p = only(t, "passthrough-shared")
    assert (p.element, p.severity) == ("h1n0", "error")
    assert "db" in p.message


def test_passthrough_shared_with_vfs():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0"))  # unused, but it lives on the passed-through NIC
    t.add(VM(id="db", parent="h1", vnics=[VNic(mode="passthrough", nic="h1n0", tx_gbps=1)]))
    assert only(t, "passthrough-shared").element == "h1n0"


def test_passthrough_alone_is_fine():
    t = base()
    t.add(VM(id="db", parent="h1", vnics=[VNic(mode="passthrough", nic="h1n0", tx_gbps=1)]))
    assert check_design(t) == []


def test_foreign_device_nic():
    t = base()
    t.add(Server(id="h2"))
    t.add(VM(id="guest", parent="h2", vnics=[VNic(mode="paravirtual", nic="h1n0", tx_gbps=1)]))
    p = only(t, "foreign-device")
    assert (p.element, p.severity) == ("guest", "error")
    assert "h1" in p.message and "h2" in p.message


def test_foreign_device_vf():
    t = base()
    t.add(Server(id="h2"))
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    t.add(VM(id="guest", parent="h2", vnics=[VNic(mode="vf", vf="v0", tx_gbps=1)]))
    assert only(t, "foreign-device").element == "guest"



# The attach rules are worded once (designer/model/checks.py): a file holding a fault the
# editor refuses to build reports it in the words the refusal uses.
def _words(text: str) -> str:
    return text.rstrip(".").lower()


def _rule_clause(text: str) -> str:
    """The rule a sentence ends on, after its last semicolon ("a VF serves one guest")."""
    return text.rstrip(".").rsplit("; ", 1)[-1]


def test_foreign_device_says_what_attaching_says():
    t = base()
    t.add(Server(id="h2"))
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    t.add(VM(id="guest", parent="h2", vnics=[VNic(mode="vf", vf="v0"), VNic(mode="emulated", nic="h1n0")]))
    found = {p.message for p in check_design(t) if p.code == "foreign-device"}
    for index, (mode, device) in enumerate((("vf", "v0"), ("emulated", "h1n0"))):
        refusal = checks.attach_problem(t, "guest", mode, device, ignore=("guest", index))
        assert refusal is not None
        assert f"vm guest vnic {index}: {_words(refusal)}" in {_words(m) for m in found}


def test_passthrough_no_iommu_says_what_attaching_says():
    t = base()
    t.set_field("h1", "iommu", False)
    t.add(VM(id="db", parent="h1", vnics=[VNic(mode="passthrough", nic="h1n0")]))
    refusal = checks.attach_problem(t, "db", "passthrough", "h1n0", ignore=("db", 0))
    assert refusal is not None
    assert _words(refusal) in _words(only(t, "passthrough-no-iommu").message)


def test_vf_shared_and_passthrough_shared_end_on_the_attach_rule():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    t.add(VM(id="a", parent="h1", vnics=[VNic(mode="vf", vf="v0")]))
    t.add(VM(id="b", parent="h1", vnics=[VNic(mode="vf", vf="v0")]))
    refusal = checks.attach_problem(t, "b", "vf", "v0", ignore=("b", 0))
    assert refusal is not None
    assert _rule_clause(only(t, "vf-shared").message) == _rule_clause(refusal) == checks.ONE_GUEST_PER_VF

    t = base()
    t.add(VM(id="db", parent="h1", vnics=[VNic(mode="passthrough", nic="h1n0")]))
    t.add(VM(id="web", parent="h1", vnics=[VNic(mode="emulated", nic="h1n0")]))
    refusal = checks.attach_problem(t, "db", "passthrough", "h1n0", ignore=("db", 0))
    assert refusal is not None
    assert _rule_clause(only(t, "passthrough-shared").message) == _rule_clause(refusal) == checks.WHOLE_DEVICE

def test_bad_port_on_vf():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0", port=2))  # ports are 0 and 1
    p = only(t, "bad-port")
    assert (p.element, p.severity) == ("v0", "error")


def test_bad_port_on_vnic():
    t = base()
    t.add(VM(id="web", parent="h1", vnics=[VNic(mode="emulated", nic="h1n0", port=5, tx_gbps=1)]))
    p = only(t, "bad-port")
    assert (p.element, p.severity) == ("web", "error")
    assert "5" in p.message


def test_bad_port_after_nic_shrinks():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0", port=1))
    assert check_design(t) == []
    t.set_field("h1n0", "ports", 1)  # port 1 has no cable, so the edit is allowed
    assert only(t, "bad-port").element == "v0"


def test_last_port_is_not_bad():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0", port=1))
    t.add(VM(id="web", parent="h1", vnics=[VNic(mode="emulated", nic="h1n0", port=1)]))
    assert check_design(t) == []


def test_switch_ports():
    t = base()
    t.set_field("tor", "ports", 1)
    assert check_design(t) == []  # one NIC cable on a one-port switch is fine
    t.connect(Link(a="h1n0:1", b="tor"))
    p = only(t, "switch-ports")
    assert (p.element, p.severity) == ("tor", "error")
    assert "2" in p.message and "1" in p.message


def test_switch_ports_count_only_nic_cables():
    t = base()
    t.set_field("tor", "ports", 1)
    t.add(Switch(id="agg"))
    t.connect(Link(a="tor", b="agg"))  # switch-to-switch cables do not use NIC ports
    assert check_design(t) == []


def test_floor_above_cap_on_vf():
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0", min_gbps=5, max_gbps=2))
    p = only(t, "floor-above-cap")
    assert (p.element, p.severity) == ("v0", "warning")


def test_floor_above_cap_on_vnic():
    t = base()
    t.add(VM(id="web", parent="h1", vnics=[
        VNic(mode="paravirtual", nic="h1n0", tx_gbps=4, min_gbps=3, max_gbps=1)]))
    p = only(t, "floor-above-cap")
    assert (p.element, p.severity) == ("web", "warning")


@pytest.mark.parametrize("min_gbps, max_gbps", [(5, 0), (2, 2), (0, 1)])
def test_floor_at_or_below_cap_or_uncapped_is_fine(min_gbps, max_gbps):
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0", min_gbps=min_gbps, max_gbps=max_gbps))
    t.add(VM(id="web", parent="h1", vnics=[
        VNic(mode="paravirtual", nic="h1n0", min_gbps=min_gbps, max_gbps=max_gbps)]))
    assert check_design(t) == []


def test_vnic_floor_above_cap_ignored_in_vf_mode():
    # In mode vf the VF's own min/max apply, so the vNIC's are not checked.
    t = base()
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    t.add(VM(id="mail", parent="h1", vnics=[VNic(mode="vf", vf="v0", min_gbps=3, max_gbps=1)]))
    assert check_design(t) == []


def test_parallel_links():
    t = base()
    t.connect(Link(a="wan", b="tor", id="b-uplink"))
    t.connect(Link(a="tor", b="wan", id="a-uplink"))
    p = only(t, "parallel-links")
    assert (p.element, p.severity) == ("a-uplink", "info")
    for link_id in ("tor--wan", "a-uplink", "b-uplink"):
        assert link_id in p.message


def test_parallel_switch_links():
    t = base()
    t.add(Switch(id="agg"))
    t.connect(Link(a="tor", b="agg"))
    t.connect(Link(a="agg", b="tor"))
    p = only(t, "parallel-links")
    assert p.element == "agg--tor"  # the smaller id carries the traffic


def test_two_nic_ports_to_one_switch_are_not_parallel():
    t = base()
    t.connect(Link(a="h1n0:1", b="tor"))
    assert check_design(t) == []


def test_several_problems_in_one_design():
    t = base(max_vfs=1, sriov=False)
    t.add(VirtualFunction(id="v0", parent="h1n0"))
    t.add(VirtualFunction(id="v1", parent="h1n0", port=3))
    found = set(codes(check_design(t)))
    assert found == {
        ("sriov-disabled", "error", "v0"),
        ("sriov-disabled", "error", "v1"),
        ("bad-port", "error", "v1"),
        ("vf-limit", "error", "h1n0"),
    }


def test_rules_are_listed_with_severities():
    for code in ("vf-limit", "sriov-disabled", "vf-shared", "passthrough-no-iommu", "passthrough-shared",
                 "foreign-device", "bad-port", "port-unwired", "no-route", "switch-ports",
                 "guarantee-oversubscribed", "floor-missed"):
        assert PROBLEM_CODES[code][0] == "error"
    assert PROBLEM_CODES["floor-above-cap"][0] == "warning"
    assert PROBLEM_CODES["parallel-links"][0] == "info"
