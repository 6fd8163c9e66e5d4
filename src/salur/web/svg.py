"""Progress curves as inline SVG: per echelon, kits arrived (solid) and planned (dashed) over
time as a share of the region's TPS, each echelon's deadline and the present moment.

Hand-written SVG rather than a plotting library: a page draws it on every request, it must be
sharp on a phone and small, and it carries no script. Pure: labels and the clock come in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from salur.web.progress import Curve

ECHELON_COLOURS = ("#8c1c13", "#c77700", "#2e7d32")
WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 18, 26, 46
_DAY = dt.timedelta(days=1)
_STEPS = (1, 2, 3, 7, 14, 30, 61, 91, 182, 365)
XScale = Callable[[dt.datetime], float]
YScale = Callable[[float], float]


@dataclass(frozen=True)
class CurveLabels:
    """Texts of the chart in the page's language."""

    title: str
    echelons: tuple[str, str, str]
    actual: str
    planned: str
    deadline: str
    now: str
    empty: str


def progress_chart(
    curves: Sequence[Curve], labels: CurveLabels, now: dt.datetime, tz: dt.tzinfo
) -> str:
    """The SVG of the curves ('' when nothing is planned or has arrived yet)."""
    times = [at for c in curves for at, _ in (*c.actual, *c.planned)]
    if not times or not curves or curves[0].total == 0:
        return ""
    deadlines = [c.deadline for c in curves if c.deadline is not None]
    start = min(times + deadlines) - _DAY
    end = max(times + deadlines) + _DAY
    show_now = start <= now <= end + 30 * _DAY
    if show_now:
        end = max(end, now + dt.timedelta(hours=12))
    span = (end - start).total_seconds()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: dt.datetime) -> float:
        return LEFT + plot_w * (at - start).total_seconds() / span

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-label="{escape(labels.title)}">',
        f"<title>{escape(labels.title)}</title>",
    ]
    parts += _grid(x, y, start, end, tz, plot_w)
    for curve in curves:
        colour = ECHELON_COLOURS[curve.echelon]
        if curve.deadline is not None:
            dx = x(curve.deadline)
            parts.append(
                f'<line x1="{dx:.1f}" y1="{TOP}" x2="{dx:.1f}" y2="{TOP + plot_h}" '
                f'stroke="{colour}" stroke-width="1" stroke-dasharray="2 3"/>'
            )
            label = f"{labels.deadline} {curve.deadline.astimezone(tz):%d/%m}"
            parts.append(
                f'<text x="{dx - 3:.1f}" y="{TOP + 10 + 11 * curve.echelon}" '
                f'text-anchor="end" fill="{colour}" font-size="10">{escape(label)}</text>'
            )
        total = max(curve.total, 1)
        for steps, dash, width in ((curve.planned, "6 4", 1.6), (curve.actual, "", 2.6)):
            if not steps:
                continue
            path = _step_path(steps, total, x, y, start)
            style = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{style}/>'
            )
    if show_now:
        nx = x(now)
        parts.append(
            f'<line x1="{nx:.1f}" y1="{TOP - 6}" x2="{nx:.1f}" y2="{TOP + plot_h}" '
            'stroke="#444" stroke-width="1.2"/>'
            f'<text x="{nx + 3:.1f}" y="{TOP - 8}" font-size="10" fill="#444">'
            f"{escape(labels.now)}</text>"
        )
    parts += _legend(labels)
    parts.append("</svg>")
    return "".join(parts)


def _step_path(
    steps: Sequence[tuple[dt.datetime, int]],
    total: int,
    x: XScale,
    y: YScale,
    start: dt.datetime,
) -> str:
    points = [f"M{x(start):.1f},{y(0):.1f}"]
    level = 0.0
    for at, count in steps:
        px = x(at)
        points.append(f"H{px:.1f}")
        level = count / total
        points.append(f"V{y(level):.1f}")
    points.append(f"H{LEFT + (WIDTH - LEFT - RIGHT):.1f}")
    return "".join(points)


def _grid(
    x: XScale, y: YScale, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo, plot_w: float
) -> list[str]:
    out = []
    for share in (0, 0.25, 0.5, 0.75, 1.0):
        gy = y(share)
        out.append(
            f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{LEFT + plot_w:.1f}" y2="{gy:.1f}" '
            f'stroke="{"#999" if share == 0 else "#e3e3e3"}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{int(share * 100)}%</text>'
        )
    days = (end - start) / _DAY
    step = next((s for s in _STEPS if days / s <= 8), 730)
    tick = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0) + _DAY
    count = 0
    while tick < end and count < 40:
        count += 1
        tx = x(tick)
        label = tick.strftime("%d/%m/%y" if step >= 61 else "%d/%m")
        out.append(
            f'<line x1="{tx:.1f}" y1="{TOP + (HEIGHT - TOP - BOTTOM)}" x2="{tx:.1f}" '
            f'y2="{TOP + (HEIGHT - TOP - BOTTOM) + 4}" stroke="#999"/>'
            f'<text x="{tx:.1f}" y="{HEIGHT - BOTTOM + 17}" text-anchor="middle" font-size="11" '
            f'fill="#555">{label}</text>'
        )
        tick += step * _DAY
    return out


def _legend(labels: CurveLabels) -> list[str]:
    out = []
    lx: float = LEFT
    ly = HEIGHT - 12
    for echelon, name in enumerate(labels.echelons):
        colour = ECHELON_COLOURS[echelon]
        out.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="3"/><text x="{lx + 22}" y="{ly}" font-size="11" fill="#222">'
            f"{escape(name)}</text>"
        )
        lx += 34 + 6.6 * len(name)
    out.append(
        f'<line x1="{lx + 6}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="#444" '
        f'stroke-width="2.6"/><text x="{lx + 28}" y="{ly}" font-size="11">'
        f"{escape(labels.actual)}</text>"
    )
    lx += 40 + 6.6 * len(labels.actual)
    out.append(
        f'<line x1="{lx + 6}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="#444" '
        f'stroke-width="1.6" stroke-dasharray="6 4"/><text x="{lx + 28}" y="{ly}" '
        f'font-size="11">{escape(labels.planned)}</text>'
    )
    return out
