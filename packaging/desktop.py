"""Linux desktop integration files of RackIO Designer: render, lay out, install.

    python packaging/desktop.py render-icons OUTDIR
        hicolor PNGs (16 … 512 px) of the app icon, drawn from resources/icons/rackio.svg
        with QSvgRenderer, plus the SVG itself as the scalable size.
    python packaging/desktop.py stage DIR [--exec CMD]
        a complete share/ tree in DIR: applications/, icons/hicolor/, mime/packages/, metainfo/.
    python packaging/desktop.py install [--prefix DIR] [--exec CMD]
        stage into DIR (default: $XDG_DATA_HOME or ~/.local/share) and refresh the desktop's
        MIME, application and icon caches with whichever of update-mime-database,
        update-desktop-database and gtk-update-icon-cache are installed.

``--exec CMD`` writes CMD (an absolute path to the ``rackio`` program, say) into the
desktop file's Exec and TryExec, for a ``rackio`` that is not on PATH.

The PNGs are generated, never committed: ``make install-desktop`` and ``make package``
render them each time, so they cannot drift from the SVG (docs/packaging.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
APP_ID = "io.github.rackio.Designer"
SVG = REPO / "resources" / "icons" / "rackio.svg"
DESKTOP = HERE / f"{APP_ID}.desktop"
METAINFO = HERE / f"{APP_ID}.metainfo.xml"
MIME = HERE / f"{APP_ID}.mime.xml"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render_icons(out: Path, svg: Path = SVG, sizes=SIZES) -> list[Path]:
    """Render the app icon into ``out/hicolor/NxN/apps/APP_ID.png`` for every size."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 (QPainter needs it)
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg} is not a valid SVG")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        target = out / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"error: could not write {target}")
        written.append(target)
    scalable = out / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    written.append(scalable)
    return written


def desktop_entry(exec_cmd: str | None = None) -> str:
    """The desktop file's text, with Exec/TryExec pointing at ``exec_cmd`` when given."""
    lines = []
    for line in DESKTOP.read_text(encoding="utf-8").splitlines():
        if exec_cmd and line.startswith("Exec="):
            quoted = f'"{exec_cmd}"' if " " in exec_cmd else exec_cmd
            line = f"Exec={quoted} %f"
        elif exec_cmd and line.startswith("TryExec="):
            line = f"TryExec={exec_cmd}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def stage(share: Path, exec_cmd: str | None = None) -> list[Path]:
    """Lay out every integration file under ``share`` (an XDG data directory)."""
    written = []
    apps = share / "applications"
    apps.mkdir(parents=True, exist_ok=True)
    desktop = apps / f"{APP_ID}.desktop"
    desktop.write_text(desktop_entry(exec_cmd), encoding="utf-8")
    written.append(desktop)
    for source, folder, name in ((METAINFO, "metainfo", f"{APP_ID}.metainfo.xml"),
                                 (MIME, "mime/packages", f"{APP_ID}.xml")):
        target = share / folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    written += render_icons(share / "icons")
    return written


def _refresh(share: Path) -> None:
    for tool, args in (("update-mime-database", [str(share / "mime")]),
                       ("update-desktop-database", [str(share / "applications")]),
                       ("gtk-update-icon-cache", ["-f", "-t", "-q", str(share / "icons" / "hicolor")])):
        path = shutil.which(tool)
        if path is None:
            print(f"  ({tool} is not installed; skipped)")
            continue
        result = subprocess.run([path, *args], capture_output=True, text=True)
        status = "ok" if result.returncode == 0 else f"exit {result.returncode}: {result.stderr.strip()}"
        print(f"  {tool}: {status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="desktop.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    p = sub.add_parser("render-icons")
    p.add_argument("out", type=Path)
    p = sub.add_parser("stage")
    p.add_argument("share", type=Path)
    p.add_argument("--exec", dest="exec_cmd")
    p = sub.add_parser("install")
    default = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    p.add_argument("--prefix", type=Path, default=default)
    p.add_argument("--exec", dest="exec_cmd")
    args = parser.parse_args(argv)
    if args.verb == "render-icons":
        for path in render_icons(args.out):
            print(path)
    elif args.verb == "stage":
        for path in stage(args.share, args.exec_cmd):
            print(path)
    else:
        written = stage(args.prefix, args.exec_cmd)
        print(f"installed {len(written)} files under {args.prefix}")
        _refresh(args.prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
