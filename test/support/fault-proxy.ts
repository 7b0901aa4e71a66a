/**
 * A TCP proxy between the gateway and its upstream that misbehaves on demand: refuse
 * connections, stall before the first response byte, cut the response after some bytes,
 * trickle it slowly, or deliver it late. Real sockets both ways, so the gateway meets faults as it would
 * in production; the mode can change between requests.
 */
import type { Socket, TCPSocketListener } from 'bun'

export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  | { kind: 'stall' }
  /** Forwards `afterBytes` of the response, then cuts the connection at the upstream's next write. */
  | { kind: 'cut'; afterBytes: number }
  | { kind: 'slow'; bytesPerTick: number; tickMs: number }
  /** Every response byte arrives `ms` later than the upstream sent it (a far-away or slow-to-start upstream), in order. */
  | { kind: 'delay'; ms: number }

export interface FaultProxy {
  url: string
  port: number
  mode: FaultMode
  /** The upstream port connections go to (a restarted upstream listens elsewhere). */
  target: number
  /** Connections the proxy accepted, in total. */
  readonly accepted: number
  /** Closes the listener and every connection it holds. */
  stop(): void
}

interface Pair {
  upstream?: Socket<Pair>
  pending: Uint8Array[]
  responded: number
  mode: FaultMode
  client: Socket<Pair>
  queue: Promise<void>
  closed: boolean
}

/**
 * @example
 * const proxy = await startFaultProxy(upstream.port)
 * proxy.mode = { kind: 'stall' }
 */
export async function startFaultProxy(initialTarget: number): Promise<FaultProxy> {
  const open = new Set<Socket<Pair>>()
  let accepted = 0
  let mode: FaultMode = { kind: 'pass' }
  let listener: TCPSocketListener<Pair> | undefined
  let port = 0
  let target = initialTarget

  // Pooled keep-alive connections outlive a mode change: every pair follows the current mode,
  // counting `cut` bytes from the moment the mode was set.
  const forwardToClient = (pair: Pair, data: Uint8Array) => {
    if (pair.mode !== mode) {
      pair.mode = mode
      pair.responded = 0
    }
    const m = pair.mode
    if (m.kind === 'stall') return
    if (m.kind === 'cut') {
      // The connection is cut when the upstream sends more after the first `afterBytes` (a later
      // write, so the client has had the bytes before it): a cut mid-body, not a race with the first read.
      if (pair.responded >= m.afterBytes) {
        pair.client.end()
        pair.upstream?.end()
        return
      }
      const room = m.afterBytes - pair.responded
      pair.client.write(data.subarray(0, room))
      pair.responded += Math.min(room, data.byteLength)
      return
    }
    if (m.kind === 'delay') {
      const copy = data.slice()
      const due = performance.now() + m.ms
      pair.queue = pair.queue.then(async () => {
        const wait = due - performance.now()
        if (wait > 0) await Bun.sleep(wait)
        if (!pair.closed) pair.client.write(copy)
      })
      return
    }
    if (m.kind === 'slow') {
      const copy = data.slice()
      pair.queue = pair.queue.then(async () => {
        for (let i = 0; i < copy.byteLength; i += m.bytesPerTick) {
          if (pair.closed) return
          pair.client.write(copy.subarray(i, i + m.bytesPerTick))
          await Bun.sleep(m.tickMs)
        }
      })
      return
    }
    pair.client.write(data)
  }

  const listen = () => {
    listener = Bun.listen<Pair>({
      hostname: '127.0.0.1',
      port,
      socket: {
        async open(client) {
          accepted++
          open.add(client)
          const pair: Pair = { pending: [], responded: 0, mode, client, queue: Promise.resolve(), closed: false }
          client.data = pair
          try {
            pair.upstream = await Bun.connect<Pair>({
              hostname: '127.0.0.1',
              port: target,
              data: pair,
              socket: {
                data(_up, data) {
                  forwardToClient(pair, data)
                },
                close() {
                  void pair.queue.then(() => client.end())
                },
                error() {
                  client.end()
                },
              },
            })
            open.add(pair.upstream)
            for (const chunk of pair.pending) pair.upstream.write(chunk)
            pair.pending = []
          } catch {
            client.end()
          }
        },
        data(client, data) {
          const pair = client.data
          if (pair.upstream) pair.upstream.write(data)
          else pair.pending.push(data.slice())
        },
        close(client) {
          open.delete(client)
          if (client.data) client.data.closed = true
          client.data?.upstream?.end()
        },
        error(client) {
          client.data?.upstream?.end()
        },
      },
    })
    port = listener.port
  }
  listen()

  return {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    port,
    get target() {
      return target
    },
    set target(next: number) {
      target = next
    },
    get accepted() {
      return accepted
    },
    get mode() {
      return mode
    },
    set mode(next: FaultMode) {
      // Refusing means nobody listens on the port: the client's connect fails at once.
      if (next.kind === 'refuse' && listener) {
        listener.stop(true)
        listener = undefined
      } else if (next.kind !== 'refuse' && !listener) {
        listen()
      }
      mode = next
    },
    stop() {
      listener?.stop(true)
      listener = undefined
      for (const s of open) s.end()
    },
  }
}
