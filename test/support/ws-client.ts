/**
 * A WebSocket test client: records every message and the close, and lets a test await
 * the message it expects (events, not sleeps).
 */

export type Received = { kind: 'text'; data: string; json: any } | { kind: 'binary'; data: Uint8Array }

export class WsClient {
  readonly messages: Received[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  readonly opened: Promise<void>
  #waiters: { predicate: (m: Received) => boolean; resolve: (m: Received) => void; from: number }[] = []
  readonly socket: WebSocket

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers } as unknown as string[])
    this.socket.binaryType = 'arraybuffer'
    this.opened = new Promise((resolve, reject) => {
      this.socket.addEventListener('open', () => resolve(), { once: true })
      this.socket.addEventListener('error', () => reject(new Error(`could not connect to ${url}`)), { once: true })
    })
    this.closed = new Promise((resolve) => this.socket.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason }), { once: true }))
    this.socket.addEventListener('message', (event) => {
      const message: Received =
        typeof event.data === 'string'
          ? { kind: 'text', data: event.data, json: safeParse(event.data) }
          : { kind: 'binary', data: new Uint8Array(event.data as ArrayBuffer) }
      this.messages.push(message)
      const index = this.messages.length - 1
      this.#waiters = this.#waiters.filter((w) => {
        if (index < w.from || !w.predicate(message)) return true
        w.resolve(message)
        return false
      })
    })
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' || message instanceof Uint8Array ? (message as string) : JSON.stringify(message))
  }

  /** The first message (from index `from` on) matching `predicate`. */
  next(predicate: (m: Received) => boolean, from = 0, timeoutMs = 15_000): Promise<Received> {
    const found = this.messages.slice(from).find(predicate)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => (m.kind === 'text' ? m.data.slice(0, 80) : `<${m.data.length} bytes>`)).slice(-5))}`)), timeoutMs)
      this.#waiters.push({ predicate, from, resolve: (m) => (clearTimeout(timer), resolve(m)) })
    })
  }

  json(): any[] {
    return this.messages.filter((m) => m.kind === 'text').map((m) => (m as { json: unknown }).json)
  }

  binary(): Uint8Array[] {
    return this.messages.filter((m) => m.kind === 'binary').map((m) => m.data as Uint8Array)
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export const isJson = (predicate: (json: any) => boolean) => (m: Received) => m.kind === 'text' && m.json !== undefined && predicate(m.json)
