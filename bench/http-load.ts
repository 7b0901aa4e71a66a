/**
 * Load for the throughput benchmarks: Debian's `wrk` when installed (`apt-get install wrk`),
 * which costs the machine far less per request than a client in JavaScript, else a bounded
 * client in this process. Either way bounded: wrk by time, the fallback by count.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runConcurrently } from './stats.ts'

export interface LoadResult {
  requests: number
  /** Responses that were not 2xx, and socket errors. */
  failures: number
}

export interface PostLoad {
  url: string
  body: string
  connections: number
  /** wrk: how long; the fallback client sends `seconds * fallbackRate` requests instead. */
  seconds: number
}

/** Which load generator runs, for the benchmark's header line. */
export const loadGenerator = (): string =>
  Bun.which('wrk') ? 'wrk' : 'an in-bench fetch client (install Debian `wrk` for less noise: apt-get install wrk)'

const FALLBACK_RATE = 2000

/**
 * Sends `body` as JSON POSTs over `connections` kept-alive connections.
 *
 * @example
 * const { requests } = await postLoad({ url: `${svc.url}/v1/audio/speech`, body, connections: 16, seconds: 2 })
 */
export async function postLoad(load: PostLoad): Promise<LoadResult> {
  return Bun.which('wrk') ? wrk(load) : fetchClient(load)
}

let script: string | undefined
const bodies = new Map<string, string>()

async function wrk(load: PostLoad): Promise<LoadResult> {
  // One Lua script per distinct body (wrk takes the body from its script).
  let path = bodies.get(load.body)
  if (!path) {
    script ??= mkdtempSync(join(tmpdir(), 'tts-bench-wrk-'))
    path = join(script, `post-${bodies.size}.lua`)
    writeFileSync(path, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${load.body}]==]\n`)
    bodies.set(load.body, path)
  }
  const proc = Bun.spawn(['wrk', '-t1', `-c${load.connections}`, `-d${load.seconds}s`, '--timeout', '10s', '-s', path, load.url], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  const requests = Number(out.match(/(\d+) requests in/)?.[1])
  if (code !== 0 || !Number.isFinite(requests)) throw new Error(`wrk failed (${code}): ${out}${err}`)
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0)
  const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  return { requests, failures: non2xx + socketErrors }
}

async function fetchClient(load: PostLoad): Promise<LoadResult> {
  let failures = 0
  const total = Math.round(load.seconds * FALLBACK_RATE)
  await runConcurrently(total, load.connections, async () => {
    const res = await fetch(load.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: load.body }).catch(() => undefined)
    if (!res?.ok) failures++
    await res?.arrayBuffer()
  })
  return { requests: total, failures }
}
