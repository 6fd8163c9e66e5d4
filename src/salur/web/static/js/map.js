// map.js: the dashboard map. Desa (PPS) as dots coloured by the status of their TPS kits, the
// plan's warehouses, ports and PPK, and the plan's legs coloured by travel mode, with a legend
// and a metric scale. Reads its data from <script id="map-data" type="application/json">.
// No base map by default (works offline); OpenStreetMap tiles can be switched on.
(function () {
  "use strict";
  const holder = document.getElementById("map");
  const source = document.getElementById("map-data");
  if (!holder || !source || typeof L === "undefined") return;
  const data = JSON.parse(source.textContent);
  const STATUS = { done: "#2e7d32", on_track: "#1565c0", waiting: "#8d99a6", behind: "#e08600", overdue: "#c62828" };
  const SITE = { warehouse: [8, "#111"], port: [6, "#1f77b4"], ppk: [5, "#444"] };

  const map = L.map(holder, { preferCanvas: true, zoomSnap: 0.25, attributionControl: true });
  const tiles = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 18,
    attribution: "© OpenStreetMap",
  });
  const routes = L.layerGroup();
  const sites = L.layerGroup();
  const villages = L.layerGroup();
  const bounds = [];

  for (const [a1, a2, b1, b2, mode, count] of data.segments) {
    const colour = (data.modes[mode] || [mode, "#555"])[1];
    L.polyline(
      [
        [a1, a2],
        [b1, b2],
      ],
      { color: colour, weight: Math.min(2 + count, 7), opacity: 0.75 }
    )
      .bindTooltip(`${(data.modes[mode] || [mode])[0]} × ${count}`)
      .addTo(routes);
  }
  for (const [code, kind, name, lat, lon] of data.sites) {
    const [radius, colour] = SITE[kind] || [4, "#666"];
    L.circleMarker([lat, lon], { radius, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 1 })
      .bindTooltip(`${name} (${code})`)
      .addTo(sites);
    bounds.push([lat, lon]);
  }
  for (const [code, name, lat, lon, status, tps, atTps] of data.villages) {
    L.circleMarker([lat, lon], {
      radius: 5,
      color: "#fff",
      weight: 1,
      fillColor: STATUS[status] || "#999",
      fillOpacity: 0.95,
    })
      .bindPopup(
        `<b>${escapeHtml(name)}</b> <code>${code}</code><br>${escapeHtml(data.status[status] || status)}<br>` +
          `${escapeHtml(data.labels.at_tps)}: ${atTps} / ${tps} ${escapeHtml(data.labels.tps)}`
      )
      .addTo(villages);
    bounds.push([lat, lon]);
  }
  routes.addTo(map);
  sites.addTo(map);
  villages.addTo(map);
  if (bounds.length) map.fitBounds(bounds, { padding: [18, 18] });
  else map.setView([0.5, 102], 7);

  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
  const overlays = {};
  overlays[data.labels.routes] = routes;
  overlays[data.labels.sites] = sites;
  overlays["PPS"] = villages;
  const bases = {};
  bases[data.labels.tiles] = tiles;
  L.control.layers(bases, overlays, { collapsed: true }).addTo(map);

  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const div = L.DomUtil.create("div", "legend");
    let html = `<b>${escapeHtml(data.labels.legend)}</b>`;
    for (const key of Object.keys(STATUS)) {
      html += `<div><span class="dot ${key}"></span>${escapeHtml(data.status[key] || key)}</div>`;
    }
    const modes = Object.entries(data.modes);
    if (modes.length) {
      html += `<b>${escapeHtml(data.labels.routes)}</b>`;
      for (const [, [label, colour]] of modes) {
        html += `<div><span class="line" style="border-color:${colour}"></span>${escapeHtml(label)}</div>`;
      }
    }
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
})();
