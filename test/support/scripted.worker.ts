/**
 * A worker for src/tts/worker-pool.test.ts: each request names a behaviour a real engine worker
 * might show (stream, fail, crash, hang, wait for cancellation).
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { serveJobs } from '../../src/tts/worker-host.ts'

/**
 * How the worker's setup behaves. `startsFile` gets a line per setup run; `exitOnStarts` lists
 * which runs (1-based, counted in that file) end the process with code 0 before it is ready,
 * as a worker lost while starting (no error of its own reported).
 */
export interface ScriptedInit {
  failInit?: boolean
  /** The setup never finishes, as a model load that hangs. */
  hangInit?: boolean
  startsFile?: string
  exitOnStarts?: number[]
}

export type ScriptedRequest =
  | { kind: 'echo'; value: number; times: number }
  | { kind: 'fail'; message: string }
  | { kind: 'crash' }
  | { kind: 'throw-async' }
  | { kind: 'hang' }
  | { kind: 'until-cancelled' }
  | { kind: 'until-cancelled-yielding' }
  | { kind: 'pid' }
  | { kind: 'history' }
  | { kind: 'priority' }

let history: number[] = []
const parked = new Int32Array(new SharedArrayBuffer(4))

serveJobs<ScriptedInit | undefined, ScriptedRequest, number | number[]>((init) => {
  if (init?.startsFile) {
    appendFileSync(init.startsFile, `${process.pid}\n`)
    const run = readFileSync(init.startsFile, 'utf8').split('\n').length - 1
    if (init.exitOnStarts?.includes(run)) process.exit(0)
  }
  if (init?.failInit) throw new Error('scripted worker refuses to start')
  if (init?.hangInit) return new Promise<never>(() => {})
  return (request, ctx) => {
    switch (request.kind) {
      case 'echo':
        history.push(request.value)
        for (let i = 0; i < request.times; i++) ctx.emit(request.value + i)
        return
      case 'fail':
        throw new Error(request.message)
      case 'crash':
        process.exit(3)
      case 'throw-async':
        setTimeout(() => {
          throw new Error('boom outside any job')
        })
        // Never completes, so only the uncaught error can end the job.
        return new Promise<void>(() => {})
      case 'hang':
        for (;;) {}
      case 'until-cancelled':
        ctx.emit(-1)
        // Blocks like a synchronous synthesis call, polling the cancel cell as engines do.
        while (!ctx.cancelled()) Atomics.wait(parked, 0, 0, 2)
        return
      case 'until-cancelled-yielding':
        // Between units of work the handler returns to the event loop, as a worker process
        // must for its cancel message to be read.
        ctx.emit(-1)
        return (async () => {
          while (!ctx.cancelled()) await new Promise((resolve) => setImmediate(resolve))
        })()
      case 'pid':
        ctx.emit(process.pid)
        return
      case 'priority':
        ctx.emit(getPriority(0)) // this thread's nice value
        return
      case 'history': {
        const seen = history
        history = []
        ctx.emit(seen)
      }
    }
  }
})
