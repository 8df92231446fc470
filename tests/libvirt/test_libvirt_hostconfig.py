"""host-config (SPEC §11): the ip-link script, guest snippets and VF assignments of a design."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from xml.etree import ElementTree

import pytest

from designer.libvirt.hostconfig import cap_kbytes, cap_mbit, host_config, min_mbit
from designer.model.elements import VM, Nic, Server, VirtualFunction, VNic
from designer.model.topology import Topology

DATE = "2026-12-01"


def design(netdevs=("ens1f0", "ens1f1"), **nic_fields) -> Topology:
    topo = Topology(title="Mail rack")
    topo.add(Server(id="h1"))
    topo.add(Nic(id="h1n0", parent="h1", model="Intel E810-XXVDA2", driver="ice", ports=2,
                 netdevs=list(netdevs), **nic_fields))
    # File order interleaves the ports: each port numbers its own VFs from 0.
    topo.add(VirtualFunction(id="vfa", parent="h1n0", port=0, min_gbps=5, max_gbps=8))
    topo.add(VirtualFunction(id="vfb", parent="h1n0", port=1, min_gbps=1))
    topo.add(VirtualFunction(id="vfc", parent="h1n0", port=0, max_gbps=2.5))
    topo.add(VM(id="mail", parent="h1", vnics=[VNic(mode="vf", vf="vfa", tx_gbps=8)]))
    topo.add(VM(id="db", parent="h1", vnics=[VNic(mode="vf", vf="vfc"), VNic(mode="vf", vf="vfb")]))
    topo.add(VM(id="web", parent="h1", vnics=[VNic(mode="paravirtual", nic="h1n0", port=1, max_gbps=2.5,
                                                  min_gbps=0.5)]))
    return topo


def script(topo: Topology, server: str = "h1") -> str:
    return host_config(topo, '"Mail rack" (mail.rackio)', DATE).files[f"{server}.sh"].decode()


def commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith(("ip link", "echo "))
            and not line.rstrip().endswith(">&2")]


def test_one_ip_link_line_per_vf_indexed_by_position_on_its_port():
    text = script(design())
    assert text.startswith("#!/bin/sh\n")
    assert "\nset -eu\n" in text
    assert "RackIO design \"Mail rack\" (mail.rackio), 2026-12-01." in text
    assert commands(text) == [
        "echo 2 > /sys/class/net/ens1f0/device/sriov_numvfs",
        "ip link set dev ens1f0 vf 0 max_tx_rate 8000 min_tx_rate 5000",
        "ip link set dev ens1f0 vf 1 max_tx_rate 2500 min_tx_rate 0",
        "echo 1 > /sys/class/net/ens1f1/device/sriov_numvfs",
        "ip link set dev ens1f1 vf 0 max_tx_rate 0 min_tx_rate 1000",
    ]
    assert "# VF 1 = vfc: db vNIC 0" in text


def test_a_rate_the_driver_cannot_enforce_is_a_comment():
    text = script(_ixgbe())
    # ixgbe refuses a non-zero min_tx_rate; 0 clears one and is accepted.
    assert "ip link set dev ens1f0 vf 0 max_tx_rate 8000 min_tx_rate 0\n" in text
    assert ("# min 5 Gbit/s not set: the driver of NIC h1n0 (ixgbe) cannot enforce a VF's min_tx_rate, "
            "so this guarantee does not hold") in text


def _ixgbe() -> Topology:
    topo = design()
    topo.set_field("h1n0", "driver", "ixgbe")
    topo.set_field("h1n0", "vf_min_rate", False)
    return topo


def test_no_settable_rate_at_all():
    topo = _ixgbe()
    topo.set_field("h1n0", "vf_max_rate", False)
    text = script(topo)
    assert "ip link set" not in text
    assert "# max 8 Gbit/s not set: the driver of NIC h1n0 (ixgbe) cannot enforce a VF's max_tx_rate" in text
    assert text.count("no rate this driver can set") == 3


def test_a_pf_without_netdev_gets_a_variable_that_must_be_set():
    text = script(design(netdevs=()))
    assert ': "${PF_h1n0_0:?set PF_h1n0_0 to the interface of NIC h1n0 port 0 (ip -br link)}"' in text
    assert 'echo 2 > "/sys/class/net/$PF_h1n0_0/device/sriov_numvfs"' in text
    assert 'ip link set dev "$PF_h1n0_1" vf 0 max_tx_rate 0 min_tx_rate 1000' in text


def test_rounding_caps_down_minimums_up_with_a_comment():
    assert (cap_mbit(2.0005), min_mbit(2.0005)) == (2000, 2001)
    assert (cap_mbit(0.0004), min_mbit(0.0004)) == (1, 1)  # a cap never rounds to 0 (= no cap)
    assert (cap_mbit(0), min_mbit(0)) == (0, 0)
    assert (cap_mbit(2.5), cap_kbytes(2.5)) == (2500, 312500)
    assert cap_mbit(0.1 + 0.2) == 300  # 300.00000000000006 Mbit/s is 300, not 300 rounded up
    topo = design()
    topo.set_field("vfa", "max_gbps", 2.0005)
    topo.set_field("vfa", "min_gbps", 0.0015)
    text = script(topo)
    assert "ip link set dev ens1f0 vf 0 max_tx_rate 2000 min_tx_rate 2" in text
    assert "# max 2.0005 Gbit/s rounded down to 2000 Mbit/s" in text
    assert "# min 0.0015 Gbit/s rounded up to 2 Mbit/s" in text


def test_changing_a_nonzero_vf_count_stops_instead_of_removing_vfs_in_use(tmp_path):
    sysfs = tmp_path / "sys"
    (sysfs / "ens1f0" / "device").mkdir(parents=True)
    (sysfs / "ens1f0" / "device" / "sriov_numvfs").write_text("4\n")
    text = script(_one_port())
    runnable = text.replace("/sys/class/net/", f"{sysfs}/").replace("ip link set", ": ip link set")
    path = tmp_path / "h1.sh"
    path.write_text(runnable)
    done = subprocess.run(["sh", str(path)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "ens1f0 has 4 VFs and the design wants 2" in done.stderr
    assert (sysfs / "ens1f0" / "device" / "sriov_numvfs").read_text() == "4\n"
    (sysfs / "ens1f0" / "device" / "sriov_numvfs").write_text("0\n")
    done = subprocess.run(["sh", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (sysfs / "ens1f0" / "device" / "sriov_numvfs").read_text() == "2\n"


def _one_port() -> Topology:
    topo = design()
    topo.remove_many(["vfb", "web"])
    return topo


def test_vf_assignments_csv():
    rows = list(csv.reader(io.StringIO(host_config(design(), "d", DATE).files["vf-assignments.csv"].decode())))
    assert rows == [
        ["server", "nic", "port", "pf", "vf_index", "vf", "guest", "vnic", "min_tx_rate_mbit", "max_tx_rate_mbit",
         "note"],
        ["h1", "h1n0", "0", "ens1f0", "0", "vfa", "mail", "0", "5000", "8000", ""],
        ["h1", "h1n0", "0", "ens1f0", "1", "vfc", "db", "0", "0", "2500", ""],
        ["h1", "h1n0", "1", "ens1f1", "0", "vfb", "db", "1", "1000", "0", ""],
    ]
    ixgbe = list(csv.reader(io.StringIO(host_config(_ixgbe(), "d", DATE).files["vf-assignments.csv"].decode())))
    assert ixgbe[1] == ["h1", "h1n0", "0", "ens1f0", "0", "vfa", "mail", "0", "0", "8000",
                        "min 5 Gbit/s not enforceable by ixgbe"]


def test_guest_snippets_hostdev_for_vfs_virtio_with_bandwidth_for_software():
    files = host_config(design(), "d", DATE).files
    db = ElementTree.fromstring(files["h1/db.xml"])
    assert db.findtext("name") == "db"
    first, second = db.findall("devices/interface")
    assert first.get("type") == "hostdev" and second.get("type") == "hostdev"
    # No address in the design: a placeholder libvirt refuses, never a wrong device.
    assert first.find("source/address").get("bus") == "BUS"
    assert first.find("bandwidth") is None  # libvirt refuses <bandwidth> on hostdev interfaces
    web = ElementTree.fromstring(files["h1/web.xml"])
    (interface,) = web.findall("devices/interface")
    assert interface.get("type") == "direct"
    assert interface.find("source").attrib == {"dev": "ens1f1", "mode": "bridge"}
    assert interface.find("model").get("type") == "virtio"
    assert interface.find("bandwidth/outbound").get("average") == "312500"  # 2.5 Gbit/s in kB/s


def test_emulated_vnic_is_e1000_and_passthrough_a_pci_hostdev():
    topo = design()
    topo.add(Nic(id="h1n1", parent="h1", ports=1))
    topo.add(VM(id="old", parent="h1", vnics=[VNic(mode="emulated", nic="h1n0", port=0),
                                              VNic(mode="passthrough", nic="h1n1")]))
    old = ElementTree.fromstring(host_config(topo, "d", DATE).files["h1/old.xml"])
    (interface,) = old.findall("devices/interface")
    assert interface.find("model").get("type") == "e1000"
    (hostdev,) = old.findall("devices/hostdev")
    assert (hostdev.get("mode"), hostdev.get("type")) == ("subsystem", "pci")


def test_a_server_without_vfs_gets_a_script_that_does_nothing():
    topo = design()
    topo.add(Server(id="h2"))
    text = script(topo, "h2")
    assert commands(text) == [] and "No VFs on this server" in text


def test_dot_ids_never_name_a_folder_outside_the_output():
    topo = Topology()
    topo.add(Server(id=".."))
    topo.add(VM(id=".", parent=".."))
    assert sorted(host_config(topo, "d", DATE).files) == ["__.sh", "__/_.xml", "vf-assignments.csv"]


def test_output_is_deterministic():
    assert host_config(design(), "d", DATE).files == host_config(design(), "d", DATE).files


@pytest.mark.parametrize("topo", [design(), design(netdevs=()), _ixgbe()], ids=["named", "placeholders", "ixgbe"])
def test_scripts_pass_sh_n_and_shellcheck(tmp_path, topo):
    path = tmp_path / "h1.sh"
    path.write_text(script(topo))
    assert subprocess.run(["sh", "-n", str(path)], capture_output=True).returncode == 0
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (make desktop-tools installs it)")
    done = subprocess.run(["shellcheck", "--shell=sh", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_kept_libvirt_fields_from_a_hostile_project_cannot_break_the_xml():
    topo = design()
    web = topo["web"]
    vnic = web.vnics[0]
    vnic.extra["libvirt"] = {
        "type": "bridge", "mac": "52:54:00:00:00:01\"/><evil/>",
        "source": {"bridge": "br0'/><evil/>", "{urn:x}attr": "1", "a b": "2", "ok": ["list"]},
        "model": "virtio'/><evil/>",
        "bandwidth": {"inbound": {"floor": "1\"/><evil/>", "><evil": "3"}},
    }
    topo.set_vnics("web", [vnic])
    topo.set_project_field("title", "x --> <evil/>")
    text = host_config(topo, '"x --> <evil/>"', DATE).files["h1/web.xml"].decode()
    root = ElementTree.fromstring(text)  # well-formed
    assert root.find(".//evil") is None
    (interface,) = root.findall("devices/interface")
    assert interface.find("mac") is None  # not a MAC: left out
    assert interface.find("source").attrib == {"bridge": "br0'/><evil/>"}
    assert interface.find("model").get("type") == "virtio"
    assert interface.find("bandwidth/inbound").attrib == {"floor": '1"/><evil/>'}
