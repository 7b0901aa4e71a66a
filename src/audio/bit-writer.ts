/**
 * MSB-first bit writer for bitstream formats (FLAC frames). Reused across frames: `reset()`
 * keeps the backing array, so a long stream allocates only while the largest frame grows it.
 */
export class BitWriter {
  private buf: Uint8Array
  private byte = 0
  /** Bits accumulated (< 32) and their count. */
  private acc = 0
  private nbits = 0

  constructor(initialCapacity = 16384) {
    this.buf = new Uint8Array(initialCapacity)
  }

  reset(): void {
    this.byte = 0
    this.acc = 0
    this.nbits = 0
  }

  /** Bytes completed so far (the partial byte is not counted). */
  get byteLength(): number {
    return this.byte
  }

  /** Append the low `count` bits of `value` (count <= 24 per call keeps the accumulator exact). */
  write(value: number, count: number): void {
    if (count > 24) {
      this.write(Math.floor(value / 0x1000000) & ((1 << (count - 24)) - 1), count - 24)
      this.write(value & 0xffffff, 24)
      return
    }
    this.acc = ((this.acc << count) | (value & ((1 << count) - 1))) >>> 0
    this.nbits += count
    while (this.nbits >= 8) {
      this.nbits -= 8
      this.push((this.acc >>> this.nbits) & 0xff)
    }
    this.acc &= (1 << this.nbits) - 1
  }

  /** `zeros` zero bits then a one: the unary part of a Rice code. */
  writeUnary(zeros: number): void {
    let z = zeros
    while (z >= 16) {
      this.write(0, 16)
      z -= 16
    }
    this.write(1, z + 1)
  }

  /** Pad with zero bits to the next byte boundary. */
  alignToByte(): void {
    if (this.nbits > 0) this.write(0, 8 - this.nbits)
  }

  /** The completed bytes, as a view valid until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.byte)
  }

  private push(b: number): void {
    if (this.byte === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2)
      next.set(this.buf)
      this.buf = next
    }
    this.buf[this.byte++] = b
  }
}
