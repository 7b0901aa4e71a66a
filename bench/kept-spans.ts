/**
 * `bun run bench kept-spans` (only when named): what a kept trace's spans cost, in-process,
 * from the first span to the encoded export body, this build against each BENCH_BASELINE_ROOT
 * checkout (each imported from its own files). Each build's tracing is made by its own
 * createTracing from its own loadConfig (OTEL_BSP_* defaults, OTLP/HTTP protobuf), exporting to
 * a sink in this process that reads each body, counts its bytes per build and answers 200: the
 * export's encoding and its share of a request (one per 512 spans) are counted, as in the service.
 *
 * Two shapes of unit of work, run as the service runs them (root span begun as a unit, work
 * inside it, the keeper's decision, the root's end): a cache hit (the root and its deferred
 * lookup) and a gateway-like miss (the root, five child spans through withSpan, one nested,
 * an event and a caught error). Each shape is run with every trace kept
 * (TTS_TRACE_KEEP_RATIO=1) and with every trace dropped (0): kept - dropped is what keeping
 * costs. Rounds of ROUND_UNITS units per variant, rotating; CPU is process.cpuUsage over the
 * round, forceFlush included; the median per unit is printed, with each build's ratio.
 */
import { basename, join } from 'node:path'
import { fmt, quantile, rotatingRounds } from './stats.ts'

const ROOT = join(import.meta.dir, '..')
const ROUND_UNITS = () => Number(process.env.BENCH_KEPT_UNITS ?? 4000)
const ROUNDS = () => Number(process.env.BENCH_KEPT_ROUNDS ?? 15)
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

type Shape = 'hit' | 'miss'

interface Variant {
  label: string
  build: string
  shape: Shape
  kept: boolean
  run(units: number): Promise<void>
  dropped(): number
  /** Encoded bytes so far (the same spans should weigh the same in every build). */
  bytes(): number
  close(): Promise<unknown>
}

/** An OTLP sink that counts the bytes each variant sends (told apart by a header). */
function countingSink() {
  const bytes = new Map<string, number>()
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const body = await req.arrayBuffer()
      const who = req.headers.get('x-variant') ?? ''
      bytes.set(who, (bytes.get(who) ?? 0) + body.byteLength)
      return new Response(null, { headers: { 'content-type': 'application/x-protobuf' } })
    },
  })
  return { endpoint: `http://127.0.0.1:${server.port}`, bytes: (who: string) => bytes.get(who) ?? 0, stop: () => server.stop(true) }
}

type Sink = ReturnType<typeof countingSink>
let variants = 0

async function variantOf(sink: Sink, root: string, build: string, shape: Shape, kept: boolean): Promise<Variant> {
  const from = (path: string) => import(join(root, path))
  const api = await from('node_modules/@opentelemetry/api/build/src/index.js')
  const { context, ROOT_CONTEXT, SpanKind, SpanStatusCode } = api
  const { loadConfig } = await from('src/config.ts')
  const { createTracing, withSpan } = await from('src/telemetry/tracing.ts')
  const { withDeferredSpan } = await from('src/telemetry/deferred-span.ts')
  const { keeperOf, unitOf } = await from('src/telemetry/sampling.ts')
  const who = `v${++variants}`
  const config = loadConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    OTEL_EXPORTER_OTLP_HEADERS: `x-variant=${who}`,
    TTS_TRACE_KEEP_RATIO: kept ? '1' : '0',
    TTS_TRACE_KEEP_SLOW_MS: '60000',
  })
  let dropped = 0
  const tracing = createTracing(config, undefined, (_: string, n: number) => (dropped += n))
  const tracer = tracing.tracer
  const keeper = keeperOf(tracer)
  const failure = new Error('upstream 503')
  let n = 0

  const hit = async (ctx: unknown) =>
    withDeferredSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': 'memory' }, (span: { setAttribute(k: string, v: unknown): void }) => {
      span.setAttribute('tts.cache.result', 'cache_hit')
      return ctx
    })
  const miss = async (ctx: unknown) => {
    await withSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': 'memory' }, () => undefined)
    await withSpan(tracer, 'tts.synthesize', { 'tts.engine': 'up', 'tts.voice': 'alloy', 'tts.words': 20 }, async (span: any) => {
      await withSpan(tracer, 'POST', { 'http.request.method': 'POST', 'server.address': '127.0.0.1' }, () => undefined, SpanKind.CLIENT)
      span.addEvent('tts.first_byte')
      span.setAttribute('tts.bytes', 8192)
    })
    await withSpan(tracer, 'tts.fleet.claim', {}, () => undefined).catch(() => {})
    await withSpan(tracer, 'tts.retry', {}, () => {
      throw failure
    }).catch(() => {})
    await withSpan(tracer, 'tts.cache.store', { 'tts.cache.backend': 'filesystem' }, () => undefined)
    return ctx
  }
  const work = shape === 'hit' ? hit : miss

  async function unit(): Promise<void> {
    const span = tracer.startSpan('POST', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'url.path': '/v1/audio/speech', 'request.id': `r${++n}` } }, ROOT_CONTEXT)
    const ctx = keeper.begin(span, ROOT_CONTEXT)
    await context.with(ctx, work, undefined, ctx)
    span.updateName('POST /v1/audio/speech')
    span.setAttribute('http.route', '/v1/audio/speech')
    span.setAttribute('http.response.status_code', 200)
    if (n % 97 === 0) span.setStatus({ code: SpanStatusCode.UNSET })
    keeper.decide(unitOf(ctx), { error: false, seconds: 0.001 })
    span.end()
  }

  return {
    label: `${build}, ${shape}, ${kept ? 'every trace kept' : 'every trace dropped'}`,
    build,
    shape,
    kept,
    async run(units) {
      for (let i = 0; i < units; i++) {
        await unit()
        // Let the batch's timers and exports run, as a server's event loop would between requests
        // (a millisecond of idle every 32 units, not counted as CPU), so no span is dropped for a full queue.
        if (i % 32 === 31) await new Promise((resolve) => setTimeout(resolve, 1))
      }
      await tracing.forceFlush()
    },
    dropped: () => dropped,
    bytes: () => sink.bytes(who),
    close: () => tracing.shutdown(),
  }
}

async function cpuPerUnit(variant: Variant, units: number): Promise<number> {
  const start = process.cpuUsage()
  await variant.run(units)
  const used = process.cpuUsage(start)
  return (used.user + used.system) / units
}

export async function benchKeptSpans(): Promise<string[]> {
  const builds = [['this build', ROOT] as const, ...baselineRoots().map((r) => [basename(r), r] as const)]
  const variants: Variant[] = []
  const sink = countingSink()
  try {
    for (const shape of ['hit', 'miss'] as const) {
      for (const [build, root] of builds) for (const kept of [true, false]) variants.push(await variantOf(sink, root, build, shape, kept))
    }
    for (const v of variants) await cpuPerUnit(v, ROUND_UNITS())
    const us = await rotatingRounds(variants, ROUNDS(), (v) => cpuPerUnit(v, ROUND_UNITS()))
    const unitsRun = ROUND_UNITS() * (ROUNDS() + 1)
    const median = (n: number) => quantile(us[n]!, 0.5)
    const lines = [
      `Kept spans, in-process: CPU µs per unit of work, spans exported (OTLP/HTTP protobuf) to an in-process sink (${ROUNDS()} rotating rounds after one of warm-up of ${ROUND_UNITS()} units, median, quartiles):`,
      ...variants.map((v, n) => `  ${v.label.padEnd(46)} ${fmt(median(n), 2).padStart(7)} µs  (${fmt(quantile(us[n]!, 0.25), 2)} to ${fmt(quantile(us[n]!, 0.75), 2)})  ${fmt(v.bytes() / unitsRun, 0)} bytes per unit${v.dropped() ? `  ${v.dropped()} spans dropped` : ''}`),
    ]
    for (const shape of ['hit', 'miss'] as const) {
      const of = (build: string, kept: boolean) => variants.findIndex((v) => v.build === build && v.shape === shape && v.kept === kept)
      const keeping = (build: string) => us[of(build, true)]!.map((x, i) => x - us[of(build, false)]![i]!)
      const ours = keeping('this build')
      lines.push(`  ${shape}: keeping a trace (kept - dropped, per round), this build ${fmt(quantile(ours, 0.5), 2)} µs`)
      for (const [build] of builds.slice(1)) {
        const theirs = keeping(build)
        const paired = us[of('this build', true)]!.map((x, i) => x / us[of(build, true)]![i]!)
        lines.push(`  ${shape}: keeping a trace, ${build} ${fmt(quantile(theirs, 0.5), 2)} µs; a kept unit, this build / ${build} (paired per round): median x${fmt(quantile(paired, 0.5), 3)} (quartiles ${fmt(quantile(paired, 0.25), 3)} to ${fmt(quantile(paired, 0.75), 3)})`)
      }
    }
    return lines
  } finally {
    await Promise.all(variants.map((v) => v.close()))
    sink.stop()
  }
}
