// store.js: the field page's IndexedDB. "kv" holds the officer's context (manifests), their
// device (the Ed25519 CryptoKeyPair, its private key non-extractable: the browser can sign with
// it but never hands its bytes out), the device's sequence counter and the last checkpoint;
// "outbox" holds every signed event until the server has answered for it.

const NAME = "salur-field";
const VERSION = 1;
let opened = null;

function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const database = request.result;
        if (!database.objectStoreNames.contains("kv")) database.createObjectStore("kv");
        if (!database.objectStoreNames.contains("outbox")) database.createObjectStore("outbox", { keyPath: "key" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

async function run(store, mode, action) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const tx = database.transaction(store, mode);
    const request = action(tx.objectStore(store));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const kv = {
  get: (key) => run("kv", "readonly", (s) => s.get(key)),
  set: (key, value) => run("kv", "readwrite", (s) => s.put(value, key)),
};

export const outbox = {
  all: () => run("outbox", "readonly", (s) => s.getAll()),
  put: (item) => run("outbox", "readwrite", (s) => s.put(item)),
};

/** The next sequence number of a device (1, 2, 3 ...), kept across reloads and offline. */
export async function nextSequence(deviceId) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const tx = database.transaction("kv", "readwrite");
    const store = tx.objectStore("kv");
    const key = `seq:${deviceId}`;
    let value = 0;
    const get = store.get(key);
    get.onsuccess = () => {
      value = (get.result || 0) + 1;
      store.put(value, key);
    };
    tx.oncomplete = () => resolve(value);
    tx.onerror = () => reject(tx.error);
  });
}
