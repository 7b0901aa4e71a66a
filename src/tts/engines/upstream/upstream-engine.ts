/**
 * What the router needs from an engine besides the Engine interface: resolving a voice by
 * the engine's own id, and picking its closest voice when standing in for another engine.
 */
import type { Engine, Voice } from '../../engine.ts'
import type { UpstreamSettings } from '../router/engines-file.ts'
import { UpstreamClient, type UpstreamClientDeps } from './upstream-client.ts'
import { VoiceCatalogue } from './voice-catalogue.ts'

export interface RoutedEngine extends Engine {
  /** Kind from the engines file (`openai`, `elevenlabs`, `espeak`). */
  readonly kind: string
  /** The voice with this id in the engine's own catalogue (no `engine:` prefix). */
  resolve(id: string): Voice | undefined
  /** What identifies this engine's audio in cache keys (upstream URL and model). */
  scope(): string
}

/**
 * The engine's voice closest to `voice` (same language and gender, then same language, then
 * English of the same gender, then same gender): what a fallback engine speaks with.
 *
 * @example
 * closestVoice(espeakVoices, { language: 'en-US', gender: 'female', ... })?.id // 'en-us-f1'
 */
export function closestVoice(voices: readonly Voice[], voice: Voice): Voice | undefined {
  const lang = voice.language.toLowerCase()
  const primary = lang.split('-')[0]
  const sameLang = (v: Voice) => v.language.toLowerCase() === lang
  const samePrimary = (v: Voice) => v.language.toLowerCase().split('-')[0] === primary
  return (
    voices.find((v) => sameLang(v) && v.gender === voice.gender) ??
    voices.find((v) => samePrimary(v) && v.gender === voice.gender) ??
    voices.find(samePrimary) ??
    // A voice whose language nobody said (`und`) most likely speaks English: not Afrikaans, first in the list.
    voices.find((v) => v.language.toLowerCase() === 'en-us' && v.gender === voice.gender) ??
    voices.find((v) => v.language.toLowerCase().startsWith('en') && v.gender === voice.gender) ??
    voices.find((v) => v.gender === voice.gender) ??
    voices[0]
  )
}

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
