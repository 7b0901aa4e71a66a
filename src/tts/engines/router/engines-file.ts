/**
 * The engines file (TTS_ENGINES_FILE, docs/gateway.md): which engines tts-edge speaks
 * through, which one serves unprefixed voices, and the order to fall back in.
 *
 * Parsing is pure (text and env in, settings or a ConfigError out) so it is tested like
 * loadConfig; only main.ts reads the file. Keys come from the environment variables the
 * file names, never from the file, and an error names the variable, never its value.
 */
import { z } from 'zod'
import { ConfigError } from '../../../config.ts'

const ENGINE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

// Credentials in a URL would reach error messages and spans: keys belong in api_key_env.
const upstreamUrl = z
  .url({ protocol: /^https?$/ })
  .refine((u) => !new URL(u).username && !new URL(u).password, 'no credentials in the URL: name an environment variable in api_key_env')

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback)

/** Settings every upstream (network) engine shares. */
const upstreamFields = {
  api_key_env: z.string().regex(ENV_NAME, 'must be an environment variable name').optional(),
  /** Model sent upstream; unset: the client's model when the upstream family knows it. */
  model: z.string().min(1).max(200).optional(),
  max_concurrency: z.number().int().min(1).max(10_000).default(16),
  /** Requests allowed to wait for a free slot before this engine counts as busy. */
  max_queue: z.number().int().min(0).max(100_000).default(64),
  connect_timeout_ms: ms(50, 300_000, 5000),
  first_byte_timeout_ms: ms(100, 300_000, 15_000),
  idle_timeout_ms: ms(100, 300_000, 10_000),
  /** Whole-request cap, `timeout_ms` in docs/gateway.md. */
  timeout_ms: ms(1000, 3_600_000, 120_000),
  retries: z.number().int().min(0).max(10).default(2),
  retry_base_ms: ms(1, 60_000, 100),
  /** A Retry-After longer than this is not waited for: the next engine is tried instead. */
  max_retry_after_ms: ms(0, 600_000, 5000),
  breaker_failures: z.number().int().min(1).max(1000).default(5),
  breaker_half_open_ms: ms(100, 3_600_000, 10_000),
  voices_ttl_s: z.number().int().min(1).max(86_400).default(300),
}

const openaiEngine = z.strictObject({
  kind: z.literal('openai'),
  url: upstreamUrl,
  ...upstreamFields,
  /** response_format values the upstream produces; others are asked for as pcm and transcoded here. */
  formats: z.array(z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'])).default(['mp3', 'flac', 'wav', 'pcm']),
})

const elevenlabsEngine = z.strictObject({
  kind: z.literal('elevenlabs'),
  url: upstreamUrl.default('https://api.elevenlabs.io'),
  ...upstreamFields,
  /** Our streaming sessions speak through one upstream stream-input WebSocket each (else one HTTP call per sentence). */
  stream_input: z.boolean().default(true),
})

const espeakEngine = z.strictObject({
  kind: z.literal('espeak'),
  /** Which build; unset: TTS_ENGINE's choice. */
  variant: z.enum(['espeak', 'espeak-wasm', 'espeak-native']).optional(),
})

const engineSchema = z.discriminatedUnion('kind', [openaiEngine, elevenlabsEngine, espeakEngine])

const fileSchema = z.strictObject({
  engines: z.record(z.string().regex(ENGINE_NAME, 'engine names are lower-case letters, digits, - and _'), engineSchema),
  default: z.string().optional(),
  fallback: z.array(z.string()).default([]),
})

export type OpenAIEngineSettings = z.infer<typeof openaiEngine> & { name: string; apiKey?: string }
export type ElevenLabsEngineSettings = z.infer<typeof elevenlabsEngine> & { name: string; apiKey?: string }
export type EspeakEngineSettings = z.infer<typeof espeakEngine> & { name: string }
export type UpstreamSettings = OpenAIEngineSettings | ElevenLabsEngineSettings
export type EngineSettings = UpstreamSettings | EspeakEngineSettings

export interface EnginesFile {
  engines: EngineSettings[]
  /** Serves unprefixed voice ids and OpenAI's voice names. */
  default: string
  /** Tried in order while no audio has been sent. */
  fallback: string[]
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
  let raw: unknown
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : Bun.YAML.parse(text)
  } catch (err) {
    throw new ConfigError([`${source}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`])
  }
  const parsed = fileSchema.safeParse(raw ?? {})
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${source}: ${i.path.join('.') || '(top level)'}: ${i.message}`)
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
    return settings.kind === 'espeak' ? { ...settings, name } : { ...settings, name, ...(key && { apiKey: key }) }
  })
  const defaultEngine = parsed.data.default ?? names[0]!
  return { engines, default: defaultEngine, fallback: parsed.data.fallback }
}
