/**
 * One unit of a streaming session's text (a sentence, schedule chunk or flush): looked up in
 * the cache and synthesised when missing, exactly like a batch request of the same text and
 * settings (speech-service.ts), started ahead of its turn; its audio pieces wait for the
 * sender to read them in order; a cancel aborts it. It carries its own short trace
 * (utterance-trace.ts).
 */
import { context, trace, type Context } from '@opentelemetry/api'
import type { SynthesisSession } from './engine.ts'
import type { VoiceParams } from './params/voice-params.ts'
import type { SpeechPiece } from './speech-piece.ts'
import type { Retention, SpeechService, UtteranceResult } from './speech-service.ts'
import type { PreparedUtterance } from '../markup/stream-speech.ts'
import { endUtteranceTrace, startUtteranceTrace, type UtteranceOutcome, type UtteranceTraceSetup } from './utterance-trace.ts'

/** What every utterance of a session is synthesised and traced with. */
export interface UtteranceSetup extends UtteranceTraceSetup {
  /** Where utterances are looked up, synthesised and stored, like batch requests. */
  speech: Pick<SpeechService, 'utter'>
  speed: number
  model: string
  /** The voice parameters the engine honours. */
  params: VoiceParams
  retention: Retention
  alignment: boolean
  /** The same object for every utterance of the session: engines that hold a connection per session key it on this. */
  session: SynthesisSession
  /** Told once, when an utterance that delivered audio ends, how it was served (usage accounting). */
  onSettled?: (settled: { text: string; engine?: string; synthesised: boolean; audioSeconds: number }) => void
}

/**
 * @example
 * const utterance = new Utterance('Hello there.', setup)
 * utterance.start()
 * while (!utterance.done) await utterance.arrival()
 * utterance.end('sent')
 */
export class Utterance {
  readonly queuedAt = performance.now()
  /** The utterance's root span and unit of work, in context. */
  readonly trace: Context
  /** Audio so far, in order. */
  readonly pieces: SpeechPiece[] = []
  readonly #setup: UtteranceSetup
  readonly #controller = new AbortController()
  #started = false
  #done = false
  #error: unknown
  #ended = false
  #wake: (() => void) | undefined

  constructor(
    readonly text: string,
    setup: UtteranceSetup,
    /** The session's text before this one (it keys the audio of engines that condition on it). */
    private readonly context = '',
    /** Makes the unit's internal form (markup, dictionaries, clean-up) once the session's dictionaries are known. */
    private readonly prepare?: () => Promise<PreparedUtterance | undefined>,
  ) {
    this.#setup = setup
    this.trace = startUtteranceTrace(setup, text)
  }

  /** True once synthesis has ended, whole, failed or aborted. */
  get done(): boolean {
    return this.#done
  }

  /** Why synthesis failed (not set when it was aborted). */
  get error(): unknown {
    return this.#error
  }

  /** Resolves when another chunk arrives or synthesis ends. */
  arrival(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined
        resolve()
      }
    })
  }

  /** Starts synthesis (or the cache's replay), once; its pieces land in `pieces`. */
  start(): void {
    if (this.#started) return
    this.#started = true
    const { speech, voice, speed, format, model, params, retention, alignment, session } = this.#setup
    const signal = this.#controller.signal
    // In the utterance's trace: the lookup and the synthesis (when there is one) are its children.
    void context.with(this.trace, async () => {
      let result: UtteranceResult | undefined
      try {
        const prepared = await this.prepare?.()
        const request = { text: this.text, voice, format, speed, model, params, retention, alignment, session, signal, ...(this.context && { context: this.context }), ...(prepared && { prepared }) }
        result = await speech.utter(request)
        trace.getSpan(this.trace)?.setAttribute('tts.cache.result', result.cacheResult)
        for await (const piece of result.pieces) {
          this.pieces.push(piece)
          this.#wake?.()
        }
      } catch (err) {
        // Recorded on the utterance's trace when it ends as failed (not for a cancel).
        if (!signal.aborted) this.#error = err
      } finally {
        this.#done = true
        this.#wake?.()
        this.#settle(result)
      }
    })
  }

  /**
   * Usage: an utterance that got audio (from the cache, or from an engine, even one a cancel
   * then cut: the engine was sent all of its text) is counted; one that got none is not.
   */
  #settle(result: UtteranceResult | undefined): void {
    if (!result || !this.#setup.onSettled || !this.pieces.some((p) => p.samples > 0)) return
    const engine = result.engine?.()
    this.#setup.onSettled({ text: this.text, ...(engine && { engine }), synthesised: result.synthesised(), audioSeconds: result.audioSeconds() })
  }

  /** Barge-in: aborts synthesis (queued or running) and ends the trace as cancelled. */
  cancel(): void {
    this.#controller.abort(new DOMException('cancelled', 'AbortError'))
    this.end('cancelled')
  }

  /** Ends the utterance's trace, once (utterance-trace.ts says which are kept). */
  end(outcome: UtteranceOutcome): void {
    if (this.#ended) return
    this.#ended = true
    endUtteranceTrace(this.trace, outcome, this.#error, (performance.now() - this.queuedAt) / 1000)
  }
}
