/**
 * Pool worker (a process: see worker-link.ts) running one sherpa-onnx OfflineTts. The model
 * loads in setup, so warmup() covers it and the model lifecycle metrics time it; one
 * sentence is spoken first to warm onnxruntime, then the encoders are readied.
 */
import type { OfflineTtsConfig } from 'sherpa-onnx-node'
import { serveJobs } from '../../worker-host.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'
import { warmEncoders } from '../../encoding/worker-encoding.ts'
import { loadSherpaAddon } from './sherpa-addon.ts'
import { runSherpaJob, type SherpaRequest } from './sherpa-job.ts'

export interface SherpaInit {
  config: OfflineTtsConfig
}

serveJobs<SherpaInit, SherpaRequest, WorkerChunk>(async ({ config }) => {
  const { OfflineTts } = await loadSherpaAddon()
  const tts = new OfflineTts(config)
  const generate = (text: string, sid: number, speed: number) => tts.generate({ text, sid, speed }).samples
  generate('Warm up.', 0, 1)
  await warmEncoders()
  return (request, ctx) => runSherpaJob(request, ctx, generate, tts.sampleRate)
})
