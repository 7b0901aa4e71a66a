/**
 * A streaming connection's two clocks: inactivity (no client message for a while; ElevenLabs'
 * `inactivity_timeout` sets it) and the longest a session may last however busy. Either one
 * running out ends the session with a protocol error.
 */
import { ProtocolError } from './stream-context.ts'

/**
 * @example
 * const timers = new SessionTimers(20, (err) => connection.fail(err))
 * timers.start(3600)
 * timers.touch() // on every client message
 * timers.stop()
 */
export class SessionTimers {
  #idle: ReturnType<typeof setTimeout> | undefined
  #lifetime: ReturnType<typeof setTimeout> | undefined

  constructor(
    private idleSeconds: number,
    private readonly onTimeout: (err: ProtocolError) => void,
  ) {}

  /** Starts both clocks as the socket opens. */
  start(maxSessionSeconds: number): void {
    this.touch()
    this.#lifetime = setTimeout(
      () => this.onTimeout(new ProtocolError('session_too_long', `Sessions last at most ${maxSessionSeconds} s: reconnect to go on.`)),
      maxSessionSeconds * 1000,
    )
  }

  /** The client was heard from: the inactivity clock starts over. */
  touch(): void {
    clearTimeout(this.#idle)
    this.#idle = setTimeout(
      () => this.onTimeout(new ProtocolError('input_timeout_exceeded', `No message for ${this.idleSeconds} s: closing.`)),
      this.idleSeconds * 1000,
    )
  }

  /** Changes the inactivity timeout and starts it over. */
  setIdleTimeout(seconds: number): void {
    this.idleSeconds = seconds
    this.touch()
  }

  stop(): void {
    clearTimeout(this.#idle)
    clearTimeout(this.#lifetime)
  }
}
