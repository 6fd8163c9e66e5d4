"""QR codes drawn as vector rectangles on a reportlab canvas (labels, BAST receipts).

Hand-written on top of segno's module matrix because reportlab's own QR widget draws one
rectangle per module with float formatting, which is most of the time of a province's label
sheets; one literal PDF path per horizontal run of dark modules is exact and fast.
"""

from __future__ import annotations

import segno
from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas


def draw_qr(
    canvas: Canvas,
    data: str | bytes,
    x: float,
    y: float,
    size: float,
    *,
    border: int,
    mask: int | None = None,
) -> None:
    """Draw `data` as a QR code (error level M) in the square at (x, y) of side `size`.

    `border` is the quiet zone in modules, inside `size`. A fixed `mask` skips segno's penalty
    search (9 ms a code): every reader decodes any of the 8 masks.
    """
    matrix = segno.make(data, error="m", micro=False, mask=mask).matrix
    module = size / (len(matrix) + 2 * border)
    ops = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            ops.append(f"{start} {r} {c - start} 1 re")
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.translate(x + border * module, y + size - border * module)
    canvas.scale(module, -module)  # row 0 at the top, rows going down
    canvas.addLiteral(" ".join(ops) + " f")
    canvas.restoreState()
