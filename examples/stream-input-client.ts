/**
 * ElevenLabs' stream-input WebSocket protocol against tts-edge: text sent piece by piece,
 * audio (base64 in JSON) saved as raw 16 kHz PCM plus a WAV copy.
 *
 *   bun examples/stream-input-client.ts [--url ws://localhost:8080] [--voice en-us-f1] [--out stream-input.wav]
 */
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://localhost:8080' },
    voice: { type: 'string', default: 'en-us-f1' },
    out: { type: 'string', default: 'stream-input.wav' },
  },
})
const pieces = ['Voice agents ', 'send text ', 'as the model ', 'writes it. ', 'Audio comes back ', 'sentence by sentence.']
const socket = new WebSocket(`${values.url.replace(/\/$/, '')}/v1/text-to-speech/${values.voice}/stream-input?output_format=pcm_16000&auto_mode=true`)
const audio: Buffer[] = []

socket.onopen = () => {
  socket.send(JSON.stringify({ text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.8 }, 'xi-api-key': process.env.TTS_API_KEY || undefined }))
  for (const text of pieces) socket.send(JSON.stringify({ text, try_trigger_generation: true }))
  socket.send(JSON.stringify({ text: '' }))
}
socket.onmessage = (event) => {
  const message = JSON.parse(String(event.data))
  if (message.audio) {
    audio.push(Buffer.from(message.audio, 'base64'))
    console.log(`audio chunk: "${message.alignment?.chars.join('') ?? ''}"`)
  } else if (message.isFinal) {
    console.log('final')
  } else if (message.error) {
    console.error(`error ${message.error}: ${message.message}`)
  }
}
socket.onclose = async (event) => {
  const pcm = Buffer.concat(audio)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + pcm.length, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(16000, 24)
  header.writeUInt32LE(32000, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(pcm.length, 40)
  await Bun.write(values.out, Buffer.concat([header, pcm]))
  console.log(`wrote ${values.out} (${(pcm.length / 32000).toFixed(2)} s), closed with ${event.code}`)
  process.exit(event.code === 1000 ? 0 : 1)
}
