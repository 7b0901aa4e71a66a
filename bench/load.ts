/**
 * Synthesis must not block the event loop: the p99 of cache-hit requests while 16
 * concurrent 200-word cache misses run, vs the same p99 unloaded.
 */
import { spawnService } from './service.ts'
import { fmt, quantile, runConcurrently, verdict } from './stats.ts'
import { uniqueLongText } from './texts.ts'

const PROBES = 1000

export async function benchLoad(): Promise<string[]> {
  const svc = await spawnService({ LOG_LEVEL: 'warn', TTS_MAX_QUEUE: '64' })
  const hit = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'A cached probe.', response_format: 'wav' })
  const post = (body: string) =>
    fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer())
  const probe = () => runConcurrently(PROBES, 1, () => post(hit))
  await probe()
  const unloaded = quantile(await probe(), 0.99)

  let stop = false
  let misses = 0
  const load = Promise.all(
    Array.from({ length: 16 }, async (_, lane) => {
      for (let i = 0; !stop; i++) {
        await post(JSON.stringify({ model: 'tts-1', voice: 'alloy', input: uniqueLongText(lane * 10_000 + i), response_format: 'wav' }))
        misses++
      }
    }),
  )
  const loaded = quantile(await probe(), 0.99)
  stop = true
  await load
  await svc.stop()
  const ratio = loaded / unloaded
  return [
    `Cache-hit p99 under synthesis load (${PROBES} sequential probes; 16 concurrent 200-word misses, ${misses} completed):`,
    `  unloaded p99 ${fmt(unloaded, 2)} ms, loaded p99 ${fmt(loaded, 2)} ms`,
    verdict('loaded p99 <= 2x unloaded', ratio <= 2, `ratio ${fmt(ratio)}`),
  ]
}
