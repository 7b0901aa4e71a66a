/**
 * The engines-file settings every upstream (network) kind shares: where it is, its key's
 * variable, limits, deadlines, retries and the circuit breaker. Each kind's own schema
 * (openai/openai-settings.ts, elevenlabs/elevenlabs-settings.ts) spreads these fields.
 */
import { z } from 'zod'

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

// Credentials in a URL would reach error messages and spans: keys belong in api_key_env.
export const upstreamUrl = z
  .url({ protocol: /^https?$/ })
  .refine((u) => !new URL(u).username && !new URL(u).password, 'no credentials in the URL: name an environment variable in api_key_env')

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback)

/** Settings every upstream engine shares (spread into each kind's strict object). */
export const upstreamFields = {
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
  /**
   * The upstream reads numbers, dates and the like well itself (OpenAI, ElevenLabs, Kokoro-FastAPI
   * do): `apply_text_normalization=auto` then leaves them to it. `false` for servers that read
   * "$3.50" digit by digit.
   */
  normalizes_text: z.boolean().default(true),
}

const shared = z.object(upstreamFields)

/** What the shared plumbing (client, deadlines, voice list) reads of any upstream kind's settings. */
export type UpstreamSettings = z.output<typeof shared> & { name: string; url: string; apiKey?: string }
