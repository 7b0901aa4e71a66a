/**
 * Pool worker for the espeak-ng WASM engine: compiles the module once, keeps one
 * reusable instance (see espeak-wasm-runtime.ts) and serves EspeakRequests.
 */
import { serveJobs } from '../../worker-host.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'
import { warmEncoders } from '../../encoding/worker-encoding.ts'
import { CHUNK_SAMPLES, runEspeakJob, type EspeakRequest } from './espeak-job.ts'
import { EspeakWasm, loadEspeakWasmModule } from './espeak-wasm-runtime.ts'

serveJobs<unknown, EspeakRequest, WorkerChunk>(async () => {
  const { bytes, module } = await loadEspeakWasmModule()
  const espeak = await EspeakWasm.create(module, bytes)
  // The first synthesis runs cold code paths (4x slower); pay for it during warm-up.
  espeak.speak('Warm up.', 'en-us', 175, () => false)
  await warmEncoders()
  return (request, ctx) => runEspeakJob(request, ctx, espeak.speak, CHUNK_SAMPLES)
})
