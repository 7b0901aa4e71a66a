/**
 * Client side of the fleet scenario: speech requests through the load balancer with a
 * bounded number in flight, each with its own `x-request-id` so a failure can be found in
 * HAProxy's log (which replica held it).
 */

export interface Outcome {
  id: string
  status: number
  bytes: number
  /** Transport failure (connection reset, ...) or a non-200 answer. */
  error?: string
}

/** About 120 words: long enough that a replica's queue of them takes a while to clear. */
const SENTENCES = [
  'Replicas behind a load balancer share one cache and one lease for every distinct text.',
  'The first replica to take the lease synthesises, and the others wait for its audio.',
  'A replica that is told to stop fails its health check at once and keeps serving a while.',
  'Requests already accepted finish before the process leaves, so clients never notice.',
  'Streaming sessions are asked to reconnect elsewhere once their current utterance is spoken.',
  'When a replica dies outright, only the requests it held are lost, and its lease expires.',
  'The queue of waiting syntheses is the signal an autoscaler reads to add replicas.',
]

/**
 * A distinct text per index within a run.
 *
 * @example
 * fleetText('a1b2', 3) // 'Fleet text 3 of run a1b2. Replicas behind ...'
 */
export function fleetText(run: string, i: number): string {
  return `Fleet text ${i} of run ${run}. ${SENTENCES.join(' ')}`
}

/** One OpenAI-style request through `url`; never rejects. */
export async function speak(url: string, id: string, input: string): Promise<Outcome> {
  try {
    const res = await fetch(`${url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      // A fresh connection per request: Bun's client pool can hand out a socket the balancer
      // has just reset (seen as ECONNRESET with no trace in HAProxy's log), a client-side
      // artefact that would be charged to the fleet.
      keepalive: false,
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'mp3' }),
    })
    const bytes = (await res.arrayBuffer()).byteLength
    if (res.status !== 200) return { id, status: res.status, bytes, error: `HTTP ${res.status}` }
    // A 200 whose body was cut short would be a client error too.
    if (bytes < 1000) return { id, status: res.status, bytes, error: `short body (${bytes} bytes)` }
    return { id, status: res.status, bytes }
  } catch (err) {
    return { id, status: 0, bytes: 0, error: err instanceof Error ? err.message : String(err) }
  }
}

/**
 * Keeps `concurrency` requests in flight, text `textOf(n)` for the n-th, until `stop()` is
 * called or `max` have been sent; `done` resolves with every outcome.
 *
 * @example
 * const load = new Load(lb.url, 6, (n) => fleetText(run, n % 10), 500)
 * await somethingElse()
 * const outcomes = await load.stop()
 */
export class Load {
  readonly outcomes: Outcome[] = []
  #sent = 0
  #inflight = 0
  #stopped = false
  readonly done: Promise<Outcome[]>
  #progress: (() => void)[] = []

  constructor(
    private readonly url: string,
    concurrency: number,
    private readonly textOf: (n: number) => string,
    private readonly max: number,
    private readonly prefix = 'fleet',
  ) {
    this.done = Promise.all(Array.from({ length: concurrency }, () => this.#lane())).then(() => this.outcomes)
  }

  /** Requests sent so far; the n-th carries the request id `<prefix>-<n>`. */
  get sent(): number {
    return this.#sent
  }

  /** Requests sent and not yet answered. */
  get inflight(): number {
    return this.#inflight
  }

  /** Resolves once `count` more requests have been answered. */
  answered(count: number): Promise<void> {
    const target = this.outcomes.length + count
    const reached = new Promise<void>((resolve) => {
      const check = () => {
        if (this.outcomes.length >= target) resolve()
        else this.#progress.push(check)
      }
      check()
    })
    // A load that ran out of requests answers no more.
    return Promise.race([reached, this.done.then(() => {})])
  }

  stop(): Promise<Outcome[]> {
    this.#stopped = true
    return this.done
  }

  async #lane(): Promise<void> {
    while (!this.#stopped && this.#sent < this.max) {
      const n = this.#sent++
      this.#inflight++
      const outcome = await speak(this.url, `${this.prefix}-${n}`, this.textOf(n))
      this.#inflight--
      this.outcomes.push(outcome)
      const waiting = this.#progress
      this.#progress = []
      for (const check of waiting) check()
    }
  }
}
