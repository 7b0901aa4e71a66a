/**
 * A small protobuf writer: just the wire types OTLP uses (varint, fixed32, fixed64, double,
 * length-delimited), written forward into one growing buffer.
 *
 * A nested message's length comes before its bytes, so `fork()` reserves room for it and
 * `join()` writes it once the message is done, moving the bytes only when the reserved room
 * was the wrong size (a guess the caller makes: 1 byte for small messages, 2 for a log line).
 * Strings are written straight from the JS string (no separate UTF-8 length pass): their
 * length in bytes is known to lie between one and three times their UTF-16 length.
 */

const TWO_32 = 0x1_0000_0000

/** Bytes a varint of `n` (0 <= n < 2^53) takes. */
export function varintSize(n: number): number {
  let size = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

/** The value of one hex digit's char code (ids are validated hex before they get here). */
function nibble(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57
}

export class ProtoWriter {
  buf: Buffer<ArrayBuffer>
  pos = 0
  readonly #scratch = new DataView(new ArrayBuffer(8))

  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(capacity)
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(grown, 0, 0, this.pos)
    this.buf = grown
  }

  /** A field's key: its number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType)
  }

  /** An unsigned varint of 0 <= n < 2^53. */
  varint(n: number): void {
    this.ensure(10)
    const buf = this.buf
    let pos = this.pos
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    buf[pos++] = n
    this.pos = pos
  }

  /** An int64 varint of a safe integer (a negative number takes ten bytes, two's complement). */
  int64(n: number): void {
    if (n >= 0) return this.varint(n)
    let lo = n % TWO_32
    if (lo < 0) lo += TWO_32
    this.varint64(lo, (Math.floor(n / TWO_32) + TWO_32) >>> 0)
  }

  /** A varint of the unsigned 64-bit number with these 32-bit halves. */
  varint64(lo: number, hi: number): void {
    this.ensure(10)
    lo >>>= 0
    hi >>>= 0
    while (hi > 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0
      hi >>>= 7
    }
    this.buf[this.pos++] = lo
  }

  fixed32(n: number): void {
    this.ensure(4)
    this.buf.writeUInt32LE(n >>> 0, this.pos)
    this.pos += 4
  }

  /** A fixed64 given as its low and high 32-bit halves. */
  fixed64(lo: number, hi: number): void {
    this.ensure(8)
    this.buf.writeUInt32LE(lo >>> 0, this.pos)
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4)
    this.pos += 8
  }

  /** Nanoseconds since the epoch (`seconds` and `nanos` within that second) as a fixed64. */
  nanos(seconds: number, nanos: number): void {
    // seconds * 1e9 + nanos exceeds 2^53: multiply in 16-bit pieces so every step stays exact.
    const high = Math.floor(seconds / 65536) * 1e9 // * 2^16, below 2^46
    const low = (seconds % 65536) * 1e9 + nanos // below 2^47
    const highLo = (high % 65536) * 65536
    let lo = highLo + (low % TWO_32)
    let hi = Math.floor(high / 65536) + Math.floor(low / TWO_32)
    if (lo >= TWO_32) {
      lo -= TWO_32
      hi++
    }
    this.fixed64(lo, hi)
  }

  double(n: number): void {
    this.ensure(8)
    this.#scratch.setFloat64(0, n, true)
    for (let i = 0; i < 8; i++) this.buf[this.pos++] = this.#scratch.getUint8(i)
  }

  /** A length-delimited string field (UTF-8). */
  string(field: number, value: string): void {
    this.tag(field, 2)
    // Short ASCII strings (keys, ids, most values) byte by byte: cheaper than a call into native code.
    if (value.length < 128 && this.#ascii(value)) return
    const most = value.length * 3
    this.ensure(most + 5)
    const reserved = varintSize(most)
    const written = value.length === 0 ? 0 : this.buf.write(value, this.pos + reserved, most, 'utf8')
    this.#settle(this.pos, reserved, written)
  }

  /** Writes `value` (length below 128) with its length if it is all ASCII; false, writing nothing, if not. */
  #ascii(value: string): boolean {
    const length = value.length
    this.ensure(length + 1)
    const buf = this.buf
    const start = this.pos + 1
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i)
      if (code >= 0x80) return false
      buf[start + i] = code
    }
    buf[this.pos] = length
    this.pos = start + length
    return true
  }

  /** A bytes field from a hex string (trace and span ids; lowercase or uppercase hex digits). */
  hexBytes(field: number, hex: string): void {
    const length = hex.length >>> 1
    this.tag(field, 2)
    this.varint(length)
    this.ensure(length)
    const buf = this.buf
    let pos = this.pos
    for (let i = 0; i < length * 2; i += 2) buf[pos++] = (nibble(hex.charCodeAt(i)) << 4) | nibble(hex.charCodeAt(i + 1))
    this.pos = pos
  }

  /** Raw bytes already encoded (a cached resource or scope). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /**
   * Starts a nested message of field `field`, reserving `reserve` bytes for its length.
   * Returns where it starts, for `join`.
   */
  fork(field: number, reserve = 1): number {
    this.tag(field, 2)
    this.ensure(reserve)
    const start = this.pos
    this.pos += reserve
    return start
  }

  /** Ends the nested message begun at `start` (from `fork(field, reserve)`). */
  join(start: number, reserve = 1): void {
    this.#settle(start, reserve, this.pos - start - reserve)
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer<ArrayBuffer> {
    return this.buf.subarray(0, this.pos)
  }

  /** Writes the length `length` of the content at `start + reserved`, moving the content if needed. */
  #settle(start: number, reserved: number, length: number): void {
    const size = varintSize(length)
    if (size !== reserved) {
      this.ensure(size - reserved)
      this.buf.copyWithin(start + size, start + reserved, start + reserved + length)
    }
    let pos = start
    let n = length
    while (n >= 0x80) {
      this.buf[pos++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    this.buf[pos] = n
    this.pos = start + size + length
  }
}
