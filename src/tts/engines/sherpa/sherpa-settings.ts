/**
 * The engines-file entry of kind `sherpa`: a neural voice model from local files, run by
 * sherpa-onnx on the CPU. Which family it is follows from the files named (see
 * model-plan.ts): a Piper `.onnx` with its `.onnx.json`; a sherpa-onnx VITS/Piper model with
 * `tokens`; Kokoro or Kitten with `voices`; Matcha with `acoustic_model` and `vocoder`.
 */
import { z } from 'zod'

const path = z.string().min(1).max(4096)

export const sherpaEngineSchema = z.strictObject({
  kind: z.literal('sherpa'),
  /** Only needed where the files leave it open (Kokoro and Kitten look alike). */
  family: z.enum(['piper', 'vits', 'kokoro', 'kitten', 'matcha']).optional(),
  /** The model (.onnx): Piper, VITS, Kokoro or Kitten. */
  model: path.optional(),
  /** Piper's `.onnx.json`; unset: `<model>.json` when it exists. */
  config: path.optional(),
  /** tokens.txt (not for a Piper pair: the json's phoneme map is used). */
  tokens: path.optional(),
  /** espeak-ng-data directory; unset: the system's (Debian's espeak-ng-data) when the model phonemises with espeak. */
  data_dir: path.optional(),
  /** A lexicon file, for models that map words to tokens with one instead of espeak-ng. */
  lexicon: path.optional(),
  /** Kokoro's or Kitten's voices.bin (style vectors, one set per voice). */
  voices: path.optional(),
  /** Matcha: the acoustic model and the vocoder (e.g. vocos-22khz-univ.onnx). */
  acoustic_model: path.optional(),
  vocoder: path.optional(),
  /** Kokoro 1.0's language for espeak (e.g. `en-us`); its lexicon may be named instead. */
  lang: z.string().min(2).max(20).optional(),
  /** onnxruntime threads per worker. */
  num_threads: z.number().int().min(1).max(64).default(1),
  /** Workers (processes), each with its own copy of the model. */
  max_concurrency: z.number().int().min(1).max(64).default(1),
  /** Requests allowed to wait for a worker before 429. */
  max_queue: z.number().int().min(0).max(100_000).default(64),
  /** A job that produces no audio for this long is killed and its worker replaced. */
  job_timeout_ms: z.number().int().min(1000).max(600_000).default(60_000),
  /** A worker still loading the model after this long is killed and the start fails, naming the wait. */
  start_timeout_ms: z.number().int().min(1000).max(3_600_000).default(120_000),
  /** Voices' gender when the model does not say (Piper, VITS, Matcha); per voice id in `genders`. */
  gender: z.enum(['female', 'male']).default('female'),
  genders: z.record(z.string(), z.enum(['female', 'male'])).default({}),
  /** Where a Piper pair's model is rewritten with the metadata sherpa-onnx reads; unset: the system temp directory. */
  work_dir: path.optional(),
})

export type SherpaEngineSettings = z.infer<typeof sherpaEngineSchema> & { name: string }
