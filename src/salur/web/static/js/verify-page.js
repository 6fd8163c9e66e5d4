// verify-page.js: the public receipt verifier. Everything happens here, in the browser: the
// server only served the page and the public keys it trusts (see tlog.js for the checks).
import { verifyReceipt } from "./tlog.js";
import { canScan, scanInto } from "./scan.js";

const trust = JSON.parse(document.getElementById("trust").textContent);
const T = JSON.parse(document.getElementById("texts").textContent);
const $ = (id) => document.getElementById(id);

function show(result) {
  const verdict = $("verdict");
  const steps = $("steps");
  const facts = $("facts");
  steps.innerHTML = "";
  facts.innerHTML = "";
  if (result.ok) {
    const cosigned = result.witnesses.length;
    verdict.className = "alert " + (cosigned ? "ok" : "warn");
    verdict.textContent = cosigned ? T.ok : T.ok_no_witness;
  } else {
    verdict.className = "alert bad";
    verdict.textContent = T["fail_" + result.code] || T.fail;
  }
  verdict.dataset.code = result.code;
  for (const step of result.steps) {
    const li = document.createElement("li");
    li.className = step.ok ? "ok" : "bad";
    li.innerHTML = `<span class="mark">${step.ok ? "✓" : "✗"}</span><span><span class="name"></span><br><span class="detail"></span></span>`;
    li.querySelector(".name").textContent = T["step_" + step.step] || step.step;
    li.querySelector(".detail").textContent = step.detail || "";
    steps.appendChild(li);
  }
  const rows = [];
  if (result.origin) rows.push([T.origin, result.origin]);
  if (result.index !== null) rows.push([T.index, String(result.index)]);
  if (result.size !== null) rows.push([T.size, String(result.size)]);
  if (result.ok) {
    rows.push([T.witnesses, result.witnesses.map((w) => `${w.name} (${new Date(w.time * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC)`).join(", ") || T.none]);
    const event = result.entry && result.entry.event;
    if (event) {
      rows.push([T.event, T["kind_" + event.type] || event.type]);
      if (event.hop) rows.push([T.hop, T["hop_" + event.hop] || event.hop]);
      if (event.at) rows.push([T.at, event.at.replace("T", " ").replace("Z", " UTC")]);
      for (const party of ["giver", "receiver", "by", "reporter"]) {
        if (event[party]) rows.push([T["party_" + party] || party, `${event[party].role} · ${event[party].region}`]);
      }
      if (event.items) rows.push([T.packages, event.items.map((i) => i.package).join(", ")]);
    }
  }
  for (const [key, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = key;
    const dd = document.createElement("dd");
    dd.textContent = value;
    facts.append(dt, dd);
  }
  facts.classList.toggle("hidden", rows.length === 0);
}

async function run() {
  const text = $("receipt").value;
  if (!text.trim()) return;
  $("verdict").className = "alert warn";
  $("verdict").textContent = T.working;
  try {
    show(await verifyReceipt(text, trust, { leafHash: $("leaf").value }));
  } catch (e) {
    show({ ok: false, code: "error", steps: [{ step: "parse", ok: false, detail: String(e.message || e) }], origin: "", index: null, size: null, witnesses: [] });
  }
}

$("verify").addEventListener("click", run);
$("file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  $("receipt").value = await file.text();
  run();
});
if (canScan()) {
  const button = $("scan");
  button.classList.remove("hidden");
  let scanning = null;
  button.addEventListener("click", async () => {
    if (scanning) {
      scanning.stop();
      scanning = null;
      return;
    }
    scanning = scanInto($("camera"));
    const text = await scanning.found.catch(() => null);
    scanning = null;
    if (text) {
      $("receipt").value = text;
      run();
    }
  });
}
const fromHash = new URLSearchParams(location.hash.slice(1)).get("receipt");
if (fromHash) {
  $("receipt").value = fromHash;
  run();
}
