"""Colours, fonts and the utilisation scale shared by the canvas, plots and exports."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType

from PySide6.QtGui import QColor

# Utilisation scale: (fraction, colour). Saturated (≥ 100 %) is red and drawn thicker.
UTIL_STOPS = [
    (0.0, QColor("#2e7d32")),
    (0.5, QColor("#7cb342")),
    (0.75, QColor("#f9a825")),
    (0.9, QColor("#ef6c00")),
    (1.0, QColor("#c62828")),
]
IDLE_COLOR = QColor("#9e9e9e")
SATURATED_COLOR = QColor("#c62828")

MODE_COLORS = {
    "vf": QColor("#00897b"),  # direct: SR-IOV virtual function
    "passthrough": QColor("#6a1b9a"),  # direct: whole device (VT-d)
    "paravirtual": QColor("#1565c0"),  # software path through the VMM
    "emulated": QColor("#ad1457"),
}
MODE_LABELS = {
    "vf": "SR-IOV VF (direct)",
    "passthrough": "Passthrough (VT-d, direct)",
    "paravirtual": "Paravirtual (via VMM)",
    "emulated": "Emulated (via VMM)",
}

KIND_LABELS = {
    "network": "Network",
    "switch": "Switch",
    "server": "Server",
    "nic": "NIC",
    "vf": "Virtual function",
    "vm": "VM",
}

# --------------------------------------------------------------------- themes
# A theme is a ``Palette``; ``current()`` is the one that paints now. The canvas, plots and
# exports ask ``current()`` at paint time, so ``apply_theme`` recolours everything once the
# items repaint. Exports render inside ``theme("light")`` so a printed proposal never comes
# out dark. The colours are shared by every painter: copy one (``QColor(c)``) to change it.
@dataclass(frozen=True)
class Palette:
    """The colours of one theme, by what they paint."""

    name: str
    kind_colors: Mapping[str, QColor]  # an element's fill, by kind (and "rack")
    outline: QColor
    text: QColor
    muted_text: QColor
    selection: QColor
    canvas_bg: QColor
    grid: QColor
    surface: QColor  # empty sockets, unused VF chips
    plug: QColor  # a cabled port's plug
    unplugged: QColor
    vswitch_fill: QColor
    divider: QColor
    footer: QColor
    legend_frame: QColor
    plot_bg: QColor
    plot_fg: QColor
    ok_color: QColor  # a guarantee met
    error_color: QColor  # a guarantee missed, an error
    vswitch_text: QColor
    warn_text: QColor  # a nearly full port named in text
    throttled: QColor  # a guest that gets less than it asks
    rack_frame: QColor

    @classmethod
    def of(cls, name: str, kind_colors: dict[str, str], **colors: str) -> Palette:
        """A palette from ``#rrggbb`` strings."""
        return cls(name, MappingProxyType({kind: QColor(c) for kind, c in kind_colors.items()}),
                   **{key: QColor(c) for key, c in colors.items()})


LIGHT = Palette.of(
    "light",
    kind_colors={"network": "#e3f2fd", "switch": "#eceff1", "server": "#fafafa",
                 "nic": "#e8f5e9", "vf": "#b2dfdb", "vm": "#fff8e1", "rack": "#eceff1"},
    outline="#455a64",
    text="#212121",
    muted_text="#607d8b",
    selection="#1e88e5",
    canvas_bg="#ffffff",
    grid="#eef1f3",
    surface="#ffffff",
    plug="#263238",
    unplugged="#cfd8dc",
    vswitch_fill="#e3f2fd",
    divider="#cfd8dc",
    footer="#eceff1",
    legend_frame="#b0bec5",
    plot_bg="#ffffff",
    plot_fg="#37474f",
    ok_color="#2e7d32",
    error_color="#c62828",
    vswitch_text="#1565c0",
    warn_text="#b45309",
    throttled="#ef6c00",
    rack_frame="#90a4ae",
)
DARK = Palette.of(
    "dark",
    kind_colors={"network": "#1c3a52", "switch": "#2b3338", "server": "#23272b",
                 "nic": "#1e3a24", "vf": "#14514a", "vm": "#3d3520", "rack": "#2b3338"},
    outline="#90a4ae",
    text="#eceff1",
    muted_text="#9fb3bd",
    selection="#64b5f6",
    canvas_bg="#1b1e21",
    grid="#262a2e",
    surface="#2f353a",
    plug="#cfd8dc",
    unplugged="#4a545a",
    vswitch_fill="#1c3a52",
    divider="#3b4449",
    footer="#2b3338",
    legend_frame="#546e7a",
    plot_bg="#1b1e21",
    plot_fg="#cfd8dc",
    ok_color="#66bb6a",
    error_color="#ff8a80",  # 4.5:1 on the darkest fill it is written on (guests)
    vswitch_text="#90caf9",
    warn_text="#ffb74d",
    throttled="#ffb74d",
    rack_frame="#607d8b",
)
PALETTES: dict[str, Palette] = {palette.name: palette for palette in (LIGHT, DARK)}

_active = LIGHT


def current() -> Palette:
    """The palette that paints now."""
    return _active


def apply_theme(name: str) -> None:
    """Paint with the named theme ("light" or "dark") from now on."""
    global _active
    _active = PALETTES[name]


def current_theme() -> str:
    return _active.name


@contextmanager
def theme(name: str) -> Iterator[None]:
    """Render with another theme for a while (exports use the light one)."""
    previous = _active
    apply_theme(name)
    try:
        yield
    finally:
        apply_theme(previous.name)


def utilization_color(u: float | None) -> QColor:
    """Colour of a utilisation fraction on the scale; grey when nothing flows."""
    if u is None or u <= 0:
        return QColor(IDLE_COLOR)
    if u >= 1.0 - 1e-9:
        return QColor(SATURATED_COLOR)
    for (u0, c0), (u1, c1) in zip(UTIL_STOPS, UTIL_STOPS[1:]):
        if u <= u1:
            f = (u - u0) / (u1 - u0)
            return QColor(
                round(c0.red() + f * (c1.red() - c0.red())),
                round(c0.green() + f * (c1.green() - c0.green())),
                round(c0.blue() + f * (c1.blue() - c0.blue())),
            )
    return QColor(SATURATED_COLOR)


def gauge_fill(u: float) -> QColor:
    """The filled part of a VMM gauge: the utilisation colour, toned down in the dark theme."""
    color = utilization_color(u)
    palette = current()
    return blend(color, palette.kind_colors["server"], 0.35) if palette is DARK else color


def low_zoom_badge(color: QColor) -> QColor:
    """A guest's badge colour as the fill of its zoomed-out block: a tint on the guest
    colour, strong enough to read the state, never a bright patch (dark theme)."""
    palette = current()
    return blend(color, palette.kind_colors["vm"], 0.6 if palette is DARK else 0.55)


def utilization_text(u: float) -> QColor:
    """Text naming a utilisation: plain below 90 %, then warning, then error colour."""
    palette = current()
    if u >= 1.0 - 1e-9:
        return QColor(palette.error_color)
    if u >= 0.9:
        return QColor(palette.warn_text)
    return QColor(palette.text)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved the fraction ``t`` toward ``b``."""
    return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def relative_luminance(color: QColor) -> float:
    """WCAG 2 relative luminance of an opaque colour."""
    def channel(c: int) -> float:
        v = c / 255.0
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def contrast_ratio(fg: QColor, bg: QColor) -> float:
    """WCAG 2 contrast ratio (1–21); 4.5 is the AA minimum for normal text."""
    la, lb = relative_luminance(fg), relative_luminance(bg)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def utilization_width(u: float | None, base: float = 2.0) -> float:
    if u is None or u <= 0:
        return base
    if u >= 1.0 - 1e-9:
        return base * 2.5
    return base + 2.0 * u


def format_gbps(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
