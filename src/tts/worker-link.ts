/**
 * How a {@link WorkerPool} reaches one of its workers: a Bun Worker thread (the default), or
 * a child process for workers that run native code.
 *
 * Why processes: a thread cannot be stopped safely while it is inside a native call (Bun
 * aborts the whole service when a Worker is terminated mid-call into an N-API addon, as
 * measured with sherpa-onnx-node), a native fault in a thread takes the service down, and
 * a terminated thread's native memory is never returned. A process is killed and reclaimed
 * by the kernel at any moment, so the pool's job timeout and crash-and-replace stay real.
 */
import type { FromWorker, ToWorker } from './worker-protocol.ts'

export type Isolation = 'thread' | 'process'

export interface LinkEvents {
  message(msg: FromWorker): void
  /** The worker died (error, exit, killed): why. Called at most once. */
  failed(reason: string): void
}

export interface WorkerLink {
  post(msg: ToWorker, transfer?: Transferable[]): void
  /** Asks the worker to stop job `id` (it checks between units of work). */
  cancel(id: number): void
  /** Clears a cancellation before the next job. */
  reset(): void
  terminate(): void
}

/**
 * Starts the worker script at `url`. The worker says 'hello' once it listens (`serveJobs`);
 * `init` and `nice` go to it then, in the first message it gets. Sent at once instead, they
 * could arrive before the worker listens: a worker process whose channel something opened
 * earlier (a preload, a library) would hand them to nobody and never start.
 *
 * @example
 * const link = openWorker('process', url, { message: onMessage, failed: onCrash }, { init, nice: 0 })
 */
export function openWorker(
  isolation: Isolation,
  url: string | URL,
  events: LinkEvents,
  setup: { init: unknown; nice: number },
): WorkerLink {
  return isolation === 'process' ? openProcess(url, events, setup) : openThread(url, events, setup)
}

function openThread(url: string | URL, events: LinkEvents, setup: { init: unknown; nice: number }): WorkerLink {
  const worker = new Worker(String(url), { type: 'module' })
  // Shared with the worker: it reads the id of the job to stop here even while busy.
  const cell = new Int32Array(new SharedArrayBuffer(4))
  let alive = true
  const fail = (reason: string) => {
    if (!alive) return
    alive = false
    events.failed(reason)
  }
  const init: ToWorker = { type: 'init', ...setup, cancel: cell.buffer as SharedArrayBuffer }
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    if (!alive) return
    if (event.data.type === 'hello') worker.postMessage(init)
    else events.message(event.data)
  }
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault?.()
    fail(`worker error: ${event.message}`)
  }
  worker.addEventListener('close', () => fail('worker exited'))
  return {
    post: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    cancel: (id) => Atomics.store(cell, 0, id),
    reset: () => Atomics.store(cell, 0, 0),
    terminate() {
      alive = false
      worker.terminate()
    },
  }
}

function openProcess(url: string | URL, events: LinkEvents, setup: { init: unknown; nice: number }): WorkerLink {
  let alive = true
  const fail = (reason: string) => {
    if (!alive) return
    alive = false
    events.failed(reason)
  }
  // Whether the worker reached serveJobs: a process lost before it never ran the worker's own code.
  let listening = false
  const path = url instanceof URL ? Bun.fileURLToPath(url) : url.startsWith('file:') ? Bun.fileURLToPath(url) : url
  const child = Bun.spawn([process.execPath, path], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit'],
    ipc: (message: FromWorker) => {
      if (!alive) return
      if (message.type !== 'hello') return events.message(message)
      listening = true
      send({ type: 'init', ...setup, cancel: null })
    },
    // The pid matches the worker's own lines on stderr (worker-host.ts says why it exits, when it knows).
    onExit: (proc, code, signal, error) =>
      fail(
        `worker process ${proc.pid} exited (${signal ?? `code ${code}`}${error ? `: ${error.message}` : ''})` +
          (listening ? '' : ' before it listened for messages'),
      ),
  })
  // A process that just died refuses messages before its exit is reported; the exit then fails its job.
  const send = (msg: ToWorker) => {
    if (!alive) return
    try {
      child.send(msg)
    } catch {
      // the channel closed: onExit follows
    }
  }
  return {
    // Transfer lists do not cross processes: the message is serialised (copied) instead.
    post: (msg) => send(msg),
    cancel: (id) => send({ type: 'cancel', id }),
    reset: () => {},
    terminate() {
      alive = false
      child.kill('SIGKILL')
    },
  }
}
