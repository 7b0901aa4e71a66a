/**
 * `bun run bench log-export`: CPU per log line shipped as an OTLP log record, in this process:
 * the record, its batching, encoding and export request (the collector is another process, so
 * its decoding is not counted). This build with OTLP/HTTP protobuf (the default) and with
 * `http/json`, and each BENCH_BASELINE_ROOT build's default, in rotating rounds of the same
 * request summary lines (`ship(..., whole)`, as summary-line.ts hands them over).
 */
import { join } from 'node:path'
import { quantile } from './stats.ts'

const LINES_PER_ROUND = Number(process.env.BENCH_LOG_LINES ?? 20_000)
const CHUNK = 50 // lines per event-loop turn, so exports interleave with shipping as in the service
const ROUNDS = Number(process.env.BENCH_LOG_ROUNDS ?? 9)

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

export async function benchLogExport(): Promise<string[]> {
  const out = await sink()
  try {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: out.endpoint, OTEL_BLRP_MAX_QUEUE_SIZE: '100000' }
    const here = join(import.meta.dir, '..')
    const variants: { label: string; root: string; env: Record<string, string> }[] = [
      { label: 'this build, http/protobuf (default)', root: here, env },
      { label: 'this build, http/json', root: here, env: { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } },
      ...(process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean).map((root) => ({ label: `${root} (its default)`, root, env })),
    ]
    const dropped = variants.map(() => ({ n: 0 }))
    const shippers = await Promise.all(variants.map((v, i) => shipperOf(v.root, v.env, dropped[i]!)))
    for (const s of shippers) await round(s) // warm-up
    const samples = variants.map(() => [] as number[])
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < variants.length; k++) {
        const n = (r + k) % variants.length
        samples[n]!.push(await round(shippers[n]!))
      }
    }
    for (const s of shippers) await s.shutdown()
    const medians = samples.map((s) => quantile(s, 0.5))
    const reference = medians[medians.length > 2 ? 2 : 1]!
    const report = [`OTLP log export, CPU per shipped request line in this process (${LINES_PER_ROUND} lines a round; median [quartiles] of ${ROUNDS} rotating rounds):`]
    variants.forEach((v, i) => {
      const s = samples[i]!
      report.push(
        `  ${v.label.padEnd(52)} ${medians[i]!.toFixed(2).padStart(6)} µs [${quantile(s, 0.25).toFixed(2)}, ${quantile(s, 0.75).toFixed(2)}]  x${(medians[i]! / reference).toFixed(2)}${dropped[i]!.n ? `  (${dropped[i]!.n} dropped)` : ''}`,
      )
    })
    return report
  } finally {
    out.stop()
  }
}
