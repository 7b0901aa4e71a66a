/**
 * What leaves a streaming connection's socket: nothing once it has closed, Bun's raw send
 * status turned into what a session cares about, and, after backpressure, the wait for
 * Bun's `drain` event (or the close) before a session sends more.
 */
import type { AudioFrame, SendResult, SessionTransport } from '../tts/frame-sender.ts'
import { sendResult } from './websocket.ts'

/**
 * @example
 * const outbox = new SocketOutbox()
 * outbox.send(() => ws.send(JSON.stringify(message)))
 * const transport = outbox.transport((frame) => ws.send(frame.bytes))
 * outbox.drain() // from the websocket handler's drain event
 */
export class SocketOutbox {
  #closed = false
  #drainWaiters: (() => void)[] = []

  /** Sends with `send` (a raw Bun send) unless the socket has closed. */
  send(send: () => number): SendResult {
    if (this.#closed) return 'dropped'
    return sendResult(send())
  }

  /** Resolves at the socket's next drain event, or at once when it has closed. */
  drained(): Promise<void> {
    return this.#closed ? Promise.resolve() : new Promise((resolve) => this.#drainWaiters.push(resolve))
  }

  /** A session's transport whose frames go out through `send`. */
  transport(send: (frame: AudioFrame) => number): SessionTransport {
    return {
      sendAudio: (frame) => this.send(() => send(frame)),
      drained: () => this.drained(),
    }
  }

  /** The socket can take more: whoever waits on backpressure goes on. */
  drain(): void {
    const waiters = this.#drainWaiters
    this.#drainWaiters = []
    for (const resolve of waiters) resolve()
  }

  /** The socket has closed: nothing more is sent and no one waits. */
  close(): void {
    this.#closed = true
    this.drain()
  }
}
