/**
 * Table-driven CRCs used by the bitstream formats: FLAC (CRC-8 poly 0x07, CRC-16 poly 0x8005)
 * and Ogg (CRC-32 poly 0x04C11DB7, unreflected).
 */

function table(bits: 8 | 16 | 32, poly: number): Uint32Array {
  const t = new Uint32Array(256)
  const top = 2 ** (bits - 1)
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1
  for (let i = 0; i < 256; i++) {
    let c = bits === 8 ? i : (i << (bits - 8)) >>> 0
    for (let k = 0; k < 8; k++) c = (c & top ? ((c << 1) ^ poly) : c << 1) & mask
    t[i] = c >>> 0
  }
  return t
}

const CRC8 = table(8, 0x07)
const CRC16 = table(16, 0x8005)
const CRC32 = table(32, 0x04c11db7)

/**
 * FLAC frame-header CRC-8.
 *
 * @example
 * crc8(header.subarray(0, headerLength))
 */
export function crc8(bytes: Uint8Array): number {
  let c = 0
  for (let i = 0; i < bytes.length; i++) c = CRC8[c ^ (bytes[i] as number)] as number
  return c
}

/**
 * FLAC frame-footer CRC-16.
 *
 * @example
 * crc16(frame.subarray(0, frameLength - 2))
 */
export function crc16(bytes: Uint8Array): number {
  let c = 0
  for (let i = 0; i < bytes.length; i++) c = ((c << 8) ^ (CRC16[(c >>> 8) ^ (bytes[i] as number)] as number)) & 0xffff
  return c
}

/**
 * Ogg page CRC-32 (the checksum field must be zero while computing).
 *
 * @example
 * view.setUint32(22, crc32(page), true)
 */
export function crc32(bytes: Uint8Array): number {
  let c = 0
  for (let i = 0; i < bytes.length; i++) c = ((c << 8) ^ (CRC32[((c >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0
  return c >>> 0
}
