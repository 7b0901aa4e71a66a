/**
 * `bun run bench gateway-cost`: what tts-edge itself costs per request it carries to an
 * upstream, against what a proxy must cost for the same job, on the same upstream and in the
 * same run:
 * - HAProxy (Debian's, `mode http`): the reference for a proxy's cost on this machine;
 * - a bare Bun `fetch` passthrough (bench/bare-passthrough.ts): no validation, telemetry or cache;
 * - tts-edge as a gateway (an engines file with one `openai` engine), every signal on, each
 *   request a new 20-word text, so each is a miss with its cache store; and the same gateway
 *   with parts switched off, which says where the difference goes.
 * The upstream (bench/fixed-upstream.ts) answers a fixed ~8 KB mp3, streamed through
 * untranscoded. CPU is each proxy process's own (/proc/<pid>/stat), so neither the load
 * generator nor the upstream is counted. Then the gateway's resident memory per request in
 * flight, 200 at once, against an upstream that holds each answer for a second.
 *
 * BENCH_BASELINE_ROOT=/path/to/checkout[,/path/to/another] adds each build's gateway (every
 * signal on) to the same rounds: an A/B of changes, side by side in one run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { freePort, waitUntil } from '../test/support/wait.ts'
import { enginesFile, makeMp3 } from './gateway-fixtures.ts'
import { memoryPerRequest } from './gateway-memory.ts'
import { GATEWAY_PARTS, profileBreakdown } from './profile-breakdown.ts'
import { type BenchService, otlpSink, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, processCpuSeconds, quantile, rotatingRounds, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const CONNECTIONS = 8
const ROUNDS = 5
const ROUND_SECONDS = 2
// Long enough for the JIT to settle: 10 s into a gateway's load its compiler threads still
// took a fifth of its CPU (the rounds measured compilation, not the steady state), 3% at 30 s;
// a bare passthrough has little code to compile and settled within the old 4 s.
const WARMUP_SECONDS = 20
const PROFILE_SECONDS = 6

export interface Proxy {
  label: string
  url: string
  pid: number
  stop(): Promise<void>
}

/** A wrk script whose every request carries a new 20-word text (a miss for any cache). */
export function wrkScript(dir: string, round: string): string {
  const path = join(dir, `unique-${round}.lua`)
  const prefix = TWENTY_WORDS.replace(/today\.$/, '')
  writeFileSync(
    path,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      `  local body = '{"model":"tts-1","voice":"alloy","response_format":"mp3","input":"${prefix}${round} ' .. n .. '."}'`,
      '  return wrk.format(nil, "/v1/audio/speech", nil, body)',
      'end',
      '',
    ].join('\n'),
  )
  return path
}

async function wrk(url: string, script: string, seconds: number): Promise<{ requests: number; failures: number }> {
  const proc = Bun.spawn(['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  const requests = Number(out.match(/(\d+) requests in/)?.[1])
  if (code !== 0 || !Number.isFinite(requests)) throw new Error(`wrk failed (${code}): ${out}${err}`)
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0)
  const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)
  return { requests, failures: non2xx + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) }
}

/** HAProxy in front of the upstream: keep-alive both sides, no logging, Debian's defaults otherwise. */
async function startHaproxy(dir: string, upstreamPort: number): Promise<Proxy> {
  const binary = Bun.which('haproxy') ?? Bun.which('haproxy', { PATH: '/usr/sbin:/usr/local/sbin' })
  if (!binary) throw new Error('haproxy is not installed (Debian: apt-get install haproxy)')
  const port = await freePort()
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  option http-keep-alive',
      '  timeout connect 5s',
      '  timeout client 30s',
      '  timeout server 30s',
      'frontend speech',
      `  bind 127.0.0.1:${port}`,
      '  default_backend upstream',
      'backend upstream',
      `  server up 127.0.0.1:${upstreamPort}`,
      '',
    ].join('\n'),
  )
  const proc = Bun.spawn([binary, '-db', '-f', config], { stdout: 'ignore', stderr: 'ignore' })
  const url = `http://127.0.0.1:${port}`
  await waitUntil(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, 10_000, 'haproxy up')
  return {
    label: 'HAProxy (mode http)',
    url,
    pid: proc.pid,
    async stop() {
      proc.kill()
      await proc.exited
    },
  }
}

/**
 * BENCH_PROFILE=1: the gateway with every signal on, profiled (`--cpu-prof`) under the same load
 * for PROFILE_SECONDS, its event loop's samples split by part of the service (profile-breakdown.ts).
 */
async function profileBreakdownOf(dir: string, like: Proxy, upstreamUrl: string, env: Record<string, string>): Promise<string[]> {
  const profDir = join(dir, 'profile')
  const flags = process.env.BENCH_BUN_FLAGS
  process.env.BENCH_BUN_FLAGS = `${flags ?? ''} --cpu-prof --cpu-prof-dir=${profDir}`
  let svc: BenchService
  try {
    svc = await spawnService({ ...env, TTS_ENGINES_FILE: enginesFile(dir, 'profiled', upstreamUrl) })
  } finally {
    if (flags === undefined) delete process.env.BENCH_BUN_FLAGS
    else process.env.BENCH_BUN_FLAGS = flags
  }
  const proxy = asProxy(`${like.label}, profiled`, svc)
  // The profile covers the process's whole life: every request it served counts.
  const warm = await cpuPerRequest(proxy, wrkScript(dir, 'profile-warm'), WARMUP_SECONDS)
  const measured = await cpuPerRequest(proxy, wrkScript(dir, 'profile'), PROFILE_SECONDS)
  const requests = warm.requests + measured.requests
  await svc.stop()
  const file = readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'))
  if (!file) return ['  (no profile written)']
  return [
    `  the profiled gateway's event loop, µs per request of sampled time by part (wall-clock samples: on a busy machine, time the thread was descheduled lands on whatever ran):`,
    ...profileBreakdown(readFileSync(join(profDir, file), 'utf8'), requests, GATEWAY_PARTS),
  ]
}

/** BENCH_BASELINE_ROOT=/path/to/checkout[,...]: each build's gateway, every signal on, in the same rounds (an A/B). */
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

export const asProxy = (label: string, svc: BenchService): Proxy => ({ label, ...svc })

export async function cpuPerRequest(proxy: Proxy, script: string, seconds: number) {
  const cpu0 = processCpuSeconds(proxy.pid)
  const { requests, failures } = await wrk(proxy.url, script, seconds)
  const cpu = processCpuSeconds(proxy.pid) - cpu0
  if (failures) throw new Error(`${proxy.label}: ${failures} of ${requests} requests failed`)
  return { us: (cpu / requests) * 1e6, requests }
}

async function cpuComparison(dir: string): Promise<string[]> {
  const mp3 = makeMp3(dir)
  const sink = otlpSink()
  const started: { stop(): Promise<void> }[] = []
  try {
    const upstream = await spawnService({ UPSTREAM_BODY_FILE: mp3 }, 'bench/fixed-upstream.ts')
    started.push(upstream)
    const upstreamPort = Number(new URL(upstream.url).port)
    const signals = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info' }
    const off = TELEMETRY_OFF
    const noCache = { TTS_CACHE_MAX_BYTES: '0', TTS_CACHE_MEMORY_BYTES: '0' }
    const gateway = (label: string, env: Record<string, string>, root?: string) =>
      spawnService({ ...env, TTS_ENGINES_FILE: enginesFile(dir, label.replace(/\W+/g, '-'), upstream.url) }, 'src/main.ts', root).then((svc) => asProxy(label, svc))
    const proxies: Proxy[] = []
    const keep = (p: Proxy) => (started.push(p), proxies.push(p), p)
    keep(await startHaproxy(dir, upstreamPort))
    keep(asProxy('bare Bun fetch passthrough', await spawnService({ PASSTHROUGH_UPSTREAM: upstream.url }, 'bench/bare-passthrough.ts')))
    keep(await gateway('tts-edge gateway, every signal on', signals))
    keep(await gateway('tts-edge gateway, every signal on, logs via OTLP', { ...signals, TTS_LOG_EXPORT: 'otlp' }))
    keep(await gateway('tts-edge gateway, every signal on, logs via stdout', { ...signals, TTS_LOG_EXPORT: 'stdout' }))
    keep(await gateway('tts-edge gateway, telemetry off', off))
    keep(await gateway('tts-edge gateway, every signal on, no cache', { ...signals, ...noCache }))
    keep(await gateway('tts-edge gateway, telemetry off, no cache', { ...off, ...noCache }))
    for (const root of baselineRoots()) keep(await gateway(`${basename(root)}, every signal on`, signals, root))

    for (const p of proxies) await cpuPerRequest(p, wrkScript(dir, `warm-${p.pid}`), WARMUP_SECONDS)
    const readings = await rotatingRounds(proxies, ROUNDS, (p, i) => cpuPerRequest(p, wrkScript(dir, `r${i}-${p.pid}`), ROUND_SECONDS))
    const rounds = readings.map((r) => r.map((x) => x.us))
    const counts = readings.map((r) => r.map((x) => x.requests))
    const profile = process.env.BENCH_PROFILE ? await profileBreakdownOf(dir, proxies[2]!, upstream.url, signals) : []
    const us = rounds.map((r) => quantile(r, 0.5))
    const [haproxy, bare, on, onOtlp, onStdout, offUs, onNoCache, offNoCache] = us as [number, number, number, number, number, number, number, number]
    const delta = (a: number, b: number) => `${a >= b ? '+' : ''}${fmt(a - b, 0)} µs`
    return [
      `Gateway cost: CPU per proxied request in the proxy process (wrk, ${CONNECTIONS} connections, every request a new 20-word text; ~8 KB mp3 streamed through; median of ${ROUNDS} rotating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS} s of warm-up):`,
      ...proxies.map(
        (p, n) =>
          `  ${p.label.padEnd(46)} ${fmt(us[n]!, 1).padStart(7)} µs  (rounds ${rounds[n]!.map((x) => fmt(x, 0)).join(', ')}; ~${fmt(quantile(counts[n]!, 0.5) / ROUND_SECONDS, 0)} req/s)  x${fmt(us[n]! / bare)} bare Bun, x${fmt(us[n]! / haproxy)} HAProxy`,
      ),
      ...[
        ['gateway, every signal on (logs to stdout and OTLP, the default)', on],
        ['gateway, every signal on, logs via OTLP only (TTS_LOG_EXPORT=otlp, as compose runs)', onOtlp],
        ['gateway, every signal on, logs via stdout only (TTS_LOG_EXPORT=stdout, as Kubernetes runs)', onStdout],
      ].map(([label, value]) =>
        verdict(`${label} <= 2.0x the bare Bun passthrough`, Number(value) <= 2 * bare, `${fmt(Number(value), 1)} vs ${fmt(bare, 1)} µs, ratio ${fmt(Number(value) / bare)} (x${fmt(Number(value) / haproxy)} HAProxy)`),
      ),
      `  where the difference goes (${delta(on, bare)} over the bare passthrough):`,
      `    telemetry (on - off)                     ${delta(on, offUs)}`,
      `    the cache store (with - without, off)    ${delta(offUs, offNoCache)}`,
      `    the cache store (with - without, on)     ${delta(on, onNoCache)}`,
      `    the gateway itself (off, no cache - bare) ${delta(offNoCache, bare)}`,
      ...profile,
    ]
  } finally {
    await Promise.all(started.map((s) => s.stop()))
    sink.stop()
  }
}

export async function benchGatewayCost(): Promise<string[]> {
  if (!Bun.which('wrk')) return ['Gateway cost: skipped, needs Debian `wrk` (apt-get install wrk)']
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-gateway-cost-'))
  try {
    return [...(await cpuComparison(dir)), '', ...(await memoryPerRequest(dir))]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
