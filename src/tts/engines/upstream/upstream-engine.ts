/**
 * What every upstream kind is built from: its HTTP client, its voice list, the lifecycle
 * they share, and its metric series.
 */
import type { Engine, Voice } from '../../engine.ts'
import { UpstreamClient, type UpstreamClientDeps } from './upstream-client.ts'
import { UPSTREAM_REASONS } from './upstream-error.ts'
import type { UpstreamSettings } from './upstream-settings.ts'
import { VoiceCatalogue } from './voice-catalogue.ts'

export interface UpstreamParts {
  client: UpstreamClient
  catalogue: VoiceCatalogue
  /** The Engine lifecycle every upstream shares: warmup loads the voice list (never fails). */
  lifecycle: Pick<Engine, 'warmup' | 'stats' | 'close'>
}

/**
 * What every upstream kind is built from: its HTTP client and its voice list from `voicesUrl`
 * (404/405 meaning "no such endpoint here").
 *
 * @example
 * const { client, catalogue, lifecycle } = upstreamParts(settings, deps, `${base}/audio/voices`, auth, parseVoices)
 */
export function upstreamParts(
  settings: UpstreamSettings,
  deps: UpstreamClientDeps,
  voicesUrl: string,
  headers: Record<string, string>,
  parseVoices: (json: unknown) => Voice[],
): UpstreamParts {
  zeroSeries(settings.name, deps)
  const client = new UpstreamClient(settings, deps)
  const catalogue = new VoiceCatalogue(
    async (signal) => {
      const res = await fetch(voicesUrl, { headers, signal })
      if (res.status === 404 || res.status === 405) return 'unsupported'
      if (!res.ok) throw new Error(`voices: HTTP ${res.status}`)
      return parseVoices(await res.json())
    },
    {
      ttlMs: settings.voices_ttl_s * 1000,
      onError: (err) => deps.logger?.warn({ engine: settings.name, err: (err as Error).message }, 'upstream voice list unavailable'),
    },
  )
  let ready = false
  return {
    client,
    catalogue,
    lifecycle: {
      async warmup() {
        await catalogue.refresh()
        ready = true
      },
      stats: () => ({ queued: client.queued, busy: client.inflight, workers: settings.max_concurrency, ready }),
      close: async () => {},
    },
  }
}

/** Series that exist from the start, so error ratios read 0, not "no data". */
function zeroSeries(engine: string, { metrics }: UpstreamClientDeps): void {
  if (!metrics) return
  for (const reason of UPSTREAM_REASONS) metrics.upstreamErrors.inc({ engine, reason }, 0)
  metrics.upstreamCharacters.inc({ engine }, 0)
  for (const outcome of ['ok', 'error', 'cancelled']) metrics.upstreamDuration.zero({ engine, outcome })
  metrics.upstreamFirstByte.zero({ engine })
}
