/**
 * ADTS (ISO/IEC 13818-7 / 14496-3 1.A.2): the self-describing framing of raw AAC that a
 * `.aac` file and an `audio/aac` stream are made of. Each frame carries a 7-byte header
 * (no CRC) naming profile, rate and channels, so a client can start decoding at any frame
 * and the bytes can leave one frame at a time.
 */

/** The sampling-frequency index table; an ADTS header holds the index, not the rate. */
export const ADTS_SAMPLE_RATES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

const HEADER_BYTES = 7
/** frame_length is 13 bits and counts the header too. */
const MAX_FRAME_BYTES = (1 << 13) - 1
/** Audio object type 2 (AAC-LC) is written as profile 1. */
const PROFILE_LC = 1
/** "Variable bitrate" as ADTS spells it: decoders ignore buffer fullness then. */
const BUFFER_FULLNESS_VBR = 0x7ff

/**
 * The 7-byte header (MPEG-4, no CRC, one raw data block) for one AAC-LC frame of
 * `payloadBytes`.
 *
 * @example
 * adtsHeader(180, 24000, 1) // Uint8Array [0xff, 0xf1, 0x58, 0x40, 0x17, 0x7f, 0xfc]
 */
export function adtsHeader(payloadBytes: number, sampleRate: number, channels: number): Uint8Array {
  const rateIndex = ADTS_SAMPLE_RATES.indexOf(sampleRate)
  if (rateIndex < 0) throw new RangeError(`ADTS cannot carry ${sampleRate} Hz`)
  if (!Number.isInteger(channels) || channels < 1 || channels > 7) throw new RangeError(`ADTS channel configuration ${channels} is not 1-7`)
  const length = payloadBytes + HEADER_BYTES
  if (!Number.isInteger(payloadBytes) || payloadBytes < 0 || length > MAX_FRAME_BYTES) throw new RangeError(`an ADTS frame cannot hold ${payloadBytes} bytes`)
  return new Uint8Array([
    0xff, // syncword 0xFFF ...
    0xf1, // ... MPEG-4, layer 0, protection absent
    (PROFILE_LC << 6) | (rateIndex << 2) | (channels >> 2),
    ((channels & 3) << 6) | (length >> 11),
    (length >> 3) & 0xff,
    ((length & 7) << 5) | (BUFFER_FULLNESS_VBR >> 6),
    ((BUFFER_FULLNESS_VBR & 0x3f) << 2) | 0, // one raw data block per frame
  ])
}

/** What one ADTS header says. */
export interface AdtsFrame {
  readonly profile: number
  readonly sampleRate: number
  readonly channels: number
  /** Whole frame, header included. */
  readonly length: number
  readonly offset: number
}

/**
 * Splits bytes into ADTS frames, reading each header; throws where the bytes are not whole
 * frames (a lost sync word, a truncated last frame). Tests use it to check that every chunk
 * a stream sends is whole frames.
 *
 * @example
 * readAdtsFrames(bytes).length // frames of 1024 samples each
 */
export function readAdtsFrames(bytes: Uint8Array): AdtsFrame[] {
  const frames: AdtsFrame[] = []
  let at = 0
  while (at < bytes.length) {
    if (at + HEADER_BYTES > bytes.length) throw new Error(`truncated ADTS header at byte ${at}`)
    if (bytes[at] !== 0xff || (bytes[at + 1]! & 0xf0) !== 0xf0) throw new Error(`no ADTS sync word at byte ${at}`)
    const profile = (bytes[at + 2]! >> 6) + 1
    const sampleRate = ADTS_SAMPLE_RATES[(bytes[at + 2]! >> 2) & 0x0f]
    const channels = ((bytes[at + 2]! & 1) << 2) | (bytes[at + 3]! >> 6)
    const length = ((bytes[at + 3]! & 3) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5)
    if (sampleRate === undefined || length < HEADER_BYTES) throw new Error(`bad ADTS header at byte ${at}`)
    if (at + length > bytes.length) throw new Error(`truncated ADTS frame at byte ${at}`)
    frames.push({ profile, sampleRate, channels, length, offset: at })
    at += length
  }
  return frames
}
