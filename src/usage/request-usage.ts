/**
 * One HTTP speech request's usage: admitted by the route once the request is valid
 * (metering.ts), told how its audio was served, and recorded once the response is over.
 *
 * - A request that ends before any audio (an error, a client gone before the first byte)
 *   records nothing and hands its reservation back.
 * - One cut after audio began records what it asked for, and is billed for the whole text
 *   if it made an engine synthesise it: the engine was sent all of it.
 * - A cache hit, or a request that joined another's synthesis, bills nothing.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.ts'
import type { ApiStyle } from '../errors.ts'
import type { ApiKey } from '../keys/keys-file.ts'
import type { Voice } from '../tts/engine.ts'
import { QuotaExceededError, type Reservation } from './budgets.ts'
import { admit, type Admitted, type Metering } from './metering.ts'
import { quotaApiError } from './quota-error.ts'
import { ANONYMOUS } from './usage-event.ts'

/** How the audio was served (a SpeechResult is one). */
export interface ServedAudio {
  engine?: () => string | undefined
  audioSeconds: () => number
  synthesised: () => boolean
}

/**
 * @example
 * await c.get('usage')?.admit({ chars: text.length, voice, model: body.model })
 * const characterCost = c.get('usage')?.served(result, c.get('bodyDone'))
 */
export class RequestUsage {
  #chars = 0
  #model = ''
  #engine = ''
  #reservation: Reservation | undefined
  #served: ServedAudio | undefined
  #ended = false

  constructor(
    private readonly m: Metering,
    private readonly key: ApiKey | undefined,
    private readonly style: ApiStyle,
  ) {}

  /** Admits the request (403, 429, or the budget's error in the API's shape); a Promise only while Redis holds the budget. */
  admit(request: { chars: number; voice: Voice; model: string }): void | Promise<void> {
    let admitted: Admitted | Promise<Admitted>
    try {
      admitted = admit(this.m, this.key, request.chars, request.voice)
    } catch (err) {
      throw this.#shaped(err)
    }
    if (!(admitted instanceof Promise)) return this.#admitted(admitted, request)
    return admitted.then(
      (a) => this.#admitted(a, request),
      (err: unknown) => {
        throw this.#shaped(err)
      },
    )
  }

  #admitted(admitted: Admitted, request: { chars: number; model: string }): void {
    this.#engine = admitted.engine
    this.#reservation = admitted.reservation
    this.#chars = request.chars
    this.#model = request.model
  }

  #shaped(err: unknown): unknown {
    return err instanceof QuotaExceededError ? quotaApiError(err, this.style) : err
  }

  /**
   * The audio is going out: its first bytes are ready and the handler answers 200 with them.
   * Returns the characters billed (`character-cost`). The request is recorded here for a whole
   * body (a cache hit), or once a streamed body (`bodyDone`: `c.get('bodyDone')`, set by
   * streamedBody before the first audio is handed over) has been sent or abandoned.
   */
  served(audio: ServedAudio, bodyDone?: Promise<void>): number {
    this.#served = audio
    if (bodyDone) {
      const delivered = () => this.end(true)
      bodyDone.then(delivered, delivered)
    } else {
      this.end(true)
    }
    return audio.synthesised() ? this.#chars : 0
  }

  /** The handler is over: a request that served no audio hands its reservation back. */
  unserved(): void {
    if (!this.#served) this.end(false)
  }

  /** The response is over: records it if audio went out, else hands the reservation back. */
  end(delivered: boolean): void {
    if (this.#ended) return
    this.#ended = true
    const id = this.key?.id ?? ANONYMOUS
    const served = this.#served
    if (!delivered || !served) {
      if (this.#reservation) this.m.budgets.settle(id, this.#reservation, { chars: 0, usd: 0 })
      return
    }
    const requested = this.#chars
    const cost = this.m.ledger.record({
      key: id,
      engine: served.engine?.() ?? this.#engine,
      model: this.#model,
      requested,
      billed: served.synthesised() ? requested : 0,
      audioSeconds: served.audioSeconds(),
    })
    this.m.budgets.settle(id, this.#reservation, { chars: requested, usd: cost })
  }
}

/**
 * Gives each speech request its RequestUsage (`c.get('usage')`). After apiKeyAuth, so the key
 * is known. Served audio records itself (`served`); what can be left once the handler is over
 * is a budget's reservation for a request that served nothing (an error, a client gone before
 * the first audio), so only a key with a budget waits for the handler here.
 *
 * @example
 * app.use('/v1/audio/speech', usageMeter(metering))
 */
export function usageMeter(metering: Metering): MiddlewareHandler<AppEnv> {
  // Not async, and on a hit (no budget) nothing after next(): this runs on every cache hit.
  return function usageMeterMiddleware(c, next) {
    const key = c.get('apiKey')
    const usage = new RequestUsage(metering, key, c.get('apiStyle'))
    c.set('usage', usage)
    if (!key?.budget) return next()
    return next().then(
      () => usage.unserved(),
      (err: unknown) => {
        usage.unserved()
        throw err
      },
    )
  }
}
