/**
 * Preloaded into each engine worker process by worker-start-stress.ts (`BUN_OPTIONS=--preload`):
 * writes to `$TTS_EDGE_WORKER_EXIT_TRACE/<pid>`, with milliseconds since start, what the worker
 * sent and how it ended: `process.exit` and who called it, its event loop emptying, a signal, the
 * exit code. A native `exit()` or a kill leaves no `exit` line.
 *
 * It adds no 'message' or 'disconnect' listener: Bun opens the channel at the first one and
 * hands what arrives to the listeners there are, so one here would take messages meant for the
 * worker (worker-host.ts).
 */
import { appendFileSync } from 'node:fs'

const dir = process.env.TTS_EDGE_WORKER_EXIT_TRACE
if (dir && typeof process.send === 'function') {
  const file = `${dir}/${process.pid}`
  const t0 = performance.now()
  const note = (line: string) => appendFileSync(file, `${(performance.now() - t0).toFixed(1)} ${line}\n`)
  note(`started, parent ${process.ppid}`)
  process.on('beforeExit', (code) => note(`event loop empty (code ${code})`))
  process.on('exit', (code) => note(`exit ${code}`))
  const exit = process.exit.bind(process)
  process.exit = ((code?: number) => {
    const caller = new Error().stack?.split('\n').slice(2, 5).map((frame) => frame.trim()).join(' < ')
    note(`process.exit(${code}) from ${caller}`)
    return exit(code)
  }) as typeof process.exit
  const send = process.send.bind(process) as (message: unknown) => boolean
  process.send = ((message: { type?: string }) => {
    if (message?.type === 'hello' || message?.type === 'ready' || message?.type === 'init-error') note(`sent ${message.type}`)
    return send(message)
  }) as typeof process.send
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGPIPE'] as const) {
    process.on(signal, () => {
      note(`signal ${signal}`)
      exit(128)
    })
  }
}
