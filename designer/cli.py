"""The ``rackio`` command line.

    rackio solve FILE [--json] [--scale K] [--strict] [--csv DIR]
    rackio export FILE -o OUT.(png|svg|pdf|drawio) [--width PX | --scale K] [--selection ID,...]
                  [--transparent] [--no-overlay] [--no-legend] [--no-title] [--view diagram|rack]
                  [--level detail|summary|racks]
                  [--author A] [--notes N] [--paper a4|letter [--landscape] [--dpi DPI]] [--rack ID] [--date D]
    rackio sweep FILE [--to 2.0] [--steps 21] [--csv OUT] [--png OUT]
    rackio generate --racks R --servers-per-rack S --vms-per-server V [--mix ...] [--seed N] -o OUT
    rackio upgrade FILE [-o OUT]
    rackio import libvirt PATH... [--host NAME] [--rates CSV] (-o OUT.rackio | --into EXISTING.rackio)
    rackio host-config FILE -o DIR [--server ID] [--date YYYY-MM-DD]
    rackio catalogue [--json]          the NIC models, what their drivers enforce, and sources
    rackio report FILE -o OUT.pdf [--paper a4|letter] [--landscape] [--author A] [--logo PNG]
                  [--no-plots] [--date YYYY-MM-DD] [--bom-csv OUT.csv]
    rackio [FILE]                      open the designer window
    rackio --check-gui [FILE]          open the window headless, check it, close (packaging check)

Invalid input or usage: exit status 2 and one line on stderr starting ``error:``;
nothing is written.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import sys
from pathlib import Path
from typing import Sequence

# Set before numpy is first imported (by the file format, below), where the user has not
# set it: numpy's OpenBLAS would start a thread per core and keep them spinning, 0.1 s of
# CPU time for the 50-rack solve on two cores, and nothing the command line or the window
# computes is linear algebra large enough to share out.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from . import __version__  # noqa: E402
from .fileformat import ProjectFileError, load, save  # noqa: E402
from .fileformat.project import load_with_columns  # noqa: E402
from .model.elements import MODES  # noqa: E402
from .textsafe import csv_row, terminal_text  # noqa: E402

VERBS = ("solve", "export", "sweep", "generate", "upgrade", "import", "host-config", "catalogue", "report")


class UsageError(Exception):
    """Bad command-line usage; printed as one ``error:`` line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


MAX_SCALE = 1e6


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (0 <= value <= MAX_SCALE):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number from 0 to {MAX_SCALE:g}")
    return value


def _count(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}–{high}")
        return value

    return parse


def _export_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= value <= 4:
        raise argparse.ArgumentTypeError(f"{text} is outside 1–4")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rackio", description="RackIO Designer: plan virtualised server racks.")
    parser.add_argument("--version", action="version", version=f"rackio {__version__}")
    parser.add_argument("--check-gui", nargs="?", const="", metavar="FILE",
                        help="open the window without a screen (FILE or a bundled example), check icons, "
                             "examples and NIC catalogue are there, close; exit 0 when all is well")
    sub = parser.add_subparsers(dest="verb", parser_class=_Parser)

    p = sub.add_parser("solve", help="solve a project and print the report")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the JSON report (SPEC §8)")
    p.add_argument("--scale", type=_positive_float, default=1.0, help="multiply every demand by K")
    p.add_argument("--strict", action="store_true", help="exit 1 when any error-severity problem exists")
    p.add_argument("--top", type=_count(1, 100000), default=10, help="how many worst resources to list")
    p.add_argument("--csv", metavar="DIR",
                   help="also write NAME-flows.csv, NAME-resources.csv, NAME-servers.csv and NAME-problems.csv into DIR")

    p = sub.add_parser("export", help="draw the design as a PNG, SVG, PDF or draw.io file (no display needed)")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.png, OUT.svg, OUT.pdf or OUT.drawio")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--width", type=_count(200, 16000), metavar="PX", help="PNG width in pixels")
    size.add_argument("--scale", type=_export_scale, metavar="K", help="PNG scale from 1 to 4 (default 2)")
    p.add_argument("--selection", metavar="ID,...", help="only these elements (and what they contain)")
    p.add_argument("--transparent", action="store_true", help="no background (PNG and SVG)")
    p.add_argument("--no-overlay", action="store_true", help="without utilisation colours, gauges and badges")
    p.add_argument("--no-legend", action="store_true", help="without the legend")
    p.add_argument("--no-title", action="store_true", help="without the title block")
    p.add_argument("--view", default="diagram", metavar="VIEW", help="diagram (default) or rack")
    p.add_argument("--level", default="detail", metavar="LEVEL",
                   help="diagram: detail (default), summary (servers summarised) or racks (one block per rack)")
    p.add_argument("--author", default="", help="name shown in the title block")
    p.add_argument("--notes", default="", help="notes shown in the title block")
    p.add_argument("--paper", metavar="a4|letter", help="standard sheets: scaled to fit, or a PDF tiled over pages")
    p.add_argument("--landscape", action="store_true", help="landscape sheets (with --paper)")
    p.add_argument("--dpi", type=_positive_float, metavar="DPI", help="PNG resolution on paper (default 150)")
    p.add_argument("--rack", metavar="ID", help="only this rack")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the date in the title block and the PDF (default today)")

    p = sub.add_parser("sweep", help="scale demand from 0 and watch what saturates")
    p.add_argument("file")
    p.add_argument("--to", type=_positive_float, default=2.0, help="largest demand scale (default 2.0)")
    p.add_argument("--steps", type=_count(2, 100000), default=21, help="number of scales (default 21)")
    p.add_argument("--csv", metavar="OUT", help="also write the table as CSV")
    p.add_argument("--png", metavar="OUT", help="also draw the sweep plot as a PNG image (no display needed)")

    p = sub.add_parser("generate", help="write a parametric project")
    p.add_argument("--racks", type=_count(1, 1000), required=True)
    p.add_argument("--servers-per-rack", type=_count(1, 1000), required=True)
    p.add_argument("--vms-per-server", type=_count(0, 10000), required=True)
    p.add_argument("--mix", default="vf,paravirtual", help="comma-separated vNIC modes to draw from")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", required=True, metavar="OUT")

    from .cli_report import add_parser as add_report_parser

    add_report_parser(sub)

    p = sub.add_parser("upgrade", help="rewrite a project in the current file format")
    p.add_argument("file")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of over FILE")

    from .cli_libvirt import add_parsers as add_libvirt_parsers

    add_libvirt_parsers(sub)

    from .cli_catalogue import add_parser as add_catalogue_parser

    add_catalogue_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in VERBS and not argv[0].startswith("-")):
        return _open_gui(argv)
    try:
        args = build_parser().parse_args(argv)
        if args.check_gui is not None:
            return _check_gui(args.check_gui or None)
        if args.verb is None:
            return _open_gui([])
        handler = {"solve": cmd_solve, "export": cmd_export, "sweep": cmd_sweep, "generate": cmd_generate,
                   "upgrade": cmd_upgrade, "import": _cmd_import, "host-config": _cmd_host_config,
                   "catalogue": _cmd_catalogue, "report": _cmd_report}
        return handler[args.verb](args)
    except UsageError as exc:
        return _fail(str(exc))
    except ProjectFileError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # before OSError, of which it is one
        # Output piped into head or less that closed early: stop quietly, as Unix tools do.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except KeyboardInterrupt:
        return 130


# Commands that end with nothing to tidy: no Qt, no temporary files, nothing registered to
# run at exit, only their output to flush.
_ENDS_AT_ONCE = ("solve", "sweep")
# What a command run by ``run`` leaves to the end of its process (the design, its solution,
# the parsed file): never taken apart, since the process ends with os._exit. Empty when
# ``main`` is called in a process that goes on (tests, other callers).
_held: list | None = None


def run() -> None:
    """The ``rackio`` program: ``main`` as a process of its own (the installed command and
    the bundle call this; tests and other Python callers call ``main``).

    A process about to end need not take apart what it read object by object: for a data
    centre's design, its solution and the parsed file, 126,000 objects and more, that costs
    0.1–0.2 s. ``solve`` keeps them to the end (``_held``); once the output of ``solve`` or
    ``sweep`` is flushed, the process ends at once (``os._exit``).
    Output that cannot be flushed (a full disk, a closed pipe) gets a one-line error and exit
    code 2 instead of Python's note at shutdown."""
    global _held
    argv = sys.argv[1:]
    if not argv or argv[0] not in _ENDS_AT_ONCE:
        sys.exit(main(argv))
    _held = []
    code = main(argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # a reader that closed early: stop quietly, as main does
    except OSError as exc:
        code = _fail(f"the output cannot be written: {exc.strerror or exc}")
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


def _fail(message: str) -> int:
    message = " ".join(str(message).split())
    print(f"error: {message}", file=sys.stderr)
    return 2


def _check_gui(path: str | None) -> int:
    if path is not None and not Path(path).is_file():
        return _fail(f"{path} does not exist")
    from .qt_platform import problem

    if os.environ.get("DISPLAY") and (reason := problem()):
        return _fail(reason)
    try:
        from .ui.app import check_gui  # Qt only here
    except ImportError as exc:
        return _fail(f"cannot load the designer: {exc}")
    return check_gui(path)


def _open_gui(argv: list[str]) -> int:
    if len(argv) > 1:
        return _fail(f"unknown command {argv[0]!r}; use solve, export, report, sweep, generate, upgrade, import or host-config, or give one project file")
    path = argv[0] if argv else None
    if path is not None and not Path(path).exists():
        return _fail(f"{path} does not exist")
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        return _fail("no display to open the designer on (DISPLAY is not set); "
                     "use rackio solve, export, report, sweep, generate or upgrade on a headless machine")
    from .qt_platform import problem

    reason = problem()  # before Qt is loaded: Qt would abort without its X11 libraries
    if reason:
        return _fail(reason)
    from .ui.app import run  # imported here so the command line never loads Qt

    return run(path)


def _cmd_import(args) -> int:
    from .cli_libvirt import cmd_import

    return cmd_import(args)


def _cmd_catalogue(args) -> int:
    from .cli_catalogue import cmd_catalogue  # the catalogue's data is read only for this command

    return cmd_catalogue(args)


def _cmd_report(args) -> int:
    from .cli_report import cmd_report

    return cmd_report(args)


def _cmd_host_config(args) -> int:
    from .cli_libvirt import cmd_host_config

    return cmd_host_config(args)


# ------------------------------------------------------------------- solve
def cmd_solve(args) -> int:
    # One design, read once and kept to the end: the cycle collector would only walk it
    # again and again (0.45 s and more on a data centre). Restored for in-process callers.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _solve(args)
    finally:
        if collecting:
            gc.enable()


def _solve(args) -> int:
    from .solver import solve

    topo, columns = load_with_columns(args.file, hold=_held)  # solved unedited: routing reads the columns
    if args.csv:
        from .report_csv import check_folder, report_paths

        check_folder(args.csv)
        if Path(args.csv).is_dir():  # a missing folder is created, and holds nothing to replace
            for path in report_paths(args.csv, Path(args.file).stem).values():
                _check_writable(str(path), args.file)
    solution = solve(topo, scale=args.scale, columns=columns)
    if args.json:
        solution.write_report(sys.stdout)  # the same text as json.dump(to_report(), indent=2), streamed
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_table(topo, solution, top=args.top))
    if args.csv:
        from .report_csv import write_report_csv

        sys.stdout.flush()
        write_report_csv(args.csv, Path(args.file).stem, solution, topo, inputs=[args.file], stream_ok=True)
    if _held is not None:
        _held.append((topo, solution))  # freed by the end of the process (run)
    if args.strict and solution.has_errors:
        return 1
    return 0


# ------------------------------------------------------------------ export
def cmd_export(args) -> int:
    suffix = Path(args.output).suffix.lower()
    if suffix not in (".png", ".svg", ".pdf", ".drawio"):
        raise UsageError(f"{args.output}: the file name must end in .png, .svg, .pdf or .drawio")
    if (args.width is not None or args.scale is not None) and suffix != ".png":
        raise UsageError("--width and --scale set the size of a PNG; SVG, PDF and draw.io keep the design's size")
    paper = args.paper.strip().lower() if args.paper is not None else None
    if paper is not None and paper not in ("a4", "letter"):
        raise UsageError(f"--paper {args.paper!r}: use a4 or letter")
    if paper is not None and (args.width is not None or args.scale is not None):
        raise UsageError("--paper sets the size; give a PNG's resolution with --dpi instead of --width or --scale")
    if args.landscape and paper is None:
        raise UsageError("--landscape needs --paper")
    if args.dpi is not None and (paper is None or suffix != ".png"):
        raise UsageError("--dpi sets the resolution of a PNG on paper (with --paper)")
    if args.rack is not None and args.selection is not None:
        raise UsageError("choose either --selection or --rack")
    date = ""
    if args.date is not None:
        import datetime as dt

        try:
            date = dt.date.fromisoformat(args.date.strip()).isoformat()
        except ValueError:
            raise UsageError(f"--date {args.date!r} is not a date written YYYY-MM-DD") from None
    _check_writable(args.output, args.file)
    selection = tuple(i.strip() for i in (args.selection or "").split(",") if i.strip())
    if args.selection is not None and not selection:
        raise UsageError("--selection needs element ids separated by commas")
    topo = load(args.file)
    from .solver import solve

    solution = solve(topo)
    from .qt_platform import render_headless_if_needed

    render_headless_if_needed()  # no screen needed to draw a file
    os.environ.setdefault("QT_HASH_SEED", "0")  # a PDF's fonts in the same order every run (ui/paper.py)
    try:
        from .ui.app import make_application
        from .ui.render import ExportError, ExportOptions, export_file
    except ImportError as exc:
        raise UsageError(f"cannot load the renderer: {exc}") from None
    app = make_application()  # noqa: F841 (kept alive while drawing)
    options = ExportOptions(
        view=args.view, level=args.level, selection=selection, overlay=not args.no_overlay, legend=not args.no_legend,
        title_block=not args.no_title, author=args.author, notes=args.notes, transparent=args.transparent,
        scale=args.scale if args.scale is not None else 2.0, width_px=args.width,
        paper=paper, landscape=args.landscape, dpi=args.dpi if args.dpi is not None else 150.0, rack=args.rack,
        date=date,
    )
    try:
        rendered = export_file(args.output, topo, solution, options, inputs=[args.file], stream_ok=True)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    unit = "pixels" if rendered.format == "png" else "px at 96 dpi"
    if paper is not None:
        sheets = f"{rendered.pages} {'page' if rendered.pages == 1 else 'pages'}" if rendered.format == "pdf" else "1 page"
        print(f"wrote {args.output}: {sheets} {'A4' if paper == 'a4' else 'Letter'}"
              f"{' landscape' if args.landscape else ''}, design at {rendered.page.scale * 100:.0f} %"
              f"{' of 96 dpi' if rendered.format == 'png' else ''}")
    else:
        print(f"wrote {args.output}: {rendered.width:.0f}×{rendered.height:.0f} {unit}")
    return 0


def _pct(u: float) -> str:
    return f"{u * 100:6.1f} %"


def format_table(topo, solution, top: int = 10) -> str:
    out = io.StringIO()
    title = terminal_text(topo.title or "Untitled design")  # no escape sequences reach the terminal
    fs = solution.flows
    out.write(f"{title}\n")
    out.write(
        f"{fs.n_flows} flows · peak utilisation {solution.peak_utilization * 100:.1f} %"
        f"{' (' + solution.peak_resource + ')' if solution.peak_resource else ''} · "
        f"VMM {solution.total_vmm_cores:.3f} cores · {solution.guarantees_missed} guarantees missed\n"
    )
    if solution.scale != 1.0:
        out.write(f"demand scaled ×{solution.scale:g}\n")

    records = sorted(solution.resource_records(), key=lambda r: (-round(r["utilization"], 9), r["id"]))
    out.write(f"\nWorst resources (of {len(records)})\n")
    if records:
        width = max(len(r["id"]) for r in records[:top])
        out.write(f"  {'resource':<{width}}  {'load':>10}  {'capacity':>10}  {'util':>8}  {'reserved':>9}\n")
        for r in records[:top]:
            unit = "cores" if r["kind"] == "vmm" else "Gbit/s"
            flag = "  SATURATED" if r["saturated"] else ""
            out.write(
                f"  {r['id']:<{width}}  {r['load']:>10.3f}  {r['capacity']:>10.3f}  {_pct(r['utilization']):>8}"
                f"  {r['reserved']:>9.3f}  {unit}{flag}\n"
            )
    else:
        out.write("  (no traffic)\n")

    servers = solution.server_records()
    out.write("\nVMM load per server (cores spent on I/O)\n")
    if servers:
        width = max(6, max(len(s["id"]) for s in servers))
        out.write(f"  {'server':<{width}}  {'cores':>8}  {'budget':>8}  {'util':>8}\n")
        for s in sorted(servers, key=lambda s: (-s["vmm_utilization"], s["id"]))[: max(top, 10)]:
            out.write(
                f"  {s['id']:<{width}}  {s['vmm_cores']:>8.3f}  {s['vmm_capacity_cores']:>8.3f}"
                f"  {_pct(s['vmm_utilization']):>8}\n"
            )
        if len(servers) > max(top, 10):
            out.write(f"  … {len(servers) - max(top, 10)} more servers\n")
    else:
        out.write("  (no servers)\n")

    missed = [f for f in range(fs.n_flows) if not solution.floor_met[f]]
    out.write(f"\nGuarantees missed ({len(missed)})\n")
    for f in missed[:top]:
        out.write(
            f"  {fs.flow_id(f)}: {solution.rate[f]:.3f} of guaranteed {solution.floor[f]:.3f} Gbit/s\n"
        )
    if len(missed) > top:
        out.write(f"  … {len(missed) - top} more\n")
    if not missed:
        out.write("  (none)\n")

    problems = solution.problems
    out.write(f"\nProblems ({len(problems)})\n")
    for p in problems[: max(top, 20)]:
        out.write(f"  {p.severity:<7}  {p.code:<24}  {p.element}: {terminal_text(p.message)}\n")
    if len(problems) > max(top, 20):
        out.write(f"  … {len(problems) - max(top, 20)} more\n")
    if not problems:
        out.write("  (none)\n")
    return out.getvalue()


# ------------------------------------------------------------------- sweep
def cmd_sweep(args) -> int:
    from .solver.sweep import sweep

    from .fileformat.atomic import same_file

    topo = load(args.file)
    if args.csv:
        _check_writable(args.csv, args.file)
    if args.png:
        _check_writable(args.png, args.file)
    if args.csv and args.png and same_file(args.csv, args.png):
        raise UsageError(f"--csv and --png name the same file {args.png}")
    result = sweep(topo, to=args.to, steps=args.steps)
    lines = [f"{'scale':>8}  {'peak util':>9}  {'VMM cores':>10}  {'missed':>6}  peak resource"]
    for row in result.rows:
        lines.append(
            f"{row.scale:>8.3f}  {row.peak_utilization * 100:>8.1f}%  {row.vmm_cores:>10.3f}"
            f"  {row.guarantees_missed:>6}  {row.peak_resource or '-'}"
        )
    if result.first_saturation is None:
        lines.append(f"nothing saturates up to ×{args.to:g}")
    else:
        lines.append(
            f"first saturation at ×{result.first_saturation:.4f}: {', '.join(result.first_saturated)}"
        )
    png = _sweep_png(result, args.to, topo.title or Path(args.file).stem) if args.png else None
    print("\n".join(lines))
    if args.csv or png is not None:
        from .fileformat.atomic import write_atomic

        if args.csv:
            write_atomic(args.csv, result.to_csv().encode("utf-8"), inputs=[args.file], stream_ok=True)
        if png is not None:
            write_atomic(args.png, png, inputs=[args.file], stream_ok=True)
    return 0


def _sweep_png(result, to: float, title: str) -> bytes:
    """Draw the sweep plot headless with the designer's own plotting code (Qt loaded only here)."""
    from .qt_platform import render_headless_if_needed

    render_headless_if_needed()
    try:
        from .ui.analysis.sweep import render_sweep_png_headless
    except ImportError as exc:
        raise UsageError(f"cannot draw the PNG: {exc}") from None
    return render_sweep_png_headless(result, to, f"Demand sweep — {title}")


def _check_writable(path: str, *inputs: str) -> None:
    """Refuse, before any work, an output that cannot be written or would damage something: the
    input itself (also through a link), a folder, a block device, a socket, a loop of links, a
    read-only file (docs/safety.md, "Writing files"). A pipe or a character device is written in
    place. A file with other hard links is replaced under this name only: say so."""
    from .fileformat.atomic import check_output

    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"folder {folder} does not exist")
    target = check_output(path, inputs, stream_ok=True)
    if target.stream:
        return
    folder = target.real.parent
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write in {folder}")
    if target.other_links:
        print(f"note: {path} has {target.other_links} other hard link{'s' * (target.other_links != 1)}, "
              "which keep the previous version", file=sys.stderr)


# ---------------------------------------------------------------- generate
def cmd_generate(args) -> int:
    from .generate import generate, size_problem

    mix = [m.strip() for m in args.mix.split(",") if m.strip()]
    bad = [m for m in mix if m not in MODES]
    if not mix or bad:
        raise UsageError(f"--mix takes modes from {', '.join(MODES)}, got {args.mix!r}")
    too_big = size_problem(args.racks, args.servers_per_rack, args.vms_per_server, mix)
    if too_big:
        raise UsageError(too_big)
    _check_writable(args.output)
    topo = generate(args.racks, args.servers_per_rack, args.vms_per_server, mix=mix, seed=args.seed)
    save(topo, args.output, stream_ok=True)
    print(
        f"wrote {args.output}: {args.racks} racks, {args.racks * args.servers_per_rack} servers, "
        f"{args.racks * args.servers_per_rack * args.vms_per_server} VMs"
    )
    return 0


# ----------------------------------------------------------------- upgrade
def cmd_upgrade(args) -> int:
    from .fileformat.project import parse_json

    source = Path(args.file)
    topo = load(source)
    original = parse_json(source.read_bytes()).get("version")
    target = Path(args.output) if args.output else source
    _check_writable(str(target))  # over FILE itself is what upgrade is for
    save(topo, target, stream_ok=True)
    print(f"wrote {target} in format version 1 (was version {original})")
    return 0


def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(csv_row(row) for row in rows)
    return buf.getvalue()


if __name__ == "__main__":  # pragma: no cover
    run()
