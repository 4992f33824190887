// @ts-check
/**
 * Updates: `sendUpdate` and `setUpdateListener`, between the tabs of a chat and app
 * instance, and kept across reloads.
 *
 * The core (`BrowserUpdates`) decides: what is valid, which serial an update gets, what
 * a listener replays, whom `notify` is for. This module keeps what it decided (IndexedDB:
 * the chat's records, shared by its peers, and each peer's log of serials) and carries
 * records to the other tabs (a BroadcastChannel per chat and app instance). A record goes
 * to the others only once it is kept, so that a tab starting meanwhile gets it from one
 * place or the other, and the core stores it once either way.
 *
 * Calls made before Python is live wait for it, in order; the update is read
 * (`JSON.stringify`) at the call, as the app had it then.
 */
import { openOwnDatabase } from "./storage.js";

const DB_NAME = "webxdc-realtime-updates";
const DB_VERSION = 1;
const PREFIX = "webxdc realtime:";

/**
 * @typedef {[string, string, string]} UpdateRecord  uid, sender, JSON
 * @typedef {{ serial: number, record: UpdateRecord, delivery: string }} StoredUpdate
 * @typedef {(kind: string, data: Record<string, unknown>) => void} Report
 */

export class Updates {
  /** @type {any} the core's BrowserUpdates, once live */
  core = null;
  /** @type {Array<() => void>} calls made before live */
  pending = [];
  /** @type {((update: unknown) => void) | null} */
  listener = null;
  /** @type {Array<string | (() => void)>} deliveries (JSON) and promises to resolve, in order */
  queue = [];
  draining = false;
  /** the newest serial kept, and the newest a listener got by `after` when it was set */
  latest = 0;
  shown = 0;
  /** @type {IDBDatabase | null} */
  db = null;
  /** @type {BroadcastChannel | null} */
  wire = null;
  scope = "";
  /** Tell the host page's devtools about every update that arrives. */
  tap = false;
  /** @type {import("./relay-link.js").RelayLink | null} peers beyond this browser, if any */
  relay = null;
  relaySubject = "";
  /** Stop asking for updates on reconnection (the page is going). */
  unsync = () => {};

  /**
   * @param {string} selfAddr
   * @param {Report} report  tells the host page (or the console) what the chat shows
   * @param {import("./network.js").NetworkControl} network  what the network does to updates
   */
  constructor(selfAddr, report, network) {
    this.selfAddr = selfAddr;
    this.report = report;
    this.network = network;
  }

  /**
   * `sendUpdate(update, descr)`: never throws.
   * @param {unknown} update
   * @param {unknown} descr
   */
  send(update, descr) {
    /** @type {string | undefined} undefined (None in Python; null would not be) when it is no JSON */
    let text;
    let why = "";
    try {
      text = JSON.stringify(update);
    } catch (error) {
      why = error instanceof Error ? error.message : String(error);
    }
    const described = descr !== undefined && descr !== null && descr !== "";
    const now = performance.now();
    this.#whenLive(() => {
      let out;
      try {
        out = this.core.send(text, why, described, now);
      } catch (error) {
        console.error(`${PREFIX} sendUpdate failed in the core (a bug):`, error);
        return;
      }
      for (const message of out.errors) {
        console.error(message);
        if (this.tap) this.report("error", { call: "sendUpdate", message, thrown: false });
      }
      for (const message of out.warnings) console.warn(message);
      const stored = out.stored;
      if (!stored) return;
      this.#keep(stored, true);
      this.report("update", {
        uid: stored.record[0],
        serial: stored.serial,
        size: stored.record[2].length,
        info: stored.info,
        summary: stored.summary,
        document: stored.document,
        payload: this.tap ? stored.record[2].slice(0, 200) : undefined,
      });
    });
  }

  /**
   * `setUpdateListener(listener, serial)`
   * @param {(update: unknown) => void} listener
   * @param {unknown} serial
   * @returns {Promise<void>}
   */
  listen(listener, serial) {
    return new Promise((resolve) =>
      this.#whenLive(() => {
        this.listener = listener;
        // What is being kept now is in what follows; its own delivery will not be.
        this.shown = this.latest;
        // Read as JS reads a number; what a serial means is the core's.
        this.queue.push(...this.core.after(Number(serial)), () => resolve());
        this.#drain();
      }),
    );
  }

  /**
   * Python is live: read what was kept, give it to the core, open the channel to the
   * other tabs, then carry out the calls made meanwhile.
   * @param {any} BrowserUpdates  the core's class
   * @param {string} scope  the updates channel's name (one per chat and app instance)
   * @param {number} interval
   * @param {number} maxSize
   * @param {any} endpoint  the page's BrowserEndpoint: the network's word on updates
   */
  async start(BrowserUpdates, scope, interval, maxSize, endpoint) {
    this.relaySubject = endpoint.relay_updates_subject;
    this.scope = scope;
    /** @type {{ uid: string, sender: string, text: string }[]} */
    let chat = [];
    /** @type {{ serial: number, uid: string }[]} */
    let log = [];
    try {
      this.db = await openDatabase();
      const tx = this.db.transaction(["chat", "log"], "readonly");
      [chat, log] = await Promise.all([
        done(tx.objectStore("chat").index("scope").getAll(scope)),
        done(
          tx
            .objectStore("log")
            .getAll(IDBKeyRange.bound([scope, this.selfAddr, 0], [scope, this.selfAddr, Infinity])),
        ),
      ]);
    } catch (error) {
      this.db = null;
      console.warn(`${PREFIX} updates are kept in memory only: IndexedDB is not available here (${error})`);
    }
    this.core = BrowserUpdates(
      this.selfAddr,
      log.map((entry) => [entry.serial, entry.uid]),
      chat.map((entry) => [entry.uid, entry.sender, entry.text]),
      interval,
      maxSize,
    );
    this.#put((tx) => {
      for (const [serial, uid] of this.core.added())
        tx.objectStore("log").put({ scope, peer: this.selfAddr, serial, uid });
    });
    this.wire = new BroadcastChannel(scope);
    this.wire.onmessage = (event) => this.#arrived(event.data, endpoint);
    this.relay?.subscribe(this.relaySubject, (data) => {
      try {
        this.#arrived(JSON.parse(new TextDecoder().decode(data)), endpoint);
      } catch {
        // not JSON: not a record of ours; the core would drop it anyway
      }
    });
    if (this.relay) this.#sync(this.relay, endpoint.relay_sync_subject, endpoint.sync_answer_ms);
    for (const call of this.pending.splice(0)) call();
  }

  /**
   * A record from another tab, or from beyond this browser.
   * @param {unknown} record
   * @param {any} endpoint
   */
  #arrived(record, endpoint) {
    const take = () => {
      const got = this.core.receive(record);
      if (!got) return; // malformed, or known already
      this.#keep(got, false);
      if (got.notify) this.report("notify", { text: got.notify, from: got.record[1] });
    };
    if (!this.network.active || !Array.isArray(record) || record.length !== 3) return take();
    const [uid, sender, text] = record.map(String);
    const verdict = endpoint.judge_update(sender, uid, text.length, performance.now());
    const fate = this.network.schedule(verdict, take);
    if (this.tap) this.report("update-in", { uid, from: sender, fate });
  }

  /**
   * Updates are kept, not ephemeral: a peer that was away from the relay, or joins it
   * later, asks each peer for its own updates (the sync subject) when it connects, and
   * gets them once (the core knows each by its id). Requests that come together get one
   * answer, `delay` ms later (the core's SYNC_ANSWER_MS).
   * @param {import("./relay-link.js").RelayLink} relay
   * @param {string} subject
   * @param {number} delay
   */
  #sync(relay, subject, delay) {
    let answering = false;
    relay.subscribe(subject, () => {
      if (answering) return;
      answering = true;
      setTimeout(() => {
        answering = false;
        for (const record of this.core?.own() ?? [])
          relay.publishKept(this.relaySubject, new TextEncoder().encode(JSON.stringify(record)));
      }, delay);
    });
    const ask = () => relay.publishKept(subject, new Uint8Array(0));
    relay.onConnected.push(ask);
    this.unsync = () => relay.onConnected.splice(relay.onConnected.indexOf(ask) >>> 0, 1);
    if (relay.status === "connected") ask();
  }

  /** The page is going and its runtime stays (the host page's): let the core's log go. */
  release() {
    this.core?.close();
    this.core = null;
    this.unsync();
    this.pending.length = 0;
    this.wire?.close();
  }

  /** @param {() => void} call */
  #whenLive(call) {
    if (this.core) call();
    else this.pending.push(call);
  }

  /** @param {string} delivery  JSON of what the listener gets */
  #deliver(delivery) {
    this.queue.push(delivery);
    this.#drain();
  }

  /** Hand queued updates to the listener, in order, asynchronously. */
  #drain() {
    if (this.draining) return;
    this.draining = true;
    queueMicrotask(() => {
      this.draining = false;
      for (const item of this.queue.splice(0)) {
        if (typeof item === "function") {
          item();
        } else if (this.listener) {
          try {
            this.listener(JSON.parse(item));
          } catch (error) {
            console.error(
              `${PREFIX} the app's update listener threw; later updates are still delivered.`,
              error,
            );
          }
        }
      }
    });
  }

  /**
   * Keep an update in this peer's log (and, our own, in the chat's records); once it is
   * kept, hand it to the listener and, our own, send it to the other tabs. A messenger
   * stores an update before the app hears of it: an update the app was given is still
   * there after a reload. Writes commit in the order they began, which is the serials'.
   * @param {StoredUpdate} stored
   * @param {boolean} own
   */
  #keep(stored, own) {
    const [uid, sender, text] = stored.record;
    const record = Array.from(stored.record);
    this.latest = stored.serial;
    this.#put(
      (tx) => {
        if (own) tx.objectStore("chat").add({ scope: this.scope, uid, sender, text });
        tx.objectStore("log").put({ scope: this.scope, peer: this.selfAddr, serial: stored.serial, uid });
      },
      () => {
        // A listener set meanwhile was given it already (`after`).
        if (stored.serial > this.shown) this.#deliver(stored.delivery);
        if (!own) return;
        this.wire?.postMessage(record);
        this.relay?.publishKept(this.relaySubject, new TextEncoder().encode(JSON.stringify(record)));
      },
    );
  }

  /**
   * A write transaction over both stores; `then` once it is committed (at once without
   * a database).
   * @param {(tx: IDBTransaction) => void} write
   * @param {() => void} [then]
   */
  #put(write, then) {
    if (!this.db) {
      then?.();
      return;
    }
    const tx = this.db.transaction(["chat", "log"], "readwrite");
    write(tx);
    tx.oncomplete = () => then?.();
    tx.onerror = () => {
      console.error(`${PREFIX} could not keep an update:`, tx.error);
      then?.();
    };
  }
}

/** @returns {Promise<IDBDatabase>} */
async function openDatabase() {
  const request = openOwnDatabase(DB_NAME, DB_VERSION);
  request.onupgradeneeded = () => {
    const db = request.result;
    db.createObjectStore("chat", { autoIncrement: true }).createIndex("scope", "scope");
    db.createObjectStore("log", { keyPath: ["scope", "peer", "serial"] });
  };
  const db = await done(request);
  db.onversionchange = () => db.close(); // a reset deletes the database: let it
  return db;
}

/**
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
