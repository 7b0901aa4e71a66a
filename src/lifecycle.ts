/**
 * What graceful shutdown needs to know: whether we are draining (readiness turns false at
 * once), which HTTP requests are still in flight, and which WebSocket sessions are open
 * (each is asked to finish its current audio and leave with 1012, "service restart":
 * reconnect, to another replica).
 */
import type { Context, MiddlewareHandler } from 'hono'
import { afterBody, type AppEnv } from './app-env.ts'

/** A WebSocket session that can be asked to leave. */
export interface Departing {
  /** Stop taking text, finish the audio already queued, close with 1012. Resolves when closed. */
  goAway(deadline: Promise<void>): Promise<void>
}

export class Lifecycle {
  #draining = false
  #inflight = 0
  #idleWaiters: (() => void)[] = []
  readonly sessions = new Set<Departing>()

  get draining(): boolean {
    return this.#draining
  }

  get inflight(): number {
    return this.#inflight
  }

  /**
   * Counts a request from its start until its body has been sent (streamed bodies too).
   *
   * @example
   * app.use(lifecycle.track())
   */
  track(): MiddlewareHandler<AppEnv> {
    const lifecycle = this
    // Shared, not made per request: a body's promise calls exactly one of its two callbacks once.
    const release = () => {
      lifecycle.#inflight--
      if (lifecycle.#inflight === 0) lifecycle.#wake()
    }
    const answered = (c: Context<AppEnv>) => {
      afterBody(c, release)
      // A keep-alive client would otherwise keep sending to this replica over the same
      // connection (no balancer in between sees it, e.g. behind a Kubernetes Service):
      // tell it to reconnect, and the next connection lands on a replica that stays.
      if (lifecycle.#draining) closeAfterResponse(c.res)
    }
    // Not async: one promise per request instead of an async frame awaiting another.
    return function trackInflight(c, next) {
      lifecycle.#inflight++
      return next().then(
        () => answered(c),
        (err: unknown) => {
          afterBody(c, release)
          throw err
        },
      )
    }
  }

  /**
   * Readiness turns false (load balancers stop sending new work) while everything keeps
   * being served. `drain()` implies it.
   *
   * @example
   * lifecycle.startDraining()
   */
  startDraining(): void {
    this.#draining = true
  }

  /**
   * Starts draining and resolves when every request and session has finished, or at the
   * deadline, whichever comes first. Returns what was still open at the deadline.
   *
   * @example
   * const { requests, sessions } = await lifecycle.drain(10_000)
   */
  async drain(graceMs: number): Promise<{ requests: number; sessions: number }> {
    this.startDraining()
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))
    const requestsDone = this.#inflight === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
    const sessionsDone = Promise.all([...this.sessions].map((s) => s.goAway(deadline)))
    await Promise.race([Promise.all([requestsDone, sessionsDone]), deadline])
    clearTimeout(timer)
    return { requests: this.#inflight, sessions: this.sessions.size }
  }

  #wake(): void {
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

function closeAfterResponse(res: Response): void {
  try {
    res.headers.set('connection', 'close')
  } catch {
    // Immutable headers (a response passed through as is): that client keeps its connection.
  }
}
