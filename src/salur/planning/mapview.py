"""map.html: the plan on a Leaflet map (routes coloured by mode, legend, scale) and a timeline.

Leaflet is vendored in `salur/web_assets/leaflet` (npm package ``leaflet``, BSD-2-Clause) and
inlined, so the file works offline and loads nothing from a CDN. A background map of online
OpenStreetMap tiles can be switched on in the layer control; it is off by default.
"""

from __future__ import annotations

import base64
import html
import json
from collections import Counter
from pathlib import Path
from typing import Any

from salur.i18n import language, t
from salur.planning.echelons import EchelonId, Schedule
from salur.planning.modes import ModeTable
from salur.planning.plan import Plan
from salur.planning.timetable import DAY

LEAFLET = Path(__file__).resolve().parent.parent / "web_assets" / "leaflet"
ECHELON_COLOURS = {
    EchelonId.WAREHOUSE_PPK: "#d62728",
    EchelonId.PPK_PPS: "#ff7f0e",
    EchelonId.PPS_TPS: "#8c564b",
}
KIND_STYLE = {
    "warehouse": (9, "#000000"),
    "port": (6, "#1f77b4"),
    "ppk": (5, "#444444"),
    "pps": (2, "#999999"),
}


def write_map(
    plan: Plan, summary: dict[str, Any], schedule: Schedule, modes: ModeTable, path: Path
) -> None:
    lang = language()
    points = {s.code: s for s in plan.sites}
    segments: Counter[tuple[float, float, float, float, str]] = Counter()
    for route in plan.routes:
        for prev, stop in zip(route.stops, route.stops[1:], strict=False):
            a, b = points.get(prev.site), points.get(stop.site)
            if a and b and a.code != b.code:
                segments[(a.lat, a.lon, b.lat, b.lon, stop.leg_mode)] += 1
    data = {
        "sites": [[s.code, s.kind, s.name, s.lat, s.lon] for s in plan.sites],
        "segments": [[*key, n] for key, n in sorted(segments.items())],
        "modes": {m.id: [m.label.get(lang, m.id), m.colour] for m in modes.modes.values()},
        "styles": KIND_STYLE,
        "labels": {
            "legend": t("plan.map.legend"),
            "tiles": t("plan.map.tiles"),
            "routes": t("plan.map.routes"),
        },
    }
    title = t("plan.map.title", region=plan.region_name, code=plan.region)
    page = _PAGE.format(
        lang=lang,
        title=html.escape(title),
        css=leaflet_css(),
        js=(LEAFLET / "leaflet.js").read_text(encoding="utf-8"),
        data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        timeline=timeline_svg(plan, schedule),
        timeline_title=html.escape(t("plan.map.timeline")),
        facts=html.escape(
            t(
                "plan.map.facts",
                tps=summary["tps"],
                routes=summary["routes"],
                km=round(summary["vehicle_km"]),
                water=summary["water_legs"],
            )
        ),
    )
    path.write_text(page, encoding="utf-8")


def leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined, so the page needs no other file."""
    css = (LEAFLET / "leaflet.css").read_text(encoding="utf-8")
    for image in sorted((LEAFLET / "images").glob("*.png")):
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        css = css.replace(f"images/{image.name}", f"data:image/png;base64,{data}")
    return css


def timeline_svg(plan: Plan, schedule: Schedule) -> str:
    """Vehicles on the road per day and echelon, with each echelon's deadline."""
    if not plan.routes:
        return ""
    first = min(r.depart for r in plan.routes) // DAY
    last = max(max(r.end for r in plan.routes) // DAY, 0)
    days = list(range(first, last + 1))
    rows = list(EchelonId)
    active = {e: Counter[int]() for e in rows}
    for r in plan.routes:
        for d in range(r.depart // DAY, r.end // DAY + 1):
            active[r.echelon][d] += 1
    width, row_h, left = 40 + 28 * len(days), 70, 110
    peak = max((max(c.values(), default=0) for c in active.values()), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width}" '
        f'height="{row_h * len(rows) + 30}" font-family="sans-serif" font-size="11">'
    ]
    for i, echelon in enumerate(rows):
        y0 = i * row_h + 5
        label = html.escape(t(f"plan.echelon.{echelon.value}"))
        parts.append(f'<text x="4" y="{y0 + row_h / 2}">{label}</text>')
        deadline_day = schedule.echelon(echelon).deadline_day
        for j, d in enumerate(days):
            n = active[echelon][d]
            h = (row_h - 20) * n / peak
            x = left + j * 28
            if n:
                parts.append(
                    f'<rect x="{x}" y="{y0 + row_h - 15 - h:.1f}" width="22" '
                    f'height="{h:.1f}" fill="{ECHELON_COLOURS[echelon]}">'
                    f"<title>{html.escape(schedule.local_label(d * DAY))}: {n}</title>"
                    f"</rect>"
                )
            if d == deadline_day:
                parts.append(
                    f'<line x1="{x + 25}" x2="{x + 25}" y1="{y0}" '
                    f'y2="{y0 + row_h - 10}" stroke="#000" stroke-dasharray="3,2"/>'
                )
    for j, d in enumerate(days):
        parts.append(
            f'<text x="{left + j * 28}" y="{row_h * len(rows) + 22}">'
            f"{'H' if d == 0 else f'H{d:+d}'}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}
body{{margin:0;font-family:sans-serif}} #map{{height:70vh}}
.legend{{background:#fff;padding:6px 8px;line-height:18px;border-radius:4px}}
.legend i{{display:inline-block;width:18px;height:4px;margin-right:6px;vertical-align:middle}}
#timeline{{padding:8px;overflow-x:auto}}</style></head>
<body><div id="map"></div>
<div id="timeline"><h3>{timeline_title}</h3><p>{facts}</p>{timeline}</div>
<script>{js}</script>
<script>
const D = {data};
const map = L.map('map', {{preferCanvas: true}});
const tiles = L.tileLayer('https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png',
  {{maxZoom: 18, attribution: '&copy; OpenStreetMap contributors'}});
const routes = L.layerGroup().addTo(map);
const bounds = [];
for (const [la1, lo1, la2, lo2, mode, n] of D.segments) {{
  const m = D.modes[mode] || [mode, '#333'];
  L.polyline([[la1, lo1], [la2, lo2]], {{color: m[1], weight: Math.min(2 + Math.log2(n), 7),
    opacity: 0.8}}).bindTooltip(m[0] + ' × ' + n).addTo(routes);
}}
for (const [code, kind, name, la, lo] of D.sites) {{
  const s = D.styles[kind] || [3, '#666'];
  L.circleMarker([la, lo], {{radius: s[0], color: s[1], weight: 1, fillOpacity: 0.8}})
    .bindTooltip(code + ' ' + name).addTo(routes);
  bounds.push([la, lo]);
}}
if (bounds.length) {{ map.fitBounds(bounds); }} else {{ map.setView([0.5, 101.5], 7); }}
L.control.scale({{metric: true, imperial: false}}).addTo(map);
L.control.layers({{}}, {{[D.labels.tiles]: tiles, [D.labels.routes]: routes}}).addTo(map);
const legend = L.control({{position: 'bottomright'}});
legend.onAdd = function () {{
  const div = L.DomUtil.create('div', 'legend');
  const used = new Set(D.segments.map(s => s[4]));
  div.innerHTML = '<b>' + D.labels.legend + '</b><br>' + Object.entries(D.modes)
    .filter(([id]) => used.has(id))
    .map(([id, m]) => '<i style="background:' + m[1] + '"></i>' + m[0]).join('<br>');
  return div;
}};
legend.addTo(map);
</script></body></html>
"""
