/**
 * A throwaway `redis-server` for tests: free port, no persistence, ready
 * when it says so (no sleeping), killable and restartable on the same port to
 * exercise outages and reconnects.
 *
 * When `redis-server` is missing the start fails with a clear message: CI
 * installs it, and a silently skipped suite would hide a broken shared cache.
 */
import { RedisClient, type Subprocess } from 'bun'

export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** SIGKILL, as a crash or a network cut would look to clients; resolves once the process is gone. */
  kill(): Promise<void>
  /** SIGSTOP: the socket stays open but nothing answers (a hung server). */
  pause(): void
  /** SIGCONT after `pause`. */
  resume(): void
  /** Starts again on the same port (after `kill`). */
  restart(): Promise<void>
  /** Kills the server if running; for afterAll. */
  stop(): Promise<void>
}

const READY_LINE = 'Ready to accept connections'
const START_BUDGET_MS = 10_000

/**
 * @example
 * ```ts
 * const redis = await startRedisServer()
 * afterAll(() => redis.stop())
 * const client = new RedisClient(redis.url)
 * ```
 */
export interface RedisServerOptions {
  /**
   * Keep data across kill/restart in this directory (append-only file, fsync on every
   * write): an outage that a real deployment's Redis would come back from with its data.
   */
  persistDir?: string
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = Bun.which('redis-server')
  if (!binary) {
    throw new Error('redis-server is not on PATH: install it (Debian: apt-get install redis-server) to run the Redis cache tests')
  }
  // The free-port probe and the server's bind can race with another process; retry on a fresh port.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort()
    try {
      let proc = await spawnReady(binary, port, options.persistDir)
      const server: RedisServer = {
        port,
        url: `redis://127.0.0.1:${port}`,
        async kill() {
          proc.kill('SIGKILL')
          await proc.exited
        },
        pause() {
          proc.kill('SIGSTOP')
        },
        resume() {
          proc.kill('SIGCONT')
        },
        async restart() {
          proc = await spawnReady(binary, port, options.persistDir)
        },
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) {
            proc.kill('SIGCONT')
            await server.kill()
          }
        },
      }
      await ping(server.url)
      return server
    } catch (err) {
      lastError = err
    }
  }
  throw lastError
}

function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = listener
  listener.stop(true)
  return port
}

async function spawnReady(binary: string, port: number, persistDir?: string): Promise<Subprocess<'ignore', 'pipe', 'pipe'>> {
  const persistence = persistDir ? ['--dir', persistDir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']
  const proc = Bun.spawn(
    [binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'no'],
    { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
  )
  const output = waitForLine(proc.stdout, READY_LINE)
  const budget = setTimeout(() => proc.kill('SIGKILL'), START_BUDGET_MS)
  try {
    if (await output.found) return proc
  } finally {
    clearTimeout(budget)
  }
  await proc.exited
  const stderr = await new Response(proc.stderr).text()
  throw new Error(`redis-server on port ${port} did not become ready (exit ${proc.exitCode}):\n${output.text()}${stderr}`)
}

/** Resolves true when `line` appears, false when the stream ends first. Keeps draining so the pipe never fills. */
function waitForLine(stream: ReadableStream<Uint8Array>, line: string): { found: Promise<boolean>; text: () => string } {
  let text = ''
  let resolve: (found: boolean) => void = () => {}
  const found = new Promise<boolean>((r) => (resolve = r))
  void (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) {
      if (text.length < 64 * 1024) text += decoder.decode(chunk, { stream: true })
      if (text.includes(line)) resolve(true)
    }
    resolve(false)
  })()
  return { found, text: () => text }
}

async function ping(url: string): Promise<void> {
  const client = new RedisClient(url, { autoReconnect: false, connectionTimeout: 2000 })
  try {
    const reply = await client.send('PING', [])
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${String(reply)}`)
  } finally {
    client.close()
  }
}
