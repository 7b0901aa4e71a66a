/**
 * The load generator against the real service: a short bounded run produces the mix and
 * ends with directions to a real trace.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { startService, type RunningService } from './support/service.ts'

let svc: RunningService

beforeAll(async () => {
  svc = await startService()
})
afterAll(async () => {
  await svc.stop()
}, 30_000)

test('a bounded run sends a mix of both APIs, streams and bad requests, and names the slowest trace', async () => {
  const run = Bun.spawn(
    [process.execPath, join(import.meta.dir, '..', 'scripts', 'loadgen.ts'), '--url', svc.url, '--duration', '4', '--concurrency', '2', '--quiet'],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  const output = await new Response(run.stdout).text()
  expect(await run.exited).toBe(0)
  expect(output).toMatch(/\d+ requests in/)
  expect(output).toContain('openai ')
  expect(output).toContain('elevenlabs ')
  expect(output).toMatch(/bad request -> 4\d\d/)
  expect(output).toMatch(/stream -> 200/)
  const traceId = output.match(/trace_id +([0-9a-f]{32})/)?.[1]
  const requestId = output.match(/request_id +(\S+)/)?.[1]
  expect(traceId).toBeDefined()
  // The trace and request ids it prints are the service's own: its log line has both.
  const line = await svc.waitForLog((l) => l.request_id === requestId)
  expect(line.trace_id).toBe(traceId)
}, 60_000)
