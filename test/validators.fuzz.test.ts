/**
 * Any body, any content type, any query sent to the batch speech endpoints gets either
 * audio (2xx) or a 4xx in that API's own error shape: never a 5xx, never a throw, never
 * an error-level log line. The app is built exactly as main.ts builds it
 * (test/support/in-process-app.ts) and driven with app.request, so thousands of
 * requests cost no sockets. Bodies are drawn to pass validation often enough that
 * synthesis and every encoder run too, on short texts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import type { Hono } from 'hono'
import type { AppEnv } from '../src/app-env.ts'
import { buildApp } from './support/in-process-app.ts'

const MAX_INPUT_CHARS = 200
let app: Hono<AppEnv>
let close: () => Promise<unknown>
/** Every log line the app wrote, parsed. */
const logs: { level: number; msg?: string }[] = []

beforeAll(async () => {
  const built = await buildApp({
    telemetry: false,
    logLines: (line) => void logs.push(JSON.parse(line)),
    maxInputChars: MAX_INPUT_CHARS,
    maxBodyBytes: 4096,
  })
  app = built.app
  close = built.close
})
afterAll(() => close())

// --- What clients might send -------------------------------------------------------

/** Short texts (synthesis stays cheap) and the edge cases of the input rules. */
const text = fc.oneof(
  { arbitrary: fc.constantFrom('Hi.', 'Hello there.', 'One. Two! Three?'), weight: 3 },
  fc.constantFrom('Hi.', 'Hello there.', 'é', '1', '(happy) yes', '中文。', '', '   ', '\u0000', '\ud83d', 'a'.repeat(MAX_INPUT_CHARS + 1), 'Mr. .'),
  fc.string({ unit: 'binary', maxLength: 12 }),
)
/** A value of any JSON type, to put where a field of another type is expected. */
const junk = fc.jsonValue({ maxDepth: 2 })
const voiceName = fc.constantFrom('alloy', 'nova', 'en-us-f1', 'de-m1', 'ja-f1', 'nobody', '', 'ALLOY', '../etc/passwd')
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 })
/** Usually a value the rule accepts, sometimes one just outside it. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: invalid, weight: 1 })

/**
 * A request that is valid or nearly so: each field drawn from values that pass or sit
 * just outside its rule, then, half the time, one field replaced by any JSON value,
 * removed, or joined by a field nobody expects. Mostly-junk bodies would never reach
 * synthesis; one change at a time reaches every rule.
 */
function nearlyValid(fields: Record<string, fc.Arbitrary<unknown>>, changed: fc.Arbitrary<unknown> = junk): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields)
  return fc
    .tuple(
      fc.record(fields),
      fc.option(fc.tuple(fc.constantFrom(...names, 'unexpected'), fc.option(changed, { nil: undefined })), { nil: undefined, freq: 2 }),
    )
    .map(([body, change]) => {
      const out: Record<string, unknown> = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined))
      if (change) out[change[0]] = change[1]
      return out
    })
}

const openaiBody = nearlyValid({
  model: mostly(fc.constantFrom('tts-1', 'tts-1-hd', 'gpt-4o-mini-tts', 'tts-edge'), fc.constantFrom('tts-0', '')),
  input: text,
  voice: fc.oneof({ arbitrary: voiceName, weight: 3 }, voiceName.map((id) => ({ id }))),
  response_format: optional(mostly(fc.constantFrom('mp3', 'wav', 'pcm', 'flac'), fc.constantFrom('opus', 'aac', 'ogg', 'MP3', ''))),
  speed: optional(mostly(fc.double({ min: 0.25, max: 4, noNaN: true }), fc.constantFrom(0.24, 4.01, 0, -1, 1e308))),
  instructions: optional(fc.string({ maxLength: 20 })),
  stream_format: optional(mostly(fc.constantFrom('audio', 'sse'), fc.constant('SSE'))),
})

const elevenlabsBody = nearlyValid({
  text: text,
  model_id: optional(mostly(fc.constantFrom('eleven_multilingual_v2', 'eleven_flash_v2_5', 'tts-1'), fc.constant('nope'))),
  language_code: optional(mostly(fc.constantFrom('en', 'de'), fc.constant('x'.repeat(30)))),
  voice_settings: optional(
    fc.record(
      {
        stability: mostly(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(-0.5, 1.5)),
        similarity_boost: fc.double({ min: 0, max: 1, noNaN: true }),
        style: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        use_speaker_boost: fc.boolean(),
        speed: fc.option(mostly(fc.double({ min: 0.25, max: 4, noNaN: true }), fc.constantFrom(0.2, 5))),
      },
      { requiredKeys: [] },
    ),
  ),
  seed: optional(mostly(fc.integer(), fc.double())),
  previous_text: optional(fc.string({ maxLength: 10 })),
  apply_text_normalization: optional(mostly(fc.constantFrom('auto', 'on', 'off'), fc.constant('maybe'))),
})

/** The body as sent: JSON of a plausible request, of any JSON value, of anything, or not JSON at all. */
const rawBody = (plausible: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { arbitrary: plausible.map((v) => JSON.stringify(v)), weight: 6 },
    { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 2 },
    { arbitrary: fc.anything().map((v) => safeStringify(v)), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
    { arbitrary: fc.constantFrom('', '{', 'null', '[]', '"x"', '{"input":', 'x'.repeat(5000)), weight: 1 },
  )
const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  fc.constantFrom('application/json; charset=utf-8', 'application/vnd.api+json', 'text/plain', 'APPLICATION/JSON', undefined, 'multipart/form-data; boundary=x'),
)

const outputFormat = fc.oneof(
  { arbitrary: fc.constantFrom('mp3_44100_128', 'mp3_22050_32', 'pcm_16000', 'pcm_24000', 'ulaw_8000', 'alaw_8000'), weight: 4 },
  fc.constantFrom('mp3_44100_128', 'mp3_22050_32', 'pcm_16000', 'pcm_24000', 'ulaw_8000', 'alaw_8000', 'wav_44100', 'opus_48000_64', 'pcm_1', ''),
  fc.string({ maxLength: 12 }),
)
const elevenlabsQuery = nearlyValid(
  {
    output_format: optional(outputFormat),
    optimize_streaming_latency: optional(mostly(fc.constantFrom('0', '4'), fc.constantFrom('5', '-1', 'x', ''))),
    enable_logging: optional(mostly(fc.constantFrom('true', 'false'), fc.constant('yes'))),
  },
  fc.string({ unit: 'binary', maxLength: 8 }),
)
const elevenlabsPath = fc.tuple(
  fc.oneof({ arbitrary: voiceName, weight: 6 }, fc.string({ unit: 'binary', maxLength: 10 })),
  fc.constantFrom('', '/stream', '/with-timestamps', '/stream/with-timestamps'),
)

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined'
  } catch {
    return String(typeof value) // BigInt, cycles: still a body, just not JSON
  }
}

// --- What every answer must look like ---------------------------------------------

interface Answer {
  status: number
  contentType: string
  body: Uint8Array
}

async function post(path: string, body: string, type: string | undefined): Promise<Answer> {
  const res = await app.request(path, { method: 'POST', headers: type ? { 'content-type': type } : {}, body })
  // Read the whole body: a streamed 200 that fails half-way is a failure too.
  const bytes = new Uint8Array(await res.arrayBuffer())
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: bytes }
}

function expectAudioOrEvents(answer: Answer): void {
  expect(answer.contentType).toMatch(/^(audio\/|text\/event-stream|application\/(json|x-ndjson|octet-stream))/)
  expect(answer.body.length).toBeGreaterThan(0)
}

function expectOpenAIError(answer: Answer): void {
  expect(answer.contentType).toContain('application/json')
  const body = JSON.parse(new TextDecoder().decode(answer.body))
  expect(body).toEqual({
    error: { message: expect.any(String), type: expect.any(String), param: body.error.param === null ? null : expect.any(String), code: expect.any(String) },
  })
}

function expectElevenLabsError(answer: Answer): void {
  expect(answer.contentType).toContain('application/json')
  const body = JSON.parse(new TextDecoder().decode(answer.body))
  if (Array.isArray(body.detail)) {
    expect(answer.status).toBe(422)
    for (const issue of body.detail) expect(issue).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) })
  } else {
    expect(body).toEqual({ detail: { status: expect.any(String), message: expect.any(String) } })
  }
}

function expectNoErrorLogs(): void {
  const bad = logs.filter((l) => l.level >= 50)
  expect(bad).toEqual([])
}

// Status counts per property, printed so a generator that stops reaching synthesis shows.
const counts: Map<number, number>[] = []
afterAll(() => console.log(`status counts: ${counts.map((c) => JSON.stringify(Object.fromEntries(c))).join(' ')}`))

/** Requests per property: enough to reach synthesis in every format many times, a few seconds each. */
const RUNS = 250

describe('batch request validation, any input', () => {
  test(
    'POST /v1/audio/speech answers 2xx audio or an OpenAI-shaped 4xx',
    async () => {
      const statuses = new Map<number, number>()
      counts.push(statuses)
      await fc.assert(
        fc.asyncProperty(rawBody(openaiBody), contentType, async (body, type) => {
          const answer = await post('/v1/audio/speech', body, type)
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
          expect(answer.status).toBeGreaterThanOrEqual(200)
          expect(answer.status).toBeLessThan(500)
          if (answer.status < 300) expectAudioOrEvents(answer)
          else expectOpenAIError(answer)
          expectNoErrorLogs()
        }),
        { numRuns: RUNS },
      )
      // The generator is only useful if it reaches synthesis as well as rejection.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 20)
    },
    120_000,
  )

  test(
    'POST /v1/text-to-speech/{voice_id} (and /stream, /with-timestamps) answers 2xx audio or an ElevenLabs-shaped 4xx',
    async () => {
      const statuses = new Map<number, number>()
      counts.push(statuses)
      await fc.assert(
        fc.asyncProperty(rawBody(elevenlabsBody), contentType, elevenlabsPath, elevenlabsQuery, async (body, type, [voice, suffix], query) => {
          const search = new URLSearchParams(query as Record<string, string>).toString()
          const path = `/v1/text-to-speech/${encodeURIComponent(voice)}${suffix}${search ? `?${search}` : ''}`
          const answer = await post(path, body, type)
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
          expect(answer.status).toBeGreaterThanOrEqual(200)
          expect(answer.status).toBeLessThan(500)
          if (answer.status < 300) expectAudioOrEvents(answer)
          else expectElevenLabsError(answer)
          expectNoErrorLogs()
        }),
        { numRuns: RUNS },
      )
      expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 50)
    },
    120_000,
  )
})
