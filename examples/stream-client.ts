/**
 * A client for tts-edge's own streaming protocol (/v1/stream): feeds text word by word, as
 * an LLM would, and writes the audio it receives to a WAV file.
 *
 *   bun examples/stream-client.ts [--url ws://localhost:8080] [--voice alloy] [--out speech.wav] ["text to speak"]
 *
 * Frames are binary: a 4-byte big-endian sequence number, then raw 16-bit PCM at the rate
 * the server announced in its "started" message.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'ws://localhost:8080' },
    voice: { type: 'string', default: 'alloy' },
    out: { type: 'string', default: 'speech.wav' },
    'api-key': { type: 'string' },
  },
})
const text = positionals.join(' ') || 'Streaming speech arrives sentence by sentence. The first audio leaves long before the last word is written.'

const socket = new WebSocket(`${values.url.replace(/\/$/, '')}/v1/stream`)
socket.binaryType = 'arraybuffer'
const pcm: Uint8Array[] = []
let sampleRate = 24000
let sentAt = 0
let firstAudioMs: number | undefined

socket.onopen = () => {
  socket.send(JSON.stringify({ type: 'start', voice: values.voice, format: 'pcm', sample_rate: 24000, ...(values['api-key'] && { api_key: values['api-key'] }) }))
  sentAt = performance.now()
  for (const word of text.split(' ')) socket.send(JSON.stringify({ type: 'text', text: `${word} ` }))
  socket.send(JSON.stringify({ type: 'close' }))
}

socket.onmessage = (event) => {
  if (typeof event.data !== 'string') {
    firstAudioMs ??= performance.now() - sentAt
    pcm.push(new Uint8Array(event.data as ArrayBuffer).subarray(4))
    return
  }
  const message = JSON.parse(event.data)
  if (message.type === 'started') {
    sampleRate = message.sample_rate
    console.log(`session ${message.session_id}, trace ${message.trace_id}`)
  } else if (message.type === 'error') {
    console.error(`error ${message.code}: ${message.message}`)
  } else if (message.type === 'end') {
    console.log(`${message.frames} frames, first audio after ${firstAudioMs?.toFixed(0)} ms`)
  }
}

socket.onclose = (event) => {
  const data = Buffer.concat(pcm)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(sampleRate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(data.length, 40)
  writeFileSync(values.out, Buffer.concat([header, data]))
  console.log(`wrote ${values.out} (${(data.length / 2 / sampleRate).toFixed(2)} s), closed with ${event.code}`)
  process.exit(event.code === 1000 ? 0 : 1)
}
