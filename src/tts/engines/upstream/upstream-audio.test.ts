import { describe, expect, test } from 'bun:test'
import { parseOpenAIFormat, type AudioFormatSpec } from '../../../audio/formats.ts'
import { upstreamAudio, type UpstreamPiece } from './upstream-audio.ts'

const pcm = parseOpenAIFormat('pcm')
const PCM: AudioFormatSpec | undefined = pcm.ok ? pcm.spec : undefined

/** A body whose whole audio is already there: one piece, as a short reply read at once arrives. */
async function* onePiece(): AsyncGenerator<UpstreamPiece> {
  yield { bytes: new Uint8Array(4800) }
}

/** Reads the audio and aborts after the first chunk, as a client hanging up does. */
async function readAndAbort(passthrough: boolean): Promise<unknown> {
  const controller = new AbortController()
  const reason = new Error('client went away')
  const audio = upstreamAudio(onePiece(), {
    passthrough,
    sampleRate: 24000,
    textLength: 10,
    signal: controller.signal,
    ...(passthrough && PCM && { format: PCM }),
  })
  try {
    for await (const _ of audio) controller.abort(reason)
    return 'ended normally'
  } catch (err) {
    return err === reason ? 'aborted with its reason' : err
  }
}

describe('upstreamAudio', () => {
  test('a reader that aborts after the last piece ends with the abort reason, not as a finished synthesis', async () => {
    expect(await readAndAbort(false)).toBe('aborted with its reason')
  })

  test('the same when the upstream format passes through', async () => {
    expect(await readAndAbort(true)).toBe('aborted with its reason')
  })
})
