/**
 * A response body that streams items as they are produced. The first item is awaited
 * before the caller builds its response, so a failure on it (queue full, engine crash)
 * still becomes a proper status in the API's shape; later failures can only cut the body
 * short, and are logged and counted. Telemetry for the request completes when the body
 * has been sent or the client went away (`bodyDone`).
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
      span.setAttribute('tts.client.disconnected', true)
      c.get('logFields').client_disconnected = true
      settle()
    },
  })
}
