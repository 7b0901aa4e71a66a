/**
 * SIGTERM behind a load balancer: /readyz fails at once while the listener keeps serving
 * new requests for the drain window (TTS_SHUTDOWN_DRAIN_MS); then no new connections,
 * in-flight work finishes, streaming sessions get their queued audio and a 1012 close
 * (service restart: reconnect elsewhere), and the process exits 0.
 */
import { expect, test } from 'bun:test'
import { rawHttp } from './support/raw-http.ts'
import { startService } from './support/service.ts'
import { WsClient } from './support/ws-client.ts'

const speak = (url: string, input: string) =>
  fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' }),
  })

test('SIGTERM: readiness fails at once, new requests are served through the drain window, sessions leave with 1012, exit 0', async () => {
  // The window only has to outlast the few requests below; they take well under a second.
  const svc = await startService({ TTS_SHUTDOWN_DRAIN_MS: '8000', TTS_MAX_CONCURRENCY: '1' })
  const session = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/stream`)
  await session.opened
  session.send({ type: 'start', voice: 'alloy', format: 'pcm', sample_rate: 16000 })
  session.send({ type: 'text', text: 'The first sentence is playing. The second one is queued behind it. ' })
  session.send({ type: 'flush' })
  await session.next((m) => m.kind === 'binary')

  svc.proc.kill('SIGTERM')
  await svc.waitForLog((l) => l.msg === 'shutting down')

  // HAProxy's default check: unready from the first moment.
  expect((await rawHttp(svc.port, 'GET /readyz HTTP/1.0\r\n\r\n')).status).toBe(503)
  // Still alive, and still serving new connections while the balancer catches up.
  expect((await fetch(`${svc.url}/healthz`)).status).toBe(200)
  // A keep-alive connection gets its answer and is then closed, so the client reconnects elsewhere.
  const keptAlive = await rawHttp(svc.port, `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:${svc.port}\r\n\r\n`)
  expect(keptAlive.status).toBe(200)
  expect(keptAlive.headers.connection).toBe('close')
  const late = await speak(svc.url, 'Sent after SIGTERM, during the drain window.')
  expect(late.status).toBe(200)
  expect((await late.arrayBuffer()).byteLength).toBeGreaterThan(10_000)

  await svc.waitForLog((l) => l.msg === 'drain window over: no new connections', 20_000)
  // The session spoke everything it had accepted, then was told to reconnect elsewhere.
  const closed = await session.closed
  expect(closed.code).toBe(1012)
  const flushed = session.json().find((j) => j.type === 'flushed')
  expect(flushed?.last_seq).toBe(session.binary().length - 1)
  expect(await svc.proc.exited).toBe(0)
  expect(svc.logs.some((l) => l.msg === 'stopped')).toBe(true)
}, 60_000)

test('Ctrl-C (SIGINT) stops without waiting for a drain window', async () => {
  const svc = await startService({ TTS_SHUTDOWN_DRAIN_MS: '600000' })
  svc.proc.kill('SIGINT')
  const shutting = await svc.waitForLog((l) => l.msg === 'shutting down')
  expect(shutting.drain_ms).toBe(0)
  expect(await svc.proc.exited).toBe(0)
}, 30_000)

test('an invalid drain window is a configuration error (exit 78) naming the variable', async () => {
  const run = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: `${import.meta.dir}/..`,
    env: { PATH: process.env.PATH ?? '', TTS_SHUTDOWN_DRAIN_MS: '-5' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  expect(await run.exited).toBe(78)
  expect(await new Response(run.stderr).text()).toContain('TTS_SHUTDOWN_DRAIN_MS')
})
