/**
 * Streaming synthesis sessions and their audio frames, under the names the worker runbook
 * (docs/observability.md, "Seed metrics") queries: `tts_sessions_*`, `tts_session_*`,
 * `tts_frame_*`, and the barge-in SLA's `sla_violations_total`.
 *
 * A session here is one voice speaking one stream of text (a StreamSession): one per
 * `/v1/stream` or stream-input connection, one per context on multi-stream-input. The
 * connection itself is counted by `streaming_*` and `tts_websocket_connections_active`.
 *
 * Queue depths are read at scrape time from the sessions alive then, so sending a frame
 * costs nothing extra; they report the deepest session (no `session_id` label: ids are
 * unbounded), which is what an alert on a backed-up session needs.
 */
import { Counter, Gauge, Histogram, type OpenMetricsContentType, type Registry } from 'prom-client'

/** What a live session exposes to the scrape-time gauges. */
export interface SessionProbe {
  /** Pieces of text waiting for their audio to be sent (the one being sent included). */
  readonly queuedUnits: number
  /** Audio frames synthesised and not yet sent. */
  readonly pendingFrames: number
}

/** A streamed barge-in slower than this breaks the SLA (the seeds' 50 ms). */
export const BARGE_IN_SLA_SECONDS = 0.05

const SESSION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600]
const SEND_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]

export type SessionMetrics = ReturnType<typeof createSessionMetrics>

/**
 * @example
 * const m = createSessionMetrics(registry)
 * m.liveSessions.add(session) // on start; delete on close
 */
export function createSessionMetrics(registry: Registry<OpenMetricsContentType>) {
  const registers = [registry]
  const liveSessions = new Set<SessionProbe>()
  const deepest = (of: (s: SessionProbe) => number) => {
    let max = 0
    for (const s of liveSessions) max = Math.max(max, of(s))
    return max
  }
  return {
    liveSessions,
    sessionsActive: new Gauge({
      name: 'tts_sessions_active',
      help: 'Streaming synthesis sessions open now (a multi-stream-input context is one).',
      registers,
      collect(this: Gauge) {
        this.set(liveSessions.size)
      },
    }),
    sessionsTotal: new Counter({
      name: 'tts_sessions_total',
      help: 'Streaming synthesis sessions started, by the engine (model) that speaks their voice.',
      labelNames: ['model_id'],
      registers,
    }),
    sessionDuration: new Histogram({
      name: 'tts_session_duration_seconds',
      help: 'Streaming synthesis session length, from its first text to its close.',
      buckets: SESSION_BUCKETS,
      registers,
    }),
    sessionQueueDepth: new Gauge({
      name: 'tts_session_queue_depth',
      help: 'Pieces of text waiting for audio in the most backed-up session now.',
      registers,
      collect(this: Gauge) {
        this.set(deepest((s) => s.queuedUnits))
      },
    }),
    frameQueueDepth: new Gauge({
      name: 'tts_frame_queue_depth',
      help: 'Audio frames synthesised but not yet sent, in the most backed-up session now.',
      registers,
      collect(this: Gauge) {
        this.set(deepest((s) => s.pendingFrames))
      },
    }),
    frameSendDuration: new Histogram({
      name: 'tts_frame_send_duration_seconds',
      help: 'Time to hand one audio frame to the client socket and, when that filled the socket, to wait for it to drain.',
      buckets: SEND_BUCKETS,
      registers,
    }),
    slaViolations: new Counter({
      name: 'sla_violations_total',
      help: `Barge-ins (cancels) that took longer than ${BARGE_IN_SLA_SECONDS * 1000} ms to silence audio.`,
      labelNames: ['vendor'],
      registers,
    }),
  }
}
