/**
 * The fleet (issue #12), CI-sized: three real replicas behind a real HAProxy that
 * health-checks /readyz with its default HTTP/1.0, Host-less request, one real redis-server.
 * A burst is synthesised once per distinct text across the fleet and drives the summed
 * queue depth (the autoscaling signal) above the ScaledObject's threshold and back to 0;
 * two SIGTERM drains and a restart under load cost no request; a SIGKILL costs at most the
 * requests that replica held. `bun run fleet` runs the same scenario, larger.
 */
import { expect, test } from 'bun:test'
import { fleetFailures, formatFleetReport, QUEUE_THRESHOLD, runFleetScenario } from '../scripts/fleet.ts'

test('three replicas behind HAProxy: one synthesis per text, queue-depth signal, clean drains, bounded SIGKILL loss', async () => {
  const report = await runFleetScenario({ texts: 12, repeats: 3, concurrency: 12 })
  console.log(formatFleetReport(report).join('\n'))

  expect(report.burst.errors).toEqual([])
  expect(report.burst.requests).toBe(36)
  expect(report.burst.perText).toBeLessThanOrEqual(1.05)
  expect(report.burst.queuePeak).toBeGreaterThan(QUEUE_THRESHOLD)
  expect(report.rolling.errors).toEqual([])
  expect(report.rolling.exitCodes).toEqual([0, 0])
  expect(report.kill.failedElsewhere).toEqual([])
  expect(report.kill.errors.length).toBeLessThanOrEqual(report.kill.outstandingAtKill)
  expect(fleetFailures(report)).toEqual([])
}, 90_000)
