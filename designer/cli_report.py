"""``rackio report FILE -o OUT.pdf``: the paged proposal document (Qt is loaded only here).

The layout lives in ``designer/ui/proposal_pdf.py``, the figures in ``designer/proposal.py``.
"""

from __future__ import annotations

import os
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="write the proposal document: a paged PDF with tables, plots and a bill of materials")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--paper", default="a4", metavar="a4|letter", help="paper size (default a4)")
    p.add_argument("--landscape", action="store_true", help="landscape pages")
    p.add_argument("--author", default="", help="name on the cover and in the footer")
    p.add_argument("--logo", metavar="PNG", help="a logo for the cover")
    p.add_argument("--no-plots", action="store_true", help="leave out the utilisation, VMM and sweep plots")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the date printed and stamped in the PDF (default today)")
    p.add_argument("--bom-csv", metavar="OUT.csv", help="also write the bill of materials as CSV")


def cmd_report(args) -> int:
    from .cli import UsageError, _check_writable
    from .fileformat import load
    from .fileformat.project import write_atomic

    if Path(args.output).suffix.lower() != ".pdf":
        raise UsageError(f"{args.output}: the report is a PDF; the file name must end in .pdf")
    paper = (args.paper or "").strip().lower()
    if paper not in ("a4", "letter"):
        raise UsageError(f"--paper {args.paper!r}: use a4 or letter")
    date = ""
    if args.date is not None:
        import datetime as dt

        try:
            date = dt.date.fromisoformat(args.date.strip()).isoformat()
        except ValueError:
            raise UsageError(f"--date {args.date!r} is not a date written YYYY-MM-DD") from None
    _check_writable(args.output)
    if args.bom_csv:
        if Path(args.bom_csv).resolve() == Path(args.output).resolve():
            raise UsageError("--bom-csv and -o name the same file")
        _check_writable(args.bom_csv)
    if args.logo and not Path(args.logo).is_file():
        raise UsageError(f"--logo {args.logo}: no such file")
    topo = load(args.file)
    if Path(args.file).resolve() in (Path(args.output).resolve(),
                                     Path(args.bom_csv).resolve() if args.bom_csv else None):
        raise UsageError(f"{args.file}: the output would overwrite the project file")
    from .proposal import bill_of_materials
    from .solver import solve

    solution = solve(topo)
    from .qt_platform import render_headless_if_needed

    render_headless_if_needed()  # no screen needed to draw a file
    # Qt writes a PDF's fonts in hash order; a fixed seed makes the file the same every run
    # (read once, when Qt first hashes, so set before Qt loads; no effect if it already has).
    os.environ.setdefault("QT_HASH_SEED", "0")
    try:
        from .ui.app import make_application
        from .ui.proposal_pdf import ReportError, ReportOptions, render_report
    except ImportError as exc:
        raise UsageError(f"cannot load the renderer: {exc}") from None
    app = make_application()  # noqa: F841 (kept alive while drawing)
    options = ReportOptions(paper=paper, landscape=args.landscape, author=args.author, logo=args.logo,
                            plots=not args.no_plots, date=date)
    try:
        data, pages = render_report(topo, solution, options)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    write_atomic(Path(args.output), data)
    print(f"wrote {args.output}: {pages} pages, {paper.upper() if paper == 'a4' else 'Letter'}"
          f"{' landscape' if args.landscape else ''}")
    if args.bom_csv:
        write_atomic(Path(args.bom_csv), bill_of_materials(topo).to_csv().encode("utf-8"))
        print(f"wrote {args.bom_csv}: bill of materials")
    return 0
