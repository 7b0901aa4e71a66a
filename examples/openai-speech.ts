/**
 * The official `openai` SDK against tts-edge: one file in full, one streamed to disk as it arrives.
 *
 *   bun examples/openai-speech.ts [--url http://localhost:8080] [--out-dir .]
 */
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import OpenAI from 'openai'

const { values } = parseArgs({ options: { url: { type: 'string', default: 'http://localhost:8080' }, 'out-dir': { type: 'string', default: '.' } } })
const client = new OpenAI({ baseURL: `${values.url.replace(/\/$/, '')}/v1`, apiKey: process.env.TTS_API_KEY || 'unused' })

// Whole file.
const speech = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello from tts-edge, through the OpenAI SDK.' })
const whole = join(values['out-dir'], 'openai-speech.mp3')
await Bun.write(whole, await speech.arrayBuffer())
console.log(`wrote ${whole} (request ${speech.headers.get('x-request-id')})`)

// Streamed: bytes are written as each sentence is synthesised.
const streamed = await client.audio.speech.create({
  model: 'tts-1',
  voice: 'nova',
  input: 'Streaming starts with the first sentence. The rest follows while you listen.',
  response_format: 'wav',
})
const path = join(values['out-dir'], 'openai-streamed.wav')
const file = createWriteStream(path)
let chunks = 0
for await (const chunk of streamed.body as unknown as AsyncIterable<Uint8Array>) {
  file.write(chunk)
  chunks++
}
await new Promise((resolve) => file.end(resolve))
console.log(`wrote ${path} in ${chunks} chunks`)
