/**
 * The keys file (TTS_KEYS_FILE, docs/configuration.md "Keys file"): each API key's id,
 * name, limits, monthly budget and the engines or voices it may use. Keys are stored only
 * as `sha256:<hex>` of the key, so the file can be read by more people than may use it.
 *
 * Parsing is pure (text in, keys or a ConfigError listing every problem out), so it is
 * tested like loadConfig; main.ts reads the file at start and on reload.
 */
import { z } from 'zod'
import { parseConfigDocument, schemaProblems } from '../config-document.ts'
import { ConfigError } from '../config.ts'

/** `[a-z0-9-]{1,40}`: the label of the key in metrics, usage and logs. */
export const KEY_ID = /^[a-z0-9-]{1,40}$/
const HASHED = /^sha256:[0-9a-f]{64}$/

const count = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

const keySchema = z.strictObject({
  id: z.string().regex(KEY_ID, 'ids are 1 to 40 lower-case letters, digits and -'),
  name: z.string().min(1).max(200).optional(),
  key: z.string().refine((k) => HASHED.test(k), {
    // Never echo what was written: it may be a plain key.
    message: 'must be sha256:<64 lower-case hex digits> of the key, never the key itself (bun run hash-key makes one)',
  }),
  limits: z
    .strictObject({
      max_concurrency: z.number().int().min(0).max(100_000).optional(),
      characters_per_minute: z.number().int().min(0).max(100_000_000).optional(),
    })
    .optional(),
  budget: z
    .strictObject({
      characters_per_month: count.optional(),
      usd_per_month: z.number().positive().max(1e9).optional(),
    })
    .refine((b) => b.characters_per_month !== undefined || b.usd_per_month !== undefined, 'give characters_per_month, usd_per_month or both')
    .optional(),
  engines: z.array(z.string().min(1).max(32)).min(1).optional(),
  voices: z.array(z.string().min(1).max(200)).min(1).optional(),
})

const fileSchema = z.strictObject({ keys: z.array(keySchema).max(10_000) })

/** One configured key, as the rest of the service sees it (never the key itself). */
export interface ApiKey {
  id: string
  name: string
  /** Unset: the server-wide TTS_KEY_MAX_CONCURRENCY / TTS_KEY_CHARS_PER_MINUTE (0 = unlimited). */
  limits: { maxConcurrency?: number; charactersPerMinute?: number }
  budget?: { characters?: number; usd?: number }
  /** Engines the key may use; every engine when unset. */
  engines?: readonly string[]
  /** Voice id prefixes the key may use; every voice when unset. */
  voices?: readonly string[]
}

export interface KeysFileEntry extends ApiKey {
  /** Hex sha256 of the key. */
  sha256: string
}

/**
 * Parses and validates a keys file (JSON when it starts with `{`, YAML otherwise). With
 * `engines`, each key's engine list must name configured engines. Throws ConfigError
 * listing every problem at once.
 *
 * @example
 * const keys = parseKeysFile(await Bun.file(path).text(), { engines: ['kokoro', 'local'] })
 * keys[0].id // 'team-a'
 */
export function parseKeysFile(text: string, options: { source?: string; engines?: readonly string[]; voicesNameEngines?: boolean } = {}): KeysFileEntry[] {
  const source = options.source ?? 'TTS_KEYS_FILE'
  const raw = parseConfigDocument(text, source)
  const parsed = fileSchema.safeParse(raw ?? {})
  const problems = schemaProblems(parsed, source)
  // Cross-checks on what was written, even when the schema failed: every problem at once.
  const written = Array.isArray((raw as { keys?: unknown } | null)?.keys) ? ((raw as { keys: unknown[] }).keys as Record<string, unknown>[]) : []
  const firstIndex = new Map<string, number>()
  written.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null) return
    for (const field of ['id', 'key'] as const) {
      const value = entry[field]
      if (typeof value !== 'string') continue
      const seen = firstIndex.get(`${field}:${value}`)
      if (seen === undefined) firstIndex.set(`${field}:${value}`, i)
      else problems.push(`${source}: keys.${i}.${field}: the same ${field === 'id' ? `id "${value}"` : 'key'} as keys.${seen}`)
    }
    if (options.voicesNameEngines && options.engines && Array.isArray(entry.voices)) {
      entry.voices.forEach((prefix, j) => {
        if (typeof prefix === 'string' && prefix && !prefixMatchesAnEngine(prefix, options.engines!)) {
          const shown = prefix.slice(0, 100)
          problems.push(
            prefix.includes(':')
              ? `${source}: keys.${i}.voices.${j}: "${shown}" names no engine (have: ${options.engines!.join(', ')})`
              : `${source}: keys.${i}.voices.${j}: "${shown}" matches no voice: with an engines file voice ids are engine:voice (e.g. "${options.engines![0]}:${shown}")`,
          )
        }
      })
    }
    if (options.engines && Array.isArray(entry.engines)) {
      entry.engines.forEach((name, j) => {
        if (typeof name === 'string' && !options.engines!.includes(name)) {
          problems.push(`${source}: keys.${i}.engines.${j}: no engine named "${name}" (have: ${options.engines!.join(', ')})`)
        }
      })
    }
  })
  if (!parsed.success || problems.length) throw new ConfigError(problems)
  return parsed.data.keys.map((k) => ({
    id: k.id,
    name: k.name ?? k.id,
    sha256: k.key.slice('sha256:'.length),
    limits: {
      ...(k.limits?.max_concurrency !== undefined && { maxConcurrency: k.limits.max_concurrency }),
      ...(k.limits?.characters_per_minute !== undefined && { charactersPerMinute: k.limits.characters_per_minute }),
    },
    ...(k.budget && {
      budget: {
        ...(k.budget.characters_per_month !== undefined && { characters: k.budget.characters_per_month }),
        ...(k.budget.usd_per_month !== undefined && { usd: k.budget.usd_per_month }),
      },
    }),
    ...(k.engines && { engines: k.engines }),
    ...(k.voices && { voices: k.voices }),
  }))
}

/** Whether a voice id prefix can match some `engine:voice` id: it names an engine, or is the start of one's name. */
function prefixMatchesAnEngine(prefix: string, engines: readonly string[]): boolean {
  return engines.some((name) => prefix.startsWith(`${name}:`) || `${name}:`.startsWith(prefix))
}
