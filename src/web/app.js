/**
 * The playground's wiring: form → Speak (batch HTTP) or Stream (WebSocket), Stop as
 * barge-in, errors in plain words, and `window.__tts`, a read-only view of what the page
 * heard that the browser tests (and a curious developer in the console) can inspect.
 */
import { ApiFailure, fetchVoices, speak } from './api.js'
import { audioOutput, decodeSpeech, outputPeak, playBuffer } from './audio-output.js'
import { opusPacketsSupported } from './opus-packets.js'
import { clearRequestInfo, showRequestInfo } from './request-info.js'
import { startStream } from './stream-job.js'
import { fillVoicePicker } from './voices.js'

const $ = (id) => /** @type {any} */ (document.getElementById(id))
const form = $('speech-form')
const text = $('text')
const voice = $('voice')
const format = $('format')
const speed = $('speed')
const apiKey = $('api-key')
const stopButton = $('stop')
const status = $('status')
const errorBox = $('error')

const debug = {
  state: 'loading',
  voices: 0,
  languages: 0,
  /** Length in seconds of the last Speak response, as this browser decoded it. */
  lastDecodedDuration: undefined,
  lastFormat: undefined,
  /** The current or last stream; times are ms since Stream was pressed. */
  stream: undefined,
  outputPeak,
}
Object.defineProperty(window, '__tts', { value: debug })

/** The request in progress, if any: `stop()` silences it and drops what is still coming. */
let current

function setState(state, message) {
  debug.state = state
  document.body.dataset.state = state
  status.textContent = message
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus it holds.
  stopButton.setAttribute('aria-disabled', String(current === undefined))
}

function showError(message) {
  errorBox.textContent = message
  errorBox.hidden = false
}

function clearError() {
  errorBox.hidden = true
  errorBox.textContent = ''
  text.removeAttribute('aria-invalid')
}

function fail(job, message) {
  if (current === job) current = undefined
  showError(message)
  setState('error', 'Failed.')
}

function stopCurrent() {
  const job = current
  current = undefined
  job?.stop()
}

/** The text to speak, or undefined (with the reason shown) when there is none. */
function inputText() {
  const value = text.value.trim()
  if (value) return value
  text.setAttribute('aria-invalid', 'true')
  showError('Type some text to speak first.')
  setState('error', 'Nothing to speak.')
  text.focus()
  return undefined
}

const settings = () => ({ voice: voice.value, speed: Number(speed.value), ...(apiKey.value && { apiKey: apiKey.value }) })

let downloadUrl
async function onSpeak() {
  stopCurrent()
  clearError()
  const input = inputText()
  if (!input) return
  const fmt = format.value
  audioOutput() // inside the click: browsers only start audio after a user gesture
  const controller = new AbortController()
  let playback
  const job = { stop: () => (controller.abort(), playback?.stop()) }
  current = job
  clearRequestInfo(`Speak (${fmt.toUpperCase()})`)
  setState('speaking', 'Synthesising…')
  try {
    const result = await speak({ input, format: fmt, signal: controller.signal, ...settings() })
    showRequestInfo({ requestId: result.requestId, traceId: result.traceId, traceKept: result.traceKept, firstAudioMs: result.firstByteMs })
    const buffer = await decodeSpeech(result.bytes.slice(0), fmt)
    if (current !== job) return
    debug.lastDecodedDuration = buffer.duration
    debug.lastFormat = fmt
    if (downloadUrl) URL.revokeObjectURL(downloadUrl)
    downloadUrl = URL.createObjectURL(new Blob([result.bytes]))
    showRequestInfo({ audio: `${buffer.duration.toFixed(2)} s`, download: { url: downloadUrl, name: `speech.${fmt}` } })
    playback = playBuffer(buffer)
    setState('speaking', `Playing ${buffer.duration.toFixed(1)} s of audio…`)
    await playback.ended
    if (current === job) {
      current = undefined
      setState('done', 'Done.')
    }
  } catch (err) {
    if (controller.signal.aborted) return
    if (err instanceof ApiFailure) showRequestInfo({ requestId: err.requestId, traceId: err.traceId, traceKept: err.traceKept })
    fail(job, err instanceof Error ? err.message : String(err))
  }
}

function onStream() {
  stopCurrent()
  clearError()
  const input = inputText()
  if (!input) return
  audioOutput() // inside the click or key press, like Speak
  // Opus packets where WebCodecs decodes them; PCM otherwise (and for every other format).
  const opus = format.value === 'opus' && opusPackets
  clearRequestInfo(opus ? 'Stream (Opus 48 kHz, WebCodecs)' : 'Stream (PCM 24 kHz)')
  const job = startStream(input, { ...settings(), opus }, {
    onStarted: (ids) => (showRequestInfo(ids), setState('streaming', 'Streaming…')),
    onFirstAudio: (ms) => showRequestInfo({ firstAudioMs: ms }),
    onProgress: (seconds, frames) => showRequestInfo({ audio: `${seconds.toFixed(2)} s in ${frames} frames` }),
    onReceived: () => setState('streaming', 'All audio received; playing…'),
    onPlayed: () => {
      if (current !== job) return
      current = undefined
      setState('done', 'Done.')
    },
    onCancelled: (lastSeq) => {
      if (debug.stream === job.stats && debug.state === 'stopped') setState('stopped', `Stopped. The service confirmed: nothing after frame ${lastSeq}.`)
    },
    onError: (message) => fail(job, message),
  })
  debug.stream = job.stats
  current = job
  setState('streaming', 'Connecting…')
}

function onStop() {
  if (!current) return
  stopCurrent()
  setState('stopped', 'Stopped.')
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  void onSpeak()
})
$('stream').addEventListener('click', onStream)
stopButton.addEventListener('click', onStop)
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && current) {
    event.preventDefault()
    onStop()
  } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault()
    if (event.shiftKey) onStream()
    else void onSpeak()
  }
})

const updateCount = () => ($('char-count').textContent = String(text.value.length))
text.addEventListener('input', updateCount)
updateCount()
const updateSpeed = () => ($('speed-value').textContent = `${Number(speed.value).toFixed(2)}×`)
speed.addEventListener('input', updateSpeed)
updateSpeed()

const opusPackets = await opusPacketsSupported()
debug.opusPackets = opusPackets

try {
  const voices = await fetchVoices()
  Object.assign(debug, fillVoicePicker(voice, voices))
  setState('idle', voices.length ? 'Ready.' : 'The service lists no voices.')
} catch (err) {
  voice.replaceChildren(new Option('Voices unavailable'))
  fail(undefined, err instanceof Error ? err.message : String(err))
}
