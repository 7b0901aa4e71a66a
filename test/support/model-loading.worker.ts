/**
 * A pool worker that loads "models" the way engine workers do, for the model lifecycle
 * tests: its setup can fail, and jobs load, fail to load, or evict named models.
 */
import { loadModel, reportModel, serveJobs } from '../../src/tts/worker-host.ts'

export type ModelJob =
  | { kind: 'load'; modelId: string }
  | { kind: 'load-broken'; modelId: string }
  | { kind: 'evict'; modelId: string }
  | { kind: 'crash' }

serveJobs<{ failSetup?: boolean }, ModelJob, string>((init) => {
  if (init?.failSetup) throw new Error('model file unreadable')
  return async (job, ctx) => {
    switch (job.kind) {
      case 'load':
        ctx.emit(await loadModel(job.modelId, () => `loaded ${job.modelId}`))
        return
      case 'load-broken':
        await loadModel(job.modelId, () => {
          throw new Error(`${job.modelId} is not a model`)
        })
        return
      case 'evict':
        reportModel({ type: 'unloaded', modelId: job.modelId, cause: 'eviction' })
        ctx.emit('evicted')
        return
      case 'crash':
        process.exit(3)
    }
  }
})
