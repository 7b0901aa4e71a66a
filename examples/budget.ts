/**
 * A key's monthly budget and usage, through both official SDKs: speaks with the key until its
 * budget refuses it (OpenAI's 429 `insufficient_quota`, ElevenLabs' 401 `quota_exceeded`), then
 * reads what it spent: ElevenLabs' subscription and character stats for the key, and OpenAI's
 * usage API for the admin key. Run it against a service whose keys file gives the key a
 * `characters_per_month` budget (docs/api.md, "Keys, usage and budgets").
 *
 *   bun examples/budget.ts --key <key> [--admin-key <TTS_ADMIN_KEY>] [--url http://localhost:8080]
 */
import { parseArgs } from 'node:util'
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js'
import OpenAI from 'openai'

const { values } = parseArgs({
  options: { url: { type: 'string', default: 'http://localhost:8080' }, key: { type: 'string' }, 'admin-key': { type: 'string' } },
})
if (!values.key) {
  console.error('usage: bun examples/budget.ts --key <key> [--admin-key <admin key>] [--url http://localhost:8080]')
  process.exit(64)
}
const url = values.url.replace(/\/$/, '')
const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: values.key, maxRetries: 0 })
const eleven = new ElevenLabsClient({ baseUrl: url, apiKey: values.key, maxRetries: 0 })

const before = await eleven.user.subscription.get()
if (before.characterLimit >= Number.MAX_SAFE_INTEGER) {
  console.error('this key has no characters_per_month budget in the keys file: nothing to run into')
  process.exit(1)
}
console.log(`budget: ${before.characterLimit} characters a month, ${before.characterCount} used`)

// Distinct sentences, so each is synthesised (a cache hit counts against the budget too).
let spoken = 0
for (let i = 1; i <= 1000; i++) {
  const input = `Sentence number ${i} of a budget that will run out.`
  try {
    const audio = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' })
    await audio.arrayBuffer()
    spoken += input.length
  } catch (err) {
    if (!(err instanceof OpenAI.APIError) || err.code !== 'insufficient_quota') throw err
    console.log(`spoke ${i - 1} requests (${spoken} characters); request ${i} refused: ${err.status} ${err.code}`)
    break
  }
}

// The ElevenLabs routes refuse the same key in their own words.
try {
  await eleven.textToSpeech.convert('en-us-f1', { text: 'And one more sentence, please.' })
  console.log('ElevenLabs route: still admitted')
} catch (err) {
  if (!(err instanceof ElevenLabsError)) throw err
  const body = err.body as { detail?: { status?: string; message?: string } }
  console.log(`ElevenLabs route: ${err.statusCode} ${body.detail?.status}: ${body.detail?.message}`)
}

const after = await eleven.user.subscription.get()
const reset = new Date((after.nextCharacterCountResetUnix ?? 0) * 1000).toISOString().slice(0, 10)
console.log(`characters this month: ${after.characterCount} of ${after.characterLimit} (resets ${reset})`)
const today = Math.floor(Date.now() / 86_400_000) * 86_400_000
const stats = await eleven.usage.get({ startUnix: today, endUnix: Date.now(), breakdownType: 'model' })
console.log(`characters today by model: ${JSON.stringify(stats.usage)}`)

if (values['admin-key']) {
  const admin = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', adminAPIKey: values['admin-key'], maxRetries: 0 })
  const page = await admin.admin.organization.usage.audioSpeeches({ start_time: today / 1000, group_by: ['api_key_id', 'model'] })
  for (const result of page.data.flatMap((b) => b.results)) {
    const r = result as typeof result & { api_key_id: string | null; model: string | null; characters: number; num_model_requests: number }
    console.log(`usage (admin): key ${r.api_key_id}, model ${r.model}: ${r.characters} characters in ${r.num_model_requests} requests`)
  }
}
