// @ts-check
/**
 * Storage per peer. Every peer of an app shares one origin (so that BroadcastChannel joins
 * them), and so would share its localStorage, sessionStorage, IndexedDB and Cache Storage;
 * on real devices each peer has its own. Before the app's code runs, this namespaces them
 * all by app instance and peer: a Storage whose keys carry a prefix, and IndexedDB and
 * cache names that carry it too. The app sees its own keys and names, without the prefix.
 *
 * Not isolated: cookies (desktop and iOS hosts have none anyway), the `storage` event
 * (other peers' changes still fire it, with prefixed keys), and what the app reaches
 * before this script runs.
 */

/**
 * Open an IndexedDB database by its real name, for the runtime's own store (the update
 * log). The isolation patches `indexedDB` itself, not its prototype.
 * @param {string} name
 * @param {number} version
 * @returns {IDBOpenDBRequest}
 */
export function openOwnDatabase(name, version) {
  return IDBFactory.prototype.open.call(indexedDB, name, version);
}

/**
 * @param {string} instanceId
 * @param {string} selfAddr
 * @returns {string} the prefix of this peer's keys and names
 */
export function peerPrefix(instanceId, selfAddr) {
  return `webxdc-peer/${encodeURIComponent(instanceId)}/${encodeURIComponent(selfAddr)}/`;
}

/**
 * Give the page storage of its own peer.
 * @param {string} prefix  from `peerPrefix`
 */
export function isolateStorage(prefix) {
  for (const name of /** @type {const} */ (["localStorage", "sessionStorage"])) {
    let real;
    try {
      real = window[name];
    } catch {
      continue; // storage blocked for this page: nothing to share either
    }
    Object.defineProperty(window, name, { value: namespaced(real, prefix), configurable: true });
  }
  if (typeof indexedDB !== "undefined") isolateIndexedDB(prefix);
  if (typeof caches !== "undefined") isolateCaches(prefix);
}

/**
 * A Storage that reads and writes `real` under `prefix`, also through properties
 * (`localStorage.key = "x"`, `Object.keys(localStorage)`).
 * @param {Storage} real
 * @param {string} prefix
 * @returns {Storage}
 */
function namespaced(real, prefix) {
  const keys = () => {
    const out = [];
    for (let i = 0; i < real.length; i++) {
      const key = real.key(i);
      if (key !== null && key.startsWith(prefix)) out.push(key.slice(prefix.length));
    }
    return out;
  };
  // Configurable, so that the proxy may list only the app's keys (Object.keys).
  const member = (/** @type {PropertyDescriptor} */ d) => ({ ...d, configurable: true });
  const storage = Object.create(Storage.prototype, {
    getItem: member({ value: (/** @type {string} */ key) => real.getItem(prefix + key) }),
    setItem: member({
      value: (/** @type {string} */ key, /** @type {string} */ value) =>
        real.setItem(prefix + key, String(value)),
    }),
    removeItem: member({ value: (/** @type {string} */ key) => real.removeItem(prefix + key) }),
    clear: member({ value: () => keys().forEach((key) => real.removeItem(prefix + key)) }),
    key: member({ value: (/** @type {number} */ index) => keys()[index] ?? null }),
    length: member({ get: () => keys().length }),
  });
  /** @param {string | symbol} p */
  const ownMember = (p) => typeof p === "symbol" || Object.hasOwn(storage, p);
  return new Proxy(storage, {
    get: (target, p) =>
      ownMember(p) ? Reflect.get(target, p) : (real.getItem(prefix + String(p)) ?? undefined),
    set: (target, p, value) => {
      if (ownMember(p)) return false;
      real.setItem(prefix + String(p), String(value));
      return true;
    },
    has: (target, p) => ownMember(p) || real.getItem(prefix + String(p)) !== null,
    deleteProperty: (target, p) => {
      if (!ownMember(p)) real.removeItem(prefix + String(p));
      return true;
    },
    ownKeys: () => keys(),
    getOwnPropertyDescriptor: (target, p) => {
      if (ownMember(p)) return Reflect.getOwnPropertyDescriptor(target, p);
      const value = real.getItem(prefix + String(p));
      return value === null ? undefined : { value, writable: true, enumerable: true, configurable: true };
    },
  });
}

/** @param {string} prefix */
function isolateIndexedDB(prefix) {
  const factory = /** @type {any} */ (indexedDB);
  const { open, deleteDatabase, databases } = IDBFactory.prototype;
  factory.open = (/** @type {string} */ name, /** @type {number | undefined} */ version) =>
    version === undefined
      ? open.call(indexedDB, prefix + name)
      : open.call(indexedDB, prefix + name, version);
  factory.deleteDatabase = (/** @type {string} */ name) => deleteDatabase.call(indexedDB, prefix + name);
  if (databases) {
    factory.databases = async () =>
      (await databases.call(indexedDB))
        .filter((db) => db.name?.startsWith(prefix))
        .map((db) => ({ ...db, name: db.name?.slice(prefix.length) }));
  }
  const name = Object.getOwnPropertyDescriptor(IDBDatabase.prototype, "name");
  if (name?.get) {
    const get = name.get;
    Object.defineProperty(IDBDatabase.prototype, "name", {
      ...name,
      get() {
        const full = get.call(this);
        return full.startsWith(prefix) ? full.slice(prefix.length) : full;
      },
    });
  }
}

/** @param {string} prefix */
function isolateCaches(prefix) {
  const real = caches;
  const { open, has, delete: remove, keys, match } = CacheStorage.prototype;
  const store = /** @type {any} */ (real);
  store.open = (/** @type {string} */ name) => open.call(real, prefix + name);
  store.has = (/** @type {string} */ name) => has.call(real, prefix + name);
  store.delete = (/** @type {string} */ name) => remove.call(real, prefix + name);
  store.keys = async () =>
    (await keys.call(real)).filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  store.match = async (
    /** @type {RequestInfo} */ request,
    /** @type {MultiCacheQueryOptions} */ options = {},
  ) => {
    if (options.cacheName)
      return match.call(real, request, { ...options, cacheName: prefix + options.cacheName });
    for (const name of await store.keys()) {
      const found = await (await open.call(real, prefix + name)).match(request, options);
      if (found) return found;
    }
    return undefined;
  };
}
