"""Colours, fonts and the utilisation scale shared by the canvas, plots and exports."""

from __future__ import annotations

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

KIND_COLORS = {
    "network": QColor("#e3f2fd"),
    "switch": QColor("#eceff1"),
    "server": QColor("#fafafa"),
    "nic": QColor("#e8f5e9"),
    "vf": QColor("#b2dfdb"),
    "vm": QColor("#fff8e1"),
}
KIND_LABELS = {
    "network": "Network",
    "switch": "Switch",
    "server": "Server",
    "nic": "NIC",
    "vf": "Virtual function",
    "vm": "VM",
}
OUTLINE = QColor("#455a64")
TEXT = QColor("#212121")
MUTED_TEXT = QColor("#607d8b")
SELECTION = QColor("#1e88e5")
ERROR_COLOR = QColor("#c62828")
OK_COLOR = QColor("#2e7d32")


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
