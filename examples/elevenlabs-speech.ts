/**
 * The official `@elevenlabs/elevenlabs-js` SDK against tts-edge: a voice list, an mp3, and
 * audio with character timing.
 *
 *   bun examples/elevenlabs-speech.ts [--url http://localhost:8080] [--out-dir .]
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'

const { values } = parseArgs({ options: { url: { type: 'string', default: 'http://localhost:8080' }, 'out-dir': { type: 'string', default: '.' } } })
const client = new ElevenLabsClient({ baseUrl: values.url.replace(/\/$/, ''), apiKey: process.env.TTS_API_KEY || 'unused' })

const { voices } = await client.voices.getAll()
console.log(`${voices.length} voices, e.g. ${voices.slice(0, 3).map((v) => `${v.voiceId} (${v.labels?.language}, ${v.labels?.gender})`).join(', ')}`)

const audio = await client.textToSpeech.convert('en-gb-f1', { text: 'Good evening from the edge.', outputFormat: 'mp3_44100_128' })
const parts: Uint8Array[] = []
for await (const part of audio as unknown as AsyncIterable<Uint8Array>) parts.push(part)
const path = join(values['out-dir'], 'elevenlabs-speech.mp3')
await Bun.write(path, Buffer.concat(parts))
console.log(`wrote ${path}`)

const timed = await client.textToSpeech.convertWithTimestamps('en-us-m1', { text: 'Every word has its time.', outputFormat: 'pcm_16000' })
const { characters, characterStartTimesSeconds } = timed.alignment!
const words = characters.join('').split(' ')
console.log(`"${words[0]}" starts at ${characterStartTimesSeconds[0]?.toFixed(2)} s, "${words.at(-1)}" at ${characterStartTimesSeconds[characters.length - words.at(-1)!.length]?.toFixed(2)} s`)
