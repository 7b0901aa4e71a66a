/**
 * An upstream's circuit breaker: `threshold` failures in a row open it; while open every call
 * is refused at once; `halfOpenAfterMs` later one call goes through as a trial (the calls that
 * arrive meanwhile wait for its outcome), and the trial closes the circuit again or reopens it.
 *
 * Told outcomes directly (`settle`) rather than wrapping each call: an upstream call is a
 * stream whose outcome is known at its last byte, and a wrapped call held a suspended frame and
 * its promises for all that time. The rules are cockatiel's `ConsecutiveBreaker` with
 * `halfOpenAfter` and one trial call, which this replaced.
 */
import { WaitingLine } from './waiting-line.ts'

export type CircuitState = 'closed' | 'half_open' | 'open'

/**
 * How a call ended, for the breaker: `failure` counts against the upstream; `ignored` is an
 * error that says nothing of its health (a 4xx, the client leaving mid-call): it neither counts
 * nor resets the count, and passes a half-open trial.
 */
export type CircuitOutcome = 'success' | 'failure' | 'ignored'

/** What `enter` hands a call, to give back with its outcome: 0 when admitted closed, else the trial's number. */
export type CircuitPass = number

/** Thrown while the circuit is open. */
export class BrokenCircuitError extends Error {
  constructor() {
    super('circuit breaker is open')
    this.name = 'BrokenCircuitError'
  }
}

/**
 * @example
 * const circuit = new CircuitBreaker(5, 10_000, (state) => gauge.set(state))
 * const pass = circuit.tryEnter() ?? (await circuit.enter(signal)) // throws BrokenCircuitError when open
 * circuit.settle(pass, ok ? 'success' : 'failure')
 */
export class CircuitBreaker {
  #state: CircuitState = 'closed'
  #failures = 0
  #openedAt = 0
  /** The trial in flight while half-open (0: none), and how many trials there have been. */
  #trial = 0
  #trials = 0
  readonly #waiting = new WaitingLine()

  constructor(
    readonly threshold: number,
    readonly halfOpenAfterMs: number,
    private readonly onChange?: (state: CircuitState) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    return this.#state
  }

  /** A pass now; throws BrokenCircuitError when open; undefined while a half-open trial decides. */
  tryEnter(): CircuitPass | undefined {
    if (this.#state === 'closed') return 0
    if (this.#state === 'half_open') return undefined
    if (this.now() - this.#openedAt < this.halfOpenAfterMs) throw new BrokenCircuitError()
    this.#trial = ++this.#trials
    this.#set('half_open')
    return this.#trial
  }

  /** As `tryEnter`, waiting for a half-open trial's outcome first; rejects with the signal's reason if it aborts. */
  async enter(signal?: AbortSignal): Promise<CircuitPass> {
    for (;;) {
      const pass = this.tryEnter()
      if (pass !== undefined) return pass
      await this.#waiting.wait(signal)
    }
  }

  /** A call's outcome. A pass from an earlier trial (the circuit reopened since) changes nothing. */
  settle(pass: CircuitPass, outcome: CircuitOutcome): void {
    if (pass === 0) {
      if (outcome === 'success') this.#failures = 0
      else if (outcome === 'failure' && ++this.#failures >= this.threshold) this.#open()
      return
    }
    if (pass !== this.#trial) return
    if (outcome === 'failure') {
      this.#failures++
      this.#open()
      return
    }
    this.#failures = 0
    this.#trial = 0
    this.#set('closed')
    this.#waiting.wakeAll()
  }

  #open(): void {
    if (this.#state === 'open') return
    this.#openedAt = this.now()
    this.#trial = 0
    this.#set('open')
    this.#waiting.wakeAll()
  }

  #set(state: CircuitState): void {
    this.#state = state
    this.onChange?.(state)
  }
}
