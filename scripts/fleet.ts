/**
 * `bun run fleet`: three replicas behind a real HAProxy (health checks on /readyz with its
 * default HTTP/1.0, Host-less request), sharing one redis-server, under a bounded load:
 *
 * 1. burst: every distinct text several times at once across the replicas; prints the
 *    syntheses per distinct text (fleet-wide single-flight: 1.00 is one synthesis each)
 *    and the peak of `sum(tts_synthesis_queue_depth)`, the autoscaling signal, and checks it
 *    returns to 0;
 * 2. rolling: two SIGTERM drains and a restart while requests keep coming: no client error;
 * 3. kill: one replica SIGKILLed under load: only requests it held may fail.
 *
 *   bun run fleet -- [--texts 30] [--repeats 8] [--concurrency 24]
 *
 * Exits non-zero when a check fails. test/fleet.test.ts runs a smaller one in CI.
 */
import { parseArgs } from 'node:util'
import { startFleet, type Fleet } from '../test/support/fleet.ts'
import { waitUntil } from '../test/support/wait.ts'
import { fleetText, Load, type Outcome } from './fleet-load.ts'

/** The KEDA ScaledObject's threshold on `sum(tts_synthesis_queue_depth)` (deploy/kubernetes). */
export const QUEUE_THRESHOLD = 4
const QUEUE = 'tts_synthesis_queue_depth'
const SYNTHESES = 'speech_create_duration_seconds_count'

export interface BurstReport {
  requests: number
  errors: Outcome[]
  texts: number
  syntheses: number
  perText: number
  leases: Record<string, number>
  queuePeak: number
  /** ms from the end of the burst until the summed queue depth read 0 again. */
  queueBackToZeroMs: number
}

/** Every text `repeats` times, the distinct ones first so they overlap across replicas. */
export async function burst(fleet: Fleet, o: { run: string; texts: number; repeats: number; concurrency: number }): Promise<BurstReport> {
  const before = await fleet.sum(SYNTHESES)
  const total = o.texts * o.repeats
  const load = new Load(fleet.url, o.concurrency, (n) => fleetText(o.run, n % o.texts), total, `burst-${o.run}`)
  let queuePeak = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      queuePeak = Math.max(queuePeak, await fleet.sum(QUEUE))
      // A scrape costs the replicas CPU too; a backlog lasts far longer than this pause.
      await Bun.sleep(20)
    }
  })()
  const outcomes = await load.done
  const ended = performance.now()
  sampling = false
  await sampler
  await waitUntil(async () => (await fleet.sum(QUEUE)) === 0, 30_000, 'the summed queue depth back to 0')
  const queueBackToZeroMs = performance.now() - ended
  const syntheses = (await fleet.sum(SYNTHESES)) - before
  const leases: Record<string, number> = {}
  for (const outcome of ['leader', 'shared', 'takeover', 'local']) leases[outcome] = await fleet.sum(`tts_fleet_lease_total{outcome="${outcome}"}`)
  return {
    requests: outcomes.length,
    errors: outcomes.filter((x) => x.error),
    texts: o.texts,
    syntheses,
    perText: syntheses / o.texts,
    leases,
    queuePeak,
    queueBackToZeroMs,
  }
}

export interface RollingReport {
  requests: number
  errors: Outcome[]
  exitCodes: number[]
}

/** Drains replica 0, restarts it, drains replica 1, all while requests keep coming. */
export async function rolling(fleet: Fleet, o: { run: string; texts: number; concurrency: number }): Promise<RollingReport> {
  // A third new texts (misses), the rest repeats (hits), as a live service sees.
  const textOf = (n: number) => fleetText(o.run, n % 3 === 0 ? 10_000 + n : n % o.texts)
  const load = new Load(fleet.url, o.concurrency, textOf, 5000, `rolling-${o.run}`)
  await load.answered(o.concurrency)
  const exitCodes = [await fleet.drain(0)]
  await fleet.restart(0)
  await load.answered(o.concurrency)
  exitCodes.push(await fleet.drain(1))
  await load.answered(o.concurrency)
  const outcomes = await load.stop()
  return { requests: outcomes.length, errors: outcomes.filter((x) => x.error), exitCodes }
}

export interface KillReport {
  requests: number
  errors: Outcome[]
  /**
   * Requests the clients had outstanding when the replica was killed, plus those sent before
   * its process was gone (its socket still accepted them): an upper bound of what it held.
   */
  outstandingAtKill: number
  /** Failed requests sent after the replica was gone, or that HAProxy's log places on a live replica: none may fail. */
  failedElsewhere: string[]
}

/** SIGKILLs the replica at `index` under load. */
export async function kill(fleet: Fleet, index: number, o: { run: string; texts: number; concurrency: number }): Promise<KillReport> {
  const textOf = (n: number) => fleetText(o.run, n % 2 === 0 ? 20_000 + n : n % o.texts)
  const prefix = `kill-${o.run}`
  const load = new Load(fleet.url, o.concurrency, textOf, 5000, prefix)
  await load.answered(o.concurrency)
  const [inflight, sentAtKill] = [load.inflight, load.sent]
  await fleet.kill(index)
  const sentWhenGone = load.sent
  await load.answered(o.concurrency * 2)
  const outcomes = await load.stop()
  const errors = outcomes.filter((x) => x.error)
  const killed = fleet.replicas[index]!.name
  const failedElsewhere = errors
    .filter((e) => Number(e.id.slice(prefix.length + 1)) >= sentWhenGone || fleet.lb.logs.some((l) => l.requestId === e.id && l.server !== killed))
    .map((e) => e.id)
  return { requests: outcomes.length, errors, outstandingAtKill: inflight + (sentWhenGone - sentAtKill), failedElsewhere }
}

export interface FleetReport {
  burst: BurstReport
  rolling: RollingReport
  kill: KillReport
  /** Seconds each step took: start, burst, rolling, kill, stop. */
  seconds: Record<string, number>
}

/**
 * Starts the fleet, runs the three phases, stops everything.
 *
 * @example
 * const report = await runFleetScenario({ texts: 30, repeats: 8, concurrency: 24 })
 * console.log(formatFleetReport(report).join('\n'))
 */
export async function runFleetScenario(o: { texts: number; repeats: number; concurrency: number }): Promise<FleetReport> {
  const run = crypto.randomUUID().slice(0, 8)
  const seconds: Record<string, number> = {}
  let mark = performance.now()
  const lap = <T>(name: string, value: T): T => {
    const now = performance.now()
    seconds[name] = (now - mark) / 1000
    mark = now
    return value
  }
  const fleet = lap('start', await startFleet({ replicas: 3 }))
  try {
    const burstReport = lap('burst', await burst(fleet, { run, ...o }))
    const steady = { run, texts: o.texts, concurrency: Math.min(6, o.concurrency) }
    const rollingReport = lap('rolling', await rolling(fleet, steady))
    const killReport = lap('kill', await kill(fleet, 2, steady))
    return { burst: burstReport, rolling: rollingReport, kill: killReport, seconds }
  } finally {
    await fleet.stop()
    lap('stop', undefined)
  }
}

/** The checks of issue #12, as human-readable failures (empty: all passed). */
export function fleetFailures(r: FleetReport, maxPerText = 1.05): string[] {
  const failures: string[] = []
  if (r.burst.errors.length) failures.push(`burst: ${r.burst.errors.length} client errors (${r.burst.errors[0]!.error})`)
  if (r.burst.perText > maxPerText) failures.push(`burst: ${r.burst.perText.toFixed(2)} syntheses per text, above ${maxPerText}`)
  if (r.burst.queuePeak <= QUEUE_THRESHOLD) failures.push(`burst: queue depth peaked at ${r.burst.queuePeak}, never above ${QUEUE_THRESHOLD}`)
  if (r.rolling.errors.length) failures.push(`rolling: ${r.rolling.errors.length} client errors (${r.rolling.errors[0]!.error})`)
  if (r.rolling.exitCodes.some((c) => c !== 0)) failures.push(`rolling: exit codes ${r.rolling.exitCodes.join(', ')}`)
  if (r.kill.errors.length > r.kill.outstandingAtKill) failures.push(`kill: ${r.kill.errors.length} failed, more than the ${r.kill.outstandingAtKill} outstanding`)
  if (r.kill.failedElsewhere.length) failures.push(`kill: requests failed on replicas still alive: ${r.kill.failedElsewhere.join(', ')}`)
  return failures
}

export function formatFleetReport(r: FleetReport): string[] {
  const b = r.burst
  return [
    `burst: ${b.requests} requests, ${b.errors.length} errors; ${b.syntheses} syntheses for ${b.texts} distinct texts: ${b.perText.toFixed(2)} per text`,
    `  leases: ${Object.entries(b.leases).map(([k, v]) => `${v} ${k}`).join(', ')}`,
    `  sum(${QUEUE}): peak ${b.queuePeak} (threshold ${QUEUE_THRESHOLD}), back to 0 ${(b.queueBackToZeroMs / 1000).toFixed(1)} s after the burst`,
    `rolling: 2 SIGTERM drains and a restart under load: ${r.rolling.requests} requests, ${r.rolling.errors.length} errors, exit codes ${r.rolling.exitCodes.join(', ')}`,
    `kill: SIGKILL with ${r.kill.outstandingAtKill} requests outstanding: ${r.kill.requests} requests, ${r.kill.errors.length} failed` +
      (r.kill.errors.length ? ` (${r.kill.failedElsewhere.length ? `${r.kill.failedElsewhere.length} on live replicas` : 'all held by the killed replica'})` : ''),
    `seconds: ${Object.entries(r.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`,
  ]
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { texts: { type: 'string', default: '30' }, repeats: { type: 'string', default: '8' }, concurrency: { type: 'string', default: '24' } },
  })
  const options = {
    texts: Math.max(1, Number(values.texts) || 30),
    repeats: Math.max(1, Number(values.repeats) || 8),
    concurrency: Math.min(64, Math.max(1, Number(values.concurrency) || 24)),
  }
  console.log(`fleet: 3 replicas behind haproxy, one redis-server; ${options.texts} texts x ${options.repeats}, ${options.concurrency} at once`)
  const report = await runFleetScenario(options)
  for (const line of formatFleetReport(report)) console.log(line)
  const failures = fleetFailures(report)
  for (const failure of failures) console.log(`FAIL ${failure}`)
  console.log(failures.length ? 'fleet failed' : 'fleet passed')
  process.exit(failures.length ? 1 : 0)
}
