"""libvirt import and host-config on a large host: print the figures.

A host folder with 2 dual-port PFs (node-device XML, 64 VFs listed per PF) and GUESTS domain
XMLs, each with one VF hostdev interface (while VFs last) and one virtio bridge interface with
a <bandwidth> cap. Times: scan + import, then host-config of the imported design.

Run: ``.venv/bin/python benchmarks/bench_libvirt.py [--guests N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from designer.libvirt.hostconfig import host_config
from designer.libvirt.importer import import_libvirt
from designer.model.topology import Topology

PF = """<device><name>pci_0000_{bus:02x}_00_{fn}</name><driver><name>ice</name></driver>
<capability type='pci'><class>0x020000</class><domain>0</domain><bus>{bus}</bus><slot>0</slot>
<function>{fn}</function><product id='0x1593'>Ethernet Controller E810-C for SFP</product>
<capability type='virt_functions' maxCount='128'>{vfs}</capability>
<pci-express><link validity='cap' port='0' speed='16' width='8'/></pci-express></capability></device>"""
NET = """<device><name>net_{dev}</name><parent>pci_0000_{bus:02x}_00_{fn}</parent>
<capability type='net'><interface>{dev}</interface><link speed='25000' state='up'/></capability></device>"""
DOMAIN = """<domain type='kvm'><name>vm{n}</name><devices>{vf}
<interface type='bridge'><mac address='52:54:00:{a:02x}:{b:02x}:01'/><source bridge='br0'/><model type='virtio'/>
<bandwidth><outbound average='125000'/></bandwidth></interface></devices></domain>"""
VF_IF = """<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0x{bus:02x}'
slot='0x{slot:02x}' function='0x{fn:x}'/></source></interface>"""


def make_host(folder: Path, guests: int) -> None:
    vf_addresses = []
    for card, bus in enumerate((0x3B, 0x5E)):
        for fn in (0, 1):
            addresses = [(bus, 0x02 + fn * 8 + i // 8, i % 8) for i in range(64)]
            vf_addresses += addresses
            vfs = "".join(f"<address domain='0x0000' bus='0x{b:02x}' slot='0x{s:02x}' function='0x{f:x}'/>"
                          for b, s, f in addresses)
            (folder / f"pf{card}{fn}.xml").write_text(PF.format(bus=bus, fn=fn, vfs=vfs))
            (folder / f"net{card}{fn}.xml").write_text(NET.format(dev=f"ens{card + 1}f{fn}", bus=bus, fn=fn))
    for n in range(guests):
        vf = VF_IF.format(bus=vf_addresses[n][0], slot=vf_addresses[n][1], fn=vf_addresses[n][2]) \
            if n < len(vf_addresses) else ""
        (folder / f"vm{n}.xml").write_text(DOMAIN.format(n=n, vf=vf, a=n // 256, b=n % 256))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guests", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bighost"
        folder.mkdir()
        make_host(folder, args.guests)
        size = sum(p.stat().st_size for p in folder.iterdir())
        t0 = time.perf_counter()
        result = import_libvirt([str(folder)])
        t1 = time.perf_counter()
        topo = Topology()
        for element in result.elements:
            topo.add(element)
        t2 = time.perf_counter()
        config = host_config(topo, "bench", "2026-12-01")
        t3 = time.perf_counter()
    print(f"host with {args.guests} guests, {len(result.elements)} elements, {size / 2**20:.1f} MiB of XML")
    print(f"  import (parse + map):   {(t1 - t0) * 1000:8.1f} ms")
    print(f"  add to a topology:      {(t2 - t1) * 1000:8.1f} ms")
    print(f"  host-config ({len(config.files)} files): {(t3 - t2) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
