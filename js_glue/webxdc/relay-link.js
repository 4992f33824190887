// @ts-check
/**
 * Peers beyond one browser: the page's link to a relay (NATS servers, see
 * `webxdc_realtime/relay.py`), set with `?relay=ws://host:port[,ws://...]` (a token as
 * `ws://TOKEN@host:port`, a chat's credentials as `ws://USER:PASSWORD@host:port`),
 * `data-relay`, or `webxdc-realtime run APP --relay`.
 *
 * The client is loaded only then (dist/relay.mjs). Frames and updates go out by
 * BroadcastChannel and by the relay, and come in by both: the core delivers each once. A
 * frame sent while the relay is away is dropped (the channel is ephemeral), never queued,
 * and the app is never blocked. `window.webxdcRealtime.relay` says how it goes: `status`
 * ("connecting", "connected", "reconnecting", "refused", "closed"), `server`, `sent`,
 * `received`, `dropped`.
 */

const PREFIX = "webxdc realtime: relay";

/**
 * Read `?relay=`: servers without their credentials, and those: a token (every chat), or a
 * chat's user and password (`webxdc-realtime relay --chat`: `ws://USER:PASSWORD@host:port`).
 * @param {string} value
 * @returns {{ servers: string[], token?: string, user?: string, pass?: string }}
 */
export function readRelay(value) {
  /** @type {{ token?: string, user?: string, pass?: string }} */
  let auth = {};
  const servers = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const url = new URL(s);
      if (url.password)
        auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
      else if (url.username) auth = { token: decodeURIComponent(url.username) };
      url.username = url.password = "";
      return url.href.replace(/\/$/, "");
    });
  return { servers, ...auth };
}

export class RelayLink {
  /** @type {"connecting" | "connected" | "reconnecting" | "refused" | "closed"} */
  status = "connecting";
  server = "";
  sent = 0;
  received = 0;
  dropped = 0;
  /** @type {import("../relay/main.js").RelayClient | null} */
  client = null;
  /** @type {Array<() => void>} subscriptions asked for before the connection */
  waiting = [];
  /** @type {Array<[string, Uint8Array]>} what must not be lost (updates), kept while away */
  held = [];
  /** @type {Array<() => void>} called on each connection and reconnection */
  onConnected = [];

  /** @param {string} value  `?relay=` */
  constructor(value) {
    this.value = value;
  }

  /**
   * Load the client and connect.
   * @param {string} baseUrl  where relay.mjs is
   */
  async start(baseUrl) {
    const { servers, ...auth } = readRelay(this.value);
    try {
      const { connect } = await import(/* @vite-ignore */ baseUrl + "relay.mjs");
      this.client = await connect({
        servers,
        ...auth,
        name: "webxdc-realtime page",
        onStatus: (/** @type {import("../relay/main.js").RelayStatus} */ s) => this.#status(s),
      });
    } catch (error) {
      this.status = "refused";
      console.error(
        `${PREFIX}: could not connect to ${servers.join(", ")}: ${/** @type {Error} */ (error).message}`,
      );
      return;
    }
    this.status = "connected";
    this.server = /** @type {import("../relay/main.js").RelayClient} */ (this.client).server;
    console.info(`${PREFIX}: connected to ${this.server}`);
    for (const subscribe of this.waiting.splice(0)) subscribe();
    this.#connected();
  }

  /** Connected, or again: send what was kept meanwhile, then tell who wants to know. */
  #connected() {
    for (const [subject, data] of this.held.splice(0)) this.client?.publish(subject, data);
    for (const call of this.onConnected) call();
  }

  /** @param {import("../relay/main.js").RelayStatus} s */
  #status(s) {
    if (s.type === "disconnect") {
      this.status = "reconnecting";
      console.warn(`${PREFIX}: lost ${s.server}; reconnecting (frames sent meanwhile are dropped)`);
    } else if (s.type === "reconnect") {
      this.status = "connected";
      this.server = s.server ?? this.server;
      console.info(`${PREFIX}: reconnected to ${this.server}`);
      this.#connected();
    } else if (s.type === "close") {
      this.status = "closed";
      if (s.error) console.error(`${PREFIX}: closed: ${s.error}`);
    } else if (s.type === "error" && /permissions violation/i.test(s.error ?? "")) {
      // Credentials of another chat (`relay --chat`): the servers keep this one's subjects.
      this.status = "refused";
      console.error(
        `${PREFIX}: the relay refused this chat to these credentials: they are another chat's ` +
          `(\`webxdc-realtime relay --chat\` prints each chat's). It said: ${s.error}`,
      );
    } else if (s.type === "error" && s.error) {
      console.error(`${PREFIX}: ${s.error}`);
    }
  }

  /**
   * Send frames to the relay, if it is there now: frames sent while it is away are
   * dropped (the channel is ephemeral) and counted.
   * @param {string} subject
   * @param {Uint8Array} data  copied now (the client keeps what it is given until its next
   *   write to the socket), unless `owned`
   * @param {number} [frames]  how many frames `data` holds (a message of frames), for the counts
   * @param {boolean} [owned]  `data` is the relay's now: nobody writes to it after
   */
  publish(subject, data, frames = 1, owned = false) {
    if (this.status !== "connected" || !this.client) {
      this.dropped += frames;
      return;
    }
    this.client.publish(subject, owned ? data : data.slice());
    this.sent += frames;
  }

  /**
   * Send what must not be lost (an update): now, or once the relay is back.
   * @param {string} subject
   * @param {Uint8Array} data  kept as it is
   */
  publishKept(subject, data) {
    if (this.status === "connected" && this.client) this.client.publish(subject, data);
    else if (this.status !== "refused" && this.status !== "closed") this.held.push([subject, data]);
  }

  /**
   * @param {string} subject
   * @param {(data: Uint8Array) => void} onMessage
   * @returns {() => void} unsubscribes
   */
  subscribe(subject, onMessage) {
    let stop = () => {};
    let stopped = false;
    const subscribe = () => {
      if (stopped || !this.client) return;
      stop = this.client.subscribe(subject, (data) => {
        this.received += 1;
        onMessage(data);
      });
    };
    if (this.client) subscribe();
    else this.waiting.push(subscribe);
    return () => {
      stopped = true;
      stop();
    };
  }

  /** What `webxdcRealtime.relay` shows. */
  view() {
    const link = this;
    return {
      get status() {
        return link.status;
      },
      get server() {
        return link.server;
      },
      get sent() {
        return link.sent;
      },
      get received() {
        return link.received;
      },
      get dropped() {
        return link.dropped;
      },
    };
  }
}
