"""Canvas geometry shared by the designer's drawing and by Qt-free code that
places elements (the project generator), so generated layouts never overlap."""

from __future__ import annotations

import math

PAD = 12.0
SOCKET_R = 7.0
CHIP_W, CHIP_H, CHIP_GAP = 24.0, 16.0, 4.0
PORT_COL_W = 3 * (CHIP_W + CHIP_GAP) + 8
NIC_TITLE_H = 28.0
NIC_GAP = 14.0
VM_W, VM_H, VM_GAP = 124.0, 62.0, 10.0
VM_ROW = VM_H + VM_GAP + 8
VSWITCH_H = 22.0
FOOTER_H = 34.0
NETWORK_W, NETWORK_H = 170.0, 70.0
SWITCH_W, SWITCH_H = 220.0, 56.0


def nic_size(ports: int, vfs_per_port: dict[int, int]) -> tuple[float, float]:
    ports = max(ports, 1)
    width = max(150.0, ports * PORT_COL_W + 12)
    rows = max((math.ceil(n / 3) for p, n in vfs_per_port.items() if p < ports), default=0)
    stray = sum(n for p, n in vfs_per_port.items() if p >= ports)
    height = NIC_TITLE_H + (rows + math.ceil(stray / 3)) * (CHIP_H + CHIP_GAP) + 8
    return width, height


def vm_columns(n_vms: int, nic_row_w: float) -> int:
    cols_fit = int((nic_row_w + VM_GAP) // (VM_W + VM_GAP)) if nic_row_w else 0
    cols = max(min(max(n_vms, 1), 3), cols_fit, math.ceil(math.sqrt(2 * n_vms)) if n_vms else 1)
    return min(cols, 12)


def server_layout(nics: list[tuple[float, float]], n_vms: int) -> dict[str, float]:
    """Geometry of a server box from its NIC sizes and VM count."""
    nic_row_w = sum(w for w, _ in nics) + NIC_GAP * (len(nics) - 1) if nics else 0.0
    nic_h = max((h for _, h in nics), default=0.0)
    cols = vm_columns(n_vms, nic_row_w)
    vm_row_w = cols * (VM_W + VM_GAP) - VM_GAP
    inner_w = max(nic_row_w, vm_row_w, 240.0)
    vs_y = (nic_h if nics else 20.0) + 22.0
    vm_y0 = vs_y + VSWITCH_H + 26.0
    rows = math.ceil(n_vms / cols) if n_vms else 1
    footer_y = vm_y0 + rows * VM_ROW - 8 + 8
    return {
        "width": inner_w + 2 * PAD,
        "height": footer_y + FOOTER_H,
        "inner_w": inner_w,
        "cols": cols,
        "vswitch_y": vs_y,
        "vm_y0": vm_y0,
        "footer_y": footer_y,
    }
