/**
 * `bun run bench hit-telemetry` (only when named): telemetry's CPU per cache hit without HTTP,
 * one signal at a time. Each app is composed as main.ts composes it (gatewayOf, with a cache
 * and its memory tier) in a process of its own (bench/hit-telemetry-app.ts) and driven through
 * `app.request`, 8 at a time, with the hit body of `bench hit-path`; its upstream
 * (bench/fixed-upstream.ts) is asked once, to fill the cache. Variants of this build: every
 * signal on at the default sampling, metrics only, traces only (spans and the keep decision),
 * traces only with none kept, the summary line only (serialised for a destination that drops
 * it, and shipped as an OTLP record), the summary line serialised only, telemetry off; each BENCH_BASELINE_ROOT build adds its every signal on and
 * telemetry off. Rotating rounds; CPU is each app's process's own, the OTLP sink's and the
 * upstream's not counted. Each variant's cost is the median of its per-round difference to its
 * own build's telemetry off, so a round's drift cancels.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { makeMp3 } from './gateway-fixtures.ts'
import { otlpSink, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, quantile, rotatingRounds } from './stats.ts'

const ROOT = join(import.meta.dir, '..')
const ROUND_REQUESTS = () => Number(process.env.BENCH_HT_REQUESTS ?? 4000)
const ROUNDS = () => Number(process.env.BENCH_HT_ROUNDS ?? 15)
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
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HT_ROOT: root, HT_ENV: JSON.stringify(env), HT_UPSTREAM: upstreamUrl },
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
  const apps: App[] = []
  // Index of each app's own build's telemetry-off app.
  const offOf: number[] = []
  try {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info' }
    const ours: [string, Record<string, string>][] = [
      ['every signal on', on],
      ['metrics only', { ...TELEMETRY_OFF, TTS_METRICS_ENABLED: 'true' }],
      ['traces only', { ...on, TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent' }],
      ['traces only, none kept', { ...on, TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent', TTS_TRACE_KEEP_RATIO: '0' }],
      ['summary line only', { ...on, TTS_METRICS_ENABLED: 'false', OTEL_TRACES_EXPORTER: 'none' }],
      ['summary line, serialised only', { ...on, TTS_METRICS_ENABLED: 'false', OTEL_TRACES_EXPORTER: 'none', TTS_LOG_EXPORT: 'stdout' }],
      ['telemetry off', TELEMETRY_OFF],
    ]
    for (const [name, env] of ours) apps.push(await spawnApp(`this build, ${name}`, ROOT, env, upstream.url))
    for (let i = 0; i < ours.length; i++) offOf.push(ours.length - 1)
    for (const root of baselineRoots()) {
      apps.push(await spawnApp(`${basename(root)}, every signal on`, root, on, upstream.url))
      apps.push(await spawnApp(`${basename(root)}, telemetry off`, root, TELEMETRY_OFF, upstream.url))
      offOf.push(apps.length - 1, apps.length - 1)
    }
    for (let w = 0; w < 2; w++) for (const app of apps) await app.round(ROUND_REQUESTS())
    const us = await rotatingRounds(apps, ROUNDS(), (app) => app.round(ROUND_REQUESTS()))
    const q = (xs: number[]) => `${fmt(quantile(xs, 0.5), 1).padStart(6)} µs (quartiles ${fmt(quantile(xs, 0.25), 1)} to ${fmt(quantile(xs, 0.75), 1)})`
    const lines = [
      `Cache-hit telemetry without HTTP: CPU per hit of each app's own process (app.request, ${CONCURRENCY} at a time, the hit-path body, memory tier; ${ROUNDS()} rotating rounds of ${ROUND_REQUESTS()}, median):`,
      ...apps.map((app, n) => `  ${app.label.padEnd(40)} ${q(us[n]!)}`),
      '  over its own build\'s telemetry off (per round):',
      ...apps.flatMap((app, n) => (offOf[n] === n ? [] : [`    ${app.label.padEnd(38)} ${q(us[n]!.map((x, i) => x - us[offOf[n]!]![i]!))}`])),
    ]
    // Every signal on, this build against each other build in the same round.
    for (let b = ours.length; b < apps.length; b += 2) {
      lines.push(`  every signal on, this build - ${apps[b]!.label.replace(/, every signal on$/, '')} (per round): ${q(us[0]!.map((x, i) => x - us[b]![i]!))}`)
    }
    return lines
  } finally {
    await Promise.all(apps.map((app) => app.close()))
    await upstream.stop()
    sink.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
