/**
 * Reads the one thing the exporter needs from a protobuf ExportLogsServiceResponse /
 * ExportTraceServiceResponse: `partial_success` (field 1) `.rejected_*` (field 1, int64),
 * how many items the collector refused. Unknown fields are skipped; bytes that are not a
 * valid message give 0 (the request itself was accepted).
 */

/** Reads a varint at `at`; returns [value, next offset], or undefined past the end. Values above 2^53 lose precision. */
function varint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0
  let scale = 1
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const byte = bytes[i]!
    value += (byte & 0x7f) * scale
    scale *= 128
    if (byte < 0x80) return [value, i + 1]
  }
  return undefined
}

/** The value of varint field `field` in `bytes[from, to)` or of the message in length-delimited `field`. */
function find(bytes: Uint8Array, from: number, to: number, field: number, wanted: 0 | 2): number | [number, number] | undefined {
  let at = from
  while (at < to) {
    const key = varint(bytes, at)
    if (!key) return undefined
    at = key[1]
    const type = key[0] % 8
    const number = Math.floor(key[0] / 8)
    if (type === 0) {
      const v = varint(bytes, at)
      if (!v) return undefined
      if (number === field && wanted === 0) return v[0]
      at = v[1]
    } else if (type === 2) {
      const length = varint(bytes, at)
      if (!length || length[1] + length[0] > to) return undefined
      if (number === field && wanted === 2) return [length[1], length[1] + length[0]]
      at = length[1] + length[0]
    } else if (type === 1) at += 8
    else if (type === 5) at += 4
    else return undefined
  }
  return undefined
}

/**
 * How many items a protobuf export response says were rejected (0 when none or unreadable).
 *
 * @example
 * rejectedInProto(new Uint8Array(await res.arrayBuffer()))
 */
export function rejectedInProto(bytes: Uint8Array): number {
  const partial = find(bytes, 0, bytes.length, 1, 2)
  if (!Array.isArray(partial)) return 0
  const rejected = find(bytes, partial[0], partial[1], 1, 0)
  // int64 on the wire: a negative count (a broken collector) is a huge varint; count none.
  return typeof rejected === 'number' && rejected <= Number.MAX_SAFE_INTEGER ? rejected : 0
}
