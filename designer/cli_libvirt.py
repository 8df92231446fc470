"""``rackio import libvirt`` and ``rackio host-config`` (SPEC §11).

    rackio import libvirt PATH... [--host NAME] [--rates CSV] (-o OUT.rackio | --into EXISTING.rackio)
    rackio host-config FILE -o DIR [--server ID] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path


from .cli import UsageError as _UsageError


def add_parsers(sub) -> None:
    p = sub.add_parser("import", help="import guests from another tool's definitions")
    kinds = p.add_subparsers(dest="source", parser_class=type(p))
    kinds.required = True
    lv = kinds.add_parser("libvirt", help="libvirt domain, node-device and network XML (virsh dumpxml …)")
    lv.add_argument("paths", nargs="+", metavar="PATH",
                    help="a domain XML file, or a folder of one host's XML files (named after the host)")
    lv.add_argument("--host", metavar="NAME", help="the server every PATH belongs to (default: folder name, or 'host')")
    lv.add_argument("--rates", metavar="CSV", help="vm,interface,tx_gbps,rx_gbps rows (interface = MAC, target name or vNIC index)")
    target = lv.add_mutually_exclusive_group(required=True)
    target.add_argument("-o", "--output", metavar="OUT", help="write a new project")
    target.add_argument("--into", metavar="EXISTING", help="add to this project (its old version is kept as .bak)")

    p = sub.add_parser("host-config", help="write the sriov/ip-link script and libvirt snippets each server needs")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write into (created if missing)")
    p.add_argument("--server", metavar="ID", help="only this server")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="the date in the headers (default: the project file's modification date, UTC)")


def cmd_import(args) -> int:
    from .fileformat import load, save
    from .libvirt.importer import import_libvirt
    from .libvirt.xmlsafe import LibvirtError
    from .model.topology import ModelError, Topology

    from .fileformat.atomic import check_output

    target = Path(args.into or args.output)
    # The one output check (docs/safety.md, "Writing files"): never an input (also through a link),
    # a device, a loop of links or a read-only file.
    check_output(target, [*args.paths, *([args.rates] if args.rates else [])])
    if target.is_dir():
        raise _UsageError(f"{target} is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise _UsageError(f"folder {folder} does not exist")
    if args.output and target.suffix.lower() != ".rackio":
        raise _UsageError(f"{target}: a project file name ends in .rackio")
    topo = load(target) if args.into else None
    try:
        result = import_libvirt(args.paths, host=args.host, rates=args.rates, topo=topo)
    except LibvirtError as exc:
        raise _UsageError(str(exc)) from None
    if topo is None:
        names = ", ".join(result.hosts)
        topo = Topology(title=f"Imported from libvirt: {names}"[:200])
    try:
        for element in result.elements:
            topo.add(element)
    except ModelError as exc:
        raise _UsageError(f"the imported elements do not fit the design: {exc}") from None
    save(topo, target, backup=bool(args.into))
    print(result.summary(), end="")
    print(f"wrote {target}")
    return 0


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def cmd_host_config(args) -> int:
    from .fileformat import load
    from .libvirt.hostconfig import host_config, write_tree

    source = Path(args.file)
    topo = load(source)
    if args.date is not None:
        try:
            if not _DATE.match(args.date):
                raise ValueError
            date = dt.date.fromisoformat(args.date).isoformat()
        except ValueError:
            raise _UsageError(f"--date {args.date!r} must be a date written YYYY-MM-DD") from None
    else:
        date = dt.datetime.fromtimestamp(os.stat(source).st_mtime, dt.timezone.utc).date().isoformat()
    if args.server is not None and not any(s.id == args.server for s in topo.servers):
        raise _UsageError(f"--server {args.server!r} is not a server of {source.name}")
    if not topo.servers:
        raise _UsageError(f"{source.name} has no servers")
    design = f'"{topo.title}" ({source.name})' if topo.title else source.name
    config = host_config(topo, design, date, args.server)
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise _UsageError(f"{out} exists and is not a folder")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise _UsageError(f"folder {parent} does not exist")
    write_tree(out, config.files, [source])
    print(f"wrote {len(config.files)} files into {out}: {len(config.servers)} server script"
          f"{'s' * (len(config.servers) != 1)}, {config.guests} guest snippet{'s' * (config.guests != 1)}, "
          f"{config.vfs} VF{'s' * (config.vfs != 1)} in vf-assignments.csv")
    return 0

