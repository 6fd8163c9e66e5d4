// tlog.js: verify salur's custody receipts in the browser, with no server in the loop.
//
// A receipt is a C2SP transparency-log proof (c2sp.org/tlog-proof@v1):
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 of the logged entry>        (optional; salur puts the entry here)
//   index <leaf index>
//   <base64 inclusion proof hash>             (zero or more lines)
//   <blank line>
//   <signed checkpoint note>                  (c2sp.org/tlog-checkpoint inside c2sp.org/signed-note)
//
// Checking one means (RFC 9162 and the C2SP specifications):
//   1. parse it strictly (canonical base64, canonical decimals, the note format);
//   2. the checkpoint note carries a valid Ed25519 signature (type 0x01) by the log's key, whose
//      name is the checkpoint's origin; every signature by a known key must verify;
//   3. witness cosignatures (c2sp.org/tlog-cosignature, type 0x04: an 8-byte big-endian POSIX
//      time, then Ed25519 over "cosignature/v1\ntime <t>\n" + checkpoint text) verify;
//   4. the leaf hash SHA-256(0x00 || entry) is included at `index` in the tree of the
//      checkpoint's size and root (RFC 9162 section 2.1.3.2).
// SHA-256 and Ed25519 come from WebCrypto (crypto.subtle; Ed25519 needs Chromium 137+, Firefox
// 129+ or Safari 17+) in a secure context (https, or http on localhost).
//
// The exported functions take and return plain values; `verifyReceipt` never throws for a bad
// receipt: it reports each step with ok = true/false and a machine-readable `code`.

const HEADER = "c2sp.org/tlog-proof@v1";
const SIG_PREFIX = "\u2014 "; // em dash, space
const NOTE_ED25519 = 0x01;
const COSIGNATURE_ED25519 = 0x04;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_UINT64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class ReceiptError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

// ---- bytes and base64 -------------------------------------------------------------------------

/** Standard, padded, canonical base64 (RFC 4648 section 4) to bytes; throws ReceiptError. */
export function b64decode(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new ReceiptError("base64", `not standard base64: ${text}`);
  }
  let binary;
  try {
    binary = atob(text);
  } catch {
    throw new ReceiptError("base64", `not standard base64: ${text}`);
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  if (b64encode(bytes) !== text) throw new ReceiptError("base64", `not canonical base64: ${text}`);
  return bytes;
}

export function b64encode(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

// ---- Merkle tree (RFC 9162 section 2.1) --------------------------------------------------------

/** The leaf hash of an entry: SHA-256(0x00 || entry). */
export async function leafHash(entry) {
  return sha256(concat(new Uint8Array([0]), entry));
}

async function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

/** Whether `proof` includes `leaf` at `index` in the tree of `size` with `root` (BigInt sizes). */
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

/** Whether `proof` shows the tree (oldSize, oldRoot) is a prefix of (newSize, newRoot)
 * (RFC 9162 section 2.1.4.2). */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equal(oldRoot, newRoot);
  if (oldSize === 0n) return proof.length === 0;
  if (proof.length === 0) return false;
  let path = proof;
  if ((oldSize & (oldSize - 1n)) === 0n) path = [oldRoot, ...proof];
  let fn = oldSize - 1n;
  let sn = newSize - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, oldRoot) && equal(sr, newRoot);
}

// ---- signed notes, keys, checkpoints (c2sp.org/signed-note, tlog-checkpoint) ---------------------

function validKeyName(name) {
  return name.length > 0 && !name.includes("+") && !/[\s\x00-\x1f]/u.test(name);
}

/** The 4-byte key ID: SHA-256(name || 0x0A || type || public key)[:4]. */
export async function keyId(name, type, publicKey) {
  const digest = await sha256(concat(encoder.encode(name + "\n"), new Uint8Array([type]), publicKey));
  return digest.slice(0, 4);
}

/** A verifier key `name+hex(key ID)+base64(type || key)`, its key ID checked. */
export async function parseVkey(vkey) {
  const text = vkey.trim();
  const plus = text.indexOf("+");
  const name = text.slice(0, plus);
  const id = text.slice(plus + 1, plus + 9);
  if (plus < 0 || !validKeyName(name) || !/^[0-9a-f]{8}$/i.test(id) || text[plus + 9] !== "+") {
    throw new ReceiptError("vkey", `malformed verifier key ${vkey}`);
  }
  const raw = b64decode(text.slice(plus + 10));
  if (raw.length !== 33) throw new ReceiptError("vkey", `not an Ed25519 verifier key: ${vkey}`);
  const type = raw[0];
  const publicKey = raw.slice(1);
  const computed = await keyId(name, type, publicKey);
  if (hex(computed) !== id.toLowerCase()) throw new ReceiptError("vkey", `key ID mismatch: ${vkey}`);
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return { name, type, keyId: computed, publicKey, key, vkey: text };
}

/** A signed note: text (ending in a newline) and its signature lines, none checked yet. */
export function parseNote(text) {
  if (/[\x00-\x09\x0b-\x1f]/.test(text)) throw new ReceiptError("note", "control character");
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw new ReceiptError("note", "no blank line before the signatures");
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (!block.endsWith("\n")) throw new ReceiptError("note", "signatures must end with a newline");
  const signatures = block
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      if (!line.startsWith(SIG_PREFIX)) throw new ReceiptError("note", `not a signature line: ${line}`);
      const rest = line.slice(SIG_PREFIX.length);
      const space = rest.indexOf(" ");
      const name = rest.slice(0, space);
      if (space < 0 || !validKeyName(name)) throw new ReceiptError("note", `bad signature line: ${line}`);
      const raw = b64decode(rest.slice(space + 1));
      if (raw.length <= 4) throw new ReceiptError("note", `signature too short: ${line}`);
      return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) };
    });
  if (!signatures.length || signatures.length > 100) throw new ReceiptError("note", "signature count");
  return { text: body, signatures };
}

/** Checkpoint note text: origin, decimal size, base64 root, extension lines. */
export function parseCheckpoint(text) {
  if (!text.endsWith("\n")) throw new ReceiptError("checkpoint", "no final newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3 || lines.some((l) => !l)) throw new ReceiptError("checkpoint", "too few lines");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!DECIMAL.test(sizeText)) throw new ReceiptError("checkpoint", `size ${sizeText}`);
  const size = BigInt(sizeText);
  if (size > MAX_UINT64) throw new ReceiptError("checkpoint", "size is not a uint64");
  const root = b64decode(rootText);
  if (root.length !== 32) throw new ReceiptError("checkpoint", "root hash is not 32 bytes");
  return { origin, size, root, extensions };
}

async function verifySignature(key, signature, text) {
  if (key.type === NOTE_ED25519) {
    if (signature.length !== 64) return { ok: false };
    return { ok: await crypto.subtle.verify({ name: "Ed25519" }, key.key, signature, encoder.encode(text)) };
  }
  if (key.type === COSIGNATURE_ED25519) {
    if (signature.length !== 72) return { ok: false };
    let time = 0n;
    for (const b of signature.slice(0, 8)) time = (time << 8n) | BigInt(b);
    if (time >= 1n << 63n) return { ok: false };
    const message = encoder.encode(`cosignature/v1\ntime ${time}\n${text}`);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key.key, signature.slice(8), message);
    return { ok, time: Number(time) };
  }
  return { ok: false };
}

/** A receipt's parts: extra (bytes or null), index (BigInt), proof hashes, checkpoint note text. */
export function parseReceipt(text) {
  const normal = text.replace(/\r\n/g, "\n").replace(/^\s+/, "");
  const split = normal.indexOf("\n\n");
  if (split < 0) throw new ReceiptError("malformed", "no blank line before the checkpoint");
  const lines = normal.slice(0, split).split("\n");
  if (lines[0] !== HEADER) throw new ReceiptError("malformed", `the first line is not ${HEADER}`);
  let at = 1;
  let extra = null;
  if (lines[at] && lines[at].startsWith("extra ")) extra = b64decode(lines[at++].slice(6));
  if (!lines[at] || !lines[at].startsWith("index ")) throw new ReceiptError("malformed", "no index line");
  const indexText = lines[at++].slice(6);
  if (!DECIMAL.test(indexText)) throw new ReceiptError("malformed", `index ${indexText}`);
  const proof = lines.slice(at).map((line) => {
    const hash = b64decode(line);
    if (hash.length !== 32) throw new ReceiptError("malformed", "a proof hash is not 32 bytes");
    return hash;
  });
  // Pasted text may lose its final newline or gain blank lines; signature lines end in base64.
  const checkpoint = normal.slice(split + 2).replace(/\s+$/, "") + "\n";
  return { extra, index: BigInt(indexText), proof, checkpoint };
}

/**
 * Verify a receipt against trusted keys. `trust` = {logs: [vkey...], witnesses: [vkey...],
 * quorum: number of witnesses that must have cosigned (default 0)}. The leaf comes from
 * `given.entry` (the logged bytes), else the receipt's extra data, else `given.leafHash` (64 hex
 * digits, as a BAST prints it under its QR code). Returns {ok, code, steps, index, origin,
 * size, witnesses, entry} where `steps` lists [{step, ok, detail}] in order.
 */
export async function verifyReceipt(text, trust, given = {}) {
  const entry = given.entry || null;
  const steps = [];
  const result = { ok: false, code: "", steps, index: null, origin: "", size: null, witnesses: [], entry: null };
  const fail = (code, step, detail = "") => {
    steps.push({ step, ok: false, detail });
    result.code = code;
    return result;
  };
  let receipt, note, checkpoint;
  try {
    receipt = parseReceipt(text);
    note = parseNote(receipt.checkpoint);
    checkpoint = parseCheckpoint(note.text);
  } catch (e) {
    return fail(e.code === "vkey" ? "keys" : "malformed", "parse", e.message);
  }
  steps.push({ step: "parse", ok: true, detail: `index ${receipt.index}` });
  result.index = receipt.index;
  result.origin = checkpoint.origin;
  result.size = checkpoint.size;
  let logKeys, witnessKeys;
  try {
    logKeys = await Promise.all((trust.logs || []).map(parseVkey));
    witnessKeys = await Promise.all((trust.witnesses || []).map(parseVkey));
  } catch (e) {
    return fail("keys", "log_key", e.message);
  }
  const log = logKeys.find((k) => k.name === checkpoint.origin && k.type === NOTE_ED25519);
  if (!log) return fail("unknown_log", "log_key", checkpoint.origin);
  const known = [log, ...witnessKeys.filter((w) => w.type === COSIGNATURE_ED25519)];
  const cosigned = new Map();
  let logSigned = false;
  for (const sig of note.signatures) {
    const key = known.find((k) => k.name === sig.name && equal(k.keyId, sig.keyId));
    if (!key) continue; // signatures by unknown keys are ignored, as signed-note requires
    const checked = await verifySignature(key, sig.signature, note.text);
    if (!checked.ok) {
      return fail(key === log ? "bad_log_signature" : "bad_cosignature", key === log ? "log_signature" : "cosignatures", sig.name);
    }
    if (key === log) logSigned = true;
    else cosigned.set(key.name, checked.time);
  }
  if (!logSigned) return fail("not_signed", "log_signature", checkpoint.origin);
  steps.push({ step: "log_signature", ok: true, detail: checkpoint.origin });
  result.witnesses = [...cosigned.entries()].map(([name, time]) => ({ name, time }));
  const quorum = trust.quorum || 0;
  if (cosigned.size < quorum) {
    return fail("witness_quorum", "cosignatures", `${cosigned.size}/${quorum}`);
  }
  steps.push({ step: "cosignatures", ok: true, detail: `${cosigned.size}/${witnessKeys.length}` });
  const leafEntry = entry || receipt.extra;
  if (entry && receipt.extra && !equal(entry, receipt.extra)) return fail("entry_differs", "inclusion");
  let leaf;
  if (leafEntry) {
    leaf = await leafHash(leafEntry);
  } else if (given.leafHash && /^[0-9a-fA-F]{64}$/.test(given.leafHash.trim())) {
    leaf = Uint8Array.from(given.leafHash.trim().match(/../g), (h) => parseInt(h, 16));
  } else {
    return fail("no_entry", "inclusion");
  }
  const included = await verifyInclusion(leaf, receipt.index, checkpoint.size, receipt.proof, checkpoint.root);
  if (!included) return fail("not_included", "inclusion", `index ${receipt.index} / ${checkpoint.size}`);
  steps.push({ step: "inclusion", ok: true, detail: hex(leaf) });
  try {
    result.entry = leafEntry ? JSON.parse(decoder.decode(leafEntry)) : null;
  } catch {
    result.entry = null;
  }
  result.ok = true;
  result.code = "ok";
  return result;
}

/** Check a checkpoint note signed by the log (a phone auditing the log after a sync). */
export async function openCheckpoint(noteText, logVkey) {
  const note = parseNote(noteText.endsWith("\n") ? noteText : noteText + "\n");
  const checkpoint = parseCheckpoint(note.text);
  const log = await parseVkey(logVkey);
  for (const sig of note.signatures) {
    if (sig.name === log.name && equal(sig.keyId, log.keyId)) {
      const checked = await verifySignature(log, sig.signature, note.text);
      if (checked.ok && checkpoint.origin === log.name) return checkpoint;
      throw new ReceiptError("bad_log_signature", "the checkpoint signature does not verify");
    }
  }
  throw new ReceiptError("not_signed", "the checkpoint is not signed by the log key");
}
