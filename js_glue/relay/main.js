// @ts-check
/**
 * The relay's client in the page: the NATS project's own (`@nats-io/nats-core`, its
 * WebSocket connect), bundled on its own as dist/relay.mjs, which only pages with a relay
 * load (js_glue/webxdc/relay-link.js imports it). It reconnects by itself, to another server of
 * the cluster if there is one (given, or learnt from the cluster), and says so through `onStatus`.
 */
import { wsconnect } from "@nats-io/nats-core";

/**
 * @typedef {{ type: string, server?: string, error?: string }} RelayStatus
 * @typedef {object} RelayClient
 * @property {string} server  the server connected to first
 * @property {(subject: string, data: Uint8Array) => void} publish
 * @property {(subject: string, onMessage: (data: Uint8Array) => void) => () => void} subscribe
 *   returns a function that unsubscribes
 * @property {() => Promise<void>} close
 */

/**
 * @param {object} options
 * @param {string[]} options.servers  ws:// URLs, without credentials
 * @param {string} [options.token]  a token (every chat)
 * @param {string} [options.user]  or a chat's credentials (`relay --chat`)
 * @param {string} [options.pass]
 * @param {string} options.name  how the servers see this connection
 * @param {(status: RelayStatus) => void} options.onStatus
 * @returns {Promise<RelayClient>}
 */
export async function connect({ servers, token, user, pass, name, onStatus }) {
  const nc = await wsconnect({
    servers,
    token,
    user,
    pass,
    name,
    noEcho: true, // our own frames: the core would drop them anyway
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // The cluster's other servers, as they advertise themselves (`webxdc-realtime relay`
    // makes them advertise the address pages reach): given one server, the page fails
    // over to the others too.
    ignoreClusterUpdates: false,
  });
  (async () => {
    for await (const status of nc.status()) {
      const s = /** @type {any} */ (status);
      onStatus({ type: s.type, server: s.server, error: s.error?.message });
    }
  })().catch(() => {});
  nc.closed().then((error) => onStatus({ type: "close", error: error?.message }));
  return {
    server: nc.getServer(),
    publish: (subject, data) => nc.publish(subject, data),
    subscribe: (subject, onMessage) => {
      const sub = nc.subscribe(subject, {
        callback: (error, msg) => {
          if (!error) onMessage(msg.data);
        },
      });
      return () => sub.unsubscribe();
    },
    close: () => nc.close(),
  };
}
