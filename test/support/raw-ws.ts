/**
 * A bare-bones WebSocket client over node:net that can stop reading: what a slow or
 * stalled reader looks like to the server (the kernel buffers fill, then Bun's).
 */
import { connect, type Socket } from 'node:net'

export class RawWsClient {
  #socket: Socket
  #buffer = Buffer.alloc(0)
  #handshakeDone: Promise<void>
  readonly frames: { opcode: number; payload: Buffer }[] = []
  #onFrame: (() => void)[] = []

  constructor(port: number, path: string) {
    this.#socket = connect(port, '127.0.0.1')
    this.#handshakeDone = new Promise((resolve, reject) => {
      this.#socket.once('connect', () => {
        const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')
        this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
      })
      this.#socket.on('error', reject)
      let handshaken = false
      this.#socket.on('data', (chunk: Buffer) => {
        this.#buffer = Buffer.concat([this.#buffer, chunk])
        if (!handshaken) {
          const end = this.#buffer.indexOf('\r\n\r\n')
          if (end < 0) return
          if (!this.#buffer.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error('upgrade refused'))
          this.#buffer = this.#buffer.subarray(end + 4)
          handshaken = true
          resolve()
        }
        this.#parse()
      })
    })
  }

  opened(): Promise<void> {
    return this.#handshakeDone
  }

  /** Sends a masked text frame, as clients must. */
  sendJson(message: unknown): void {
    const payload = Buffer.from(JSON.stringify(message))
    const mask = Buffer.from(crypto.getRandomValues(new Uint8Array(4)))
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : payload.length < 65536
          ? Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
          : (() => {
              throw new Error('message too long for this test client')
            })()
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))
    this.#socket.write(Buffer.concat([header, mask, masked]))
  }

  /** Stops reading from the kernel: the server's sends back up. */
  pause(): void {
    this.#socket.pause()
  }

  resume(): void {
    this.#socket.resume()
  }

  /** Resolves when a frame matching `predicate` has arrived. */
  waitFor(predicate: (f: { opcode: number; payload: Buffer }) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.frames.some(predicate)) return false
        resolve()
        return true
      }
      if (check()) return
      const listener = () => {
        if (check()) this.#onFrame = this.#onFrame.filter((l) => l !== listener)
      }
      this.#onFrame.push(listener)
    })
  }

  destroy(): void {
    this.#socket.destroy()
  }

  #parse(): void {
    while (this.#buffer.length >= 2) {
      const opcode = this.#buffer[0]! & 0x0f
      let length = this.#buffer[1]! & 0x7f
      let offset = 2
      if (length === 126) {
        if (this.#buffer.length < 4) return
        length = this.#buffer.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (this.#buffer.length < 10) return
        length = Number(this.#buffer.readBigUInt64BE(2))
        offset = 10
      }
      if (this.#buffer.length < offset + length) return
      this.frames.push({ opcode, payload: this.#buffer.subarray(offset, offset + length) })
      this.#buffer = this.#buffer.subarray(offset + length)
      for (const listener of [...this.#onFrame]) listener()
    }
  }
}
