// The types of what `webxdc.js` adds to a page beside `window.webxdc` (whose types are
// `@webxdc/types`'): the handle for tools, and the settings a host may give before the
// script. The handle's type is the glue's own, declared from its JSDoc at `make release`.
import type { WebxdcRealtime } from "./index.js";

declare global {
  interface Window {
    /** How webxdc-realtime goes in this page: `status`, `ready`, `stats()`, `network`, ... */
    webxdcRealtime: WebxdcRealtime;
    /** Settings from a host, set before `webxdc.js` (`baseUrl`, `profile`, `chat`, ...). */
    webxdcRealtimeConfig?: Record<string, unknown>;
  }
}

export type { WebxdcRealtime };
