/**
 * One unit of a streaming session's text (a sentence, schedule chunk or flush): its
 * synthesis, started ahead of its turn, collects audio chunks for the sender to read in
 * order; a cancel aborts it. It carries its own short trace (utterance-trace.ts).
 */
import { context, trace, type Context } from '@opentelemetry/api'
import type { Metrics } from '../telemetry/metrics.ts'
import { recordError } from '../telemetry/tracing.ts'
import type { Engine, PcmChunk, SynthesisSession } from './engine.ts'
import { SynthesisMeter } from './synthesis-meter.ts'
import { endUtteranceTrace, startSynthesisSpan, startUtteranceTrace, type UtteranceOutcome, type UtteranceTraceSetup } from './utterance-trace.ts'

/** What every utterance of a session is synthesised and traced with. */
export interface UtteranceSetup extends UtteranceTraceSetup {
  engine: Engine
  speed: number
  alignment: boolean
  /** The same object for every utterance of the session: engines that hold a connection per session key it on this. */
  session: SynthesisSession
  metrics?: Metrics
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
  readonly chunks: PcmChunk[] = []
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

  /** Starts synthesis, once; its chunks land in `chunks`. */
  start(): void {
    if (this.#started) return
    this.#started = true
    const { engine, voice, speed, format, alignment, session, tracer, metrics } = this.#setup
    const span = startSynthesisSpan(tracer, this.trace, voice, format, this.text)
    const signal = this.#controller.signal
    const meter = new SynthesisMeter(metrics, engine, voice)
    void context.with(trace.setSpan(this.trace, span), async () => {
      try {
        for await (const chunk of engine.synthesize(this.text, voice, { speed, format, alignment, session }, signal)) {
          meter.chunk(chunk)
          this.chunks.push(chunk)
          this.#wake?.()
        }
        span.setAttribute('tts.audio.duration_s', meter.audioSeconds)
        meter.end('completed')
      } catch (err) {
        if (!signal.aborted) {
          this.#error = err
          recordError(span, err)
          meter.end('failed')
        } else {
          span.setAttribute('tts.cancelled', true)
          meter.end('cancelled')
        }
      } finally {
        this.#done = true
        this.#wake?.()
        span.end()
      }
    })
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
