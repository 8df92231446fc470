"""``rackio report`` and ``rackio export --paper``: real PDFs read back with poppler.

pdfinfo gives the page size and count, pdftotext the words on the pages; the figures
the text must contain are computed here from the project file's JSON.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from designer.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"
TWO_RACK = EXAMPLES / "two-rack-proposal.rackio"
MAIL = EXAMPLES / "mail-rack.rackio"
A4, LETTER = (595, 842), (612, 792)

needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdfinfo, pdftotext) is not installed: make pdf-tools")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def pdf_pages(path: Path) -> list[tuple[int, int]]:
    """Every page's size in points (rounded), from pdfinfo."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(path)], capture_output=True, text=True,
                          check=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    return [(round(float(w)), round(float(h))) for w, h in sizes]


def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    cmd = ["pdftotext", "-layout"]
    if first:
        cmd += ["-f", str(first)]
    if last:
        cmd += ["-l", str(last)]
    return subprocess.run([*cmd, str(path), "-"], capture_output=True, text=True, check=True).stdout


def words(text: str) -> str:
    return " ".join(text.split())


@needs_poppler
def test_report_on_a4_has_the_title_servers_bom_counts_and_verdict(tmp_path, capsys):
    out = tmp_path / "p.pdf"
    bom = tmp_path / "bom.csv"
    code, stdout, err = run(capsys, "report", TWO_RACK, "-o", out, "--paper", "a4", "--author", "Jane Doe",
                            "--date", "2026-03-04", "--bom-csv", bom)
    assert (code, err) == (0, "")
    pages = pdf_pages(out)
    # text pages as asked; diagram pages may turn to fit the drawing, on the same sheet
    assert len(pages) >= 8 and pages[0] == A4 and set(pages) <= {A4, A4[::-1]}
    assert f"{len(pages)} pages" in stdout
    text = pdf_text(out)
    flat = words(text)
    doc = json.loads(TWO_RACK.read_text("utf-8"))
    assert doc["title"] in flat
    for server in (e for e in doc["elements"] if e["kind"] == "server"):
        assert f"{server['label']} ({server['id']})" in flat
    # cover: the verdict in plain words (this design is sized so that nothing saturates)
    cover = words(pdf_text(out, 1, 1))
    assert "Verdict: the design is sound" in cover and "not sound" not in cover.lower()
    assert "Prepared by Jane Doe" in cover and "2026-03-04" in cover
    assert "Key figures" in cover  # no "fi" ligature: the text reads as typed
    # every page carries its number and the total
    assert all(f"Page {i} of {len(pages)}" in flat for i in range(1, len(pages) + 1))
    # bill of materials: counts computed from the file
    bom_page = words(text[text.rindex("Bill of materials"):])
    n_servers = sum(1 for e in doc["elements"] if e["kind"] == "server")
    nics = Counter((e.get("model"), e.get("ports", 2), e.get("port_gbps", 25), e.get("pcie_gbps", 63))
                   for e in doc["elements"] if e["kind"] == "nic")
    for (model, ports, port_gbps, pcie_gbps), count in nics.items():
        assert re.search(rf"{re.escape(model)} {ports} {port_gbps:g} {pcie_gbps:g} {count}\b", bom_page), model
    from test_proposal import server_type_counts

    types = server_type_counts(doc)
    assert sum(types.values()) == n_servers
    for (cores, vmm, _iommu, height, nic_models), count in types.items():
        assert re.search(rf"{cores} cores, {vmm:g} VMM I/O cores, VT-d, {height} U; "
                         rf"1× {re.escape(nic_models[0])} {count}\b", bom_page), (vmm, count)
    nic_cables = sum(1 for l in doc["links"] if ":" in l["a"] or ":" in l["b"])
    assert re.search(rf"NIC–switch 25 {nic_cables}\b", bom_page)
    assert bom.read_text("utf-8").startswith("section,Type,Hardware,Count,Servers\n")


@needs_poppler
def test_letter_landscape_and_no_plots(tmp_path, capsys):
    with_plots = tmp_path / "a.pdf"
    without = tmp_path / "b.pdf"
    assert run(capsys, "report", MAIL, "-o", with_plots, "--paper", "letter", "--landscape", "--date", "2026-01-01")[0] == 0
    assert run(capsys, "report", MAIL, "-o", without, "--paper", "letter", "--landscape", "--no-plots",
               "--date", "2026-01-01")[0] == 0
    pages = pdf_pages(with_plots)
    assert pages[0] == (792, 612) and pages[-1] == (792, 612) and set(pages) <= {LETTER, LETTER[::-1]}
    assert "Demand sweep" in pdf_text(with_plots) and "Demand sweep" not in pdf_text(without)
    assert len(pdf_pages(without)) < len(pdf_pages(with_plots))


def test_report_is_byte_identical_across_runs_apart_from_the_date(tmp_path):
    def report(name: str, date: str) -> bytes:
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "designer.cli", "report", str(MAIL), "-o", str(out), "--date", date],
                       check=True, capture_output=True, cwd=ROOT)
        return out.read_bytes()

    first, second = report("1.pdf", "2026-05-06"), report("2.pdf", "2026-05-06")
    assert first == second
    other = report("3.pdf", "2026-05-07")
    assert other != first
    assert b"D:20260506000000Z" in first and b"D:20260507000000Z" in other


@pytest.mark.parametrize("extra", [[], ["--paper", "letter"]])
def test_diagram_pdf_is_byte_identical_across_runs(tmp_path, extra):
    def export(name: str) -> bytes:
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "designer.cli", "export", str(MAIL), "-o", str(out),
                        "--date", "2026-05-06", *extra], check=True, capture_output=True, cwd=ROOT)
        return out.read_bytes()

    first = export("1.pdf")
    assert first == export("2.pdf")
    assert b"D:20260506000000Z" in first


@needs_poppler
def test_tables_continue_on_the_next_page_with_their_header(tmp_path, capsys):
    design = tmp_path / "big.rackio"
    assert run(capsys, "generate", "--racks", 3, "--servers-per-rack", 20, "--vms-per-server", 10, "-o", design)[0] == 0
    out = tmp_path / "big.pdf"
    assert run(capsys, "report", design, "-o", out, "--no-plots", "--date", "2026-01-01")[0] == 0
    pages = pdf_pages(out)
    assert set(pages) <= {A4, A4[::-1]}
    texts = [pdf_text(out, i, i) for i in range(1, len(pages) + 1)]
    continued = [i for i, t in enumerate(texts) if "VMM load per server (continued)" in t]
    assert continued, "the 60-server table fits no single page"
    for i in continued:  # the header row is repeated under the continuation title
        assert re.search(r"Server\s+Rack\s+Emulated", texts[i])
    # every server appears exactly once in the server table
    doc = json.loads(design.read_text("utf-8"))
    table_text = "".join(texts[continued[0] - 1:continued[-1] + 1])
    for server in (e for e in doc["elements"] if e["kind"] == "server"):
        label = server.get("label") or server["id"]
        assert words(table_text).count(f"{label} ({server['id']})") == 1
    assert any("Guaranteed minimums (continued)" in t for t in texts)


@needs_poppler
def test_tiled_diagram_export_of_a_large_design(tmp_path, capsys):
    design = tmp_path / "big.rackio"
    assert run(capsys, "generate", "--racks", 3, "--servers-per-rack", 20, "--vms-per-server", 10, "-o", design)[0] == 0
    out = tmp_path / "tiles.pdf"
    code, stdout, err = run(capsys, "export", design, "-o", out, "--paper", "letter")
    assert (code, err) == (0, "")
    pages = pdf_pages(out)
    assert len(pages) > 1 and set(pages) == {LETTER}
    assert f"{len(pages)} pages" in stdout
    assert f"Tile 2 of {len(pages)}" in words(pdf_text(out, 2, 2))
    # the small example fits one landscape A4 sheet readably
    small = tmp_path / "mail.pdf"
    assert run(capsys, "export", MAIL, "-o", small, "--paper", "a4", "--landscape")[0] == 0
    assert pdf_pages(small) == [(842, 595)]
    # one rack of the large design only: fewer sheets, and no server of another rack
    rack = tmp_path / "rack.pdf"
    assert run(capsys, "export", design, "-o", rack, "--paper", "letter", "--rack", "rack2")[0] == 0
    text = words(pdf_text(rack))
    assert "r2s1" in text or "2.1" in text
    assert len(pdf_pages(rack)) < len(pages)


def test_paper_png_has_the_sheet_size_at_the_dpi(tmp_path, capsys):
    import struct

    out = tmp_path / "a.png"
    assert run(capsys, "export", MAIL, "-o", out, "--paper", "a4", "--dpi", 100)[0] == 0
    w, h = struct.unpack(">II", out.read_bytes()[16:24])
    assert (w, h) == (827, 1170)  # 210 × 297 mm at 100 dpi, rounded up


def test_svg_font_family_has_a_generic_fallback(tmp_path, capsys):
    out = tmp_path / "a.svg"
    assert run(capsys, "export", MAIL, "-o", out)[0] == 0
    families = set(re.findall(r'font-family="([^"]*)"', out.read_text("utf-8")))
    assert families and all(f.rstrip().endswith("sans-serif") for f in families)
    assert 'font-family="Sans Serif"' not in out.read_text("utf-8")


@pytest.mark.parametrize("argv, message", [
    (["--paper", "a5"], "use a4 or letter"),
    (["--date", "2026-13-01"], "YYYY-MM-DD"),
    (["--logo", "/nonexistent/logo.png"], "no such file"),
])
def test_report_refuses_bad_options_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "p.pdf"
    code, _out, err = run(capsys, "report", MAIL, "-o", out, *argv)
    assert code == 2 and err.startswith("error:") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_report_refuses_a_logo_that_is_no_image_and_a_non_pdf_name(tmp_path, capsys):
    logo = tmp_path / "logo.png"
    logo.write_text("not an image")
    out = tmp_path / "p.pdf"
    code, _o, err = run(capsys, "report", MAIL, "-o", out, "--logo", logo)
    assert code == 2 and "logo" in err and not out.exists()
    code, _o, err = run(capsys, "report", MAIL, "-o", tmp_path / "p.png")
    assert code == 2 and ".pdf" in err


def test_export_paper_option_errors(tmp_path, capsys):
    cases = [
        (["-o", tmp_path / "a.png", "--paper", "a4", "--width", 800], "--dpi"),
        (["-o", tmp_path / "a.pdf", "--landscape"], "--landscape needs --paper"),
        (["-o", tmp_path / "a.pdf", "--paper", "a4", "--rack", "nope"], "no rack 'nope'"),
        (["-o", tmp_path / "a.svg", "--paper", "a4", "--dpi", 200], "--dpi"),
    ]
    for argv, message in cases:
        code, _o, err = run(capsys, "export", MAIL, *argv)
        assert code == 2 and message in err, (argv, err)
    code, _o, err = run(capsys, "export", MAIL, "-o", tmp_path / "a.pdf", "--date", "yesterday")
    assert code == 2 and "YYYY-MM-DD" in err
    assert not any(tmp_path.iterdir())


@needs_poppler
def test_a_short_table_is_not_split_over_pages(tmp_path, capsys):
    # On landscape Letter the cables table of the two-rack example would start three
    # rows from the foot of the bill of materials' first page.
    out = tmp_path / "p.pdf"
    assert run(capsys, "report", TWO_RACK, "-o", out, "--paper", "letter", "--landscape", "--no-plots",
               "--date", "2026-01-01")[0] == 0
    pages = [pdf_text(out, i, i) for i in range(1, len(pdf_pages(out)) + 1)]
    assert not any("Cables (continued)" in page for page in pages)
    cables = next(page for page in pages if "Speed is the cable's own" in page)
    doc = json.loads(TWO_RACK.read_text("utf-8"))
    networks = {e["id"] for e in doc["elements"] if e["kind"] == "network"}
    uplinks = Counter(int(l.get("gbps", 100)) for l in doc["links"] if l["a"] in networks or l["b"] in networks)
    nic_cables = sum(1 for l in doc["links"] if ":" in l["a"] or ":" in l["b"])
    assert re.search(rf"NIC–switch\s+25\s+{nic_cables}\b", cables)
    for gbps, count in uplinks.items():
        assert re.search(rf"switch–network\s+{gbps}\s+{count}\b", cables), gbps


@needs_poppler
def test_the_overview_page_shows_each_rack_as_a_block_with_its_figures(tmp_path, capsys):
    out = tmp_path / "p.pdf"
    assert run(capsys, "report", TWO_RACK, "-o", out, "--paper", "a4", "--no-plots", "--date", "2026-01-01")[0] == 0
    overview = words(pdf_text(out, 2, 2))
    assert "Overview" in overview and "Each rack as one block" in overview
    doc = json.loads(TWO_RACK.read_text("utf-8"))
    server_rack = {e["id"]: e.get("rack") for e in doc["elements"] if e["kind"] == "server"}
    for rack in doc["racks"]:
        servers = sum(1 for r in server_rack.values() if r == rack["id"])
        vms = sum(1 for e in doc["elements"] if e["kind"] == "vm" and server_rack[e["parent"]] == rack["id"])
        assert rack.get("label", rack["id"]) in overview and f"{servers} servers {vms} VMs" in overview, rack["id"]
    networks = [e.get("label") or e["id"] for e in doc["elements"] if e["kind"] == "network"]
    assert all(name in overview for name in networks)  # printed whole, never cut with "…"


@needs_poppler
def test_a_design_with_an_unenforceable_guarantee_is_not_sound(tmp_path, capsys):
    # The mail-rack example keeps a guaranteed VF on an X710, whose driver refuses min_tx_rate.
    out = tmp_path / "mail.pdf"
    assert run(capsys, "report", MAIL, "-o", out, "--paper", "a4", "--no-plots", "--date", "2026-01-01")[0] == 0
    cover = words(pdf_text(out, 1, 1))
    assert "Not sound" in cover and "Verdict: the design is not sound" in cover
