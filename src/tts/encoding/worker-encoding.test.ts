import { describe, expect, test } from 'bun:test'
import { aacEncodersInUse } from '../../audio/aac/libav-aac.ts'
import { parseElevenLabsFormat, parseOpenAIFormat, type FormatLookup } from '../../audio/formats.ts'
import { opusEncodersInUse } from '../../audio/opus/libopus.ts'
import { decode, tone } from '../../../test/support/audio-decoders.ts'
import type { JobContext } from '../worker-host.ts'
import type { WorkerChunk } from './worker-chunk.ts'
import { encodingContext } from './worker-encoding.ts'

function specOf(r: FormatLookup) {
  if (!r.ok) throw new Error(r.message)
  return r.spec
}

/**
 * The encoders that hold state outside the garbage collector's reach, how many samples 1 s of
 * 22.05 kHz input decodes to (Opus: exactly the input at 48 kHz; AAC: 24 kHz plus one frame of
 * encoder delay, padded to whole frames), and their in-use counters.
 */
const STATEFUL = [
  ['Opus', specOf(parseElevenLabsFormat('opus_48000_64')), 'opus', 48000, opusEncodersInUse],
  ['AAC', specOf(parseOpenAIFormat('aac')), 'aac', 25600, aacEncodersInUse],
] as const

/** The worker host's side of a job: what the pool would receive, and its cancel flag. */
function job(): { ctx: JobContext<WorkerChunk>; out: WorkerChunk[]; cancel(): void } {
  let cancelled = false
  const out: WorkerChunk[] = []
  return { ctx: { emit: (chunk) => out.push(chunk), cancelled: () => cancelled }, out, cancel: () => (cancelled = true) }
}

describe('encoding in the engine worker', () => {
  test.each(STATEFUL)('%s chunks leave encoded as they come, and the finished file decodes to the whole input', async (_name, format, ext, decodedSamples) => {
    const { ctx, out } = job()
    const encoding = await encodingContext(ctx, format, 22050)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    expect(out[0]!.encoded!.length).toBeGreaterThan(0)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    encoding.finish()
    encoding.close()
    const whole = out.at(-1)!.whole!
    expect(Buffer.concat(out.map((c) => c.encoded!))).toEqual(Buffer.from(whole))
    expect((await decode(whole, ext)).length).toBe(decodedSamples)
  })

  test.each(STATEFUL)('a cancelled %s job gives its encoder state back without finishing the file', async (_name, format, _ext, _samples, inUse) => {
    const before = inUse()
    const { ctx, out, cancel } = job()
    const encoding = await encodingContext(ctx, format, 22050)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    expect(inUse()).toBe(before + 1)
    cancel()
    encoding.close()
    expect(inUse()).toBe(before)
    expect(out.some((c) => c.whole)).toBe(false)
  })
})
