/**
 * `bun run bench otlp-export`: CPU of OTLP export in this process (the collector is another
 * process, so its decoding is not counted), for this build with OTLP/HTTP protobuf (the
 * default) and with `http/json`, and each BENCH_BASELINE_ROOT build's default, in rotating rounds:
 * - per log line shipped as a log record: the record, its batching, encoding and export request,
 *   for the same request summary lines (`ship(..., whole)`, as summary-line.ts hands them over);
 * - per kept span exported: the exporter's encoding and request, for batches of 512 spans of a
 *   cache miss's shape (a SERVER span and its children, with attributes and an event).
 */
import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { quantile } from './stats.ts'

const LINES_PER_ROUND = Number(process.env.BENCH_LOG_LINES ?? 20_000)
const CHUNK = 50 // lines per event-loop turn, so exports interleave with shipping as in the service
const ROUNDS = Number(process.env.BENCH_LOG_ROUNDS ?? 15)
const SPAN_BATCHES_PER_ROUND = 20
const SPAN_BATCH = 512

type Shipper = {
  ship(line: string, level: number, fields: Record<string, unknown>, span: unknown, whole: boolean): void
  forceFlush(): Promise<void>
  shutdown(): Promise<void>
}

/** An OTLP sink in a child process, answering as a collector does. */
async function sink(): Promise<{ endpoint: string; stop(): void }> {
  const script = `const s = Bun.serve({ port: 0, hostname: '127.0.0.1', async fetch(req) { await req.arrayBuffer();
    return (req.headers.get('content-type') ?? '').includes('protobuf') ? new Response(null, { headers: { 'content-type': 'application/x-protobuf' } }) : Response.json({}) } });
    console.log(s.port)`
  const child = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe', stderr: 'inherit' })
  const reader = child.stdout.getReader()
  let text = ''
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error('OTLP sink did not start')
    text += new TextDecoder().decode(value)
  }
  return { endpoint: `http://127.0.0.1:${text.trim()}`, stop: () => child.kill() }
}

async function shipperOf(root: string, env: Record<string, string>, dropped: { n: number }): Promise<Shipper> {
  const { loadConfig } = await import(join(root, 'src/config.ts'))
  const { createLogShipper } = await import(join(root, 'src/telemetry/log-shipping.ts'))
  return createLogShipper(loadConfig(env), undefined, (signal: string, n: number) => {
    if (signal === 'logs') dropped.n += n
  })
}

const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }

/** A request summary line as summary-line.ts makes it (same keys, typical values). */
function summary(i: number): [string, Record<string, unknown>] {
  const whole = {
    level: 30,
    time: Date.now(),
    service: 'tts-edge',
    service_version: '0.1.0',
    service_instance_id: 'bench:1',
    request_id: `req-${i.toString(36)}-${(i * 7919).toString(36)}`,
    trace_id: span.traceId,
    span_id: span.spanId,
    trace_flags: '01',
    route: '/v1/audio/speech',
    method: 'POST',
    status: 200,
    duration_ms: 0.412,
    cache: 'hit',
    voice: 'alloy',
    format: 'mp3',
    text_chars: 123,
    text_words: 20,
    text_hash: 'a1b2c3d4e5f60718',
    trace_kept: false,
    msg: 'request completed',
  }
  return [`${JSON.stringify(whole)}\n`, whole]
}

// Made once: a round measures shipping the lines, not writing them.
let lines: [string, Record<string, unknown>][] | undefined

async function round(shipper: Shipper): Promise<number> {
  lines ??= Array.from({ length: LINES_PER_ROUND }, (_, i) => summary(i))
  const start = process.cpuUsage()
  for (let i = 0; i < LINES_PER_ROUND; i += CHUNK) {
    for (let j = i; j < i + CHUNK && j < LINES_PER_ROUND; j++) {
      const [line, whole] = lines[j]!
      shipper.ship(line, 30, whole, span, true)
    }
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  await shipper.forceFlush()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / LINES_PER_ROUND
}

type SpanExporter = { export(spans: ReadableSpan[], done: (r: { code: number }) => void): void; shutdown(): Promise<void> }

async function spanExporterOf(root: string, endpoint: string, protocol: string | undefined): Promise<SpanExporter> {
  const { createSpanExporter } = await import(join(root, 'src/telemetry/otlp-exporter.ts'))
  return createSpanExporter({ url: `${endpoint}/v1/traces`, ...(protocol && { protocol }) })
}

/** A batch of spans shaped like a kept cache miss's trace: a SERVER span and its children. */
function spanBatch(): ReadableSpan[] {
  const memory = new InMemorySpanExporter()
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('tts-edge')
  while (memory.getFinishedSpans().length < SPAN_BATCH) {
    const server = tracer.startSpan('POST /v1/audio/speech', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST', 'http.route': '/v1/audio/speech', 'http.response.status_code': 200, 'url.scheme': 'http',
        'tts.voice': 'alloy', 'tts.format': 'mp3', 'tts.cache': 'miss', 'tts.text.chars': 123, 'tts.text.words': 20, 'tts.sampling.keep': true,
      },
    })
    for (const name of ['tts.cache.lookup', 'tts.synthesize', 'tts.encode', 'tts.cache.store']) {
      const child = tracer.startSpan(name, { attributes: { 'tts.engine': 'espeak-ng', 'tts.bytes': 36_000, 'tts.rtf': 0.0123 } })
      if (name === 'tts.synthesize') child.addEvent('first-audio', { 'tts.bytes': 4096 })
      child.end()
    }
    server.end()
  }
  return memory.getFinishedSpans().slice(0, SPAN_BATCH)
}

async function spanRound(exporter: SpanExporter, batch: ReadableSpan[]): Promise<number> {
  const start = process.cpuUsage()
  for (let i = 0; i < SPAN_BATCHES_PER_ROUND; i++) {
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(batch, resolve))
    if (result.code !== 0) throw new Error('span export failed')
  }
  const used = process.cpuUsage(start)
  return (used.user + used.system) / (SPAN_BATCHES_PER_ROUND * SPAN_BATCH)
}

/** Rounds of `measure` over every variant in rotating order; medians and quartiles per variant. */
async function rotate<T>(subjects: T[], measure: (subject: T) => Promise<number>): Promise<number[][]> {
  for (const s of subjects) await measure(s) // warm-up
  const samples = subjects.map(() => [] as number[])
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < subjects.length; k++) {
      const n = (r + k) % subjects.length
      samples[n]!.push(await measure(subjects[n]!))
    }
  }
  return samples
}

function table(title: string, labels: string[], samples: number[][], dropped?: { n: number }[]): string[] {
  const medians = samples.map((s) => quantile(s, 0.5))
  const reference = medians[medians.length > 2 ? 2 : 1]!
  return [
    title,
    ...labels.map((label, i) => {
      const s = samples[i]!
      const drops = dropped?.[i]?.n ? `  (${dropped[i]!.n} dropped)` : ''
      return `  ${label.padEnd(52)} ${medians[i]!.toFixed(2).padStart(6)} µs [${quantile(s, 0.25).toFixed(2)}, ${quantile(s, 0.75).toFixed(2)}]  x${(medians[i]! / reference).toFixed(2)}${drops}`
    }),
  ]
}

export async function benchOtlpExport(): Promise<string[]> {
  const out = await sink()
  try {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: out.endpoint, OTEL_BLRP_MAX_QUEUE_SIZE: '100000' }
    const here = join(import.meta.dir, '..')
    const baselines = (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)
    const variants: { label: string; root: string; protocol?: string }[] = [
      { label: 'this build, http/protobuf (default)', root: here },
      { label: 'this build, http/json', root: here, protocol: 'http/json' },
      ...baselines.map((root) => ({ label: `${root} (its default)`, root })),
    ]
    const labels = variants.map((v) => v.label)
    const dropped = variants.map(() => ({ n: 0 }))
    const shippers = await Promise.all(
      variants.map((v, i) => shipperOf(v.root, { ...env, ...(v.protocol && { OTEL_EXPORTER_OTLP_PROTOCOL: v.protocol }) }, dropped[i]!)),
    )
    const logSamples = await rotate(shippers, round)
    for (const s of shippers) await s.shutdown()
    const batch = spanBatch()
    const exporters = await Promise.all(variants.map((v) => spanExporterOf(v.root, out.endpoint, v.protocol)))
    const spanSamples = await rotate(exporters, (e) => spanRound(e, batch))
    for (const e of exporters) await e.shutdown()
    return [
      ...table(`OTLP log export, CPU per shipped request line in this process (${LINES_PER_ROUND} lines a round; median [quartiles] of ${ROUNDS} rotating rounds):`, labels, logSamples, dropped),
      ...table(`OTLP span export, CPU per exported span in this process (${SPAN_BATCHES_PER_ROUND} batches of ${SPAN_BATCH} a round; median [quartiles] of ${ROUNDS} rotating rounds):`, labels, spanSamples),
    ]
  } finally {
    out.stop()
  }
}
