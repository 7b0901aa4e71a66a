/**
 * One ElevenLabs stream-input WebSocket to the upstream for one of our streaming sessions
 * (a context): each sentence is sent as it completes (`flush`), audio comes back in order
 * with its alignment, and is handed to the sentence it belongs to by matching the aligned
 * characters against the sentence's text. A space every `keepAliveMs` keeps the upstream's
 * 20-second inactivity rule from closing the link between turns; `{"text":""}` closes it
 * when our session ends. Any failure fails the sentences waiting on it (before their first
 * audio the router then falls back; after it, the sentence ends with the error).
 */
import type { Boundary } from '../../engine.ts'
import type { UpstreamPiece } from '../upstream/upstream-audio.ts'
import { UpstreamError, type UpstreamReason } from '../upstream/upstream-error.ts'

interface Sentence {
  text: string
  /** Index into `text` of the next character the upstream has not aligned yet. */
  cursor: number
  /** Samples received so far (for boundary offsets). */
  samples: number
  pieces: (UpstreamPiece | Error | null)[]
  wake?: () => void
  received: boolean
}

export interface StreamInputLinkOptions {
  engine: string
  url: string
  headers: Record<string, string>
  /** The opening message (`{"text":" ", ...}`). */
  opening: Record<string, unknown>
  sampleRate: number
  keepAliveMs: number
  idleTimeoutMs: number
  /** Called once when the link is gone: with the failure, or without one when it was closed. */
  onGone: (link: StreamInputLink, err?: UpstreamError) => void
}

/**
 * @example
 * const link = new StreamInputLink({ engine: 'eleven', url, headers, opening: { text: ' ' }, sampleRate: 24000, keepAliveMs: 15000, idleTimeoutMs: 10000, onGone })
 * for await (const piece of link.speak('Hello there. ', signal)) use(piece)
 */
export class StreamInputLink {
  readonly #ws: WebSocket
  readonly #opened: Promise<void>
  readonly #pending: Sentence[] = []
  #gone: Error | undefined
  #closing = false
  #keepAlive: ReturnType<typeof setInterval>
  #idle: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly options: StreamInputLinkOptions) {
    this.#ws = new WebSocket(options.url, { headers: options.headers } as unknown as string[])
    this.#opened = new Promise((resolve, reject) => {
      this.#ws.addEventListener('open', () => resolve(), { once: true })
      this.#ws.addEventListener('close', () => reject(this.#gone ?? this.#fail('connect', 'the WebSocket closed before it opened')), { once: true })
    })
    this.#opened.then(() => this.#ws.send(JSON.stringify(options.opening))).catch(() => {})
    this.#ws.addEventListener('message', (event) => this.#onMessage(event.data))
    this.#ws.addEventListener('close', (event) => {
      const started = this.#pending.some((s) => s.received)
      this.#fail(started ? 'cut' : 'connect', `the WebSocket closed (${event.code})`)
    })
    this.#keepAlive = setInterval(() => {
      if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify({ text: ' ' }))
    }, options.keepAliveMs)
  }

  /** Speaks one sentence on the link; yields its audio pieces as they arrive. */
  async *speak(text: string, signal?: AbortSignal): AsyncGenerator<UpstreamPiece> {
    if (signal?.aborted) throw signal.reason
    if (this.#gone) throw this.#gone
    const sentence: Sentence = { text, cursor: 0, samples: 0, pieces: [], received: false }
    this.#pending.push(sentence)
    // Audio already asked for cannot be taken back on this protocol: a cancel ends the link.
    const onAbort = () => this.close(true)
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await this.#opened
      this.#ws.send(JSON.stringify({ text: text.endsWith(' ') ? text : `${text} `, flush: true }))
      this.#armIdle()
      while (true) {
        const next = sentence.pieces.shift()
        if (next === undefined) {
          await new Promise<void>((resolve) => (sentence.wake = resolve))
          sentence.wake = undefined
          continue
        }
        if (next === null) return
        if (next instanceof Error) throw signal?.aborted ? signal.reason : next
        yield next
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      const at = this.#pending.indexOf(sentence)
      if (at >= 0) this.#pending.splice(at, 1)
    }
  }

  /** Ends the link: politely (`{"text":""}`) when our session ended, at once when `abort`. */
  close(abort = false): void {
    if (!this.#gone && !abort && this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify({ text: '' }))
    this.#closing = true
    this.#fail('cut', abort ? 'cancelled' : 'the session ended')
    this.#ws.close(1000)
  }

  #onMessage(data: unknown): void {
    let msg: { audio?: unknown; alignment?: { chars?: unknown; charStartTimesMs?: unknown } | null; isFinal?: unknown; error?: unknown; message?: unknown }
    try {
      msg = JSON.parse(String(data))
    } catch {
      this.#fail('bad_response', 'a stream-input message is not JSON')
      return this.#ws.close(1000)
    }
    if (msg.error) {
      this.#fail('bad_response', `upstream error: ${String(msg.error).slice(0, 60)}`)
      return this.#ws.close(1000)
    }
    if (typeof msg.audio !== 'string' || !msg.audio) return
    this.#armIdle()
    const chars = Array.isArray(msg.alignment?.chars) ? (msg.alignment.chars as unknown[]).map(String) : []
    const starts = Array.isArray(msg.alignment?.charStartTimesMs) ? (msg.alignment.charStartTimesMs as unknown[]) : []
    // A sentence that made no audio at all is done once the next one's characters arrive.
    const first = chars.find((c) => /\S/.test(c))
    while (this.#pending.length > 1 && !this.#pending[0]!.received && first && nextChar(this.#pending[0]!) !== first && nextChar(this.#pending[1]!) === first) {
      this.#finish(this.#pending[0]!)
    }
    const sentence = this.#pending[0]
    if (!sentence) return
    const bytes = new Uint8Array(Buffer.from(msg.audio, 'base64'))
    const boundaries: Boundary[] = []
    chars.forEach((char, i) => {
      if (!/\S/.test(char)) return
      while (sentence.cursor < sentence.text.length && /\s/.test(sentence.text[sentence.cursor]!)) sentence.cursor++
      if (sentence.text[sentence.cursor] !== char) return
      const start = starts[i]
      if ((sentence.cursor === 0 || /\s/.test(sentence.text[sentence.cursor - 1]!)) && typeof start === 'number') {
        const word = /\S+/y
        word.lastIndex = sentence.cursor
        const length = word.exec(sentence.text)?.[0].length ?? 1
        boundaries.push({ textOffset: sentence.cursor, textLength: length, sampleOffset: sentence.samples + Math.round((start * this.options.sampleRate) / 1000), kind: 'word' })
      }
      sentence.cursor++
    })
    sentence.samples += bytes.byteLength >> 1
    sentence.received = true
    sentence.pieces.push({ bytes, ...(boundaries.length && { boundaries }) })
    sentence.wake?.()
    if (!sentence.text.slice(sentence.cursor).trim()) this.#finish(sentence)
  }

  #finish(sentence: Sentence): void {
    this.#pending.splice(this.#pending.indexOf(sentence), 1)
    sentence.pieces.push(null)
    sentence.wake?.()
    if (this.#pending.length === 0) clearTimeout(this.#idle)
  }

  #armIdle(): void {
    clearTimeout(this.#idle)
    this.#idle = setTimeout(() => {
      if (this.#pending.length === 0) return
      this.#fail('timeout', `no audio for ${this.options.idleTimeoutMs} ms`)
      this.#ws.close(1000)
    }, this.options.idleTimeoutMs)
  }

  #fail(reason: UpstreamReason, detail: string): Error {
    if (this.#gone) return this.#gone
    const err = new UpstreamError(this.options.engine, reason, detail)
    this.#gone = err
    clearInterval(this.#keepAlive)
    clearTimeout(this.#idle)
    for (const sentence of this.#pending.splice(0)) {
      sentence.pieces.push(this.#gone)
      sentence.wake?.()
    }
    this.options.onGone(this, this.#closing ? undefined : err)
    return err
  }
}

function nextChar(sentence: Sentence): string | undefined {
  return sentence.text.slice(sentence.cursor).trim()[0]
}
