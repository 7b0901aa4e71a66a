/**
 * The soak script in CI: a 16 s run (8 s of it warm-up) against the service it starts itself passes its own
 * checks (RSS steady after warm-up, no streaming session left open, no 5xx) and prints
 * the summary an operator reads.
 */
import { expect, test } from 'bun:test'
import { join } from 'node:path'

test('bun run soak -- --duration 16 serves the whole mix and passes', async () => {
  // Warm-up long enough for the heap to settle (3 s was not, under CI load), so the RSS check measures growth, not start-up.
  const run = Bun.spawn([process.execPath, join(import.meta.dir, '..', 'scripts', 'soak.ts'), '--duration', '16', '--warmup', '8', '--concurrency', '3'], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [output, errors] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text()])
  const code = await run.exited
  expect(code, `${output}\n${errors}`).toBe(0)

  const served = Number(output.match(/^requests served: (\d+)/m)?.[1])
  expect(served).toBeGreaterThan(20)
  // Every kind of work in the cycle was served at least once.
  for (const kind of ['openai hit', 'openai miss', 'openai sse', 'elevenlabs hit', 'elevenlabs miss', 'http abandoned', 'stream session', 'stream cancel', 'stream hang-up', 'stream-input session', 'stream-input hang-up']) {
    expect(output).toMatch(new RegExp(`^ +\\d+  ${kind}$`, 'm'))
  }
  expect(output).toMatch(/^errors: \d+$/m)
  expect(output).toMatch(/^server errors \(5xx or ws 1011\): 0$/m)
  expect(output).toMatch(/^rss: start [\d.]+ MB, after warm-up [\d.]+ MB, end [\d.]+ MB \([+-][\d.]+% after warm-up, limit 20%\)/m)
  expect(output).toMatch(/^open fds: start \d+, after warm-up \d+, end \d+$/m)
  expect(output).toMatch(/^streaming_active at end: 0$/m)
  expect(output).toMatch(/^soak passed$/m)
}, 60_000)
