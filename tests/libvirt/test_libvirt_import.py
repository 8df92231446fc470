"""libvirt import (SPEC §11): the mapping table, node devices, VF placement, rates, ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.libvirt.importer import import_libvirt, kbytes_to_gbps, match_catalogue
from designer.libvirt.pci import link_gbps
from designer.libvirt.xmlsafe import LibvirtError
from designer.model.elements import Network, Rack, Server, Switch
from designer.model.topology import Topology

FIXTURES = Path(__file__).parent / "fixtures"
HOST = FIXTURES / "kvm01"


def _by_id(result):
    return {e.id: e for e in result.elements}


def _domain(tmp_path: Path, name: str, devices: str, file: str | None = None) -> Path:
    path = tmp_path / (file or f"{name}.xml")
    path.write_text(f"<domain type='kvm'><name>{name}</name><devices>{devices}</devices></domain>")
    return path


@pytest.fixture(scope="module")
def kvm01():
    return import_libvirt([str(HOST)])


def test_a_folder_is_one_host_named_after_it(kvm01):
    elements = _by_id(kvm01)
    assert kvm01.hosts == ["kvm01"]
    assert isinstance(elements["kvm01"], Server)
    assert sorted(vm.id for vm in kvm01.vms) == ["cache", "db", "legacy", "mail", "storage", "web"]
    assert all(vm.parent == "kvm01" for vm in kvm01.vms)


def test_node_devices_make_one_nic_per_card_with_catalogue_fields(kvm01):
    x710 = _by_id(kvm01)["kvm01n0"]
    # Two PFs on 0000:3b:00 (functions 0 and 1) are the two ports of one X710 card.
    assert x710.ports == 2
    assert x710.model == "Intel X710-DA2"  # matched in the catalogue: "X710" in the product name
    assert x710.label == "Ethernet Controller X710 for 10GbE SFP+"
    assert x710.netdevs == ["ens1f0", "ens1f1"]  # from the net child devices
    assert x710.driver == "i40e"
    assert x710.max_vfs == 128 and x710.max_vfs_per_port == 64  # maxCount 64 on each PF
    assert x710.pcie_gbps == 63.0  # cap link 8 GT/s x8, 128b/130b
    assert x710.port_gbps == 10.0  # net link speed 10000 Mbit/s
    cx5 = _by_id(kvm01)["kvm01n1"]
    assert cx5.model == "NVIDIA ConnectX-5" and cx5.ports == 1
    assert cx5.pcie_gbps == 252.1  # cap 16 GT/s x16, although it runs at 8 GT/s (noted)
    assert cx5.driver != "vfio-pci"  # bound to vfio-pci while passed through: not its driver
    assert any("runs at 8 GT/s x16" in note for note in kvm01.notes)


def test_hostdev_interface_with_a_model_is_a_vf_at_its_host_index(kvm01):
    elements = _by_id(kvm01)
    (vnic,) = elements["mail"].vnics
    assert vnic.mode == "vf"  # the <model type='virtio'/> it carries is irrelevant
    vf = elements[vnic.vf]
    assert (vf.parent, vf.port) == ("kvm01n0", 0)
    # 0000:3b:02.1 is the second address in PF 0's virt_functions list: VF 1; VF 0 is a spare.
    port0 = [e for e in kvm01.elements if e.kind == "vf" and e.parent == "kvm01n0" and e.port == 0]
    assert port0.index(vf) == 1
    assert port0[0].label == "spare"


def test_network_of_a_hostdev_pool_is_a_vf_on_the_pools_pf(kvm01):
    elements = _by_id(kvm01)
    pool_vnic, vhost = elements["db"].vnics
    assert pool_vnic.mode == "vf"
    vf = elements[pool_vnic.vf]
    assert (vf.parent, vf.port) == ("kvm01n0", 1)  # <pf dev='ens1f1'/> is port 1 of the X710
    assert vhost.mode == "paravirtual"  # vhostuser with virtio


def test_plain_pci_hostdev_of_a_vf_is_a_vf_and_of_a_whole_nic_is_passthrough(kvm01):
    elements = _by_id(kvm01)
    (cache,) = elements["cache"].vnics
    assert cache.mode == "vf"
    vf = elements[cache.vf]
    port1 = [e for e in kvm01.elements if e.kind == "vf" and e.parent == "kvm01n0" and e.port == 1]
    assert (vf.port, port1.index(vf)) == (1, 2)  # 0000:3b:0a.2 is VF 2 of PF 1
    passthrough, ethernet = elements["storage"].vnics
    assert (passthrough.mode, passthrough.nic, passthrough.port) == ("passthrough", "kvm01n1", 0)
    assert ethernet.mode == "paravirtual"


def test_several_interfaces_keep_document_order_and_bandwidth_is_kilobytes(kvm01):
    elements = _by_id(kvm01)
    first, second = elements["web"].vnics
    assert (first.mode, second.mode) == ("paravirtual", "emulated")  # virtio bridge, then e1000 network
    assert first.max_gbps == pytest.approx(2.0)  # outbound average 250000 kB/s = 2 Gbit/s
    assert second.max_gbps == 0
    kept = first.extra["libvirt"]["bandwidth"]
    assert kept["inbound"]["floor"] == "12500"  # a receive guarantee: kept as an unknown field
    assert kept["outbound"] == {"peak": "375000", "burst": "1024"}
    assert any("inbound floor 12500 kB/s (0.1 Gbit/s)" in note for note in kvm01.notes)


def test_direct_interface_takes_its_uplink_from_the_netdev_and_unmapped_types_are_listed(kvm01):
    elements = _by_id(kvm01)
    user, direct = elements["legacy"].vnics  # the third, type='mcast', is not mapped
    assert (user.mode, user.nic) == ("emulated", None)  # no model: emulated
    assert (direct.mode, direct.nic, direct.port) == ("emulated", "kvm01n0", 0)  # rtl8139 on ens1f0
    assert sum("type 'mcast' is not mapped" in note for note in kvm01.notes) == 1
    assert kvm01.mode_counts() == {"vf": 3, "paravirtual": 3, "emulated": 3, "passthrough": 1}


@pytest.mark.parametrize("model, mode", [
    ("virtio", "paravirtual"), ("e1000", "emulated"), ("e1000e", "emulated"), ("rtl8139", "emulated"),
    ("ne2k_pci", "emulated"), ("pcnet", "emulated"), (None, "emulated"),
])
@pytest.mark.parametrize("kind, source", [
    ("network", "<source network='lan'/>"), ("bridge", "<source bridge='br0'/>"),
    ("direct", "<source dev='eno1' mode='vepa'/>"), ("ethernet", ""), ("user", ""),
    ("vhostuser", "<source type='unix' path='/run/vhu0' mode='client'/>"),
])
def test_software_interfaces_by_model(tmp_path, kind, source, model, mode):
    model_el = f"<model type='{model}'/>" if model else ""
    path = _domain(tmp_path, "g", f"<interface type='{kind}'>{source}{model_el}</interface>")
    result = import_libvirt([str(path)])
    (vnic,) = result.vms[0].vnics
    assert vnic.mode == mode


def test_a_model_outside_the_table_is_emulated_with_a_note(tmp_path):
    path = _domain(tmp_path, "g", "<interface type='bridge'><source bridge='br0'/><model type='vmxnet3'/></interface>")
    result = import_libvirt([str(path)])
    assert result.vms[0].vnics[0].mode == "emulated"
    assert any("model 'vmxnet3'" in note for note in result.notes)


def test_kilobytes_per_second_to_gbps():
    assert kbytes_to_gbps(125_000) == pytest.approx(1.0)  # 125 MB/s = 1 Gbit/s
    assert kbytes_to_gbps(312_500) == pytest.approx(2.5)


@pytest.mark.parametrize("speed, width, gbps", [
    (2.5, 1, 2.0), (5, 8, 32.0), (8, 8, 63.0), (8, 16, 126.0), (16, 8, 126.0), (16, 16, 252.1), (32, 16, 504.1),
])
def test_pcie_line_encoding(speed, width, gbps):
    assert link_gbps(speed, width) == gbps


def test_unknown_pcie_speed_is_none():
    assert link_gbps(12, 8) is None


def test_vfs_without_node_devices_share_a_nic_per_bus_and_slot(tmp_path):
    result = import_libvirt([str(FIXTURES / "loose" / "guest-vf.xml")], host="edge01")
    (vm,) = result.vms
    assert vm.id == "edge-proxy-1" and vm.label == "edge proxy#1"  # sanitised id, name kept as label
    first, second, bridge = vm.vnics
    assert (first.mode, second.mode, bridge.mode) == ("vf", "vf", "paravirtual")
    elements = _by_id(result)
    vf_first, vf_second = elements[first.vf], elements[second.vf]
    assert vf_first.parent == vf_second.parent  # 0000:af:10.3 and 0000:af:10.1: one bus/slot, one NIC
    vfs = [e for e in result.elements if e.kind == "vf"]
    assert vfs.index(vf_second) < vfs.index(vf_first)  # in PCI address order: .1 before .3
    assert bridge.max_gbps == pytest.approx(12345 * 8 / 1e6)
    assert any("inferred from the guests' PCI addresses" in note for note in result.notes)


def test_a_vf_node_device_names_its_pf(tmp_path):
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "pf.xml").write_text(
        "<device><name>pci_0000_81_00_0</name><capability type='pci'><class>0x020000</class>"
        "<domain>0</domain><bus>129</bus><slot>0</slot><function>0</function>"
        "<product id='0x1593'>Ethernet Controller E810-C for SFP</product>"
        "<capability type='virt_functions' maxCount='128'/></capability></device>")
    (folder / "vf.xml").write_text(
        "<device><name>pci_0000_81_11_0</name><capability type='pci'><class>0x020000</class>"
        "<domain>0</domain><bus>129</bus><slot>17</slot><function>0</function>"
        "<capability type='phys_function'><address domain='0x0000' bus='0x81' slot='0x00' function='0x0'/>"
        "</capability></capability></device>")
    _domain(folder, "g", "<hostdev mode='subsystem' type='pci'><source>"
                         "<address domain='0x0000' bus='0x81' slot='0x11' function='0x0'/></source></hostdev>")
    result = import_libvirt([str(folder)])
    elements = _by_id(result)
    (vnic,) = result.vms[0].vnics
    assert vnic.mode == "vf"
    assert elements[vnic.vf].parent == "hn0"  # the E810's NIC, not a NIC inferred from slot 0x11
    assert sum(1 for e in result.elements if e.kind == "nic") == 1


def test_a_non_network_pci_hostdev_is_listed_not_mapped(tmp_path):
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "gpu.xml").write_text(
        "<device><name>pci_0000_65_00_0</name><capability type='pci'><class>0x030000</class>"
        "<domain>0</domain><bus>101</bus><slot>0</slot><function>0</function>"
        "<product id='0x20b5'>GA100 [A100 PCIe 80GB]</product></capability></device>")
    _domain(folder, "g", "<hostdev mode='subsystem' type='pci'><source>"
                         "<address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/></source></hostdev>")
    result = import_libvirt([str(folder)])
    assert result.vms[0].vnics == []
    assert any("0000:65:00.0 (GA100 [A100 PCIe 80GB]) is not a NIC" in note for note in result.notes)


def test_ids_are_unique_against_the_design_and_each_other(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    _domain(a, "mail", "")
    _domain(b, "mail", "")
    topo = Topology()
    topo.add(Server(id="a"))
    result = import_libvirt([str(a), str(b)], topo=topo)
    assert result.hosts == ["a-2", "b"]
    assert sorted(vm.id for vm in result.vms) == ["mail", "mail-2"]
    assert sorted(vm.label for vm in result.vms) == ["mail", "mail"]


def test_into_a_design_with_racks_places_servers_in_free_units_right_of_the_canvas(tmp_path):
    topo = Topology()
    topo.add_rack(Rack(id="r1", height_u=4))
    topo.add(Network(id="wan", x=0, y=-200))
    topo.add(Switch(id="tor", x=0, y=-100, rack="r1", rack_u=4))
    topo.add(Server(id="old", x=0, y=0, rack="r1", rack_u=1))
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        _domain(folder, "g" + folder.name, "")
    result = import_libvirt([str(a), str(b)], topo=topo)
    servers = [e for e in result.elements if isinstance(e, Server)]
    assert [(s.rack, s.rack_u) for s in servers] == [("r1", 2), ("r1", 3)]
    assert all(s.x > 240 for s in servers) and servers[0].x < servers[1].x


def test_rates_by_mac_and_index(tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("vm,interface,tx_gbps,rx_gbps\nweb,52:54:00:6D:90:03,1.5,0.5\nweb,vnet3,4,2\nmail,0,8,2\n")
    result = import_libvirt([str(HOST)], rates=str(rates))
    elements = _by_id(result)
    web0, web1 = elements["web"].vnics  # vnet3 is the target dev of web's first interface
    assert (web0.tx_gbps, web0.rx_gbps, web1.tx_gbps, web1.rx_gbps) == (4, 2, 1.5, 0.5)
    assert (elements["mail"].vnics[0].tx_gbps, elements["db"].vnics[0].tx_gbps) == (8, 0)


@pytest.mark.parametrize("row, message", [
    ("nosuch,0,1,1", "line 1: vm 'nosuch' is not among the imported guests"),
    ("web,7,1,1", "interface '7' is neither a MAC address, a target name nor a vNIC index of guest web (0–1)"),
    ("web,52:54:00:00:00:99,1,1", "guest web has no interface with MAC 52:54:00:00:00:99"),
    ("web,0,-1,1", "tx_gbps '-1' must be a number ≥ 0"),
    ("web,0,nan,1", "tx_gbps 'nan' must be a number ≥ 0"),
    ("web,0,1", "expected vm,interface,tx_gbps,rx_gbps, got 3 fields"),
])
def test_bad_rates_are_refused_naming_the_line(tmp_path, row, message):
    rates = tmp_path / "rates.csv"
    rates.write_text(row + "\n")
    with pytest.raises(LibvirtError) as info:
        import_libvirt([str(HOST)], rates=str(rates))
    assert message in str(info.value) and str(rates) in str(info.value)


CATALOGUE = [
    {"name": "Intel 82599ES (X520-DA2)", "model": "Intel X520-DA2", "ports": 2, "port_gbps": 10},
    {"name": "Intel X710-DA2", "model": "Intel X710-DA2", "ports": 2, "port_gbps": 10},
    {"name": "Intel X710-DA4", "model": "Intel X710-DA4", "ports": 4, "port_gbps": 10},
    {"name": "Intel XXV710-DA2", "model": "Intel XXV710-DA2", "ports": 2, "port_gbps": 25},
    {"name": "NVIDIA ConnectX-6 Dx 2×100G", "model": "NVIDIA ConnectX-6 Dx", "ports": 2, "port_gbps": 100},
    {"name": "NVIDIA ConnectX-6 Dx 2×25G", "model": "NVIDIA ConnectX-6 Dx", "ports": 2, "port_gbps": 25},
]


@pytest.mark.parametrize("product, ports, speed, name", [
    ("Ethernet Controller X710 for 10GbE SFP+", 2, None, "Intel X710-DA2"),
    ("Ethernet Controller X710 for 10GbE SFP+", 4, 10, "Intel X710-DA4"),
    ("Ethernet Controller XXV710 for 25GbE SFP28", 2, 25, "Intel XXV710-DA2"),
    ("82599ES 10-Gigabit SFI/SFP+ Network Connection", 2, 10, "Intel 82599ES (X520-DA2)"),
    ("MT2892 Family [ConnectX-6 Dx]", 2, 25, "NVIDIA ConnectX-6 Dx 2×25G"),
    ("MT2892 Family [ConnectX-6 Dx]", 2, 100, "NVIDIA ConnectX-6 Dx 2×100G"),
])
def test_catalogue_match_ignores_vendor_words(product, ports, speed, name):
    assert match_catalogue(product, ports, speed, CATALOGUE)["name"] == name


def test_catalogue_has_no_match_for_an_unknown_chip():
    assert match_catalogue("RTL8111/8168/8411 PCI Express Gigabit Ethernet Controller", 1, 1, CATALOGUE) is None
    assert match_catalogue("Ethernet Controller", 2, 10, CATALOGUE) is None


def test_out_of_range_node_device_values_are_refused_naming_the_file(tmp_path):
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "pf.xml").write_text(
        "<device><name>pci_0000_81_00_0</name><capability type='pci'><class>0x020000</class>"
        "<domain>0</domain><bus>129</bus><slot>0</slot><function>0</function><product>X</product>"
        "<capability type='virt_functions' maxCount='99999999999999999999'/></capability></device>")
    _domain(folder, "g", "")
    with pytest.raises(LibvirtError) as info:
        import_libvirt([str(folder)])
    assert str(info.value).startswith(f"{folder / 'pf.xml'}: nic hn0: field 'max_vfs' must be a whole number")


def test_a_rate_beyond_any_float_is_ignored_with_a_note(tmp_path):
    path = _domain(tmp_path, "g", "<interface type='bridge'><bandwidth><outbound average='1e308'/></bandwidth>"
                                  "</interface>")
    result = import_libvirt([str(path)])
    assert result.vms[0].vnics[0].max_gbps == 0
    assert any("outbound average '1e308' is beyond any rate" in note for note in result.notes)


def test_more_than_64_network_devices_in_a_guest_is_refused(tmp_path):
    path = _domain(tmp_path, "g", "<interface type='user'/>" * 65)
    with pytest.raises(LibvirtError) as info:
        import_libvirt([str(path)])
    assert str(info.value) == f"{path}: guest g has more than the 64 network devices RackIO takes per guest"


def test_a_domain_without_a_name_is_refused(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<domain type='kvm'><devices/></domain>")
    with pytest.raises(LibvirtError) as info:
        import_libvirt([str(path)])
    assert str(info.value) == f"{path}: the domain has no <name>"


def test_a_vf_missing_from_the_virt_functions_list_goes_to_the_card_on_its_bus(tmp_path):
    folder = tmp_path / "h"
    folder.mkdir()
    for name in ("nodedev-pci_0000_3b_00_0.xml", "nodedev-pci_0000_3b_00_1.xml"):
        (folder / name).write_text((HOST / name).read_text())
    _domain(folder, "g", "<interface type='hostdev'><source><address type='pci' domain='0x0000' bus='0x3b' "
                         "slot='0x05' function='0x0'/></source></interface>")
    result = import_libvirt([str(folder)])
    elements = _by_id(result)
    vf = elements[result.vms[0].vnics[0].vf]
    assert (vf.parent, vf.port) == ("hn0", 0)
    assert sum(1 for e in result.elements if e.kind == "nic") == 1
    assert any("0000:3b:05.0 is in no PF's virt_functions list" in note for note in result.notes)


def test_a_vf_pool_given_by_vf_addresses_lands_on_their_pf(tmp_path):
    folder = tmp_path / "h"
    folder.mkdir()
    for name in ("nodedev-pci_0000_3b_00_0.xml", "nodedev-pci_0000_3b_00_1.xml"):
        (folder / name).write_text((HOST / name).read_text())
    (folder / "pool.xml").write_text(
        "<network><name>vfs</name><forward mode='hostdev' managed='yes'>"
        "<address type='pci' domain='0x0000' bus='0x3b' slot='0x0a' function='0x1'/>"
        "<address type='pci' domain='0x0000' bus='0x3b' slot='0x0a' function='0x2'/></forward></network>")
    _domain(folder, "g", "<interface type='network'><source network='vfs'/><model type='virtio'/></interface>")
    result = import_libvirt([str(folder)])
    vf = _by_id(result)[result.vms[0].vnics[0].vf]
    assert (result.vms[0].vnics[0].mode, vf.parent, vf.port) == ("vf", "hn0", 1)


def test_a_file_given_twice_is_read_once(tmp_path):
    for host in ("kvm01", None):  # with --host all paths are one host; without, the loose file is "host"
        result = import_libvirt([str(HOST), str(HOST / "mail.xml")], host=host)
        assert sorted(vm.id for vm in result.vms) == ["cache", "db", "legacy", "mail", "storage", "web"]
        assert result.hosts == ["kvm01"]
