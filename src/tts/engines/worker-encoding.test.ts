import { describe, expect, test } from 'bun:test'
import { aacEncodersInUse } from '../../audio/aac/libav-aac.ts'
import { parseElevenLabsFormat, parseOpenAIFormat } from '../../audio/formats.ts'
import { opusEncodersInUse } from '../../audio/opus/libopus.ts'
import { decode, tone } from '../../audio/test-decoders.ts'
import type { JobContext } from '../worker-host.ts'
import type { EspeakChunk } from './espeak-job.ts'
import { encodingContext } from './worker-encoding.ts'

const opus = (() => {
  const r = parseElevenLabsFormat('opus_48000_64')
  if (!r.ok) throw new Error(r.message)
  return r.spec
})()

const aac = (() => {
  const r = parseOpenAIFormat('aac')
  if (!r.ok) throw new Error(r.message)
  return r.spec
})()

/** The worker host's side of a job: what the pool would receive, and its cancel flag. */
function job(): { ctx: JobContext<EspeakChunk>; out: EspeakChunk[]; cancel(): void } {
  let cancelled = false
  const out: EspeakChunk[] = []
  return { ctx: { emit: (chunk) => out.push(chunk), cancelled: () => cancelled }, out, cancel: () => (cancelled = true) }
}

describe('encoding in the engine worker', () => {
  test('Opus chunks leave encoded as they come, and the finished file decodes to the whole input', async () => {
    const { ctx, out } = job()
    const encoding = await encodingContext(ctx, opus, 22050)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    expect(out[0]!.encoded!.length).toBeGreaterThan(0)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    encoding.finish()
    encoding.close()
    const whole = out.at(-1)!.whole!
    expect(Buffer.concat(out.map((c) => c.encoded!))).toEqual(Buffer.from(whole))
    expect((await decode(whole, 'opus')).length).toBe(48000)
  })

  test('a cancelled job gives its libopus state back without finishing the file', async () => {
    const before = opusEncodersInUse()
    const { ctx, out, cancel } = job()
    const encoding = await encodingContext(ctx, opus, 22050)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    expect(opusEncodersInUse()).toBe(before + 1)
    cancel()
    encoding.close()
    expect(opusEncodersInUse()).toBe(before)
    expect(out.some((c) => c.whole)).toBe(false)
  })

  test('AAC frames leave as each chunk is encoded, and the finished file is those frames', async () => {
    const { ctx, out } = job()
    const encoding = await encodingContext(ctx, aac, 22050)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    expect(out[0]!.encoded!.length).toBeGreaterThan(0)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    encoding.finish()
    encoding.close()
    const whole = out.at(-1)!.whole!
    expect(Buffer.concat(out.map((c) => c.encoded!))).toEqual(Buffer.from(whole))
    // 24000 samples and one frame of encoder delay, in 1024-sample frames, the last padded.
    expect((await decode(whole, 'aac')).length).toBe(25600)
  })

  test('a cancelled AAC job closes its encoder context', async () => {
    const before = aacEncodersInUse()
    const { ctx, cancel } = job()
    const encoding = await encodingContext(ctx, aac, 22050)
    encoding.ctx.emit({ samples: tone(440, 0.5, 22050), boundaries: [] })
    expect(aacEncodersInUse()).toBe(before + 1)
    cancel()
    encoding.close()
    expect(aacEncodersInUse()).toBe(before)
  })
})
