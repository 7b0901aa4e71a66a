/**
 * Byte helpers shared by the encoders: joining chunks without intermediate copies.
 */

/** A shared empty result, so encoders that have nothing to send yet allocate nothing. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0)

/**
 * Concatenate byte chunks with exactly one allocation (none when there is at most one chunk).
 *
 * @example
 * const file = concatBytes([header, body, trailer])
 */
export function concatBytes(chunks: readonly Uint8Array[], totalLength?: number): Uint8Array {
  if (chunks.length === 0) return EMPTY_BYTES
  if (chunks.length === 1) return chunks[0] as Uint8Array
  let length = totalLength ?? 0
  if (totalLength === undefined) for (const c of chunks) length += c.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

/**
 * A growable byte buffer: append bytes, then `take()` what was appended since the last take.
 * Growth doubles, so appending n bytes costs O(n) amortised.
 *
 * @example
 * const out = new ByteBuilder()
 * out.append(header)
 * out.append(frame)
 * socket.send(out.take())
 */
export class ByteBuilder {
  private buf: Uint8Array
  private len = 0

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(initialCapacity)
  }

  get length(): number {
    return this.len
  }

  /** Make room for `extra` more bytes and return the backing array (valid until the next call). */
  reserve(extra: number): Uint8Array {
    const need = this.len + extra
    if (need > this.buf.length) {
      let cap = this.buf.length * 2
      while (cap < need) cap *= 2
      const next = new Uint8Array(cap)
      next.set(this.buf.subarray(0, this.len))
      this.buf = next
    }
    return this.buf
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength).set(bytes, this.len)
    this.len += bytes.byteLength
  }

  /** Advance the length after writing directly into the array returned by `reserve`. */
  commit(count: number): void {
    this.len += count
  }

  /** Copy out everything appended so far and start again (the backing array is kept for reuse). */
  take(): Uint8Array {
    if (this.len === 0) return EMPTY_BYTES
    const out = this.buf.slice(0, this.len)
    this.len = 0
    return out
  }
}
