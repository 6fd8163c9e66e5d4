// field.js: the field page. Find a package (scan its QR or type its code), see its kit's
// manifest, record what was found, sign with this phone's device key, keep the signed event in
// the outbox and upload it through the sync API whenever the phone is online. Works offline
// once the page and the officer's context have been loaded online.
import { b64encode, hex, keyId, openCheckpoint, verifyConsistency, verifyReceipt, b64decode } from "./tlog.js";
import { checkItem, custodyTime, makeBody, makeItem, signEvent } from "./custody.js";
import { kv, nextSequence, outbox } from "./store.js";
import { canScan, scanInto } from "./scan.js";

const T = JSON.parse(document.getElementById("texts").textContent);
const LANG = document.documentElement.lang || "id";
const $ = (id) => document.getElementById(id);
const fmt = (key, params = {}) => (T[key] || key).replace(/\{(\w+)\}/g, (_, k) => (k in params ? params[k] : "-"));
const REFUSING = new Set(["wrong_target", "wrong_dapil"]);

let ctx = null; // the officer's context (see salur.web.field.field_context)
let device = null; // {id, vkey, keys, registered}
let mode = "receive";
let current = null; // the kit on screen: {tps, packages}
let witnesses = []; // supervisors and police present: [{role, region, person}]
const WITNESS_CODE = /^salur-saksi:v1:([a-z][a-z0-9_]{1,19}):([0-9.]{2,13}):(p-[0-9a-f]{32})$/;
let syncing = false;

// ---- network state -------------------------------------------------------------------------

function online() {
  return navigator.onLine;
}

async function renderNet() {
  const items = await myOutbox();
  const pending = items.filter((i) => i.status === "queued" || i.status === "pending").length;
  $("net").classList.toggle("offline", !online());
  $("net-state").textContent = online() ? T.online : T.offline;
  $("pending").textContent = pending ? fmt("pending", { count: pending }) : T.all_synced;
  $("pending").dataset.count = String(pending);
}

// ---- context and device --------------------------------------------------------------------

async function loadContext() {
  try {
    const response = await fetch(`/field/api/context?lang=${LANG}`, { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) {
      window.location.assign(`/web/sign-in?next=${encodeURIComponent("/field/")}`);
      return false;
    }
    if (!response.ok) throw new Error(String(response.status));
    ctx = await response.json();
    await kv.set("context", ctx);
  } catch (e) {
    ctx = await kv.get("context");
    if (!ctx) {
      $("officer-place").textContent = T.need_online;
      return false;
    }
  }
  $("officer-name").textContent = ctx.user.name;
  $("officer-place").textContent = `${T["role_" + ctx.user.role] || ctx.user.role} · ${ctx.user.region_name} (${ctx.user.region})`;
  $("mode-dispatch").classList.toggle("hidden", !ctx.dispatch);
  renderExpected();
  return true;
}

async function ensureDevice() {
  const slot = `device:${ctx.user.username}`;
  device = await kv.get(slot);
  if (device && device.registered && online() && !ctx.devices.includes(device.id)) device = null; // revoked
  if (!device) {
    const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
    const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[b % 32]).join("");
    const id = `WEB-${random}`;
    const material = new Uint8Array(33);
    material[0] = 0x01;
    material.set(publicKey, 1);
    const vkey = `${id}+${hex(await keyId(id, 0x01, publicKey))}+${b64encode(material)}`;
    device = { id, vkey, keys, registered: false };
    await kv.set(slot, device);
  }
  if (!device.registered && online()) {
    const response = await fetch(`/me/devices?lang=${LANG}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ vkey: device.vkey }),
    }).catch(() => null);
    if (response && (response.status === 201 || response.status === 409)) {
      device.registered = true;
      await kv.set(slot, device);
    } else if (response) {
      const problem = await response.json().catch(() => ({}));
      $("device-state").textContent = problem.message || T.device_failed;
      return;
    }
  }
  $("device-state").textContent = device.registered ? fmt("device_ready", { device: device.id }) : T.device_needs_online;
}

function csrf() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("salur_csrf="));
  return cookie ? decodeURIComponent(cookie.slice("salur_csrf=".length)) : "";
}

// ---- finding a kit -------------------------------------------------------------------------

function myPlace() {
  const level = { pps: "pps", ppk: "ppk", kpps: "kpps" }[ctx.custody_role];
  return [level, ctx.user.region];
}

function renderExpected() {
  const list = $("expected");
  list.innerHTML = "";
  const kits = new Map();
  for (const p of ctx.packages) {
    if (!kits.has(p.tps)) kits.set(p.tps, []);
    kits.get(p.tps).push(p);
  }
  $("expected-summary").textContent = fmt("expected_count", { kits: kits.size, packages: ctx.packages.length });
  for (const [tps, packages] of kits) {
    const li = document.createElement("li");
    const [level] = myPlace();
    const here = packages.filter((p) => p.holder[0] === level && p.holder[1] === ctx.user.region).length;
    const coming = packages.filter((p) => p.heading && p.heading[0] === level && p.heading[1] === ctx.user.region).length;
    li.innerHTML = `<a href="#" data-tps="${tps}"></a><span class="state"></span>`;
    li.querySelector("a").textContent = `${packages[0].tps_name} (${tps})`;
    li.querySelector(".state").textContent = coming ? fmt("kit_coming", { count: coming }) : here ? fmt("kit_here", { count: here }) : "";
    li.querySelector("a").addEventListener("click", (e) => {
      e.preventDefault();
      showKit(tps);
    });
    list.appendChild(li);
  }
}

function find(code) {
  const id = code.trim().toUpperCase();
  const box = $("find-result");
  box.classList.add("hidden");
  const pkg = ctx.packages.find((p) => p.id === id);
  if (!pkg) {
    box.className = "alert bad";
    box.textContent = /^[KBP]-[0-9]{13}-/.test(id) ? fmt("not_expected", { package: id, region: ctx.user.region }) : fmt("bad_code", { code: id });
    return;
  }
  showKit(pkg.tps, pkg.id);
}

function showKit(tps, focus = null) {
  const packages = ctx.packages.filter((p) => p.tps === tps).sort((a, b) => a.seq - b.seq);
  current = { tps, packages };
  $("kit").classList.remove("hidden");
  $("kit-title").textContent = `${packages[0].tps_name} · ${tps}`;
  const [level] = myPlace();
  const where = packages[0].heading ? fmt("state_heading", { level: T["level_" + packages[0].heading[0]], region: packages[0].heading[1] }) : fmt("state_held", { level: T["level_" + packages[0].holder[0]], region: packages[0].holder[1] });
  $("kit-place").textContent = `${fmt(mode === "receive" ? "receive_from" : "dispatch_to", { level: T["level_" + level] })} · ${where}`;
  const holder = $("kit-packages");
  holder.innerHTML = "";
  for (const p of packages) holder.appendChild(packageForm(p, p.id === focus));
  $("kit-check").classList.add("hidden");
  $("sign").textContent = mode === "receive" ? T.sign : T.sign_dispatch;
  $("sign").disabled = false;
  $("kit").scrollIntoView({ behavior: "smooth", block: "start" });
}

function packageForm(p, focused) {
  const div = document.createElement("div");
  div.className = "pkg" + (focused ? " found" : "");
  div.dataset.package = p.id;
  const what = p.kind === "kotak" ? `${T.kind_kotak} ${p.ballot_name}` : T["kind_" + p.kind] || p.kind;
  div.innerHTML = `
    <div class="top"><label class="seal"><input type="checkbox" class="take" checked> <span class="what"></span></label><span class="pid"></span></div>
    <div class="row">
      <div class="dapil-box"><label>${T.dapil_seen}</label><input type="text" class="dapil" inputmode="numeric" autocomplete="off"></div>
      <div><label>${T.count_seen}</label><input type="number" class="count" min="0" inputmode="numeric" placeholder="${p.count}"></div>
    </div>
    <div class="seals"><label>${T.seals}</label></div>
    <div><label>${T.other_seals}</label><input type="text" class="extra-seals" inputmode="numeric" placeholder="123456, 123457"></div>`;
  div.querySelector(".what").textContent = what;
  div.querySelector(".pid").textContent = p.id;
  const dapil = div.querySelector(".dapil");
  if (p.kind === "kotak") dapil.value = p.dapil;
  else div.querySelector(".dapil-box").classList.add("hidden");
  const seals = div.querySelector(".seals");
  if (!p.seals.length) seals.appendChild(document.createTextNode(T.no_seals));
  for (const n of p.seals) {
    const span = document.createElement("span");
    span.className = "seal";
    span.innerHTML = `<select class="seal-state" data-seal="${n}"><option value="intact">${T.seal_intact}</option><option value="broken">${T.seal_broken}</option><option value="missing">${T.seal_missing}</option></select> <code>${n}</code>`;
    seals.appendChild(span);
  }
  return div;
}

function readKit() {
  const seen = [];
  for (const div of $("kit-packages").querySelectorAll(".pkg")) {
    if (!div.querySelector(".take").checked) continue;
    const p = current.packages.find((x) => x.id === div.dataset.package);
    const seals = [];
    const brokenSeals = [];
    for (const select of div.querySelectorAll(".seal-state")) {
      const n = Number(select.dataset.seal);
      if (select.value === "intact") seals.push(n);
      if (select.value === "broken") brokenSeals.push(n);
    }
    for (const part of div.querySelector(".extra-seals").value.split(/[\s,;]+/)) {
      if (/^[0-9]{1,12}$/.test(part)) seals.push(Number(part));
    }
    const countText = div.querySelector(".count").value.trim();
    seen.push({
      pkg: p,
      item: {
        package: p.id,
        ballotType: p.kind === "kotak" ? p.ballot_type : null,
        dapil: p.kind === "kotak" ? div.querySelector(".dapil").value.trim() : null,
        count: countText === "" ? null : Number(countText),
        seals,
        brokenSeals,
      },
    });
  }
  return seen;
}

function describe(findings) {
  return findings.map((f) => fmt("finding_" + f.code, { package: f.package || "-", expected: f.expected || "-", found: f.found || "-" })).join("; ");
}

function check(seen) {
  const place = mode === "receive" ? myPlace() : null;
  const findings = seen.flatMap(({ pkg, item }) => checkItem(pkg, item, place));
  const warnings = [];
  const [level, region] = myPlace();
  for (const { pkg } of seen) {
    if (mode === "receive" && !(pkg.heading && pkg.heading[0] === level && pkg.heading[1] === region)) {
      warnings.push(fmt("warn_not_sent", { package: pkg.id }));
    }
    if (mode === "dispatch" && (pkg.heading || pkg.holder[0] !== level || pkg.holder[1] !== region)) {
      warnings.push(fmt("warn_not_held", { package: pkg.id }));
    }
  }
  return { refusals: findings.filter((f) => REFUSING.has(f.code)), discrepancies: findings.filter((f) => !REFUSING.has(f.code)), warnings };
}

// ---- witnesses -----------------------------------------------------------------------------

function witnessSlot() {
  return `witnesses:${ctx.user.username}`;
}

async function addWitness(text) {
  const match = WITNESS_CODE.exec(text.trim());
  const box = $("kit-check");
  if (!match || !(match[1] in ctx.role_names)) {
    show(box, "bad", fmt("witness_bad", { code: text.trim() }));
    return;
  }
  const [, role, region, person] = match;
  // Cleared before awaiting the store: a code typed or scanned meanwhile must not be wiped.
  if ($("witness-code").value === text) $("witness-code").value = "";
  if (!witnesses.some((w) => w.person === person && w.role === role)) witnesses.push({ role, region, person });
  box.classList.add("hidden");
  renderWitnesses();
  await kv.set(witnessSlot(), witnesses);
}

function renderWitnesses() {
  const list = $("witness-list");
  list.innerHTML = "";
  for (const w of witnesses) {
    const li = document.createElement("li");
    li.innerHTML = `<span class="what"></span><span class="state"><button class="btn small" type="button"></button></span>`;
    li.querySelector(".what").textContent = `${ctx.role_names[w.role] || w.role} · ${w.region}`;
    const remove = li.querySelector("button");
    remove.textContent = T.witness_remove;
    remove.addEventListener("click", async () => {
      witnesses = witnesses.filter((x) => x !== w);
      await kv.set(witnessSlot(), witnesses);
      renderWitnesses();
    });
    list.appendChild(li);
  }
}

/** The hop's witness groups no listed witness fills (the server records each as a finding). */
function missingWitnesses(hop) {
  const present = new Set(witnesses.map((w) => w.role));
  return (ctx.witness_groups[hop] || [])
    .filter((group) => !group.some((role) => present.has(role)))
    .map((group) => group.map((role) => ctx.role_names[role] || role).join(" / "));
}

// ---- signing and the outbox ----------------------------------------------------------------

async function signAndQueue() {
  if (!device || !device.registered) {
    show($("kit-check"), "bad", T.device_needs_online);
    return;
  }
  const seen = readKit();
  if (!seen.length) return;
  const verdict = check(seen);
  const me = { role: ctx.custody_role, region: ctx.user.region, person: ctx.user.person, device: device.id };
  const items = seen.map(({ item }) => makeItem(item));
  const present = witnesses.map((w) => ({ role: w.role, region: w.region, person: w.person }));
  const gps = await position();
  let body;
  if (mode === "receive") {
    body = makeBody({ type: "receipt", election: ctx.election, at: custodyTime(), hop: ctx.receive_hop, me, items, witnesses: present, gps });
    const missing = missingWitnesses(ctx.receive_hop);
    if (missing.length) verdict.warnings.push(fmt("witness_missing", { roles: missing.join(", ") }));
  } else {
    const pkg = seen[0].pkg;
    const region = ctx.dispatch.to_level === "kpps" ? pkg.tps : pkg.village;
    body = makeBody({ type: "dispatch", election: ctx.election, at: custodyTime(), hop: ctx.dispatch.hop, me, to: { role: ctx.dispatch.to_role, region }, items, witnesses: present, gps });
  }
  const party = mode === "receive" ? "receiver" : "giver";
  const signature = await signEvent(body, { party, device: device.id, privateKey: device.keys.privateKey });
  const sequence = await nextSequence(device.id);
  const refused = verdict.refusals.length > 0;
  const item = {
    key: `${device.id}-${sequence}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`,
    device: device.id,
    sequence,
    submission: { event: body, signatures: [signature] },
    status: "queued",
    kind: body.type,
    tps: current.tps,
    tps_name: current.packages[0].tps_name,
    packages: items.length,
    local: refused ? describe(verdict.refusals) : "",
    created: Date.now(),
  };
  await outbox.put(item);
  $("sign").disabled = true;
  if (refused) {
    show($("kit-check"), "bad", `${T.refused_local} ${describe(verdict.refusals)}. ${T.refusal_recorded}`);
  } else {
    const notes = [...(verdict.discrepancies.length ? [describe(verdict.discrepancies)] : []), ...verdict.warnings];
    show($("kit-check"), notes.length ? "warn" : "ok", notes.length ? `${T.saved_with_notes} ${notes.join("; ")}` : T.saved);
    for (const { pkg } of seen) {
      if (mode === "receive") {
        pkg.holder = [ctx.custody_role, ctx.user.region];
        pkg.heading = null;
      } else {
        pkg.heading = [ctx.dispatch.to_level, body.to.region];
      }
    }
    await kv.set("context", ctx);
    renderExpected();
  }
  await renderOutbox();
  sync();
}

/** Where the phone is, if the officer already allowed it (never asks in the middle of a BAST). */
async function position() {
  try {
    if (!navigator.geolocation || !navigator.permissions) return null;
    const state = await navigator.permissions.query({ name: "geolocation" });
    if (state.state !== "granted") return null;
    const fix = await new Promise((resolve, reject) =>
      navigator.geolocation.getCurrentPosition(resolve, reject, { timeout: 4000, maximumAge: 120000 })
    );
    const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;
    return { lat: round(fix.coords.latitude, 6), lon: round(fix.coords.longitude, 6), accuracy_m: round(fix.coords.accuracy, 1) };
  } catch (e) {
    return null;
  }
}

function show(box, kind, text) {
  box.className = `alert ${kind}`;
  box.textContent = text;
  box.classList.remove("hidden");
}

async function myOutbox() {
  if (!device) return [];
  return (await outbox.all()).filter((i) => i.device === device.id).sort((a, b) => b.sequence - a.sequence);
}

async function renderOutbox() {
  const list = $("outbox");
  list.innerHTML = "";
  const items = await myOutbox();
  if (!items.length) list.innerHTML = `<li class="empty">${T.outbox_empty}</li>`;
  for (const i of items) {
    const li = document.createElement("li");
    li.dataset.status = i.status;
    li.dataset.key = i.key;
    li.innerHTML = `<span class="what"></span><span class="state"></span><span class="why hidden"></span>`;
    li.querySelector(".what").textContent = `${T["kind_event_" + i.kind] || i.kind} · ${i.tps_name} · ${fmt("packages_n", { count: i.packages })}`;
    const state = li.querySelector(".state");
    const refusedHere = i.local && (i.status === "queued" || i.status === "pending");
    const badge = refusedHere ? "overdue" : { queued: "waiting", pending: "waiting", accepted: "done", refused: "overdue" }[i.status];
    state.innerHTML = `<span class="badge ${badge}"></span>`;
    state.firstChild.textContent = refusedHere ? T.status_refused_local : T["status_" + i.status] || i.status;
    const why = li.querySelector(".why");
    if (i.status === "refused") {
      why.textContent = i.message || i.local;
      why.classList.remove("hidden");
    } else if (i.status === "accepted") {
      why.style.color = "var(--muted)";
      why.textContent = fmt(i.receiptOk ? "receipt_ok" : "receipt_unchecked", { index: i.log_index });
      why.classList.remove("hidden");
    } else if (i.local) {
      why.textContent = i.local;
      why.classList.remove("hidden");
    }
    list.appendChild(li);
  }
  await renderNet();
}

// ---- sync ----------------------------------------------------------------------------------

/** Upload what waits in the outbox; with `always`, also when nothing waits (the answer still
 * carries the log's checkpoint and a consistency proof from the one this phone saw). */
async function sync(always = false) {
  if (syncing || !online() || !device || !device.registered) return renderNet();
  const waiting = (await myOutbox()).filter((i) => i.status === "queued" || i.status === "pending").sort((a, b) => a.sequence - b.sequence);
  if (!waiting.length && !always) return renderNet();
  syncing = true;
  try {
    const known = (ctx.log && (await kv.get(`checkpoint:${ctx.log.origin}`))) || null;
    const response = await fetch(`/devices/${encodeURIComponent(device.id)}/sync?lang=${LANG}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({
        known_size: known ? known.size : 0,
        events: waiting.map((i) => ({ idempotency_key: i.key, sequence: i.sequence, submission: i.submission })),
      }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      $("audit").textContent = problem.message || T.sync_failed;
      return;
    }
    const answer = await response.json();
    const trust = { logs: ctx.log ? [ctx.log.vkey] : [], witnesses: ctx.witnesses || [], quorum: 0 };
    for (const result of answer.results) {
      const item = waiting.find((i) => i.key === result.idempotency_key);
      if (!item || result.status === "pending") continue;
      item.status = result.status;
      item.message = result.message || "";
      item.log_index = result.log_index;
      item.event_id = result.event_id;
      if (result.receipt) {
        item.receipt = result.receipt;
        item.receiptOk = (await verifyReceipt(result.receipt, trust)).ok;
      }
      await outbox.put(item);
    }
    await audit(answer, known);
  } catch (e) {
    console.warn("salur sync failed", e);
    $("audit").textContent = T.sync_failed;
  } finally {
    syncing = false;
    await renderOutbox();
  }
  if (online() && waiting.length) loadContext();
}

/** Check the log's new checkpoint and that it extends the one this phone saw before. */
async function audit(answer, known) {
  if (!answer.checkpoint || !ctx.log) return;
  try {
    const checkpoint = await openCheckpoint(answer.checkpoint.note, ctx.log.vkey);
    let consistent = true;
    if (known && known.size > 0 && known.size < Number(checkpoint.size)) {
      const proof = ((answer.consistency && answer.consistency.proof) || []).map(b64decode);
      consistent = answer.consistency && answer.consistency.old_size === known.size &&
        (await verifyConsistency(BigInt(known.size), checkpoint.size, b64decode(known.root), checkpoint.root, proof));
    }
    if (!consistent) {
      $("audit").textContent = T.audit_fork;
      $("audit").style.color = "var(--overdue)";
      return;
    }
    await kv.set(`checkpoint:${ctx.log.origin}`, { size: Number(checkpoint.size), root: b64encode(checkpoint.root) });
    $("audit").textContent = fmt(known && known.size > 0 ? "audit_ok" : "audit_first", { size: String(checkpoint.size) });
  } catch (e) {
    $("audit").textContent = T.audit_bad;
  }
}

// ---- wiring --------------------------------------------------------------------------------

function setMode(next) {
  mode = next;
  $("mode-receive").setAttribute("aria-pressed", String(mode === "receive"));
  $("mode-dispatch").setAttribute("aria-pressed", String(mode === "dispatch"));
  $("mode-receive").classList.toggle("primary", mode === "receive");
  $("mode-dispatch").classList.toggle("primary", mode === "dispatch");
  $("mode-title").textContent = mode === "receive" ? T.receive_title : T.dispatch_title;
  if (current) showKit(current.tps);
}

async function start() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(() => {});
  window.addEventListener("online", () => {
    renderNet();
    sync(true);
  });
  window.addEventListener("offline", renderNet);
  $("find-button").addEventListener("click", () => find($("code").value));
  $("code").addEventListener("keydown", (e) => {
    if (e.key === "Enter") find($("code").value);
  });
  $("sign").addEventListener("click", () => signAndQueue().catch((e) => show($("kit-check"), "bad", String(e.message || e))));
  $("cancel").addEventListener("click", () => $("kit").classList.add("hidden"));
  $("sync-now").addEventListener("click", () => sync(true));
  $("mode-receive").addEventListener("click", () => setMode("receive"));
  $("mode-dispatch").addEventListener("click", () => setMode("dispatch"));
  if (canScan()) {
    $("scan").classList.remove("hidden");
    $("scan").addEventListener("click", async () => {
      const scanning = scanInto($("camera"));
      const text = await scanning.found.catch(() => null);
      if (text) {
        $("code").value = text.trim();
        find(text);
      }
    });
  }
  $("witness-add").addEventListener("click", () => addWitness($("witness-code").value));
  if (canScan()) {
    $("witness-scan").classList.remove("hidden");
    $("witness-scan").addEventListener("click", async () => {
      const text = await scanInto($("camera")).found.catch(() => null);
      if (text) addWitness(text);
    });
  }
  setMode("receive");
  if (!(await loadContext())) return renderNet();
  witnesses = (await kv.get(witnessSlot())) || [];
  renderWitnesses();
  await ensureDevice();
  await renderOutbox();
  await sync(true);
  setInterval(() => sync(), 30000);
  document.body.dataset.ready = "1";
}

start();
