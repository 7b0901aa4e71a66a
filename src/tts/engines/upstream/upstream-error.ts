/**
 * How an upstream engine call failed, in a bounded set of reasons (the `reason` label of
 * `tts_upstream_errors_total`). Messages name the engine and the reason, never a key.
 */
import { EngineUnavailableError } from '../../engine.ts'

export type UpstreamReason =
  | 'connect'
  | 'timeout'
  | 'rate_limited'
  | 'status_5xx'
  | 'status_4xx'
  | 'bad_response'
  | 'cut'
  | 'circuit_open'
  | 'busy'

export const UPSTREAM_REASONS: readonly UpstreamReason[] = [
  'connect',
  'timeout',
  'rate_limited',
  'status_5xx',
  'status_4xx',
  'bad_response',
  'cut',
  'circuit_open',
  'busy',
]

// Worth another try at the same upstream before any audio was sent.
const RETRYABLE = new Set<UpstreamReason>(['connect', 'rate_limited', 'status_5xx'])
// What says the upstream is unhealthy (a 4xx is about the request; open/busy are ours).
const COUNTS_AGAINST_CIRCUIT = new Set<UpstreamReason>(['connect', 'timeout', 'status_5xx', 'bad_response', 'cut'])

/**
 * @example
 * throw new UpstreamError('kokoro', 'timeout', 'no first byte within 15000 ms')
 */
export class UpstreamError extends EngineUnavailableError {
  override readonly name = 'UpstreamError'
  constructor(
    readonly engine: string,
    readonly reason: UpstreamReason,
    detail: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(`upstream ${engine}: ${reason}: ${detail}`, Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000)))
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.reason)
  }

  get countsAgainstCircuit(): boolean {
    return COUNTS_AGAINST_CIRCUIT.has(this.reason)
  }

  override get brief(): string {
    return `${this.engine} (${this.reason})`
  }
}

/** Retry-After (seconds or an HTTP date) or Retry-After-Ms, in ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'))
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
