/**
 * A client of tts-edge's own streaming protocol, `/v1/stream` (docs/api.md "Streaming over
 * WebSocket"): JSON control messages in, binary frames out, each a 4-byte big-endian
 * sequence number followed by the audio bytes.
 */

// Text is sent in pieces well under the server's per-message limit.
const PIECE_CHARS = 2000

const CLOSE_REASONS = {
  1003: 'The service refused a message it did not expect.',
  1006: 'The connection to the service dropped before the stream finished.',
  1008: 'The service rejected the request.',
  1009: 'A message was too large for the service.',
  1011: 'The service failed while streaming.',
  1012: 'The service is restarting; stream again to reach another replica.',
  1013: 'The service is overloaded; try again shortly.',
}

/** Plain words for a close that came without an error message. */
export function describeClose(code, reason) {
  const known = CLOSE_REASONS[code] ?? `The stream closed unexpectedly (code ${code}).`
  return reason ? `${known} (${reason})` : known
}

/**
 * @typedef {object} StreamHandlers
 * @property {(msg: {request_id: string, trace_id: string, sample_rate: number}) => void} onStarted
 * @property {(seq: number, bytes: Uint8Array) => void} onFrame
 * @property {(msg: {last_seq: number, frames: number}) => void} onEnd
 * @property {(msg: {last_seq: number}) => void} onCancelled
 * @property {(message: string) => void} onError  the failure in plain words; the socket is done
 */

export class StreamClient {
  /**
   * @param {{voice: string, speed: number, apiKey?: string, opus?: boolean}} start  `opus`: Opus packets instead of 24 kHz PCM
   * @param {StreamHandlers} handlers
   */
  constructor(start, handlers) {
    this.handlers = handlers
    this.finished = false
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    this.socket = new WebSocket(`${scheme}//${location.host}/v1/stream`)
    this.socket.binaryType = 'arraybuffer'
    this.socket.onopen = () => {
      this.#send({
        type: 'start',
        voice: start.voice,
        ...(start.opus ? { format: 'opus' } : { format: 'pcm', sample_rate: 24000 }),
        speed: start.speed,
        ...(start.apiKey && { api_key: start.apiKey }),
      })
    }
    this.socket.onmessage = (event) => this.#receive(event.data)
    this.socket.onclose = (event) => {
      if (this.finished) return
      this.finished = true
      handlers.onError(describeClose(event.code, event.reason))
    }
  }

  /** Sends the whole text, then asks the service to speak the rest and end. */
  speak(text) {
    for (let i = 0; i < text.length; i += PIECE_CHARS) this.#send({ type: 'text', text: text.slice(i, i + PIECE_CHARS) })
    this.#send({ type: 'close' })
  }

  /** Barge-in: the service stops sending audio for what was queued. */
  cancel() {
    this.#send({ type: 'cancel' })
  }

  /** Ends the stream with an error of the client's own (e.g. the audio would not decode). */
  fail(message) {
    if (this.finished) return
    this.close()
    this.handlers.onError(message)
  }

  /** Closes without waiting for anything more. */
  close() {
    this.finished = true
    if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000, 'client done')
  }

  #send(message) {
    // Before the socket opens, messages wait for it in call order; `start` (the onopen
    // handler, registered first) always leaves first.
    if (this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.addEventListener('open', () => this.#send(message), { once: true })
      return
    }
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message))
  }

  #receive(data) {
    if (this.finished) return
    if (data instanceof ArrayBuffer) {
      if (data.byteLength < 4) return
      const seq = new DataView(data).getUint32(0)
      this.handlers.onFrame(seq, new Uint8Array(data, 4))
      return
    }
    let message
    try {
      message = JSON.parse(data)
    } catch {
      return
    }
    switch (message.type) {
      case 'started':
        return this.handlers.onStarted(message)
      case 'end':
        this.finished = true
        return this.handlers.onEnd(message)
      case 'cancelled':
        return this.handlers.onCancelled(message)
      case 'error':
        this.finished = true
        return this.handlers.onError(`The service stopped the stream: ${message.message} (${message.code})`)
    }
  }
}
