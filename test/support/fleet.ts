/**
 * A fleet on one machine: N replicas (real `bun src/main.ts` processes, each with its own
 * cache directory and `service.instance.id`), one real redis-server they share, and a real
 * HAProxy in front health-checking `/readyz`. Replicas keep their port across restarts, so
 * HAProxy's static config stays true, and can be drained (SIGTERM), restarted and killed.
 */
import { startHaproxy, type Haproxy } from './haproxy.ts'
import { metricValue } from './metrics.ts'
import { startRedisServer, type RedisServer } from './redis-server.ts'
import { startService, type RunningService } from './service.ts'
import { freePort } from './wait.ts'

export interface Replica {
  name: string
  port: number
  /** The running process; undefined once it has exited or been killed. */
  service: RunningService | undefined
  /** Every process this replica has been, oldest first (their logs outlive them). */
  history: RunningService[]
}

export interface Fleet {
  /** The load balancer's URL: what clients use. */
  url: string
  lb: Haproxy
  redis: RedisServer
  replicas: Replica[]
  /** SIGTERM: resolves with the exit code once the replica has drained and exited. */
  drain(index: number): Promise<number>
  /** Starts the replica again on its port; resolves once HAProxy sees it up. */
  restart(index: number): Promise<void>
  /** SIGKILL: gone at once, holding whatever it held. */
  kill(index: number): Promise<void>
  /** Sum of one exact series over the replicas running now. */
  sum(series: string): Promise<number>
  stop(): Promise<void>
}

export interface FleetOptions {
  replicas?: number
  /** Extra environment for every replica. */
  env?: Record<string, string>
}

/**
 * @example
 * const fleet = await startFleet({ replicas: 3 })
 * await fetch(`${fleet.url}/readyz`)
 * await fleet.drain(0)
 * await fleet.restart(0)
 * await fleet.stop()
 */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const count = options.replicas ?? 3
  const redis = await startRedisServer()
  const replicas: Replica[] = []
  for (let i = 0; i < count; i++) replicas.push({ name: `r${i}`, port: await freePort(), service: undefined, history: [] })
  const env = (r: Replica): Record<string, string> => ({
    PORT: String(r.port),
    TTS_REDIS_URL: redis.url,
    TTS_MAX_CONCURRENCY: '1',
    // HAProxy needs `fall` failed checks (2 x 200 ms) to stop sending; the window leaves room for a loaded machine.
    TTS_SHUTDOWN_DRAIN_MS: '2000',
    TTS_FLEET_LEASE_MS: '2000',
    OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${r.name}`,
    OTEL_SDK_DISABLED: 'true',
    ...options.env,
  })
  const start = async (r: Replica) => {
    const service = await startService(env(r))
    r.service = service
    r.history.push(service)
    void service.proc.exited.then(() => {
      if (r.service === service) r.service = undefined
    })
  }
  let lb: Haproxy | undefined
  try {
    await Promise.all(replicas.map(start))
    lb = await startHaproxy({ servers: replicas.map((r) => ({ name: r.name, port: r.port })) })
    for (const r of replicas) await lb.waitForState(r.name, 'UP L7OK')
  } catch (err) {
    await Promise.all(replicas.map((r) => r.service?.stop()))
    await lb?.stop()
    await redis.stop()
    throw err
  }
  const balancer = lb
  const live = () => replicas.flatMap((r) => (r.service ? [r.service] : []))
  return {
    url: balancer.url,
    lb: balancer,
    redis,
    replicas,
    async drain(index) {
      const service = replicas[index]?.service
      if (!service) throw new Error(`replica ${index} is not running`)
      return service.stop()
    },
    async restart(index) {
      const r = replicas[index]!
      if (r.service) throw new Error(`replica ${r.name} is still running`)
      await start(r)
      await balancer.waitForState(r.name, 'UP L7OK')
    },
    async kill(index) {
      const service = replicas[index]?.service
      if (!service) throw new Error(`replica ${index} is not running`)
      service.proc.kill('SIGKILL')
      await service.proc.exited
    },
    async sum(series) {
      const values = await Promise.all(live().map((s) => metricValue(s.url, series).catch(() => 0)))
      return values.reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0)
    },
    async stop() {
      await Promise.all(live().map((s) => s.stop()))
      await balancer.stop()
      await redis.stop()
    },
  }
}
