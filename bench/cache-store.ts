/**
 * `bun run bench cache-store`: the filesystem cache alone, in this process: CPU per store of a
 * new entry (what every miss pays after its answer has left) and per read from disk (a second
 * use, before the memory tier holds it), for a gateway's ~8 KB mp3. CPU is this process's own
 * (`process.cpuUsage`, the thread pool's work included), so a write handed to another thread
 * still counts.
 *
 * BENCH_BASELINE_ROOT=/path/to/checkout[,...] runs each build's FsCache in the same
 * alternating rounds: an A/B of cache changes on the same disk.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { AudioCache, CachedAudio } from '../src/cache/cache.ts'
import { fmt, quantile } from './stats.ts'

const ROUNDS = 5
const STORES_PER_ROUND = 2000
const BODY_BYTES = 8 * 1024
const MAX_BYTES = 512 * 1024 * 1024

interface Implementation {
  label: string
  open(dir: string): Promise<AudioCache>
}

async function implementations(): Promise<Implementation[]> {
  const roots = [join(import.meta.dir, '..'), ...(process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)]
  return Promise.all(
    roots.map(async (root, i) => {
      const { FsCache } = (await import(join(root, 'src/cache/fs-cache.ts'))) as typeof import('../src/cache/fs-cache.ts')
      return { label: i === 0 ? 'this build' : basename(root), open: (dir: string) => FsCache.open({ dir, maxBytes: MAX_BYTES }) }
    }),
  )
}

const cpuMicros = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

export async function benchCacheStore(): Promise<string[]> {
  const impls = await implementations()
  const root = mkdtempSync(join(tmpdir(), 'tts-bench-cache-store-'))
  const body = new Uint8Array(BODY_BYTES).map((_, i) => (i * 7) & 0xff)
  const value: CachedAudio = { body, contentType: 'audio/mpeg', meta: { durationS: 2, sampleRate: 24000, engine: 'up' } }
  const caches = await Promise.all(impls.map((impl, i) => impl.open(join(root, String(i)))))
  const stores = impls.map(() => [] as number[])
  const reads = impls.map(() => [] as number[])
  let n = 0
  try {
    // One warm-up round each (JIT, first files and directories), not counted.
    for (let round = -1; round < ROUNDS; round++) {
      for (const [i, cache] of caches.entries()) {
        const keys = Array.from({ length: STORES_PER_ROUND }, () => new Bun.CryptoHasher('sha256').update(`key ${n++}`).digest('hex'))
        let t = cpuMicros()
        // Stores as a miss makes them: one at a time, each awaited.
        for (const key of keys) await cache.set(key, value)
        const storeUs = (cpuMicros() - t) / keys.length
        t = cpuMicros()
        for (const key of keys) if (!(await cache.get(key))) throw new Error(`${impls[i]!.label}: a stored entry missed`)
        const readUs = (cpuMicros() - t) / keys.length
        if (round >= 0) [stores[i]!.push(storeUs), reads[i]!.push(readUs)]
      }
    }
  } finally {
    await Promise.all(caches.map((cache) => cache.close()))
    rmSync(root, { recursive: true, force: true })
  }
  return [
    `Filesystem cache, CPU per operation in this process (${fmt(BODY_BYTES / 1024, 0)} KiB bodies; median of ${ROUNDS} alternating rounds of ${STORES_PER_ROUND} stores, then as many reads):`,
    ...impls.map(
      (impl, i) =>
        `  ${impl.label.padEnd(12)} store ${fmt(quantile(stores[i]!, 0.5), 1).padStart(6)} µs (rounds ${stores[i]!.map((x) => fmt(x, 0)).join(', ')})   read ${fmt(quantile(reads[i]!, 0.5), 1).padStart(6)} µs`,
    ),
  ]
}
