// @ts-check
/**
 * Live reload, for `webxdc-realtime run`: when the app's files change, the command tells
 * its host page, which posts on this channel, and every peer of the origin reloads (in
 * the host page's frames or in tabs of their own), keeping its identity, its storage and
 * the chat's updates. Only where the command asked for it (`liveReload` in its config).
 */

import { RELOAD_CHANNEL } from "../shared/host-page.js";

/** Reload this page when the host page says the app changed. */
export function reloadWhenTold() {
  new BroadcastChannel(RELOAD_CHANNEL).onmessage = () => location.reload();
}
