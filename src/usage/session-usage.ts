/**
 * One streaming connection's usage (every WebSocket protocol, every context): text is
 * admitted as it arrives (the key's rate and budget; its reservation held until the
 * utterances it becomes are over), and each utterance is recorded once its synthesis ends.
 *
 * - An utterance whose engine produced audio is recorded and billed for its whole text
 *   (the engine was sent all of it), even if a cancel cut it: what was synthesised is paid.
 * - One that failed or was cancelled before any audio records nothing; text never spoken
 *   (dropped by a cancel, or left when the socket closed) gives its reservation back.
 */
import type { ApiKey } from '../keys/keys-file.ts'
import { assertVoiceAllowed } from '../keys/key-access.ts'
import type { Voice } from '../tts/engine.ts'
import type { Reservation } from './budgets.ts'
import type { Metering } from './metering.ts'
import { ANONYMOUS } from './usage-event.ts'

/** How one utterance's synthesis ended. */
export interface UtteranceUsage {
  text: string
  /** The configured engine that spoke, when the engine router said. */
  engine?: string
  /** True when an engine synthesised audio for it (not served from the cache). */
  synthesised: boolean
  audioSeconds: number
}

/**
 * @example
 * const usage = new SessionUsage(metering, key, voice, 'eleven_multilingual_v2') // throws 403 for a voice the key may not use
 * await usage.take('Hello there. ')
 * usage.utterance({ text: 'Hello there.', synthesised: true, audioSeconds: 0.8 })
 * usage.close()
 */
export class SessionUsage {
  readonly #engine: string
  readonly #id: string
  /** Reservations of text admitted and not yet spoken, oldest first. */
  #held: Reservation[] = []
  #closed = false

  constructor(
    private readonly m: Metering,
    private readonly key: ApiKey | undefined,
    voice: Voice,
    private readonly model: string,
  ) {
    this.#engine = m.engineOf(voice)
    this.#id = key?.id ?? ANONYMOUS
    if (key) assertVoiceAllowed(key, voice.id, this.#engine)
  }

  /**
   * Admits arriving text: the key's characters per minute (ApiError 429) and budget
   * (QuotaExceededError). A Promise only when the budget is held in Redis.
   */
  take(text: string): void | Promise<void> {
    const key = this.key
    // Whitespace alone (a keep-alive) is never refused: it speaks nothing.
    if (!key || text.trim().length === 0) return
    this.m.chargeRate?.(key, text.length)
    if (!key.budget) return
    const reserving = this.m.budgets.reserve(key, text.length, (text.length * this.m.price(this.#engine)) / 1e6)
    if (!(reserving instanceof Promise)) return this.#hold(reserving)
    return reserving.then((r) => this.#hold(r))
  }

  /** An utterance's synthesis ended: recorded when it produced audio. */
  utterance(u: UtteranceUsage): void {
    if (!u.synthesised && u.audioSeconds === 0) return
    const requested = u.text.length
    const cost = this.m.ledger.record({
      key: this.#id,
      engine: u.engine ?? this.#engine,
      model: this.model,
      requested,
      billed: u.synthesised ? requested : 0,
      audioSeconds: u.audioSeconds,
    })
    const portions = this.#consume(requested)
    this.m.budgets.settle(this.#id, portions[0], { chars: requested, usd: cost })
    for (const portion of portions.slice(1)) this.m.budgets.settle(this.#id, portion, { chars: 0, usd: 0 })
  }

  /** The connection closed: text admitted but never spoken gives its reservation back. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const r of this.#held) this.m.budgets.settle(this.#id, r, { chars: 0, usd: 0 })
    this.#held = []
  }

  #hold(reservation: Reservation): void {
    // Admitted after the socket closed (a Redis reply that came late): hand it straight back.
    if (this.#closed) return this.m.budgets.settle(this.#id, reservation, { chars: 0, usd: 0 })
    this.#held.push(reservation)
  }

  /** Takes `chars` from the oldest reservations (the text an utterance is made of), in portions. */
  #consume(chars: number): (Reservation | undefined)[] {
    const portions: Reservation[] = []
    let left = chars
    while (left > 0 && this.#held.length > 0) {
      const r = this.#held[0]!
      const take = Math.min(left, r.chars)
      const usd = r.chars > 0 ? (r.usd * take) / r.chars : 0
      portions.push({ ...r, chars: take, usd })
      r.chars -= take
      r.usd -= usd
      left -= take
      if (r.chars <= 0) this.#held.shift()
    }
    return portions.length ? portions : [undefined]
  }
}
