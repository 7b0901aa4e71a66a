/**
 * What OTLP's data model says of a value, whichever encoding writes it (otlp-json.ts,
 * otlp-proto-common.ts, otlp-proto-spans.ts): both must send a collector the same data.
 */

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)
// Span and link flags (trace.proto SpanFlags): the low byte is the W3C trace flags; these say whether the parent was remote.
const HAS_IS_REMOTE = 0x100
const IS_REMOTE = 0x200

/**
 * `flags` of a span or link.
 *
 * @example
 * spanFlags(1, true) // 0x301
 */
export function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0)
}

/**
 * An integral number beyond 2^53 as the int64 it is exactly, or undefined when no int64 holds
 * it (it is sent as a double).
 *
 * @example
 * wideInt64(2 ** 60) // 1152921504606846976n
 */
export function wideInt64(value: number): bigint | undefined {
  if (!Number.isInteger(value)) return undefined
  const big = BigInt(value)
  return big <= INT64_MAX && big >= INT64_MIN ? big : undefined
}
