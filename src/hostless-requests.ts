/**
 * Requests without a Host (HTTP/1.0 with none, HTTP/1.1 with an empty one) reach Bun's
 * `fetch` with a bare path as `req.url` ("/readyz"). Hono reads the path by skipping the
 * scheme and authority of an absolute URL, so such a path routes as garbage ("No route for
 * GET z.") and the most common load balancer health check (HAProxy's default
 * `option httpchk GET /readyz`, HTTP/1.0, no Host) fails. Giving the request this listener's
 * own origin routes it by its path like any other.
 */
import type { Server } from 'bun'

type Fetch<S> = (req: Request, server: S) => Response | Promise<Response>

/**
 * Wraps a `Bun.serve` fetch handler so Host-less requests are routed by their path.
 * Requests with an absolute URL are passed through untouched (same object, so WebSocket
 * upgrades and body streaming behave exactly as before).
 *
 * @example
 * Bun.serve({ port: 8080, fetch: routeHostless(app.fetch) })
 */
export function routeHostless<S extends Pick<Server<unknown>, 'url'>>(fetch: Fetch<S>): Fetch<S> {
  return function fetchRoutable(req, server) {
    if (!req.url.startsWith('/')) return fetch(req, server)
    // The body stream and abort signal travel with the copy.
    return fetch(new Request(server.url.origin + req.url, req), server)
  }
}
