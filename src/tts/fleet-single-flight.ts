/**
 * Fleet-wide single-flight: replicas sharing a Redis produce each distinct request once.
 * The replica that wins the lease synthesises and holds it until the file is stored; the
 * others serve the file it stored.
 */
import { context, type Context } from '@opentelemetry/api'
import { withSpan } from '../telemetry/tracing.ts'
import { synthesiseFlight, type Flight, type ProductionDeps } from './speech-production.ts'
import type { SpeechRequest, SpeechServiceDeps } from './speech-service.ts'

/**
 * Feeds the flight: with the audio another replica made (fleet single-flight), or by
 * synthesising here, holding the fleet lease until the file is stored.
 *
 * @example
 * const job: Flight = { broadcast: new Broadcast() }
 * await produceFlight({ engine, cache, tracer, metrics, fleet }, request, key, job, context.active())
 */
export async function produceFlight(
  deps: ProductionDeps & Pick<SpeechServiceDeps, 'fleet'>,
  request: SpeechRequest,
  key: string,
  job: Flight,
  parent: Context,
): Promise<void> {
  const { fleet, cache, tracer } = deps
  if (!fleet) return synthesiseFlight(deps, request, key, job, parent)
  const claim = await context.with(parent, () =>
    withSpan(tracer, 'tts.fleet.claim', {}, async (span) => {
      const claimed = await fleet.claim(key, () => cache.get(key), job.broadcast.signal)
      span.setAttribute('tts.fleet.outcome', claimed.outcome)
      return claimed
    }),
  )
  if (claim.audio) {
    job.stored = claim.audio
    if (typeof claim.audio.meta.durationS === 'number') job.audioSeconds = claim.audio.meta.durationS
    job.broadcast.push(claim.audio.body)
    job.broadcast.end()
    return
  }
  try {
    await synthesiseFlight(deps, request, key, job, parent)
  } finally {
    await claim.release()
  }
}
