// custody.js: custody events as salur signs them, made in the browser.
//
// The server (salur.custody.events / signing) validates an event, takes its canonical body (the
// validated body with null optional fields left out; lists always present) and checks each
// signature over
//     "salur.custody/1 signature\n" || JCS({"device", "event": BODY, "party", "signed_at"})
// where JCS is RFC 8785 canonical JSON. `makeBody` builds exactly that body, `jcs` the
// canonical text, `signEvent` the signature entry with a WebCrypto Ed25519 key.

const encoder = new TextEncoder();
export const SIGNING_CONTEXT = "salur.custody/1 signature\n";

/** RFC 8785 canonical JSON: keys sorted by UTF-16 code units, ECMAScript number and string
 * serialisation (which is what JSON.stringify does for one value). */
export function jcs(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("JCS: not a finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + jcs(value[k])).join(",") + "}";
}

/** A UTC time as custody writes it: YYYY-MM-DDTHH:MM:SSZ. */
export function custodyTime(date = new Date()) {
  return date.toISOString().slice(0, 19) + "Z";
}

/** One package as seen: optional fields only when known, seal lists always present. */
export function makeItem({ package: id, ballotType, dapil, count, seals = [], brokenSeals = [] }) {
  const item = { package: id, seals: [...seals].sort((a, b) => a - b), broken_seals: [...brokenSeals].sort((a, b) => a - b) };
  if (ballotType) item.ballot_type = ballotType;
  if (dapil) item.dapil = dapil;
  if (count !== null && count !== undefined && count !== "") item.count = Number(count);
  return item;
}

/** The canonical body of a receipt or a dispatch (see salur.custody.events). */
export function makeBody({ type, election, at, hop, me, to, items, witnesses = [], gps = null }) {
  const body = { v: 1, type, election, at, hop, witnesses, items };
  if (type === "receipt") body.receiver = me;
  else if (type === "dispatch") {
    body.giver = me;
    body.to = to;
  } else throw new Error(`unsupported event type ${type}`);
  if (gps) body.gps = gps;
  return body;
}

/** The exact bytes a device signs for one party of one event. */
export function signedMessage(body, { party, device, signedAt }) {
  return encoder.encode(SIGNING_CONTEXT + jcs({ device, event: body, party, signed_at: signedAt }));
}

/** A signature entry {party, device, signed_at, sig} made with an Ed25519 CryptoKey. */
export async function signEvent(body, { party, device, privateKey, signedAt = custodyTime() }) {
  const message = signedMessage(body, { party, device, signedAt });
  const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, privateKey, message));
  let binary = "";
  for (const b of sig) binary += String.fromCharCode(b);
  return { party, device, signed_at: signedAt, sig: btoa(binary) };
}

/**
 * The tepat checks the server makes (salur.custody.tepat), run on the cached manifest so an
 * officer sees a refusal at once, offline. `place` is [level, region] of the receiving side.
 * Returns [{code, package, expected, found, refuses}].
 */
export function checkItem(pkg, seen, place) {
  const out = [];
  const add = (code, expected, found) =>
    out.push({ code, package: pkg.id, expected: expected == null ? null : String(expected), found: found == null ? null : String(found), refuses: code === "wrong_target" || code === "wrong_dapil" });
  if (place) {
    const [level, region] = place;
    const right = { ppk: pkg.district, pps: pkg.village, kpps: pkg.tps }[level];
    if (right !== undefined && right !== region) add("wrong_target", `${level} ${right}`, `${level} ${region}`);
  }
  if (seen.dapil && pkg.ballot_type && seen.dapil !== pkg.expected_dapil) add("wrong_dapil", pkg.expected_dapil, seen.dapil);
  if (seen.count !== null && seen.count !== undefined && seen.count !== "" && Number(seen.count) !== pkg.count) add("count_mismatch", pkg.count, seen.count);
  const expected = new Set(pkg.seals);
  const intact = new Set(seen.seals || []);
  const broken = new Set(seen.brokenSeals || []);
  for (const n of [...broken].sort((a, b) => a - b)) add("seal_broken", null, n);
  for (const n of [...expected].sort((a, b) => a - b)) if (!intact.has(n) && !broken.has(n)) add("seal_missing", n, null);
  for (const n of [...intact].sort((a, b) => a - b)) if (!expected.has(n)) add("seal_unknown", null, n);
  return out;
}
