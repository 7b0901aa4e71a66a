/**
 * Any sequence of frames sent to the streaming endpoints (protocol messages, any JSON
 * value, text that is not JSON, binary, oversized frames, an abrupt disconnect) ends in
 * audio, a protocol error message, or a clean close: never a server failure (1011), a
 * hang, an error-level log line, or a service that stops answering. Runs against the
 * real service over real sockets, so the number of sequences is kept small.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { startService, type RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'
import { WsClient, type Received } from './support/ws-client.ts'

const MAX_MESSAGE_BYTES = 16_384
let svc: RunningService
let ws: string

beforeAll(async () => {
  svc = await startService({ TTS_WS_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) })
  ws = svc.url.replace(/^http/, 'ws')
})
afterAll(async () => {
  expect(await svc.stop()).toBe(0)
}, 30_000)

// --- Frames -------------------------------------------------------------------------

type Frame = string | Uint8Array

const junk = fc.jsonValue({ maxDepth: 2 })
const shortText = fc.oneof(
  fc.constantFrom('Hello there. ', 'One. Two! ', 'Dr. ', 'word ', ' ', '', '中文。', '\ud83d', 'no end'),
  fc.string({ unit: 'binary', maxLength: 8 }),
)
const voice = fc.oneof({ arbitrary: fc.constantFrom('alloy', 'en-us-f1', 'de-m1'), weight: 4 }, fc.constantFrom('nobody', ''), fc.string({ maxLength: 5 }))
/** Usually a value the rule accepts, sometimes one outside it. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: invalid as fc.Arbitrary<T | U>, weight: 1 })
const json = (arb: fc.Arbitrary<unknown>) => arb.map((v) => JSON.stringify(v))

/** Frames that are not protocol messages at all. */
const strangeFrame: fc.Arbitrary<Frame> = fc.oneof(
  json(junk),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom('', '{', 'null', '[]', '{"type":"start"', 'x'.repeat(MAX_MESSAGE_BYTES + 1)),
)

const streamStart = fc.record(
  {
    type: mostly(fc.constant('start'), junk),
    voice: mostly(voice, junk),
    format: mostly(fc.constantFrom('pcm', 'mulaw', 'alaw', 'mp3', 'opus'), junk),
    sample_rate: mostly(fc.constantFrom(8000, 16000, 22050, 24000, 44100, 48000), fc.oneof(fc.integer(), fc.double())),
    bitrate_kbps: mostly(fc.constantFrom(6, 32, 64, 256), fc.oneof(fc.integer(), fc.double(), junk)),
    speed: mostly(fc.double({ min: 0.25, max: 4, noNaN: true }), junk),
    alignment: mostly(fc.boolean(), junk),
  },
  { requiredKeys: ['type', 'voice'] },
)
const validStreamStart = fc
  .tuple(fc.constantFrom('alloy', 'en-us-f1', 'de-m1'), fc.constantFrom(['pcm', 16000], ['pcm', 24000], ['mulaw', 8000], ['alaw', 8000], ['mp3', 44100], ['opus', 48000]), fc.boolean())
  .map(([v, [format, rate], alignment]) => ({ type: 'start', voice: v, format, sample_rate: rate, alignment }))
const sentence = fc.constantFrom('Hello there. ', 'One. Two! ', 'Dr. Smith is here. ', 'A sentence without an end')
const validStreamMessage = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('text'), text: fc.oneof({ arbitrary: sentence, weight: 3 }, shortText) }), weight: 5 },
  fc.constantFrom({ type: 'flush' }, { type: 'cancel' }),
)
const streamMessage = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('text'), text: shortText }), weight: 4 },
  fc.constantFrom({ type: 'flush' }, { type: 'cancel' }, { type: 'close' }, { type: 'text' }, { type: 'flush', extra: 1 }, { type: 'nope' }),
  streamStart,
)

const schedule = fc.array(mostly(fc.integer({ min: 1, max: 300 }), junk), { maxLength: 5 })
const elevenOpening = fc.record(
  {
    text: mostly(fc.constant(' '), shortText),
    voice_settings: mostly(fc.record({ speed: fc.double({ min: 0.25, max: 4, noNaN: true }), stability: fc.double({ min: 0, max: 1, noNaN: true }) }), junk),
    generation_config: mostly(fc.record({ chunk_length_schedule: schedule }), junk),
    'xi-api-key': mostly(fc.string({ maxLength: 10 }), junk),
  },
  { requiredKeys: ['text'] },
)
const validElevenOpening = fc.record({ text: fc.constant(' '), generation_config: fc.record({ chunk_length_schedule: fc.array(fc.integer({ min: 5, max: 120 }), { minLength: 1, maxLength: 4 }) }) }, { requiredKeys: ['text'] })
const validElevenMessage = fc.record(
  { text: fc.oneof({ arbitrary: sentence, weight: 3 }, shortText.filter((t) => t !== '')), try_trigger_generation: fc.boolean(), flush: fc.boolean() },
  { requiredKeys: ['text'] },
)
const elevenMessage = fc.oneof(
  { arbitrary: fc.record({ text: shortText, try_trigger_generation: mostly(fc.boolean(), junk), flush: mostly(fc.boolean(), junk) }, { requiredKeys: ['text'] }), weight: 4 },
  fc.constantFrom({ text: '' }, { text: ' ' }, { flush: true }, { text: 1 }),
  elevenOpening,
)

/**
 * A session's frames: half the time a valid opening and well-formed messages (so audio
 * flows and the later messages meet a live session), half the time any opening followed
 * by protocol messages mixed with strange frames.
 */
const sequence = (validOpening: fc.Arbitrary<unknown>, validMessage: fc.Arbitrary<unknown>, opening: fc.Arbitrary<unknown>, message: fc.Arbitrary<unknown>) =>
  fc.oneof(
    fc.tuple(json(validOpening), fc.array(json(validMessage), { minLength: 1, maxLength: 6 })),
    fc.tuple(
      fc.oneof({ arbitrary: json(opening), weight: 3 }, strangeFrame),
      fc.array(fc.oneof({ arbitrary: json(message), weight: 3 }, strangeFrame), { maxLength: 6 }),
    ),
  ).map(([first, rest]) => [first, ...rest] as Frame[])

/** How the client leaves: the protocol's own end message, or hanging up abruptly. */
const ending = fc.constantFrom('protocol', 'protocol', 'protocol', 'hang-up')

// --- Running one sequence -------------------------------------------------------------

/** Codes a well-behaved server may close with: done, binary refused, bad input, too big. */
const CLEAN_CLOSE = [1000, 1003, 1008, 1009]

interface Endpoint {
  path: string
  /** The message that ends the session in this protocol. */
  end: unknown
  isError(json: any): boolean
  /** Every JSON message the server may send. */
  isKnown(json: any): boolean
}

const STREAM: Endpoint = {
  path: '/v1/stream',
  end: { type: 'close' },
  isError: (j) => j?.type === 'error' && typeof j.code === 'string' && typeof j.message === 'string',
  isKnown: (j) => ['started', 'alignment', 'flushed', 'cancelled', 'end', 'error'].includes(j?.type),
}
const STREAM_INPUT = (voiceId: string, format: string): Endpoint => ({
  path: `/v1/text-to-speech/${encodeURIComponent(voiceId)}/stream-input?output_format=${format}`,
  end: { text: '' },
  isError: (j) => typeof j?.message === 'string' && typeof j.error === 'string' && typeof j.code === 'number',
  isKnown: (j) => typeof j?.audio === 'string' || j?.isFinal === true || typeof j?.error === 'string',
})

/** Outcomes per endpoint, printed so a generator that stops reaching synthesis shows. */
const outcomes = new Map<string, number>()
afterAll(() => console.log(`outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`))
const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1)

async function runSequence(endpoint: Endpoint, frames: Frame[], how: string): Promise<void> {
  const name = endpoint === STREAM ? 'stream' : 'stream-input'
  const client = new WsClient(`${ws}${endpoint.path}`)
  await client.opened
  for (const frame of frames) {
    if (client.socket.readyState !== WebSocket.OPEN) break
    client.send(frame)
  }
  if (how === 'hang-up') {
    client.socket.close()
    await client.closed
    count(`${name} hang-up`)
    return
  }
  if (client.socket.readyState === WebSocket.OPEN) client.send(endpoint.end)
  // The server must close by itself: after the end message, or on the first bad frame.
  const closed = await closedWithin(client, 20_000)
  const texts = client.messages.filter((m): m is Extract<Received, { kind: 'text' }> => m.kind === 'text')
  const context = `frames ${JSON.stringify(frames.map(show))} -> close ${closed.code} ${closed.reason}; received ${JSON.stringify(texts.map((m) => m.data.slice(0, 120)))}`
  expect(CLEAN_CLOSE, context).toContain(closed.code)
  for (const m of texts) expect(endpoint.isKnown(m.json), context).toBe(true)
  // A close for bad input is explained in the protocol first (1009 comes from Bun itself).
  if (closed.code === 1003 || closed.code === 1008) expect(texts.some((m) => endpoint.isError(m.json)), context).toBe(true)
  const audio = client.binary().length > 0 || texts.some((m) => typeof m.json?.audio === 'string')
  const error = texts.find((m) => endpoint.isError(m.json))?.json
  count(`${name} ${closed.code}${audio ? ' audio' : ''}${error ? ` ${typeof error.error === 'string' ? error.error : error.code}` : ''}`)
}

/** The close event, or code -1 if the server has not closed within `ms` (a hang is a failure, not a wait). */
async function closedWithin(client: WsClient, ms: number): Promise<{ code: number; reason: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<{ code: number; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ code: -1, reason: `no close within ${ms} ms` }), ms)
  })
  try {
    return await Promise.race([client.closed, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function show(frame: Frame): string {
  return typeof frame === 'string' ? frame.slice(0, 80) + (frame.length > 80 ? `...(${frame.length})` : '') : `<binary ${frame.length}>`
}

async function healthy(): Promise<void> {
  expect((await fetch(`${svc.url}/healthz`)).status).toBe(200)
}

/** streaming_active summed over vendors, from /metrics. */
async function activeSessions(): Promise<number> {
  const text = await (await fetch(`${svc.url}/metrics`)).text()
  return [...text.matchAll(/^streaming_active\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0)
}

// --- Properties ---------------------------------------------------------------------------

/** Sequences per endpoint: each opens a real socket and may synthesise, so CI stays fast. */
const RUNS = 30

describe('WebSocket protocols, any sequence of frames', () => {
  test(
    '/v1/stream: audio, a protocol error or a clean close; the service keeps answering',
    async () => {
      await fc.assert(
        fc.asyncProperty(sequence(validStreamStart, validStreamMessage, streamStart, streamMessage), ending, async (frames, how) => {
          await runSequence(STREAM, frames, how)
          await healthy()
        }),
        { numRuns: RUNS },
      )
    },
    300_000,
  )

  test(
    '/v1/text-to-speech/{voice_id}/stream-input: audio, a protocol error or a clean close; the service keeps answering',
    async () => {
      // An empty voice id would be another path (404 before any upgrade), not this protocol.
      const endpoints = fc.tuple(voice.filter((v) => v !== ''), fc.constantFrom('pcm_16000', 'mp3_44100_128', 'ulaw_8000')).map(([v, f]) => STREAM_INPUT(v, f))
      await fc.assert(
        fc.asyncProperty(endpoints, sequence(validElevenOpening, validElevenMessage, elevenOpening, elevenMessage), ending, async (endpoint, frames, how) => {
          await runSequence(endpoint, frames, how)
          await healthy()
        }),
        { numRuns: RUNS },
      )
    },
    300_000,
  )

  test('afterwards: every session has ended and nothing was logged at error level', async () => {
    // The generators are only useful if sessions got as far as audio on both protocols.
    const reached = (prefix: string) => [...outcomes].some(([key, n]) => key.startsWith(`${prefix} `) && key.includes(' audio') && n > 0)
    expect(reached('stream')).toBe(true)
    expect(reached('stream-input')).toBe(true)
    // Hung-up sessions end on the server a moment after the client leaves: a condition
    // outside this process, so it is polled.
    await waitUntil(async () => (await activeSessions()) === 0, 15_000, 'streaming_active back to 0')
    const severe = svc.logs.filter((l) => typeof l.level === 'number' && l.level >= 50)
    expect(severe).toEqual([])
    // The protocol errors were reported as warnings with their codes, never as internal errors.
    const codes = new Set(svc.logs.filter((l) => l.msg === 'session error').map((l) => l.error_code))
    expect(codes.has('internal_error')).toBe(false)
  })
})
