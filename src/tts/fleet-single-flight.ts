/**
 * Fleet-wide single-flight: replicas sharing a Redis produce each distinct request once.
 * The replica that wins the lease synthesises and holds it until the file is stored; the
 * others serve the file it stored.
 */
import { SpanKind, type Context } from '@opentelemetry/api'
import { withSpan } from '../telemetry/tracing.ts'
import { hasAlignment, replay } from './speech-piece.ts'
import { synthesiseFlight, type Flight, type ProductionDeps } from './speech-production.ts'
import type { ProducedRequest } from './speech-request.ts'
import type { SpeechServiceDeps } from './speech-service.ts'

/**
 * Feeds the flight: with the audio another replica made (fleet single-flight), or by
 * synthesising here, holding the fleet lease until the file is stored.
 *
 * @example
 * const job: Flight = { broadcast: new Broadcast(emptyPiece), aligned: false }
 * await produceFlight({ engine, cache, tracer, metrics, fleet }, request, key, job, context.active())
 */
export function produceFlight(
  deps: ProductionDeps & Pick<SpeechServiceDeps, 'fleet'>,
  request: ProducedRequest,
  key: string,
  job: Flight,
  parent: Context,
): Promise<void> {
  // Without a fleet, the synthesis itself: no async frame of this function's own per miss.
  const { fleet } = deps
  if (!fleet) return synthesiseFlight(deps, request, key, job, parent)
  return claimedFlight(deps, fleet, request, key, job, parent)
}

async function claimedFlight(
  deps: ProductionDeps,
  fleet: NonNullable<SpeechServiceDeps['fleet']>,
  request: ProducedRequest,
  key: string,
  job: Flight,
  parent: Context,
): Promise<void> {
  const { cache, tracer } = deps
  const claim = await withSpan(
    tracer,
    'tts.fleet.claim',
    {},
    async (span) => {
      // Another replica's audio serves only when it has the word timings this flight was asked for.
      const stored = async () => {
        const entry = await cache.get(key)
        return entry && (!job.aligned || hasAlignment(entry)) ? entry : undefined
      }
      const claimed = await fleet.claim(key, stored, job.broadcast.signal)
      span.setAttribute('tts.fleet.outcome', claimed.outcome)
      return claimed
    },
    SpanKind.INTERNAL,
    parent,
  )
  if (claim.audio) {
    job.stored = claim.audio
    if (typeof claim.audio.meta.durationS === 'number') job.audioSeconds = claim.audio.meta.durationS
    for (const piece of replay(claim.audio)) job.broadcast.push(piece)
    job.broadcast.end()
    return
  }
  try {
    await synthesiseFlight(deps, request, key, job, parent)
  } finally {
    await claim.release()
  }
}
