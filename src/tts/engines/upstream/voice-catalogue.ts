/**
 * An upstream's voice list, fetched from its own endpoint and kept for a TTL. While the
 * upstream is down the last good list is served (stale beats empty for a voice picker);
 * an upstream without a voices endpoint (404) is remembered as "any voice goes".
 */
import type { Gender, Voice } from '../../engine.ts'

export type VoiceLoader = (signal: AbortSignal) => Promise<Voice[] | 'unsupported'>

export interface VoiceCatalogueOptions {
  ttlMs: number
  /** A fetch that hangs must not hold warmup or a refresh forever. */
  timeoutMs?: number
  onError?: (err: unknown) => void
}

/**
 * @example
 * const catalogue = new VoiceCatalogue(loadVoices, { ttlMs: 300_000 })
 * await catalogue.refresh()
 * catalogue.list() // [{ id: 'af_bella', ... }]
 */
export class VoiceCatalogue {
  #voices: Voice[] = []
  #byId = new Map<string, Voice>()
  #loadedAt = -Infinity
  #unsupported = false
  #refreshing: Promise<void> | undefined

  constructor(
    private readonly load: VoiceLoader,
    private readonly options: VoiceCatalogueOptions,
  ) {}

  /** The voices known now; starts a background refresh when the list is older than the TTL. */
  list(): readonly Voice[] {
    if (performance.now() - this.#loadedAt > this.options.ttlMs) void this.refresh()
    return this.#voices
  }

  /** The voice with this upstream id; undefined when unknown (or the list never loaded). */
  find(id: string): Voice | undefined {
    this.list()
    return this.#byId.get(id.toLowerCase())
  }

  /** True once a list was loaded: voices outside it are then unknown, not merely unlisted. */
  get authoritative(): boolean {
    return this.#voices.length > 0 && !this.#unsupported
  }

  /** Fetches the list now (one fetch at a time); failures keep the previous list. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const result = await this.load(AbortSignal.timeout(this.options.timeoutMs ?? 5000))
        if (result === 'unsupported') this.#unsupported = true
        else {
          this.#voices = result
          this.#byId = new Map(result.map((v) => [v.id.toLowerCase(), v]))
        }
        this.#loadedAt = performance.now()
      } catch (err) {
        this.options.onError?.(err)
      } finally {
        this.#refreshing = undefined
      }
    })()
    return this.#refreshing
  }
}

/**
 * Gender from a label, or from Kokoro's naming (`af_bella`: American, female); 'female' when
 * nothing says (the catalogue type has two values; metrics need one).
 *
 * @example
 * guessGender(undefined, 'am_adam') // 'male'
 */
export function guessGender(label: unknown, id: string): Gender {
  if (typeof label === 'string' && /^(male|m|man)$/i.test(label.trim())) return 'male'
  if (typeof label === 'string' && /^(female|f|woman)$/i.test(label.trim())) return 'female'
  const kokoro = /^[a-z]([fm])_/i.exec(id)
  return kokoro?.[1]?.toLowerCase() === 'm' ? 'male' : 'female'
}

// Kokoro's first letter: the language its voice speaks.
const KOKORO_LANGUAGE: Record<string, string> = { a: 'en-US', b: 'en-GB', e: 'es', f: 'fr', h: 'hi', i: 'it', j: 'ja', p: 'pt-BR', z: 'zh' }

/**
 * Language from a label, or from Kokoro's naming; `und` (undetermined, BCP-47) otherwise.
 *
 * @example
 * guessLanguage(undefined, 'bf_emma') // 'en-GB'
 */
export function guessLanguage(label: unknown, id: string): string {
  if (typeof label === 'string' && /^[a-z]{2,3}(-[a-z0-9]+)*$/i.test(label.trim())) return label.trim()
  const kokoro = /^([a-z])[fm]_/i.exec(id)
  return (kokoro && KOKORO_LANGUAGE[kokoro[1]!.toLowerCase()]) ?? 'und'
}
