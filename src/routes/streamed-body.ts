/**
 * A response body that streams items as they are produced. The first item is awaited
 * before the caller builds its response, so a failure on it (queue full, engine crash)
 * still becomes a proper status in the API's shape; later failures can only cut the body
 * short, and are logged and counted. A client that goes away is not such a failure: it is
 * marked `client_disconnected` on the log line and span, and its reader is stopped so a
 * synthesis nobody else waits for stops too. Telemetry for the request completes when the
 * body has been sent or the client went away (`bodyDone`).
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import type { Metrics } from '../telemetry/metrics.ts'

export interface StreamedBodyOptions<T> {
  /** The bytes an item becomes on the wire. */
  frame: (item: T) => Uint8Array
  /** Bytes sent after the last item (e.g. SSE's done event). */
  trailer?: () => Uint8Array
  /** Called once when every item has been sent. */
  onComplete?: () => void
  metrics?: Metrics
}

/**
 * @example
 * const body = await streamedBody(c, chunks, { frame: (bytes) => bytes })
 * return new Response(body, { headers: { 'content-type': 'audio/mpeg' } })
 */
export async function streamedBody<T>(c: Context<AppEnv>, items: AsyncIterable<T>, options: StreamedBodyOptions<T>): Promise<ReadableStream<Uint8Array>> {
  const { frame, trailer, onComplete, metrics } = options
  const iterator = items[Symbol.asyncIterator]()
  const first = await iterator.next()
  const span = c.get('span')
  let settle!: () => void
  c.set('bodyDone', new Promise<void>((resolve) => (settle = resolve)))
  let sent = 0
  const clientGone = () => {
    span.setAttribute('tts.client.disconnected', true)
    Object.assign(c.get('logFields'), { client_disconnected: true, chunks_sent: sent })
    settle()
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) {
        sent++
        controller.enqueue(frame(first.value))
      }
    },
    async pull(controller) {
      try {
        const next = sent === 0 && first.done ? first : await iterator.next()
        if (next.done) {
          if (trailer) controller.enqueue(trailer())
          controller.close()
          onComplete?.()
          settle()
          return
        }
        sent++
        controller.enqueue(frame(next.value))
      } catch (err) {
        // Bun aborts the request's signal when the client hangs up, and our readers listen to
        // it: the abort surfaces here, mid-pull, before Bun would call cancel(). Not our error.
        if (c.req.raw.signal.aborted) {
          controller.error(err)
          clientGone()
          return
        }
        c.get('log').error({ err, chunks_sent: sent }, 'response stream failed after it started')
        metrics?.errors.inc({ type: 'stream_aborted' })
        span.setAttribute('tts.stream.truncated', true)
        controller.error(err)
        settle()
      }
    },
    async cancel() {
      // The client went away: stop reading, which lets the shared synthesis stop if nobody else listens.
      await iterator.return?.(undefined)
      clientGone()
    },
  })
}
