import { mkdtempSync, readFileSync } from 'node:fs'
import { getPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'bun:test'
import { EngineBusyError, EngineUnavailableError } from './engine.ts'
import type { ScriptedInit, ScriptedRequest } from '../../test/support/scripted.worker.ts'
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.ts'
import { waitUntil } from '../../test/support/wait.ts'

const url = new URL('../../test/support/scripted.worker.ts', import.meta.url)
let pools: WorkerPool<ScriptedRequest, unknown>[] = []

function makePool(options: Partial<WorkerPoolOptions> = {}) {
  const pool = new WorkerPool<ScriptedRequest, unknown>({ url, size: 1, maxQueue: 4, ...options })
  pools.push(pool)
  return pool
}

/**
 * The error a promise rejects with. Used instead of `expect(p).rejects`, which in Bun
 * 1.4.5 blocks the event loop in a way that stops Worker messages from being delivered.
 */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  )
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** Starts a job and resolves once its worker has begun (emitted its first value). */
async function startBlocking(pool: WorkerPool<ScriptedRequest, unknown>, signal?: AbortSignal) {
  const it = pool.run({ kind: 'until-cancelled' }, { signal })[Symbol.asyncIterator]()
  expect((await it.next()).value).toBe(-1)
  return it
}

/** How many times a scripted worker's setup ran (lines in its starts file). */
const starts = (file: string) => readFileSync(file, 'utf8').split('\n').length - 1

afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()))
  pools = []
})

describe('WorkerPool', () => {
  test('warms up every worker and streams several results of one job in order', async () => {
    const pool = makePool({ size: 2 })
    await pool.warmup()
    expect(pool.stats()).toEqual({ queued: 0, busy: 0, workers: 2, ready: true })
    expect(await collect(pool.run({ kind: 'echo', value: 10, times: 3 }))).toEqual([10, 11, 12])
  })

  test.skipIf(process.platform !== 'linux')('runs workers the given nice steps below the event loop, which keeps its own priority', async () => {
    const own = getPriority(0)
    const nice = Math.min(19, own + 7) - own // a process already at nice 19 cannot go lower
    const lowered = makePool({ nice: 7 })
    const plain = makePool()
    await Promise.all([lowered.warmup(), plain.warmup()])
    expect(await collect(lowered.run({ kind: 'priority' }))).toEqual([own + nice])
    expect(await collect(plain.run({ kind: 'priority' }))).toEqual([own])
    expect(getPriority(0)).toBe(own)
  })

  test('runs queued jobs first in, first out', async () => {
    const pool = makePool()
    await pool.warmup()
    const results = await Promise.all([1, 2, 3].map((v) => collect(pool.run({ kind: 'echo', value: v, times: 1 }))))
    expect(results).toEqual([[1], [2], [3]])
    expect(await collect(pool.run({ kind: 'history' }))).toEqual([[1, 2, 3]])
  })

  test('refuses work with EngineBusyError when the queue is full', async () => {
    const pool = makePool({ maxQueue: 1 })
    await pool.warmup()
    const controller = new AbortController()
    const running = await startBlocking(pool, controller.signal)
    const queued = collect(pool.run({ kind: 'echo', value: 1, times: 1 }))
    expect(pool.stats()).toMatchObject({ queued: 1, busy: 1 })
    const error = await failure(collect(pool.run({ kind: 'echo', value: 2, times: 1 })))
    expect(error).toBeInstanceOf(EngineBusyError)
    controller.abort()
    expect(await failure(running.next())).toBeInstanceOf(DOMException)
    expect(await queued).toEqual([1])
  })

  test('drops a job aborted while queued before any worker runs it', async () => {
    const pool = makePool()
    await pool.warmup()
    const blocker = new AbortController()
    const running = await startBlocking(pool, blocker.signal)
    const controller = new AbortController()
    const queued = collect(pool.run({ kind: 'echo', value: 99, times: 1 }, { signal: controller.signal }))
    controller.abort(new Error('client went away'))
    expect(await failure(queued)).toHaveProperty('message', 'client went away')
    expect(pool.stats().queued).toBe(0)
    blocker.abort()
    expect(await failure(running.next())).toBeInstanceOf(DOMException)
    expect(await collect(pool.run({ kind: 'history' }))).toEqual([[]])
  })

  test('stops a running job on abort and the worker takes the next job', async () => {
    const pool = makePool()
    await pool.warmup()
    const controller = new AbortController()
    const running = await startBlocking(pool, controller.signal)
    controller.abort(new Error('barge-in'))
    expect(await failure(running.next())).toHaveProperty('message', 'barge-in')
    expect(await collect(pool.run({ kind: 'echo', value: 5, times: 1 }))).toEqual([5])
  })

  test('an abort after the worker finished ends the job with its reason, not with the results still waiting', async () => {
    const pool = makePool()
    await pool.warmup()
    const controller = new AbortController()
    const it = pool.run({ kind: 'echo', value: 1, times: 3 }, { signal: controller.signal })[Symbol.asyncIterator]()
    expect((await it.next()).value).toBe(1)
    // The worker is done: the other two results wait to be read, as when the consumer is slower than the worker.
    await waitUntil(() => pool.stats().busy === 0, 10_000, 'the job finished')
    controller.abort(new Error('client went away'))
    expect(await failure(it.next())).toHaveProperty('message', 'client went away')
  })

  test('passes a job error through without replacing the worker', async () => {
    const pool = makePool()
    await pool.warmup()
    expect(await failure(collect(pool.run({ kind: 'fail', message: 'no such voice' })))).toHaveProperty('message', 'no such voice')
    expect(await collect(pool.run({ kind: 'echo', value: 1, times: 1 }))).toEqual([1])
  })

  test.each([['crash'], ['throw-async']] as const)('a worker that dies (%s) fails its job with EngineUnavailableError; the next job succeeds', async (kind) => {
    const pool = makePool()
    await pool.warmup()
    const error = await failure(collect(pool.run({ kind })))
    expect(error).toBeInstanceOf(EngineUnavailableError)
    expect(await collect(pool.run({ kind: 'echo', value: 7, times: 2 }))).toEqual([7, 8])
  })

  test('a hung job times out with EngineUnavailableError and the worker is replaced', async () => {
    const pool = makePool({ jobTimeoutMs: 300 })
    await pool.warmup()
    const error = await failure(collect(pool.run({ kind: 'hang' })))
    expect(error).toBeInstanceOf(EngineUnavailableError)
    expect((error as Error).message).toContain('no progress')
    expect(await collect(pool.run({ kind: 'echo', value: 3, times: 1 }))).toEqual([3])
    expect(pool.stats()).toMatchObject({ busy: 0, workers: 1 })
  })

  test('workers that cannot start make warmup and jobs fail with EngineUnavailableError', async () => {
    const pool = makePool({ init: { failInit: true } })
    expect(await failure(pool.warmup())).toBeInstanceOf(EngineUnavailableError)
    const error = await failure(collect(pool.run({ kind: 'echo', value: 1, times: 1 })))
    expect(error).toBeInstanceOf(EngineUnavailableError)
  })

  test('a setup that throws fails warmup at once, without a second start', async () => {
    const startsFile = join(mkdtempSync(join(tmpdir(), 'tts-pool-')), 'starts')
    const pool = makePool({ init: { failInit: true, startsFile } satisfies ScriptedInit })
    expect(await failure(pool.warmup())).toHaveProperty('message', 'Error: scripted worker refuses to start')
    expect(starts(startsFile)).toBe(1)
  })

  test('close fails queued work instead of leaving callers waiting', async () => {
    const pool = makePool()
    const pending = collect(pool.run({ kind: 'echo', value: 1, times: 1 }))
    await pool.close()
    expect(await failure(pending)).toBeInstanceOf(EngineUnavailableError)
  })
})

describe('WorkerPool with worker processes (for native code)', () => {
  const processPool = (options: Partial<WorkerPoolOptions> = {}) => makePool({ isolation: 'process', ...options })

  test('runs jobs in a child process and streams their results in order', async () => {
    const pool = processPool()
    await pool.warmup()
    expect(await collect(pool.run({ kind: 'echo', value: 10, times: 3 }))).toEqual([10, 11, 12])
    const [pid] = await collect(pool.run({ kind: 'pid' }))
    expect(pid).not.toBe(process.pid)
  })

  test('a running job stops on abort through a cancel message, and the process takes the next job', async () => {
    const pool = processPool()
    await pool.warmup()
    const controller = new AbortController()
    const it = pool.run({ kind: 'until-cancelled-yielding' }, { signal: controller.signal })[Symbol.asyncIterator]()
    expect((await it.next()).value).toBe(-1)
    controller.abort(new Error('barge-in'))
    expect(await failure(it.next())).toHaveProperty('message', 'barge-in')
    expect(await collect(pool.run({ kind: 'echo', value: 5, times: 1 }))).toEqual([5])
  })

  test('a process that exits fails its job with EngineUnavailableError and is replaced by a new process', async () => {
    const pool = processPool()
    await pool.warmup()
    const [before] = await collect(pool.run({ kind: 'pid' }))
    expect(await failure(collect(pool.run({ kind: 'crash' })))).toBeInstanceOf(EngineUnavailableError)
    const [after] = await collect(pool.run({ kind: 'pid' }))
    expect(after).not.toBe(before)
  })

  test('a hung process is killed after the job timeout and replaced', async () => {
    const pool = processPool({ jobTimeoutMs: 300 })
    await pool.warmup()
    const [before] = (await collect(pool.run({ kind: 'pid' }))) as number[]
    const error = await failure(collect(pool.run({ kind: 'hang' })))
    expect((error as Error).message).toContain('no progress')
    expect(await collect(pool.run({ kind: 'echo', value: 3, times: 1 }))).toEqual([3])
    await waitUntil(processGone(before!), 5000, 'the hung process to be gone, not left spinning')
  })

  test('a process lost while starting is started once more, and warmup succeeds on the new one', async () => {
    const startsFile = join(mkdtempSync(join(tmpdir(), 'tts-pool-')), 'starts')
    const pool = processPool({ init: { startsFile, exitOnStarts: [1] } satisfies ScriptedInit })
    await pool.warmup()
    expect(starts(startsFile)).toBe(2)
    expect(await collect(pool.run({ kind: 'echo', value: 7, times: 1 }))).toEqual([7])
  })

  test('a process lost on its second start too fails warmup with EngineUnavailableError naming the exit', async () => {
    const startsFile = join(mkdtempSync(join(tmpdir(), 'tts-pool-')), 'starts')
    const pool = processPool({ init: { startsFile, exitOnStarts: [1, 2, 3] } satisfies ScriptedInit })
    const error = await failure(pool.warmup())
    expect(error).toBeInstanceOf(EngineUnavailableError)
    expect((error as Error).message).toMatch(/^worker process \d+ exited \(code 0\)$/)
    expect(starts(startsFile)).toBe(2)
  })

  test('a process whose channel was opened before it listened still gets its init and starts', async () => {
    // Its process listens on the channel and turns the event loop before serveJobs: an init sent
    // at spawn would reach nobody and warmup would wait for ever.
    const pool = processPool({ url: new URL('../../test/support/early-listener.worker.ts', import.meta.url) })
    await pool.warmup()
    expect(await collect(pool.run({ kind: 'echo', value: 7, times: 1 }))).toEqual([7])
  })

  test('a process lost before it listened for messages is named so, with its pid', async () => {
    const pool = processPool({ url: new URL('../../test/support/exits-on-load.worker.ts', import.meta.url) })
    const error = await failure(pool.warmup())
    expect(error).toBeInstanceOf(EngineUnavailableError)
    expect((error as Error).message).toMatch(/^worker process \d+ exited \(code 0\) before it listened for messages$/)
  })

  test('a process whose setup never finishes is killed after the start timeout, and warmup fails naming the wait', async () => {
    const startsFile = join(mkdtempSync(join(tmpdir(), 'tts-pool-')), 'starts')
    const pool = processPool({ startTimeoutMs: 300, init: { startsFile, hangInit: true } satisfies ScriptedInit })
    const error = await failure(pool.warmup())
    expect(error).toBeInstanceOf(EngineUnavailableError)
    expect((error as Error).message).toBe('the worker did not finish starting within 300 ms')
    // Not started again: the same load would hang again.
    expect(starts(startsFile)).toBe(1)
    const [pid] = readFileSync(startsFile, 'utf8').split('\n').map(Number)
    await waitUntil(processGone(pid!), 5000, 'the hung worker process to be killed')
    // A job meanwhile starts a worker again (one chance per job), which hangs too: the job fails, it does not wait for ever.
    const job = await failure(collect(pool.run({ kind: 'echo', value: 1, times: 1 })))
    expect((job as Error).message).toBe('no worker available: the worker did not finish starting within 300 ms')
  })

  test('close while a worker is still starting fails the warmup waiting on it', async () => {
    const pool = processPool({ init: { hangInit: true } satisfies ScriptedInit })
    const warming = failure(pool.warmup())
    await pool.close()
    expect(await warming).toHaveProperty('message', 'the engine is shut down')
  })

  test('close kills the worker processes', async () => {
    const pool = processPool()
    await pool.warmup()
    const [pid] = (await collect(pool.run({ kind: 'pid' }))) as number[]
    await pool.close()
    await waitUntil(processGone(pid!), 5000, 'the worker process to exit')
  })
})

const processGone = (pid: number) => () => {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}
