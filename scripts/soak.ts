/**
 * `bun run soak`: a bounded soak of the real service, to catch what only shows over time:
 * memory that grows with every request, sockets or file descriptors never released,
 * streaming sessions that never end, a server error that needs many requests to surface.
 *
 *   bun run soak -- [--duration 120] [--concurrency 4] [--warmup SECONDS] [--max-rss-growth 20]
 *
 * It starts its own service (`bun src/main.ts` on a free port, telemetry exported to a
 * local sink, so the exporters' memory is part of the picture) and drives it with a
 * fixed cycle of work: both batch APIs with cache hits and misses, SSE, /v1/stream and
 * ElevenLabs stream-input sessions, barge-in cancels, and clients that vanish mid-body
 * or mid-stream. RSS and open file descriptors are read from /proc. Exits non-zero when
 * RSS after warm-up grows by more than --max-rss-growth percent, when streaming_active
 * is not back to 0 once the clients are gone, or when any 5xx (or WebSocket 1011) was seen.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { otlpSink, spawnService } from '../bench/service.ts'
import { useRunTempDir } from '../test/support/run-temp-dir.ts'

// The service's cache and data directories go under one directory, removed at exit.
process.once('exit', useRunTempDir('soak'))

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '120' },
    concurrency: { type: 'string', default: '4' },
    warmup: { type: 'string' },
    'max-rss-growth': { type: 'string', default: '20' },
  },
})
const durationMs = Math.max(5, Number(args.duration) || 120) * 1000
const concurrency = Math.min(64, Math.max(1, Number(args.concurrency) || 4))
// Warm-up covers every kind of work at least once (JIT, worker pool, encoders, voices'
// data), so the baseline is the service's steady state rather than its first breath.
const warmupMs = (Number(args.warmup) || Math.min(30, Math.max(3, durationMs / 1000 / 4))) * 1000
const maxGrowth = Number(args['max-rss-growth'])
/** One unit of work may take this long before it counts as a timeout. */
const ACTION_TIMEOUT_MS = 30_000

// --- The service under soak ---------------------------------------------------------

const sink = otlpSink()
const service = await spawnService({
  LOG_LEVEL: 'warn',
  OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '500',
  OTEL_BLRP_SCHEDULE_DELAY: '500',
  // A memory cache tier that is full within the warm-up (and evicts from then on): filling
  // the default 64 MiB by design would read as growth after warm-up.
  TTS_CACHE_MEMORY_BYTES: String(1024 * 1024),
})
const base = service.url
const wsBase = base.replace(/^http/, 'ws')

/** Resident set size of the service, bytes (VmRSS from /proc). */
function rss(): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))?.[1]
  return Number(kb) * 1024
}
/** Open file descriptors of the service: sockets, cache files, pipes. */
function fds(): number {
  return readdirSync(`/proc/${service.pid}/fd`).length
}

// --- The work ----------------------------------------------------------------------

const VOICES = ['alloy', 'nova', 'en-us-f1', 'de-m1']
// A small fixed set of texts repeats (cache hits); fresh ones carry a unique word (misses).
const REPEATED = ['Hello from the soak test.', 'The same sentence, served from the cache.', 'One more time, please.']
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!
const fresh = (sentences = 2) =>
  Array.from({ length: sentences }, (_, i) => `Sentence ${i + 1} of take ${crypto.randomUUID().slice(0, 8)} keeps the engine busy for a moment.`).join(' ')

/** What one unit of work ended in: served, or an error of a named type. */
type Result = { ok: true } | { ok: false; error: string }
const OK: Result = { ok: true }
const fail = (error: string): Result => ({ ok: false, error })

const served = new Map<string, number>()
const errors = new Map<string, number>()
let serverErrors = 0
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)

async function batch(path: string, body: unknown, options: { sse?: boolean } = {}): Promise<Result> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const bytes = await res.arrayBuffer()
  if (res.status >= 500) serverErrors++
  if (res.status !== 200) return fail(`http ${res.status}`)
  if (bytes.byteLength === 0) return fail('empty body')
  if (options.sse && !new TextDecoder().decode(bytes).includes('speech.audio.done')) return fail('sse without done')
  return OK
}

/** A client that goes away after the first chunk of a response still being synthesised. */
async function batchAbandoned(): Promise<Result> {
  const abort = new AbortController()
  const res = await fetch(`${base}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: pick(VOICES), input: fresh(6), response_format: 'pcm' }),
    signal: abort.signal,
  })
  if (res.status >= 500) serverErrors++
  if (res.status !== 200) return fail(`http ${res.status}`)
  await res.body?.getReader().read()
  abort.abort()
  return OK
}

interface WsPlan {
  path: string
  /** Messages sent once open. */
  opening: unknown[]
  /** Reacts to each message; returns messages to send, or 'hang-up' to vanish. */
  onMessage?: (message: string | ArrayBuffer, state: { audio: number }) => unknown[] | 'hang-up'
  /** The close code a successful session ends with (undefined: the client hangs up). */
  expectClose?: number
}

/** Runs one WebSocket session to its close; a hang-up ends it from the client without a close handshake. */
function session(plan: WsPlan): Promise<Result> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${wsBase}${plan.path}`)
    socket.binaryType = 'arraybuffer'
    const state = { audio: 0 }
    let settled = false
    const settle = (result: Result) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const timer = setTimeout(() => {
      hangUp(socket)
      settle(fail('timeout'))
    }, ACTION_TIMEOUT_MS)
    socket.onopen = () => {
      for (const m of plan.opening) socket.send(JSON.stringify(m))
    }
    socket.onmessage = (event) => {
      const data = event.data as string | ArrayBuffer
      if (typeof data !== 'string' || data.includes('"audio"')) state.audio++
      const reply = plan.onMessage?.(data, state) ?? []
      if (reply === 'hang-up') {
        hangUp(socket)
        return settle(OK)
      }
      for (const m of reply) socket.send(JSON.stringify(m))
    }
    socket.onclose = (event) => {
      if (event.code === 1011) serverErrors++
      if (event.code !== plan.expectClose) return settle(fail(`ws close ${event.code}`))
      settle(state.audio > 0 ? OK : fail('no audio'))
    }
    socket.onerror = () => settle(fail('ws error'))
  })
}

/** Drops the connection without a close handshake, as a crashed client or lost network would. */
function hangUp(socket: WebSocket): void {
  // Bun's WebSocket has terminate(); the DOM typings the project also loads do not.
  ;(socket as unknown as { terminate(): void }).terminate()
}

const words = (text: string) => text.split(' ').map((w) => ({ type: 'text', text: `${w} ` }))

/** Work kinds in a fixed cycle of 20, so the mix is the same in a short run as in a long one. */
const CYCLE: readonly (readonly [string, () => Promise<Result>])[] = [
  ['openai hit', () => batch('/v1/audio/speech', { model: 'tts-1', voice: pick(VOICES), input: pick(REPEATED), response_format: pick(['mp3', 'wav']) })],
  ['openai miss', () => batch('/v1/audio/speech', { model: 'tts-1', voice: pick(VOICES), input: fresh(), response_format: pick(['mp3', 'pcm', 'flac']) })],
  ['stream session', () =>
    session({
      path: '/v1/stream',
      opening: [{ type: 'start', voice: pick(VOICES), format: 'pcm', alignment: true }, ...words(fresh()), { type: 'close' }],
      expectClose: 1000,
    })],
  ['elevenlabs hit', () => batch(`/v1/text-to-speech/${pick(VOICES)}?output_format=pcm_16000`, { text: pick(REPEATED) })],
  ['elevenlabs miss', () => batch(`/v1/text-to-speech/${pick(VOICES)}/stream?output_format=mp3_22050_32`, { text: fresh() })],
  ['stream cancel', () =>
    session({
      path: '/v1/stream',
      opening: [{ type: 'start', voice: pick(VOICES), format: 'mulaw' }, ...words(fresh(8))],
      // Barge-in at the first audio, then end the session normally.
      onMessage: (m, s) => (typeof m !== 'string' && s.audio === 1 ? [{ type: 'cancel' }, { type: 'close' }] : []),
      expectClose: 1000,
    })],
  ['openai hit', () => batch('/v1/audio/speech', { model: 'tts-1', voice: pick(VOICES), input: pick(REPEATED) })],
  ['stream hang-up', () =>
    session({
      path: '/v1/stream',
      opening: [{ type: 'start', voice: pick(VOICES), format: 'pcm' }, ...words(fresh(8)), { type: 'flush' }],
      // Vanish mid-stream, with sentences still queued and being synthesised.
      onMessage: (m) => (typeof m !== 'string' ? 'hang-up' : []),
    })],
  ['openai sse', () => batch('/v1/audio/speech', { model: 'tts-1', voice: pick(VOICES), input: pick([...REPEATED, fresh()]), response_format: 'pcm', stream_format: 'sse' }, { sse: true })],
  ['http abandoned', batchAbandoned],
  ['elevenlabs hit', () => batch(`/v1/text-to-speech/${pick(VOICES)}?output_format=mp3_44100_128`, { text: pick(REPEATED) })],
  ['stream-input session', () =>
    session({
      path: `/v1/text-to-speech/${pick(VOICES)}/stream-input?output_format=pcm_16000`,
      opening: [{ text: ' ', generation_config: { chunk_length_schedule: [50, 120] } }, ...fresh(2).split(' ').map((w) => ({ text: `${w} ` })), { text: '' }],
      expectClose: 1000,
    })],
  ['openai miss', () => batch('/v1/audio/speech', { model: 'tts-1-hd', voice: pick(VOICES), input: fresh(1), response_format: 'wav' })],
  ['stream session', () =>
    session({
      path: '/v1/stream',
      opening: [{ type: 'start', voice: pick(VOICES), format: 'mp3' }, ...words(pick(REPEATED)), { type: 'close' }],
      expectClose: 1000,
    })],
  ['elevenlabs hit', () => batch(`/v1/text-to-speech/${pick(VOICES)}/stream?output_format=ulaw_8000`, { text: pick(REPEATED) })],
  ['stream-input hang-up', () =>
    session({
      path: `/v1/text-to-speech/${pick(VOICES)}/stream-input?output_format=mp3_44100_128`,
      opening: [{ text: ' ' }, { text: `${fresh(6)} `, flush: true }],
      onMessage: (m) => (typeof m === 'string' && m.includes('"audio"') ? 'hang-up' : []),
    })],
  ['openai hit', () => batch('/v1/audio/speech', { model: 'gpt-4o-mini-tts', voice: pick(VOICES), input: pick(REPEATED), response_format: 'pcm' })],
  ['stream cancel', () =>
    session({
      path: '/v1/stream',
      opening: [{ type: 'start', voice: pick(VOICES), format: 'pcm', sample_rate: 16000 }, ...words(fresh(6))],
      onMessage: (m, s) => (typeof m !== 'string' && s.audio === 1 ? [{ type: 'cancel' }, { type: 'text', text: 'Changed my mind. ' }, { type: 'close' }] : []),
      expectClose: 1000,
    })],
  ['elevenlabs miss', () => batch(`/v1/text-to-speech/${pick(VOICES)}?output_format=pcm_24000`, { text: fresh(1) })],
  ['http abandoned', batchAbandoned],
]

let next = 0
async function worker(deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    const [kind, run] = CYCLE[next++ % CYCLE.length]!
    let result: Result
    try {
      result = await run()
    } catch (err) {
      result = fail(`client ${(err as Error).name ?? 'error'}`)
    }
    if (result.ok) bump(served, kind)
    else bump(errors, `${kind}: ${result.error}`)
  }
}

// --- Measurements ------------------------------------------------------------------------

interface Sample {
  at: number
  rss: number
  fds: number
}
const samples: Sample[] = []
const started = performance.now()
const sample = () => samples.push({ at: performance.now() - started, rss: rss(), fds: fds() })
sample()
const first = samples[0]!
const sampler = setInterval(sample, 500)

/** Median RSS over the samples in [from, to) ms: robust to a single GC pause or burst. */
function medianRss(from: number, to: number): number {
  const window = samples.filter((s) => s.at >= from && s.at < to).map((s) => s.rss).sort((a, b) => a - b)
  return window[Math.floor(window.length / 2)] ?? rss()
}

/** streaming_active summed over vendors. */
async function streamingActive(): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return [...text.matchAll(/^streaming_active\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0)
}

console.log(`soak: ${durationMs / 1000} s, concurrency ${concurrency}, warm-up ${warmupMs / 1000} s, service pid ${service.pid} at ${base}`)
const deadline = started + durationMs
const afterWarmup = new Promise<void>((resolve) => setTimeout(resolve, warmupMs))
await Promise.all([...Array.from({ length: concurrency }, () => worker(deadline)), afterWarmup])
const loadEnded = performance.now() - started
sample()

// Hung-up clients' sessions end on the server shortly after; give them a bounded moment.
let active = await streamingActive()
for (let waited = 0; active !== 0 && waited < 10_000; waited += 250) {
  await Bun.sleep(250)
  active = await streamingActive()
}
clearInterval(sampler)
sample()
const last = samples.at(-1)!

// Baseline: the second after warm-up ends; end: the last 20% of the load (at least 2 s).
const baseline = medianRss(warmupMs - 500, warmupMs + 1500)
const endWindow = Math.max(2000, (loadEnded - warmupMs) * 0.2)
const ending = medianRss(loadEnded - endWindow, loadEnded + 1)
const growth = ((ending - baseline) / baseline) * 100
const warmupSample = samples.find((s) => s.at >= warmupMs) ?? last

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const total = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0)
console.log(`requests served: ${total(served)} in ${(loadEnded / 1000).toFixed(1)} s`)
for (const [kind, n] of [...served].sort()) console.log(`  ${String(n).padStart(6)}  ${kind}`)
console.log(`errors: ${total(errors)}`)
for (const [type, n] of [...errors].sort()) console.log(`  ${String(n).padStart(6)}  ${type}`)
console.log(`server errors (5xx or ws 1011): ${serverErrors}`)
console.log(`rss: start ${mb(first.rss)}, after warm-up ${mb(baseline)}, end ${mb(ending)} (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}% after warm-up, limit ${maxGrowth}%), after drain ${mb(last.rss)}`)
console.log(`open fds: start ${first.fds}, after warm-up ${warmupSample.fds}, end ${last.fds}`)
console.log(`streaming_active at end: ${active}`)

await service.stop()
sink.stop()

const failures = [
  growth > maxGrowth && `RSS grew ${growth.toFixed(1)}% after warm-up (limit ${maxGrowth}%)`,
  active !== 0 && `streaming_active is ${active}, not 0`,
  serverErrors > 0 && `${serverErrors} server errors`,
  total(served) === 0 && 'nothing was served',
].filter((f): f is string => typeof f === 'string')
console.log(failures.length ? `soak FAILED: ${failures.join('; ')}` : 'soak passed')
process.exit(failures.length ? 1 : 0)
