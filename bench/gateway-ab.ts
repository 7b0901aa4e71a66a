/**
 * `bun run bench gateway-ab` (only when named): an A/B of gateway builds, narrower and with
 * more rounds than gateway-cost, for a change to the gateway's own request path. This build
 * and each BENCH_BASELINE_ROOT checkout run side by side in one run, on the same upstream:
 * - CPU per proxied request (as gateway-cost measures it), every signal on and telemetry off
 *   without a cache (the request path alone), beside the bare Bun passthrough, in
 *   BENCH_AB_ROUNDS rotating rounds (default 9), with the median of each round's paired
 *   ratio to this build (pairs cancel the drift of a shared machine's load between rounds);
 * - resident memory per request in flight, 200 at once, every signal on, a fresh process per
 *   round (gateway-memory.ts), BENCH_AB_MEMORY_ROUNDS rounds (default 3).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { asProxy, cpuPerRequest, wrkScript, type Proxy } from './gateway-cost.ts'
import { enginesFile, makeMp3 } from './gateway-fixtures.ts'
import { burstOn, burstSpeaker } from './gateway-memory.ts'
import { otlpSink, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, quantile, rotatingRounds } from './stats.ts'

const WARMUP_SECONDS = 20
const ROUND_SECONDS = 2
const rounds = () => Number(process.env.BENCH_AB_ROUNDS ?? 9)
const memoryRounds = () => Number(process.env.BENCH_AB_MEMORY_ROUNDS ?? 3)
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

interface Build {
  name: string
  root?: string
}

async function cpuAB(dir: string, upstreamUrl: string, builds: Build[], sink: string): Promise<string[]> {
  const signals = { OTEL_EXPORTER_OTLP_ENDPOINT: sink, LOG_LEVEL: 'info' }
  const bare = { ...TELEMETRY_OFF, TTS_CACHE_MAX_BYTES: '0', TTS_CACHE_MEMORY_BYTES: '0' }
  const proxies: Proxy[] = []
  try {
    proxies.push(asProxy('bare Bun fetch passthrough', await spawnService({ PASSTHROUGH_UPSTREAM: upstreamUrl }, 'bench/bare-passthrough.ts')))
    for (const [variant, env] of [
      ['every signal on', signals],
      ['telemetry off, no cache', bare],
    ] as const) {
      for (const build of builds) {
        const label = `${build.name}, ${variant}`
        const svc = await spawnService({ ...env, TTS_ENGINES_FILE: enginesFile(dir, label.replace(/\W+/g, '-'), upstreamUrl) }, 'src/main.ts', build.root)
        proxies.push(asProxy(label, svc))
      }
    }
    for (const p of proxies) await cpuPerRequest(p, wrkScript(dir, `warm-${p.pid}`), WARMUP_SECONDS)
    const us = await rotatingRounds(proxies, rounds(), async (p, i) => (await cpuPerRequest(p, wrkScript(dir, `r${i}-${p.pid}`), ROUND_SECONDS)).us)
    const bareUs = quantile(us[0]!, 0.5)
    const lines = [
      `Gateway A/B: CPU per proxied request in the proxy process (wrk, 8 connections, every request a new 20-word text; median of ${rounds()} rotating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS} s of warm-up):`,
      ...proxies.map((p, n) => `  ${p.label.padEnd(44)} ${fmt(quantile(us[n]!, 0.5), 1).padStart(7)} µs  x${fmt(quantile(us[n]!, 0.5) / bareUs)} bare Bun  (rounds ${us[n]!.map((x) => fmt(x, 0)).join(', ')})`),
    ]
    // Paired per round: each baseline against this build in the same variant.
    for (let v = 0; v < 2; v++) {
      const self = us[1 + v * builds.length]!
      for (let b = 1; b < builds.length; b++) {
        const other = us[1 + v * builds.length + b]!
        const ratios = self.map((x, i) => x / other[i]!)
        lines.push(
          `  ${builds[0]!.name} / ${builds[b]!.name}, ${v === 0 ? 'every signal on' : 'telemetry off, no cache'}: median of ${ratios.length} paired round ratios ${fmt(quantile(ratios, 0.5), 3)} (quartiles ${fmt(quantile(ratios, 0.25), 3)} to ${fmt(quantile(ratios, 0.75), 3)}); medians ${fmt(quantile(self, 0.5), 1)} vs ${fmt(quantile(other, 0.5), 1)} µs`,
        )
      }
    }
    return lines
  } finally {
    await Promise.all(proxies.map((p) => p.stop()))
  }
}

async function memoryAB(dir: string, builds: Build[], sink: string): Promise<string[]> {
  const speak = burstSpeaker()
  const upstream = await spawnService({ UPSTREAM_BODY_FILE: join(dir, 'answer.mp3'), UPSTREAM_DELAY_MS: '1000' }, 'bench/fixed-upstream.ts')
  try {
    const per = builds.map(() => [] as number[])
    let failed = 0
    for (let round = 0; round < memoryRounds(); round++) {
      for (const [i, build] of builds.entries()) {
        const env = { OTEL_EXPORTER_OTLP_ENDPOINT: sink, LOG_LEVEL: 'info', TTS_ENGINES_FILE: enginesFile(dir, `memory-${i}`, upstream.url) }
        const svc = await spawnService(env, 'src/main.ts', build.root)
        try {
          const burst = await burstOn(svc, speak)
          failed += burst.failed
          per[i]!.push(burst.inflight ? (burst.peak - burst.before) / burst.inflight / 1024 : Number.NaN)
        } finally {
          await svc.stop()
        }
      }
    }
    return [
      `Gateway A/B memory: resident set per request in flight, 200 at once, every signal on, upstream holding each answer 1 s (fresh process each round; median of ${memoryRounds()}; ${failed} failed):`,
      ...builds.map((b, i) => `  ${b.name.padEnd(44)} ${fmt(quantile(per[i]!, 0.5), 1).padStart(6)} KiB per request (rounds ${per[i]!.map((x) => fmt(x, 1)).join(', ')})`),
    ]
  } finally {
    await upstream.stop()
  }
}

export async function benchGatewayAB(): Promise<string[]> {
  if (!Bun.which('wrk')) return ['Gateway A/B: skipped, needs Debian `wrk` (apt-get install wrk)']
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-gateway-ab-'))
  const sink = otlpSink()
  const builds: Build[] = [{ name: 'this build' }, ...baselineRoots().map((root) => ({ name: basename(root), root }))]
  try {
    const mp3 = makeMp3(dir)
    const upstream = await spawnService({ UPSTREAM_BODY_FILE: mp3 }, 'bench/fixed-upstream.ts')
    let cpu: string[]
    try {
      cpu = await cpuAB(dir, upstream.url, builds, sink.endpoint)
    } finally {
      await upstream.stop()
    }
    return [...cpu, '', ...(await memoryAB(dir, builds, sink.endpoint))]
  } finally {
    sink.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
