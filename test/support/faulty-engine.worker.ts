/**
 * An engine worker for fault tests: the real job runner (sentences, encoding in the
 * worker, boundaries) around a stand-in for espeak that speaks a tone, except that it
 * crashes the worker on "CRASH" and never returns on "HANG", as a broken engine would.
 */
import type { WorkerChunk } from '../../src/tts/encoding/worker-chunk.ts'
import { runEspeakJob, type EspeakRequest, type SpeakFn } from '../../src/tts/engines/espeak/espeak-job.ts'
import { serveJobs } from '../../src/tts/worker-host.ts'

const speak: SpeakFn = (text, _voice, _rate, onBlock) => {
  if (text.includes('CRASH')) process.exit(70)
  if (text.includes('HANG')) for (;;) {}
  const samples = new Int16Array(2205 * text.length)
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin(i / 8))
  onBlock(samples, [{ type: 1, textPosition: 1, length: text.length, sample: 0 }])
}

serveJobs<unknown, EspeakRequest, WorkerChunk>(() => (request, ctx) => runEspeakJob(request, ctx, speak))
