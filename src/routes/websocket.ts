/**
 * WebSocket plumbing on Bun's native server, without Hono's helper: Hono's `ws.send`
 * hides the send result (Bun silently drops messages past its buffer) and it has no
 * `drain` event, and we need both for backpressure. Per-connection state lives on the
 * raw socket's `data`, since Hono would build a new context object for every event.
 */
import type { Server, ServerWebSocket, WebSocketHandler } from 'bun'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'

/** What a protocol implements for one connection. */
export interface WsConnection {
  open(ws: ServerWebSocket<WsData>): void
  message(ws: ServerWebSocket<WsData>, message: string | Buffer): void
  close(ws: ServerWebSocket<WsData>, code: number, reason: string): void
  drain(ws: ServerWebSocket<WsData>): void
}

export interface WsData {
  connection: WsConnection
}

export interface WebsocketOptions {
  /** Largest client message; Bun closes the socket with 1009 beyond it. */
  maxMessageBytes: number
}

/**
 * The `websocket` handler for Bun.serve, dispatching to each connection's protocol.
 *
 * @example
 * Bun.serve({ fetch: app.fetch, websocket: createWebsocketHandler({ maxMessageBytes: 1 << 20 }) })
 */
export function createWebsocketHandler(options: WebsocketOptions): WebSocketHandler<WsData> {
  return {
    maxPayloadLength: options.maxMessageBytes,
    // Inactivity is each protocol's business (ElevenLabs' inactivity_timeout); pings keep
    // idle but healthy connections through proxies.
    idleTimeout: 0,
    sendPings: true,
    perMessageDeflate: false,
    open: (ws) => ws.data.connection.open(ws),
    message: (ws, message) => ws.data.connection.message(ws, message),
    close: (ws, code, reason) => ws.data.connection.close(ws, code, reason),
    drain: (ws) => ws.data.connection.drain(ws),
  }
}

/**
 * Upgrades the request to a WebSocket served by `connection`, or throws a 426 when the
 * request is not an upgrade (a plain GET by a browser or curl).
 *
 * @example
 * app.get('/v1/stream', (c) => upgrade(c, new OurProtocol(...)))
 */
export function upgrade(c: Context<AppEnv>, connection: WsConnection): Response {
  const server = c.env as Server<WsData> | undefined
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket' || typeof server?.upgrade !== 'function') {
    throw new ApiError({
      status: 426,
      kind: 'bad_request',
      code: 'upgrade_required',
      message: 'This endpoint speaks WebSocket: connect with a WebSocket client (Upgrade: websocket).',
      headers: { upgrade: 'websocket' },
    })
  }
  if (!server.upgrade(c.req.raw, { data: { connection } })) {
    throw new ApiError({ status: 400, kind: 'bad_request', code: 'upgrade_failed', message: 'WebSocket upgrade failed.' })
  }
  // Bun has taken the socket; Hono still wants a Response to finish its middleware chain.
  return new Response(null)
}

/** Maps a raw `send` result to what the session cares about. */
export function sendResult(status: number): 'sent' | 'backpressure' | 'dropped' {
  return status > 0 ? 'sent' : status === -1 ? 'backpressure' : 'dropped'
}
