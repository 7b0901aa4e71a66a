/**
 * The self-checking byte layout shared by the fs and Redis backends, so a
 * truncated write, a flipped bit or a file under the wrong name is detected
 * and never served.
 *
 * Layout (integers big-endian):
 * ```
 * 0   4  magic "TTSA"
 * 4   1  version (2)
 * 5   3  reserved, zero
 * 8   4  header length H (UTF-8 JSON: key, contentType, meta)
 * 12  4  body length B
 * 16  4  CRC-32 over header JSON + body
 * 20  28 zero (version 1 kept a sha256 here)
 * 48  H  header JSON
 * 48+H B body
 * ```
 * The total length must be exactly 48 + H + B, so truncation and trailing
 * garbage both fail before the checksum is even computed. CRC-32 catches every
 * burst error up to 32 bits and random damage with p = 2^-32; this guards against
 * torn writes and disk faults, not forgery, and costs 1 µs per 50 KB hit where
 * sha256 cost 30 µs on the hot path.
 */
import type { CachedAudio } from './cache.ts'

const MAGIC = new Uint8Array([0x54, 0x54, 0x53, 0x41]) // "TTSA"
const VERSION = 2
const PREFIX_BYTES = 48
/** Bytes of a record's fixed prefix, which holds its lengths (see recordLength). */
export const RECORD_PREFIX_BYTES = PREFIX_BYTES
const MAX_HEADER_BYTES = 1 << 20
const encoder = new TextEncoder()

/** Why a stored record was rejected; reported via `onError('get', ...)`. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError'
  constructor(readonly reason: string) {
    super(`corrupt cache record: ${reason}`)
  }
}

interface RecordHeader {
  key: string
  contentType: string
  meta: Record<string, string | number>
}

/**
 * Serialises `value` for storage under `key`.
 *
 * @example
 * ```ts
 * const bytes = encodeRecord(key, { body, contentType: 'audio/mpeg', meta: { durationS: 1.2 } })
 * ```
 */
export function encodeRecord(key: string, value: CachedAudio): Uint8Array {
  const { head, body } = encodeRecordParts(key, value)
  const out = new Uint8Array(head.length + body.length)
  out.set(head, 0)
  out.set(body, head.length)
  return out
}

/** A record as its two parts: the fixed prefix with the header JSON, and the body as given. */
export interface RecordParts {
  head: Uint8Array
  body: Uint8Array
}

/**
 * A record without joining its body into a new buffer: a log appends both parts in one
 * `writev`, so storing a file neither allocates nor copies its audio again.
 *
 * @example
 * ```ts
 * const { head, body } = encodeRecordParts(key, value) // head.length + body.length bytes in all
 * ```
 */
export function encodeRecordParts(key: string, value: CachedAudio): RecordParts {
  const header: RecordHeader = { key, contentType: value.contentType, meta: value.meta }
  const json = encoder.encode(JSON.stringify(header))
  const { body } = value
  const head = new Uint8Array(PREFIX_BYTES + json.length)
  const view = new DataView(head.buffer)
  head.set(MAGIC, 0)
  head[4] = VERSION
  view.setUint32(8, json.length)
  view.setUint32(12, body.length)
  head.set(json, PREFIX_BYTES)
  // CRC-32 continued from the header's over the body: the same value as over both joined.
  view.setUint32(16, Bun.hash.crc32(body, Bun.hash.crc32(json)))
  return { head, body }
}

/**
 * Parses and verifies a record, checking it was stored under `key`.
 * Throws `CorruptRecordError` on any mismatch. The returned body is a copy-free view of `bytes`.
 *
 * @example
 * ```ts
 * try { return decodeRecord(key, bytes) } catch { return undefined }
 * ```
 */
export function decodeRecord(key: string, bytes: Uint8Array): CachedAudio {
  const { key: stored, value } = decodeAnyRecord(bytes)
  // Guards against a record stored (or renamed) under another key being served for this one.
  if (stored !== key) throw new CorruptRecordError('record belongs to another key')
  return value
}

/**
 * Parses and verifies a record whatever key it was stored under, and returns that key: how a
 * log of records is read back without an index.
 *
 * @example
 * ```ts
 * const { key } = decodeAnyRecord(bytes.subarray(offset, offset + recordLength(bytes.subarray(offset))))
 * ```
 */
export function decodeAnyRecord(bytes: Uint8Array): { key: string; value: CachedAudio } {
  const length = recordLength(bytes)
  if (bytes.length !== length) throw new CorruptRecordError(`length ${bytes.length} != ${length}`)
  const expected = bytes.subarray(16, PREFIX_BYTES)
  const actual = checksum(bytes.subarray(PREFIX_BYTES))
  if (!actual.every((byte, i) => byte === expected[i])) throw new CorruptRecordError('checksum mismatch')
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8)
  const header = parseHeader(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength))
  return { key: header.key, value: { body: bytes.subarray(PREFIX_BYTES + headerLength), contentType: header.contentType, meta: header.meta } }
}

/**
 * The whole record's length, from its fixed prefix (the first {@link RECORD_PREFIX_BYTES}
 * bytes, more may follow): how a reader of a log finds where the next record starts. Throws
 * `CorruptRecordError` when the prefix is not a record's. The checksum is not checked here.
 *
 * @example
 * ```ts
 * const length = recordLength(await readAt(offset, RECORD_PREFIX_BYTES))
 * ```
 */
export function recordLength(prefix: Uint8Array): number {
  if (prefix.length < PREFIX_BYTES) throw new CorruptRecordError('shorter than the fixed prefix')
  for (let i = 0; i < MAGIC.length; i++) {
    if (prefix[i] !== MAGIC[i]) throw new CorruptRecordError('bad magic')
  }
  if (prefix[4] !== VERSION) throw new CorruptRecordError(`unsupported version ${prefix[4]}`)
  // Reserved bytes are outside the checksum, so a non-zero one can only mean damage (or a future format).
  if (prefix[5] !== 0 || prefix[6] !== 0 || prefix[7] !== 0) throw new CorruptRecordError('reserved bytes set')
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength)
  const headerLength = view.getUint32(8)
  if (headerLength > MAX_HEADER_BYTES) throw new CorruptRecordError('header length out of range')
  return PREFIX_BYTES + headerLength + view.getUint32(12)
}

/** The 32-byte checksum field: CRC-32 big-endian, then zeros. */
function checksum(data: Uint8Array): Uint8Array {
  const field = new Uint8Array(PREFIX_BYTES - 16)
  new DataView(field.buffer).setUint32(0, Bun.hash.crc32(data))
  return field
}

function parseHeader(json: Uint8Array): RecordHeader {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(json))
  } catch {
    throw new CorruptRecordError('header is not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null) throw new CorruptRecordError('header is not an object')
  const { key, contentType, meta } = parsed as Record<string, unknown>
  if (typeof key !== 'string' || typeof contentType !== 'string') throw new CorruptRecordError('header fields missing')
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new CorruptRecordError('meta is not an object')
  const checked: Record<string, string | number> = {}
  for (const [name, value] of Object.entries(meta)) {
    if (typeof value !== 'string' && typeof value !== 'number') throw new CorruptRecordError(`meta.${name} is not scalar`)
    checked[name] = value
  }
  return { key, contentType, meta: checked }
}
