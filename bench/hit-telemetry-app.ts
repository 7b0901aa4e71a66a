/**
 * One app of `bench hit-telemetry` in a process of its own (bench/hit-telemetry.ts spawns it):
 * the build at HT_ROOT composed as main.ts composes it (gatewayOf, with a cache and its memory
 * tier) with HT_ENV, in front of the upstream at HT_UPSTREAM. It primes the cache, prints
 * READY, then for each line `<count>` on stdin serves that many cache hits through
 * `app.request` (8 at a time) and prints this process's CPU µs per hit. A process of its own,
 * because what a hit allocates is paid again in collections of the whole heap: apps sharing one
 * process share (and hide) each other's collections.
 */
import { gatewayOf } from './gateway-miss-telemetry.ts'
import { HIT_BODY } from './hit-path.ts'

const CONCURRENCY = 8
const app = await gatewayOf(process.env.HT_ROOT!, 'app', JSON.parse(process.env.HT_ENV!), process.env.HT_UPSTREAM!, { cache: true })
const hit = async () => {
  const res = await app.request('/v1/audio/speech', { method: 'POST', body: HIT_BODY, headers: { 'content-type': 'application/json' } })
  await res.arrayBuffer()
  return res.headers.get('x-cache') === 'HIT'
}

// The cache write lands just after the first answer.
let primed = false
for (let i = 0; i < 200 && !primed; i++) if (!(primed = await hit())) await Bun.sleep(10)
if (!primed) throw new Error('never a cache hit')
console.log('READY')

for await (const line of console) {
  const count = Number(line)
  if (!count) break
  let next = 0
  const start = process.cpuUsage()
  const worker = async () => {
    while (next++ < count) if (!(await hit())) throw new Error('a request missed the cache')
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const used = process.cpuUsage(start)
  console.log(String((used.user + used.system) / count))
}
await app.close()
process.exit(0)
