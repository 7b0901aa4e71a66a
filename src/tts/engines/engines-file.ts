/**
 * The engines file (TTS_ENGINES_FILE, docs/gateway.md): which engines tts-edge speaks
 * through, which one serves unprefixed voices, and the order to fall back in.
 *
 * Parsing is pure (text and env in, settings or a ConfigError out) so it is tested like
 * loadConfig; only main.ts reads the file. Keys come from the environment variables the
 * file names, never from the file, and an error names the variable, never its value.
 */
import { z } from 'zod'
import { parseConfigDocument, schemaProblems } from '../../config-document.ts'
import { ConfigError } from '../../config.ts'
import { KINDS, type EngineSettings } from './kinds.ts'
import { ENV_NAME } from './upstream/upstream-settings.ts'

const ENGINE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/

/**
 * Fields every entry has, whatever its kind: what the engine bills, in USD per million
 * characters synthesised (usage cost and currency budgets: docs/api.md); 0 when unset.
 */
const commonFields = { price_per_million_characters: z.number().min(0).max(1e6).default(0) }

// One entry: the schema of the kind it names, each kind's own (kinds.ts lists them), plus the common fields.
const schemas = KINDS.map((k) => k.settings.extend(commonFields))
const engineSchema = z.discriminatedUnion('kind', schemas as [(typeof schemas)[number], ...typeof schemas])

const fileSchema = z.strictObject({
  engines: z.record(z.string().regex(ENGINE_NAME, 'engine names are lower-case letters, digits, - and _'), engineSchema),
  default: z.string().optional(),
  fallback: z.array(z.string()).default([]),
})

export type { EngineSettings }

export interface EnginesFile {
  engines: EngineSettings[]
  /** Serves unprefixed voice ids and OpenAI's voice names. */
  default: string
  /** Tried in order while no audio has been sent. */
  fallback: string[]
  /**
   * No file was given: the one engine stands for the service, as before engine files: its
   * voice ids unprefixed, its audio not stamped with an engine name (no `X-TTS-Engine`).
   */
  implicit?: boolean
}

/**
 * The engines of a service started without TTS_ENGINES_FILE: espeak alone (the build
 * TTS_ENGINE names), with the voice ids and cache keys it always had.
 */
export const IMPLICIT_ENGINES: EnginesFile = {
  engines: [{ kind: 'espeak', name: 'espeak' }],
  default: 'espeak',
  fallback: [],
  implicit: true,
}

/**
 * Parses and validates an engines file (JSON when it starts with `{`, YAML otherwise),
 * resolving API keys from `env`. Throws ConfigError listing every problem at once.
 *
 * @example
 * const file = parseEnginesFile(await Bun.file(path).text(), process.env, path)
 * file.default // 'kokoro'
 */
export function parseEnginesFile(text: string, env: Record<string, string | undefined>, source = 'TTS_ENGINES_FILE'): EnginesFile {
  const raw = parseConfigDocument(text, source)
  const parsed = fileSchema.safeParse(raw ?? {})
  const problems = schemaProblems(parsed, source)
  // The cross-checks run on what was written even when the schema failed: every problem at once.
  const loose = (typeof raw === 'object' && raw !== null ? raw : {}) as { engines?: unknown; default?: unknown; fallback?: unknown }
  const written = typeof loose.engines === 'object' && loose.engines !== null ? (loose.engines as Record<string, unknown>) : {}
  const names = Object.keys(written)
  if (names.length === 0) problems.push(`${source}: engines: configure at least one engine`)
  const keys = new Map<string, string>()
  for (const [name, entry] of Object.entries(written)) {
    const variable = (entry as { api_key_env?: unknown } | null)?.api_key_env
    if (typeof variable !== 'string' || !ENV_NAME.test(variable)) continue
    const key = env[variable]?.trim()
    if (key) keys.set(name, key)
    else problems.push(`${source}: engines.${name}.api_key_env: environment variable ${variable} is not set`)
  }
  if (typeof loose.default === 'string' && !names.includes(loose.default)) {
    problems.push(`${source}: default: no engine named "${loose.default}" (have: ${names.join(', ')})`)
  }
  if (Array.isArray(loose.fallback)) {
    loose.fallback.forEach((name, i) => {
      if (typeof name === 'string' && !names.includes(name)) problems.push(`${source}: fallback.${i}: no engine named "${name}"`)
    })
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems)
  const engines = Object.entries(parsed.data.engines).map(([name, settings]): EngineSettings => {
    const key = keys.get(name)
    return { ...settings, name, ...(key && { apiKey: key }) }
  })
  const defaultEngine = parsed.data.default ?? names[0]!
  return { engines, default: defaultEngine, fallback: parsed.data.fallback }
}
