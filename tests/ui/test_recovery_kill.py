"""Kill the real app mid-edit and get the edits back (issue 7).

A child Python process runs ``rackio FILE`` (designer.cli.main) offscreen with HOME and
the XDG folders in tmp_path, so QStandardPaths puts its recovery folder there. It makes
edits through the editor; the parent waits for the recovery copy to appear, then sends
SIGKILL. A second child starts ``rackio FILE`` again with the same folders: recovery must
be offered, Restore must bring back every edit under the original path, and Save must
write them to the file (the old bytes kept as .bak).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from designer.fileformat import load

from .helpers import MAIL

REPO = Path(__file__).resolve().parents[2]

EDIT_THEN_WAIT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from PySide6.QtCore import QPointF, QTimer
    from PySide6.QtWidgets import QApplication
    from designer.ui.app import make_application
    from designer import cli

    app = make_application()

    def edit():
        from designer.ui.main_window import MainWindow
        (w,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        assert w.editor.set_field(["h1"], "vmm_io_cores", 7.25) is None
        assert w.editor.drop("server", None, QPointF(-900, 900)) is None
        assert w.editor.set_project_field("title", "edited before the kill") is None
        print("EDITED", time.time(), flush=True)

    QTimer.singleShot(300, edit)
    sys.exit(cli.main([sys.argv[1]]))
""")

RESTART_AND_RESTORE = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, {repo!r})
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from designer.ui.app import make_application
    from designer.ui import recovery
    from designer import cli

    app = make_application()
    asked = []

    def answer(window, entry):  # the dialog's seam: answer Restore
        asked.append({{"original_path": entry.original_path, "design": str(entry.design),
                      "text": entry.describe()}})
        return recovery.RESTORE

    recovery.ask_recovery = answer

    def report():
        from designer.ui.main_window import MainWindow
        (w,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        doc = w.document
        state = {{"asked": asked, "path": doc.path, "modified": doc.modified, "title": doc.topology.title,
                  "vmm": doc.topology["h1"].vmm_io_cores, "servers": len(doc.topology.servers),
                  "window_modified": w.isWindowModified()}}
        state["saved"] = w.file_save()
        state["left"] = sorted(p.name for p in w.recovery.directory.glob("*.rackio"))
        print("STATE " + json.dumps(state), flush=True)
        os._exit(0)

    QTimer.singleShot(1500, report)
    sys.exit(cli.main([sys.argv[1]]))
""")


def environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_RUNTIME_DIR=str(runtime), PYTHONPATH=str(REPO))
    env.pop("DISPLAY", None)
    return env


def test_killed_app_recovers_its_edits(tmp_path):
    rack = tmp_path / "work" / "rack.rackio"
    rack.parent.mkdir()
    rack.write_bytes(MAIL.read_bytes())
    env = environment(tmp_path)
    recovery_dir = tmp_path / "data" / "RackIO" / "RackIO Designer" / "recovery"
    script = tmp_path / "edit.py"
    script.write_text(EDIT_THEN_WAIT.format(repo=str(REPO)), encoding="utf-8")
    out = tmp_path / "child1.out"
    with open(out, "wb") as sink:
        child = subprocess.Popen([sys.executable, str(script), str(rack)], env=env, stdout=sink,
                                 stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        edited_at = appeared_at = None
        while time.monotonic() < deadline and child.poll() is None:
            text = out.read_text(errors="replace")
            if edited_at is None and "EDITED" in text:
                edited_at = float(text.split("EDITED", 1)[1].split()[0])
            headers = list(recovery_dir.glob("*.json")) if recovery_dir.is_dir() else []
            if edited_at is not None and headers:
                appeared_at = time.time()
                break
            time.sleep(0.05)
        assert child.poll() is None, out.read_text(errors="replace")
        assert appeared_at is not None, "no recovery copy appeared:\n" + out.read_text(errors="replace")
        time.sleep(0.2)  # let the header write finish; it is atomic, but the design was written first
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    delay = appeared_at - edited_at
    assert 1.5 <= delay <= 6, f"the copy appeared {delay:.2f} s after the last edit"

    # What survived the kill: the user's file untouched, a complete recovery copy with every edit.
    assert rack.read_bytes() == MAIL.read_bytes()
    (copy,) = recovery_dir.glob("*.rackio")
    recovered = load(copy)
    assert recovered.title == "edited before the kill" and recovered["h1"].vmm_io_cores == 7.25
    assert len(recovered.servers) == len(load(MAIL).servers) + 1
    header = json.loads(copy.with_suffix(".json").read_text(encoding="utf-8"))
    assert header["original_path"] == str(rack.resolve())
    assert list(recovery_dir.glob("session-*.lock")), "the killed session's lock is left behind (stale)"

    # Start again on the same file: recovery is offered, Restore brings the edits back.
    script2 = tmp_path / "restore.py"
    script2.write_text(RESTART_AND_RESTORE.format(repo=str(REPO)), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script2), str(rack)], env=env, capture_output=True, timeout=90)
    lines = [ln for ln in done.stdout.decode().splitlines() if ln.startswith("STATE ")]
    assert lines, done.stdout.decode() + done.stderr.decode()
    state = json.loads(lines[0][6:])
    (asked,) = state["asked"]
    assert asked["original_path"] == str(rack.resolve()) and asked["design"] == str(copy)
    assert "did not close normally" in asked["text"]
    assert state["path"] == str(rack.resolve()) and state["modified"] and state["window_modified"]
    assert state["title"] == "edited before the kill" and state["vmm"] == 7.25
    assert state["servers"] == len(load(MAIL).servers) + 1
    assert state["saved"] is True and state["left"] == []
    saved = load(rack)
    assert saved.title == "edited before the kill" and saved["h1"].vmm_io_cores == 7.25
    assert (rack.parent / "rack.rackio.bak").read_bytes() == MAIL.read_bytes()
    print(f"kill test: recovery copy written {delay:.2f} s after the last edit; all 3 edits restored")
