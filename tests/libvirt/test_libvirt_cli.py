"""``rackio import libvirt`` and ``rackio host-config`` from the command line: summary,
refusals (malformed and hostile XML), exit codes, nothing written on error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from designer.cli import main
from designer.fileformat import load, save
from designer.model.elements import Network, Server
from designer.model.topology import Topology

FIXTURES = Path(__file__).parent / "fixtures"
HOST = FIXTURES / "kvm01"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<domain type='kvm'><name>&lol9;</name></domain>
"""


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_the_summary_and_every_unmapped_item(tmp_path, capsys):
    out_file = tmp_path / "kvm01.rackio"
    code, out, err = _run(capsys, "import", "libvirt", str(HOST), "-o", str(out_file))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == ("imported 1 host (kvm01), 6 guests, 10 vNICs "
                        "(emulated 3, paravirtual 3, vf 3, passthrough 1), 2 NICs, 5 VFs")
    assert any("type 'mcast' is not mapped" in line for line in lines)
    assert any("inbound floor 12500 kB/s" in line for line in lines)
    assert lines[-1] == f"wrote {out_file}"
    topo = load(out_file)
    assert {vm.id for vm in topo.vms} == {"cache", "db", "legacy", "mail", "storage", "web"}
    # The receive floor survives a save and load as an unknown vNIC field.
    web = topo["web"]
    assert web.vnics[0].extra["libvirt"]["bandwidth"]["inbound"]["floor"] == "12500"


def test_into_adds_to_an_existing_project_and_keeps_a_backup(tmp_path, capsys):
    project = tmp_path / "design.rackio"
    topo = Topology(title="Existing")
    topo.add(Network(id="wan", x=0, y=0))
    topo.add(Server(id="kvm01", x=0, y=200))
    save(topo, project)
    before = project.read_bytes()
    code, out, err = _run(capsys, "import", "libvirt", str(HOST), "--into", str(project))
    assert code == 0, err
    after = load(project)
    assert after.title == "Existing"
    assert "kvm01-2" in after.elements and after["mail"].parent == "kvm01-2"
    assert (tmp_path / "design.rackio.bak").read_bytes() == before


def _hostile(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.xml"
    if kind == "billion-laughs":
        path.write_text(BILLION_LAUGHS)
    elif kind == "external-entity":
        secret = tmp_path / "secret.txt"
        secret.write_text("root-password")
        path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                        "<domain><name>&x;</name></domain>\n")
    elif kind == "external-dtd":
        path.write_text('<?xml version="1.0"?>\n<!DOCTYPE domain SYSTEM "http://example.invalid/d.dtd">\n'
                        "<domain><name>g</name></domain>\n")
    elif kind == "huge":
        with open(path, "wb") as fh:  # 100 MB, made here and never committed
            fh.write(b"<domain><name>g</name><description>")
            fh.truncate(100 * 1000 * 1000)
    elif kind == "deep":
        path.write_text("<domain><name>g</name>" + "<a>" * 200_000 + "</a>" * 200_000 + "</domain>")
    elif kind == "many":
        path.write_text("<domain><name>g</name>" + "<a/>" * 300_000 + "</domain>")
    elif kind == "malformed":
        path.write_text("<domain><name>g</name><devices><interface type='bridge'></devices></domain>")
    elif kind == "not-utf8":
        path.write_bytes(b"<?xml version='1.0' encoding='utf-8'?><domain><name>\xff\xfe</name></domain>")
    return path


@pytest.mark.parametrize("kind, reason", [
    ("billion-laughs", "declares a DTD"),
    ("external-entity", "declares a DTD"),
    ("external-dtd", "declares a DTD"),
    ("huge", "95 MiB is more than the 10 MiB"),
    ("deep", "elements nested deeper than 100 levels; refused"),
    ("many", "more than 200000 elements; refused"),
    ("malformed", "not well-formed XML (mismatched tag at line 1"),
    ("not-utf8", "not well-formed XML"),
])
def test_hostile_or_malformed_xml_is_refused_in_one_line_and_nothing_is_written(tmp_path, capsys, kind, reason):
    bad = _hostile(tmp_path, kind)
    out_file = tmp_path / "out.rackio"
    code, out, err = _run(capsys, "import", "libvirt", str(HOST), str(bad), "-o", str(out_file))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert str(bad) in err and reason in err
    assert "root-password" not in err + out
    assert not out_file.exists()


def test_hostile_xml_leaves_an_into_project_untouched(tmp_path, capsys):
    project = tmp_path / "design.rackio"
    save(Topology(title="Keep me"), project)
    before = project.read_bytes()
    code, _, err = _run(capsys, "import", "libvirt", str(_hostile(tmp_path, "billion-laughs")), "--into", str(project))
    assert code == 2 and "declares a DTD" in err
    assert project.read_bytes() == before
    assert not (tmp_path / "design.rackio.bak").exists()


def test_import_refuses_to_write_over_an_input(tmp_path, capsys):
    domain = tmp_path / "g.xml"
    domain.write_text("<domain><name>g</name></domain>")
    before = domain.read_bytes()
    code, _, err = _run(capsys, "import", "libvirt", str(domain), "--into", str(domain))
    assert code == 2 and "is the input file" in err
    assert domain.read_bytes() == before


@pytest.mark.parametrize("argv, message", [
    (["import", "libvirt", "nosuch-folder", "-o", "x.rackio"], "nosuch-folder does not exist"),
    (["import", "libvirt", str(HOST)], "one of the arguments -o/--output --into is required"),
    (["import", "libvirt", str(HOST), "-o", "x.json"], "a project file name ends in .rackio"),
    (["import"], "the following arguments are required: source"),
])
def test_import_usage_errors(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err and err.startswith("error: ")
    assert not any(tmp_path.iterdir())


def test_host_config_writes_script_snippets_and_csv(tmp_path, capsys):
    project = tmp_path / "kvm01.rackio"
    assert main(["import", "libvirt", str(HOST), "-o", str(project)]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    code, stdout, err = _run(capsys, "host-config", str(project), "-o", str(out), "--date", "2026-12-01")
    assert code == 0, err
    assert stdout.strip() == (f"wrote 8 files into {out}: 1 server script, 6 guest snippets, "
                              f"5 VFs in vf-assignments.csv")
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == ["kvm01.sh", "kvm01/cache.xml", "kvm01/db.xml", "kvm01/legacy.xml", "kvm01/mail.xml",
                     "kvm01/storage.xml", "kvm01/web.xml", "vf-assignments.csv"]
    assert "2026-12-01" in (out / "kvm01.sh").read_text().splitlines()[2]


def test_host_config_date_defaults_to_the_project_files_modification_day(tmp_path, capsys):
    project = tmp_path / "kvm01.rackio"
    assert main(["import", "libvirt", str(HOST), "-o", str(project)]) == 0
    os.utime(project, (1_700_000_000, 1_700_000_000))  # 2023-11-14 22:13 UTC
    assert main(["host-config", str(project), "-o", str(tmp_path / "a")]) == 0
    first = (tmp_path / "a" / "kvm01.sh").read_bytes()
    assert b"2023-11-14" in first
    assert main(["host-config", str(project), "-o", str(tmp_path / "b")]) == 0
    assert (tmp_path / "b" / "kvm01.sh").read_bytes() == first  # deterministic


@pytest.mark.parametrize("extra, message", [
    (["--server", "nosuch"], "--server 'nosuch' is not a server of kvm01.rackio"),
    (["--date", "1.12.2026"], "--date '1.12.2026' must be a date written YYYY-MM-DD"),
    (["--date", "2026-02-30"], "--date '2026-02-30' must be a date written YYYY-MM-DD"),
])
def test_host_config_usage_errors_write_nothing(tmp_path, capsys, extra, message):
    project = tmp_path / "kvm01.rackio"
    assert main(["import", "libvirt", str(HOST), "-o", str(project)]) == 0
    capsys.readouterr()
    code, _, err = _run(capsys, "host-config", str(project), "-o", str(tmp_path / "out"), *extra)
    assert code == 2 and message in err
    assert not (tmp_path / "out").exists()


def test_host_config_never_writes_over_its_input(tmp_path, capsys):
    project = tmp_path / "kvm01.rackio"
    assert main(["import", "libvirt", str(HOST), "-o", str(project)]) == 0
    capsys.readouterr()
    before = project.read_bytes()
    code, _, err = _run(capsys, "host-config", str(project), "-o", str(project))
    assert code == 2 and "not a folder" in err
    out = tmp_path / "out"
    out.mkdir()
    (out / "kvm01.sh").symlink_to(project)  # a script name that leads back to the design
    code, _, err = _run(capsys, "host-config", str(project), "-o", str(out))
    assert code == 2 and "is the input file" in err
    assert project.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["kvm01.sh"]  # nothing else was written either


def test_the_libvirt_package_and_both_verbs_import_no_qt(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    code = f"""
import sys
import designer.libvirt.importer, designer.libvirt.hostconfig, designer.cli_libvirt
from designer.cli import main
assert main(["import", "libvirt", {str(HOST)!r}, "-o", "h.rackio"]) == 0
assert main(["host-config", "h.rackio", "-o", "out", "--date", "2026-12-01"]) == 0
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"))
print("QT-MODULES", qt, file=sys.stderr)
sys.exit(1 if qt else 0)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(root)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "QT-MODULES []" in done.stderr
