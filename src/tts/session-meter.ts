/**
 * What a streaming session reports about itself (telemetry/session-metrics.ts): that it
 * started (by model) and is alive for the scrape-time queue gauges, its length when it
 * closes, each barge-in's latency against the 50 ms SLA, and how long each frame took to
 * hand to the socket.
 */
import { context, type Context } from '@opentelemetry/api'
import { observe, type Metrics } from '../telemetry/metrics.ts'
import { BARGE_IN_SLA_SECONDS, type SessionProbe } from '../telemetry/session-metrics.ts'

/**
 * @example
 * const meter = new SessionMeter(metrics, session, 'espeak', 'tts-edge')
 * meter.bargeIn(parent, 0.002)
 * meter.closed()
 */
export class SessionMeter {
  readonly #started = performance.now()
  #open = true

  constructor(
    private readonly metrics: Metrics | undefined,
    private readonly session: SessionProbe,
    modelId: string,
    private readonly vendor: 'elevenlabs' | 'tts-edge',
  ) {
    metrics?.sessionsTotal.inc({ model_id: modelId })
    metrics?.liveSessions.add(session)
  }

  /** A cancel took `seconds` to silence the audio; observed in the session span's context (`parent`). */
  bargeIn(parent: Context, seconds: number): void {
    const m = this.metrics
    if (!m) return
    context.with(parent, () => observe(m.bargeInLatency, { vendor: this.vendor }, seconds))
    if (seconds > BARGE_IN_SLA_SECONDS) m.slaViolations.inc({ vendor: this.vendor })
  }

  /** A frame took `seconds` to hand to the socket (and to drain it, when that filled it). */
  frameSent(seconds: number): void {
    this.metrics?.frameSendDuration.observe(seconds)
  }

  /** The session closed: no longer alive, its length observed; once. */
  closed(): void {
    if (!this.#open || !this.metrics) return
    this.#open = false
    this.metrics.liveSessions.delete(this.session)
    this.metrics.sessionDuration.observe((performance.now() - this.#started) / 1000)
  }
}
