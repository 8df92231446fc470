"""Round trip (SPEC §11): importing host-config's snippets gives back the same guests, modes
and caps; host-config of an imported design reproduces the imported bandwidth limits."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from designer.libvirt.hostconfig import host_config, write_tree
from designer.libvirt.importer import import_libvirt
from designer.model.elements import VM, Nic, Server, VirtualFunction, VNic
from designer.model.topology import Topology

FIXTURES = Path(__file__).parent / "fixtures"
DATE = "2026-12-01"


def _design() -> Topology:
    topo = Topology(title="Round trip")
    topo.add(Server(id="h1"))
    topo.add(Nic(id="h1n0", parent="h1", ports=2, netdevs=["ens1f0", "ens1f1"]))
    topo.add(Nic(id="h1n1", parent="h1", ports=1))  # no netdevs: placeholders everywhere
    topo.add(VirtualFunction(id="h1n0v0", parent="h1n0", port=0, min_gbps=5, max_gbps=8))
    topo.add(VirtualFunction(id="h1n0v1", parent="h1n0", port=1, max_gbps=2.5))
    topo.add(VirtualFunction(id="h1n0v2", parent="h1n0", port=1, min_gbps=0.25))
    topo.add(VirtualFunction(id="h1n1v0", parent="h1n1", port=0, min_gbps=1, max_gbps=3))
    topo.add(VM(id="mail", parent="h1", vnics=[VNic(mode="vf", vf="h1n0v0"),
                                               VNic(mode="paravirtual", nic="h1n0", port=1, max_gbps=1.5,
                                                    min_gbps=0.5)]))
    topo.add(VM(id="db", parent="h1", vnics=[VNic(mode="vf", vf="h1n0v2"), VNic(mode="vf", vf="h1n1v0"),
                                             VNic(mode="emulated", max_gbps=0.8)]))
    topo.add(VM(id="edge", parent="h1", vnics=[VNic(mode="vf", vf="h1n0v1"), VNic(mode="passthrough", nic="h1n1")]))
    return topo


def _guests(topo_or_elements) -> dict[str, list[tuple]]:
    elements = topo_or_elements.elements if isinstance(topo_or_elements, Topology) else {
        e.id: e for e in topo_or_elements}
    out = {}
    for vm in (e for e in elements.values() if isinstance(e, VM)):
        rows = []
        for vnic in vm.vnics:
            if vnic.mode == "vf":
                vf = elements[vnic.vf]
                rows.append(("vf", vf.min_gbps, vf.max_gbps))
            else:
                rows.append((vnic.mode, vnic.min_gbps, vnic.max_gbps))
        out[vm.id] = rows
    return out


def test_importing_the_snippets_gives_back_the_same_guests_modes_and_caps(tmp_path):
    original = _design()
    write_tree(tmp_path / "out", host_config(original, "d", DATE).files, [])
    result = import_libvirt([str(tmp_path / "out" / "h1")])
    assert _guests(result.elements) == _guests(original)
    back = {e.id: e for e in result.elements}
    # Without node-device XML the RackIO metadata puts each VF back on its NIC, port and index.
    for vf_id in ("h1n0v0", "h1n0v1", "h1n0v2", "h1n1v0"):
        assert (back[vf_id].parent, back[vf_id].port) == (original[vf_id].parent, original[vf_id].port)
    assert back["h1n0"].netdevs == ["ens1f0", "ens1f1"]
    assert back["edge"].vnics[1].nic == "h1n1"


def test_the_scripts_match_after_a_round_trip(tmp_path):
    original = _design()
    first = host_config(original, "d", DATE).files
    write_tree(tmp_path / "out", first, [])
    topo = Topology()
    for element in import_libvirt([str(tmp_path / "out" / "h1")]).elements:
        topo.add(element)
    second = host_config(topo, "d", DATE).files
    assert second["vf-assignments.csv"] == first["vf-assignments.csv"]
    ip_lines = [[line for line in files["h1.sh"].decode().splitlines() if line.startswith(("ip link", "    echo"))]
                for files in (first, second)]
    assert ip_lines[0] == ip_lines[1] and len(ip_lines[0]) == 4 + 3  # 4 VFs, 3 PFs with VFs


def _outbound(xml_bytes: bytes) -> list[dict]:
    root = ElementTree.fromstring(xml_bytes)
    out = []
    for interface in root.findall("devices/interface"):
        bandwidth = interface.find("bandwidth")
        out.append({part.tag: dict(part.attrib) for part in bandwidth} if bandwidth is not None else {})
    return out


def test_host_config_of_an_imported_design_reproduces_its_bandwidth_limits():
    host = FIXTURES / "kvm01"
    topo = Topology()
    for element in import_libvirt([str(host)]).elements:
        topo.add(element)
    files = host_config(topo, "d", DATE).files
    source = ElementTree.parse(host / "web.xml").getroot()
    wanted = [{part.tag: dict(part.attrib) for part in b} if (b := i.find("bandwidth")) is not None else {}
              for i in source.findall("devices/interface")]
    assert _outbound(files["kvm01/web.xml"]) == wanted
    assert wanted[0]["outbound"]["average"] == "250000" and wanted[0]["inbound"]["floor"] == "12500"


def test_imported_guests_come_back_with_their_macs_types_and_addresses():
    host = FIXTURES / "kvm01"
    topo = Topology()
    for element in import_libvirt([str(host)]).elements:
        topo.add(element)
    files = host_config(topo, "d", DATE).files
    mail = ElementTree.fromstring(files["kvm01/mail.xml"])
    (interface,) = mail.findall("devices/interface")
    assert interface.get("type") == "hostdev"
    assert interface.find("mac").get("address") == "52:54:00:6d:90:01"
    assert interface.find("source/address").attrib == {"type": "pci", "domain": "0x0000", "bus": "0x3b",
                                                       "slot": "0x02", "function": "0x1"}
    db = ElementTree.fromstring(files["kvm01/db.xml"])
    pool, vhost = db.findall("devices/interface")
    assert (pool.get("type"), pool.find("source").get("network")) == ("network", "sriov-pool")
    assert vhost.get("type") == "vhostuser" and vhost.find("source").get("path") == "/run/openvswitch/vhu-db"
    storage = ElementTree.fromstring(files["kvm01/storage.xml"])
    assert storage.find("devices/hostdev/source/address").get("bus") == "0x5e"


def _kvm01() -> Topology:
    topo = Topology()
    for element in import_libvirt([str(FIXTURES / "kvm01")]).elements:
        topo.add(element)
    return topo


def _mail_address(topo: Topology) -> dict:
    mail = ElementTree.fromstring(host_config(topo, "d", DATE).files["kvm01/mail.xml"])
    return mail.find("devices/interface/source/address").attrib


def test_an_imported_vf_address_is_written_only_while_the_vf_stays_where_it_was():
    topo = _kvm01()
    assert _mail_address(topo)["bus"] == "0x3b"
    topo.remove_many(["kvm01n0p0v0"])  # the spare below mail's VF: mail's VF becomes VF 0
    assert _mail_address(topo)["bus"] == "BUS"
    script = host_config(topo, "d", DATE).files["kvm01.sh"].decode()
    assert "# (imported at 0000:3b:02.1, VF 1 of NIC kvm01n0 port 0; the design has moved it" in script


def test_two_vfs_claiming_one_address_both_get_placeholders():
    import copy

    topo = _kvm01()
    twin = copy.deepcopy(topo["kvm01n0p0v1"])
    twin.id = "twin"
    topo.add(twin)
    assert _mail_address(topo)["bus"] == "BUS"


def test_a_mac_kept_by_two_vnics_is_left_to_libvirt():
    import copy

    topo = _kvm01()
    twin = copy.deepcopy(topo["web"])
    twin.id = "web-copy"
    topo.add(twin)
    files = host_config(topo, "d", DATE).files
    for name in ("kvm01/web.xml", "kvm01/web-copy.xml"):
        first = ElementTree.fromstring(files[name]).find("devices/interface")
        assert first.find("mac") is None
    legacy = ElementTree.fromstring(files["kvm01/legacy.xml"]).find("devices/interface")
    assert legacy.find("mac").get("address") == "52:54:00:6d:90:06"
