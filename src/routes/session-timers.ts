/**
 * A streaming connection's two clocks: inactivity and the longest a session may last however
 * busy. Either one running out ends the session with a protocol error.
 *
 * Inactivity means nothing either way: no client message and no audio taken by the client.
 * A client that sent `close` and now plays out a long queue at its own pace sends nothing for
 * a while, yet it is reading: only a socket silent both ways (or a reader stalled that long)
 * is idle. Audio is frequent, so activity is a timestamp and the timer re-arms itself lazily
 * instead of being reset per frame.
 */
import { ProtocolError } from './stream-context.ts'

/**
 * @example
 * const timers = new SessionTimers(20, (err) => connection.fail(err))
 * timers.start(3600)
 * timers.touch() // on every client message and every frame the socket took
 * timers.stop()
 */
export class SessionTimers {
  #idle: ReturnType<typeof setTimeout> | undefined
  #lifetime: ReturnType<typeof setTimeout> | undefined
  #lastActivity = 0
  #stopped = false

  constructor(
    private idleSeconds: number,
    private readonly onTimeout: (err: ProtocolError) => void,
  ) {}

  /** Starts both clocks as the socket opens. */
  start(maxSessionSeconds: number): void {
    this.#arm()
    this.#lifetime = setTimeout(
      () => this.onTimeout(new ProtocolError('session_too_long', `Sessions last at most ${maxSessionSeconds} s: reconnect to go on.`)),
      maxSessionSeconds * 1000,
    )
  }

  /** Something moved on the socket: the inactivity clock starts over. */
  touch(): void {
    this.#lastActivity = performance.now()
  }

  /** Changes the inactivity timeout and starts it over. */
  setIdleTimeout(seconds: number): void {
    this.idleSeconds = seconds
    this.#arm()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#idle)
    clearTimeout(this.#lifetime)
  }

  #arm(): void {
    clearTimeout(this.#idle)
    this.touch()
    this.#idle = setTimeout(() => this.#check(), this.idleSeconds * 1000)
  }

  #check(): void {
    if (this.#stopped) return
    const quietMs = performance.now() - this.#lastActivity
    const leftMs = this.idleSeconds * 1000 - quietMs
    if (leftMs > 0) {
      this.#idle = setTimeout(() => this.#check(), leftMs)
      return
    }
    this.onTimeout(new ProtocolError('input_timeout_exceeded', `Nothing sent or read for ${this.idleSeconds} s: closing.`))
  }
}
