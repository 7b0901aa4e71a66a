/**
 * The `sherpa` kind: neural voices from local model files (model-plan.ts checks them at
 * start), spoken by sherpa-onnx in worker processes (sherpa-engine.ts).
 */
import type { LoudnessResult } from '../../../audio/loudness-stage.ts'
import { renderText } from '../../../markup/render-text.ts'
import type { SpeechReading } from '../../engine.ts'
import { HONOURS_NOTHING } from '../../params/voice-params.ts'
import { pausedSpeech } from '../paused-speech.ts'
import { defineKind } from '../router/engine-kind.ts'
import { planSherpaModel } from './model-plan.ts'
import { createSherpaEngine } from './sherpa-engine.ts'
import { sherpaEngineSchema } from './sherpa-settings.ts'

export const sherpaKind = defineKind({
  kind: 'sherpa',
  settings: sherpaEngineSchema,
  // Encoded in its own workers, like espeak.
  transcodes: false,
  create(settings, deps) {
    const plan = planSherpaModel(settings)
    const engine = createSherpaEngine(plan, {
      name: settings.name,
      workers: settings.max_concurrency,
      maxQueue: settings.max_queue,
      jobTimeoutMs: settings.job_timeout_ms,
      startTimeoutMs: settings.start_timeout_ms,
      ...(deps.pool.nice !== undefined && { nice: deps.pool.nice }),
      ...(deps.pool.loudnessTargetLufs !== undefined && { loudnessTargetLufs: deps.pool.loudnessTargetLufs }),
      ...(deps.metrics && { models: deps.metrics.models, onLoudness: (result: LoudnessResult) => deps.metrics!.loudness.record(settings.name, result) }),
    })
    const byId = new Map(plan.voices.map((v) => [v.id.toLowerCase(), v]))
    // The model reads plain text: pauses are ours, phonemes its written words (renderText).
    const reading: SpeechReading = { normalizesText: false, render: (doc) => renderText(doc) }
    return {
      name: settings.name,
      synthesize: (text, voice, options, signal) => {
        if (!options.speech) return engine.synthesize(text, voice, options, signal)
        // Each piece as PCM (encoded by the caller), so our silence can sit between them.
        const { format: _format, speech, ...plain } = options
        return pausedSpeech(reading.render(speech).pieces, (piece) => engine.synthesize(piece, voice, plain, signal))
      },
      speech: () => reading,
      voices: () => engine.voices(),
      resolve: (id) => byId.get(id.toLowerCase()),
      // The model's files, so a replaced model never answers with the old one's cached audio.
      scope: () => plan.identity,
      // The model speaks as it was trained: no language switch, instructions or voice settings reach it,
      // and its noise is not seeded. All of them are ignored, and said so (X-TTS-Ignored).
      params: () => HONOURS_NOTHING,
      warmup: () => engine.warmup(),
      stats: () => engine.stats(),
      close: () => engine.close(),
    }
  },
})
