/**
 * `bun run bench hit-path-off`: the cache-hit path with telemetry OFF, this build against
 * other builds (BENCH_BASELINE_ROOT=/path/to/checkout[,another]) and bare Hono, all in the
 * same rotating rounds: an A/B of a change to tts-edge's own cost per hit. `hit-path`
 * adds another build only with every signal on; telemetry's part is measured there.
 *
 * Each round loads every server in turn (the order rotates, so no server always follows the
 * same one); each build's figure is the median over rounds, and beside it the median of its
 * per-round ratio to this build (a paired figure, which a machine's drift moves less).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { CONNECTIONS, cpuPerRequest, primed } from './hit-path.ts'
import { loadGenerator } from './http-load.ts'
import { spawnService, TELEMETRY_OFF, type BenchService } from './service.ts'
import { fmt, quantile, rotatingRounds } from './stats.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const ROUND_SECONDS = 2
const WARMUP_SECONDS = 6
const OFF = { ...TELEMETRY_OFF, TTS_MAX_CONCURRENCY: '1' }

const median = (xs: number[]) => quantile(xs, 0.5)

/** The telemetry-off hit path of this build, each baseline build and bare Hono, side by side. */
export async function benchHitPathOff(): Promise<string[]> {
  const builds: [string, string | undefined][] = [['this build', undefined]]
  for (const root of (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)) builds.push([basename(root), root])
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-hit-off-'))
  const all: BenchService[] = []
  try {
    for (const [, root] of builds) all.push(await spawnService(OFF, 'src/main.ts', root))
    const answers = await Promise.all(all.map(primed))
    writeFileSync(join(dir, 'hit.mp3'), answers[0]!)
    all.push(await spawnService({ BARE_BODY_FILE: join(dir, 'hit.mp3'), BARE_CONTENT_TYPE: 'audio/mpeg' }, 'bench/bare-hono.ts'))
    const labels = [...builds.map(([name]) => `tts-edge ${name}, telemetry off`), 'bare Hono, same bytes from memory']
    for (const svc of all) await cpuPerRequest(svc, WARMUP_SECONDS)
    const rounds = await rotatingRounds(all, ROUNDS, async (svc) => (await cpuPerRequest(svc, ROUND_SECONDS)).us)
    const us = rounds.map(median)
    const bare = us[us.length - 1]!
    const pairedToThis = (n: number) => median(rounds[n]!.map((x, i) => x / rounds[0]![i]!))
    return [
      `Cache-hit path, telemetry off, CPU per request in the server process (${loadGenerator()}, ${CONNECTIONS} connections; median of ${ROUNDS} rotating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS} s of warm-up; ${fmt(answers[0]!.length / 1024, 1)} KiB mp3):`,
      ...labels.map(
        (label, n) =>
          `  ${label.padEnd(44)} ${fmt(us[n]!, 1).padStart(6)} µs  x${fmt(us[n]! / bare)} bare Hono  (per-round ratio to this build, median ${fmt(pairedToThis(n))}; rounds ${rounds[n]!.map((x) => fmt(x, 0)).join(', ')})`,
      ),
    ]
  } finally {
    await Promise.all(all.map((svc) => svc.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
}
