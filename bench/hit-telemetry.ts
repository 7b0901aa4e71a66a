/**
 * `bun run bench hit-telemetry` (only when named): telemetry's CPU per cache hit without HTTP.
 * Each app is composed as main.ts composes it (gatewayOf, with a cache and its memory tier)
 * in a process of its own (bench/hit-telemetry-app.ts) and driven through `app.request`, 8 at
 * a time, with the hit body of `bench hit-path`; its upstream (bench/fixed-upstream.ts) is
 * asked once, to fill the cache. Variants of this build: every signal on at the default
 * sampling and telemetry off; with BENCH_HT_SPLIT=1 also metrics only, traces only (spans and
 * the keep decision), traces only with none kept, the summary line only (serialised for a
 * destination that drops it, and shipped as an OTLP record) and the summary line serialised
 * only. Each BENCH_BASELINE_ROOT build adds its every signal on and telemetry off. Rotating
 * rounds, a fresh process per variant in each; CPU is each app's process's own, the OTLP
 * sink's and the upstream's not counted. Each variant's cost is the median of its per-round
 * difference to its own build's telemetry off, so a round's drift cancels.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { makeMp3 } from './gateway-fixtures.ts'
import { otlpSink, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, quantile, rotatingRounds } from './stats.ts'

const ROOT = join(import.meta.dir, '..')
const ROUND_REQUESTS = () => Number(process.env.BENCH_HT_REQUESTS ?? 4000)
const ROUNDS = () => Number(process.env.BENCH_HT_ROUNDS ?? 11)
const WARMUP_ROUNDS = 3
// BENCH_HT_SPLIT=1: one signal at a time too (five more variants).
const SPLIT = () => process.env.BENCH_HT_SPLIT === '1'
const CONCURRENCY = 8
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

/** An app in its own process, serving rounds of hits on request. */
interface App {
  label: string
  round(count: number): Promise<number>
  close(): Promise<void>
}

async function spawnApp(label: string, root: string, env: Record<string, string>, upstreamUrl: string): Promise<App> {
  const proc = Bun.spawn([process.execPath, join(ROOT, 'bench/hit-telemetry-app.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: tmpdir(), HT_ROOT: root, HT_ENV: JSON.stringify(env), HT_UPSTREAM: upstreamUrl },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const lines = (async function* () {
    let text = ''
    for await (const chunk of proc.stdout) {
      text += new TextDecoder().decode(chunk)
      let at: number
      while ((at = text.indexOf('\n')) >= 0) {
        yield text.slice(0, at)
        text = text.slice(at + 1)
      }
    }
  })()
  const next = async () => {
    const { value, done } = await lines.next()
    if (done) throw new Error(`${label}: its process ended (exit ${await proc.exited})`)
    return value
  }
  if ((await next()) !== 'READY') throw new Error(`${label}: not ready`)
  return {
    label,
    async round(count) {
      proc.stdin.write(`${count}\n`)
      proc.stdin.flush()
      return Number(await next())
    },
    async close() {
      proc.stdin.write('0\n')
      proc.stdin.end()
      await proc.exited
    },
  }
}

export async function benchHitTelemetry(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-ht-'))
  const sink = otlpSink()
  const upstream = await spawnService({ UPSTREAM_BODY_FILE: makeMp3(dir) }, 'bench/fixed-upstream.ts')
  // Variants: a label, a build's root, an environment, and the index of its build's telemetry off.
  const variants: { label: string; root: string; env: Record<string, string>; off: number }[] = []
  try {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info' }
    const ours: [string, Record<string, string>][] = [
      ['every signal on', on],
      ...(SPLIT()
        ? ([
            ['metrics only', { ...TELEMETRY_OFF, TTS_METRICS_ENABLED: 'true' }],
            ['traces only', { ...on, TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent' }],
            ['traces only, none kept', { ...on, TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent', TTS_TRACE_KEEP_RATIO: '0' }],
            ['summary line only', { ...on, TTS_METRICS_ENABLED: 'false', OTEL_TRACES_EXPORTER: 'none' }],
            ['summary line, serialised only', { ...on, TTS_METRICS_ENABLED: 'false', OTEL_TRACES_EXPORTER: 'none', TTS_LOG_EXPORT: 'stdout' }],
          ] as [string, Record<string, string>][])
        : []),
      ['telemetry off', TELEMETRY_OFF],
    ]
    for (const [name, env] of ours) variants.push({ label: `this build, ${name}`, root: ROOT, env, off: ours.length - 1 })
    for (const root of baselineRoots()) {
      const off = variants.length + 1
      variants.push({ label: `${basename(root)}, every signal on`, root, env: on, off })
      variants.push({ label: `${basename(root)}, telemetry off`, root, env: TELEMETRY_OFF, off })
    }
    // A fresh process per variant and round: a process's own level (where its heap and code
    // landed) differs from an identical one's by more than what is measured here.
    const us = await rotatingRounds(variants, ROUNDS(), async (v) => {
      const app = await spawnApp(v.label, v.root, v.env, upstream.url)
      try {
        for (let w = 0; w < WARMUP_ROUNDS; w++) await app.round(ROUND_REQUESTS())
        const readings: number[] = []
        for (let r = 0; r < 3; r++) readings.push(await app.round(ROUND_REQUESTS()))
        return quantile(readings, 0.5)
      } finally {
        await app.close()
      }
    })
    const q = (xs: number[]) => `${fmt(quantile(xs, 0.5), 1).padStart(6)} µs (quartiles ${fmt(quantile(xs, 0.25), 1)} to ${fmt(quantile(xs, 0.75), 1)})`
    const lines = [
      `Cache-hit telemetry without HTTP: CPU per hit of each app's own process (app.request, ${CONCURRENCY} at a time, the hit-path body, memory tier; ${ROUNDS()} rotating rounds, each a fresh process per variant: ${WARMUP_ROUNDS} x ${ROUND_REQUESTS()} hits to warm up, then the median of 3 x ${ROUND_REQUESTS()}; median over rounds):`,
      ...variants.map((v, n) => `  ${v.label.padEnd(40)} ${q(us[n]!)}`),
      "  over its own build's telemetry off (per round):",
      ...variants.flatMap((v, n) => (v.off === n ? [] : [`    ${v.label.padEnd(38)} ${q(us[n]!.map((x, i) => x - us[v.off]![i]!))}`])),
    ]
    // Every signal on, this build against each other build in the same round; and telemetry off.
    for (let b = ours.length; b < variants.length; b += 2) {
      const name = basename(variants[b]!.root)
      lines.push(`  every signal on, this build - ${name} (per round): ${q(us[0]!.map((x, i) => x - us[b]![i]!))}`)
      lines.push(`  telemetry off, this build - ${name} (per round):   ${q(us[ours.length - 1]!.map((x, i) => x - us[b + 1]![i]!))}`)
    }
    return lines
  } finally {
    await upstream.stop()
    sink.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
