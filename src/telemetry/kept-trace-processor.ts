/**
 * Exports only the spans of kept traces. Children end before their root, so ended spans
 * wait here (bounded) until their trace's local root span ends carrying the keeper's
 * decision (`tts.sampling.keep`); then they go on to the batch processor together, or are
 * let go without being encoded or sent. Spans ending after their root (a session span
 * started once the upgrade answered) follow the remembered decision.
 */
import type { Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { DropHook } from './drop-accounting.ts'
import { KEEP_ATTRIBUTE } from './sampling.ts'

export interface KeptTraceOptions {
  /** Most spans waiting for their root at once; past it the oldest trace's are dropped (and counted). */
  maxWaitingSpans: number
  /** Decisions remembered for spans that end after their root (at least this many, at most twice). */
  rememberedDecisions?: number
  onDropped?: DropHook
}

/** A local root: no parent, or a parent in another process. */
function isLocalRoot(span: ReadableSpan): boolean {
  return !span.parentSpanContext || span.parentSpanContext.isRemote === true
}

export interface KeptTraceProcessor extends SpanProcessor {
  /**
   * The decision for a trace whose root is never built (a dropped lazy root, lazy-root-span.ts):
   * its waiting spans go on (kept) or are let go, and later ones follow it.
   */
  settle(traceId: string, keep: boolean): void
}

/**
 * Wraps `inner` (the batch processor) so only kept traces reach it.
 *
 * @example
 * const processor = keptTracesOnly(new BatchSpanProcessor(exporter), { maxWaitingSpans: 2048 })
 */
export function keptTracesOnly(inner: SpanProcessor, options: KeptTraceOptions): KeptTraceProcessor {
  const { maxWaitingSpans, onDropped = () => {} } = options
  const remembered = options.rememberedDecisions ?? 4096
  const waiting = new Map<string, ReadableSpan[]>()
  // Two generations, the older let go whole when the newer is full: between `remembered`
  // and twice that many decisions are kept. Deleting the oldest key one by one instead
  // left the Map's tombstones to be stepped over by every next deletion (2.9% of a cache
  // hit's profile).
  let decided = new Map<string, boolean>()
  let previous = new Map<string, boolean>()
  let waitingCount = 0

  const remember = (traceId: string, keep: boolean) => {
    decided.set(traceId, keep)
    if (decided.size >= remembered) {
      previous = decided
      decided = new Map()
    }
  }
  const decisionOf = (traceId: string) => decided.get(traceId) ?? previous.get(traceId)
  const wait = (traceId: string, span: ReadableSpan) => {
    const list = waiting.get(traceId)
    if (list) list.push(span)
    else waiting.set(traceId, [span])
    waitingCount++
    while (waitingCount > maxWaitingSpans) {
      const [oldest, spans] = waiting.entries().next().value!
      waiting.delete(oldest)
      waitingCount -= spans.length
      onDropped('traces', spans.length)
    }
  }

  const settle = (traceId: string, keep: boolean) => {
    remember(traceId, keep)
    const held = waiting.get(traceId)
    if (!held) return
    waiting.delete(traceId)
    waitingCount -= held.length
    if (keep) for (const child of held) inner.onEnd(child)
  }

  return {
    settle,
    onStart: (span: Span, parentContext: Context) => inner.onStart(span, parentContext),
    onEnd(span: ReadableSpan) {
      const traceId = span.spanContext().traceId
      if (isLocalRoot(span)) {
        const keep = span.attributes[KEEP_ATTRIBUTE] === true
        settle(traceId, keep)
        if (keep) inner.onEnd(span)
        return
      }
      const keep = decisionOf(traceId)
      if (keep === undefined) wait(traceId, span)
      else if (keep) inner.onEnd(span)
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  }
}
