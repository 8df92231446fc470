"""Every command-line output is checked before anything is written (issue 12 §2.2, §2.3, §2.7):
an output that is the input (also through a symbolic or hard link) is refused, a pipe or a
character device is written in place and stays what it is, a socket, a folder, a loop of links
or a read-only file is refused with one ``error:`` line and exit 2, a file with other hard links
is replaced under its own name only and the command says so.

Device nodes and FIFOs are made in tmp_path; the machine's own /dev is never touched."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import socket
import stat
import threading
from pathlib import Path

import pytest

from designer.cli import main

ROOT = Path(__file__).resolve().parent.parent
MAIL = ROOT / "resources" / "examples" / "mail-rack.rackio"
GENERATE = ["generate", "--racks", "1", "--servers-per-rack", "1", "--vms-per-server", "1"]


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "m.rackio"
    shutil.copyfile(MAIL, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error(code: int, err: str, *words: str) -> None:
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])


# ------------------------------------------------------------ output = input
@pytest.mark.parametrize("option", ["--csv", "--png"])
def test_sweep_refuses_to_write_over_its_input(capsys, project, option):
    before = digest(project)
    code, out, err = run(capsys, "sweep", project, option, project)
    assert_one_error(code, err, "m.rackio", "input")
    assert digest(project) == before
    assert sorted(p.name for p in project.parent.iterdir()) == ["m.rackio"]


def test_export_through_a_symlink_to_the_input_is_refused(capsys, project):
    link = project.parent / "d.png"
    link.symlink_to(project.name)
    before = digest(project)
    code, out, err = run(capsys, "export", project, "-o", link)
    assert_one_error(code, err, "d.png", "input")
    assert digest(project) == before and link.is_symlink()


def test_a_hard_link_of_the_input_is_the_input(capsys, project):
    alias = project.parent / "table.csv"
    os.link(project, alias)
    before = digest(project)
    code, out, err = run(capsys, "sweep", project, "--csv", alias)
    assert_one_error(code, err, "table.csv", "input")
    assert digest(project) == before and os.stat(project).st_nlink == 2


def test_solve_csv_refuses_a_table_name_that_is_the_input(capsys, project):
    (project.parent / "m-flows.csv").symlink_to(project.name)
    before = digest(project)
    code, out, err = run(capsys, "solve", project, "--csv", project.parent)
    assert_one_error(code, err, "m-flows.csv", "input")
    assert out == ""  # refused before solving
    assert digest(project) == before
    assert not (project.parent / "m-resources.csv").exists()


def test_sweep_csv_and_png_naming_one_file_is_refused(capsys, project, tmp_path):
    code, out, err = run(capsys, "sweep", project, "--csv", tmp_path / "x", "--png", tmp_path / "./x")
    assert_one_error(code, err, "same file")
    assert not (tmp_path / "x").exists()


def test_upgrade_over_its_own_file_is_what_upgrade_does(capsys, project):
    code, out, err = run(capsys, "upgrade", project, "-o", project)
    assert (code, err) == (0, "")


# -------------------------------------------------------- not regular files
def test_a_fifo_is_written_in_place_and_stays_a_fifo(capsys, project, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        code, out, err = run(capsys, "sweep", project, "--steps", "3", "--csv", fifo)
    finally:
        if stat.S_ISFIFO(os.lstat(fifo).st_mode) and reader.is_alive():
            # Let a reader nobody wrote to finish. ENXIO: no reader has the pipe open any
            # more (it read everything and is returning), so there is nothing to release.
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as error:
                if error.errno != errno.ENXIO:
                    raise
        reader.join(10)
    assert (code, err) == (0, "")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].startswith(b"scale,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.rackio", "pipe"]  # no temporary left


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("verb", ["upgrade", "generate", "sweep"])
def test_a_character_device_is_written_in_place_and_stays_one(capsys, project, tmp_path, verb):
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a null device of our own
    argv = {"upgrade": ["upgrade", project, "-o", node], "generate": [*GENERATE, "-o", node],
            "sweep": ["sweep", project, "--steps", "2", "--csv", node]}[verb]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    info = os.lstat(node)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.rackio", "null"]


def test_a_socket_is_refused(capsys, project, tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        code, out, err = run(capsys, *GENERATE, "-o", path)
        assert_one_error(code, err, "sock", "socket")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


@pytest.mark.parametrize("argv", [
    [*GENERATE, "-o", "{loop}"],
    ["upgrade", "{project}", "-o", "{loop}"],
    ["sweep", "{project}", "--csv", "{loop}"],
    ["export", "{project}", "-o", "{loop}.png"],
    ["solve", "{project}", "--csv", "{loop}"],
])
def test_a_loop_of_symbolic_links_is_one_error_line(capsys, project, tmp_path, argv):
    for a, b in (("loop", "loop2"), ("loop2", "loop"), ("loop.png", "loop2.png"), ("loop2.png", "loop.png")):
        (tmp_path / a).symlink_to(b)
    argv = [a.format(loop=tmp_path / "loop", project=project) for a in argv]
    code, out, err = run(capsys, *argv)
    assert_one_error(code, err, "loop of symbolic links")


# ---------------------------------------------------- read-only, hard links
def test_a_read_only_target_is_refused_even_for_root(capsys, project):
    os.chmod(project, 0o444)
    before = digest(project)
    code, out, err = run(capsys, "upgrade", project)
    assert_one_error(code, err, "m.rackio", "read-only")
    assert digest(project) == before
    assert stat.S_IMODE(os.stat(project).st_mode) == 0o444


def test_a_file_with_hard_links_is_replaced_under_its_name_and_the_command_says_so(capsys, project, tmp_path):
    out_path = tmp_path / "big.rackio"
    out_path.write_bytes(b"old")
    other = tmp_path / "elsewhere.rackio"
    os.link(out_path, other)
    code, out, err = run(capsys, *GENERATE, "-o", out_path)
    assert code == 0
    assert err.startswith("note: ") and "1 other hard link" in err
    assert other.read_bytes() == b"old"  # the other name keeps the previous version
    assert out_path.read_bytes().startswith(b"{")
