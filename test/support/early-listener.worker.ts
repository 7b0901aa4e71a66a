/**
 * The scripted worker (scripted.worker.ts) in a process that opens its channel to the pool before
 * `serveJobs` listens, as a preload or a library that watches the IPC channel at import might, and
 * then awaits something (one timer: the event loop polls its sockets) before serving. Bun opens a
 * child's channel at its first 'message' or 'disconnect' listener and hands what arrives to the
 * listeners there are then: a message the pool sent at spawn would reach nobody here.
 */
process.on('disconnect', () => process.exit(0))
await new Promise((resolve) => setTimeout(resolve, 1))
await import('./scripted.worker.ts')

export {} // a module: top-level await
