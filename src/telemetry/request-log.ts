/**
 * A request's logger, made on first use. Every request used to get pino's child logger
 * (`logger.child({ request_id })`: a prototype copy and its bindings serialised, about a
 * microsecond), yet a request logs beyond its summary line (summary-line.ts, which takes
 * the request id itself) only when something fails. This holds the root and the id, and
 * builds that same child the first time a line is written.
 */
import type { LogFn, Logger } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * @example
 * const log = new RequestLog(logger, 'a1b2')
 * log.error({ err }, 'request error') // as logger.child({ request_id: 'a1b2' }).error(...)
 */
export class RequestLog {
  #child: Logger | undefined

  declare fatal: LogFn
  declare error: LogFn
  declare warn: LogFn
  declare info: LogFn
  declare debug: LogFn
  declare trace: LogFn

  /** Without a request id (probes, scrapes): the root logger itself. */
  constructor(
    private readonly root: Logger,
    private readonly requestId?: string,
  ) {}

  /** The pino logger the lines go to (the child with `request_id`, made now if not yet). */
  get logger(): Logger {
    if (this.requestId === undefined) return this.root
    return (this.#child ??= this.root.child({ request_id: this.requestId }))
  }
}

for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] satisfies Level[]) {
  Object.defineProperty(RequestLog.prototype, level, {
    value: function (this: RequestLog, ...args: Parameters<LogFn>) {
      return (this.logger[level] as (...a: Parameters<LogFn>) => void)(...args)
    },
  })
}
