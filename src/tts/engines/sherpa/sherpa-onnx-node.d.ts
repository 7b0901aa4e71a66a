// The npm `sherpa-onnx-node` package documents its API in JSDoc (types.js) without a .d.ts:
// the part tts-edge uses, as its non-streaming-tts.js and types.js define it.
declare module 'sherpa-onnx-node' {
  /** Paths and options per model family; exactly one family is set. */
  export interface OfflineTtsModelConfig {
    vits?: { model: string; tokens: string; dataDir?: string; lexicon?: string; noiseScale?: number; noiseScaleW?: number; lengthScale?: number }
    matcha?: { acousticModel: string; vocoder: string; tokens: string; dataDir?: string; lexicon?: string; noiseScale?: number; lengthScale?: number }
    kokoro?: { model: string; voices: string; tokens: string; dataDir?: string; lexicon?: string; lang?: string; lengthScale?: number }
    kitten?: { model: string; voices: string; tokens: string; dataDir?: string; lengthScale?: number }
    numThreads?: number
    provider?: 'cpu'
    debug?: boolean | number
  }

  export interface OfflineTtsConfig {
    model: OfflineTtsModelConfig
    maxNumSentences?: number
    silenceScale?: number
  }

  export interface GeneratedAudio {
    samples: Float32Array
    sampleRate: number
  }

  export class OfflineTts {
    constructor(config: OfflineTtsConfig)
    readonly numSpeakers: number
    readonly sampleRate: number
    generate(request: { text: string; sid: number; speed: number; enableExternalBuffer?: boolean }): GeneratedAudio
  }
}
