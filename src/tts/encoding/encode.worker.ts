/**
 * Encode worker: holds the encoders of the streams the pool pinned here, each wrapped by
 * the engine workers' encodingContext (worker-encoding.ts), so bytes and the finished file
 * come out exactly as an engine worker's would.
 */
import { aacEncodersInUse } from '../../audio/aac/libav-aac.ts'
import { opusEncodersInUse } from '../../audio/opus/libopus.ts'
import type { JobContext } from '../worker-host.ts'
import { serveJobs } from '../worker-host.ts'
import type { WorkerChunk } from './worker-chunk.ts'
import { encodingContext, warmEncoders, type EncodingContext } from './worker-encoding.ts'
import { loudnessContext, type LoudnessContext } from './loudness-context.ts'
import type { EncodeOut, EncodeRequest } from './encode-job.ts'

serveJobs<unknown, EncodeRequest, EncodeOut>(async () => {
  await warmEncoders()
  const streams = new Map<number, { encoding: EncodingContext; loudness: LoudnessContext | undefined; target: { ctx: JobContext<EncodeOut> | undefined } }>()
  return async (request, ctx) => {
    if (request.op === 'in-use') {
      ctx.emit({ inUse: opusEncodersInUse() + aacEncodersInUse() })
      return
    }
    if (request.op === 'open') {
      // encodingContext emits into the context it was given: point it at each job's own.
      const target: { ctx: JobContext<EncodeOut> | undefined } = { ctx: undefined }
      const proxy: JobContext<EncodeOut> = {
        emit: (out, transfer) => target.ctx?.emit(out, transfer),
        cancelled: () => target.ctx?.cancelled() ?? false,
      }
      const encoding = await encodingContext(proxy as JobContext<WorkerChunk>, request.format, request.sampleRate)
      const loudness = request.loudness && loudnessContext(encoding.ctx, request.sampleRate, request.loudness)
      streams.set(request.stream, { encoding, loudness, target })
      return
    }
    const stream = streams.get(request.stream)
    if (request.op === 'close') {
      stream?.encoding.close()
      streams.delete(request.stream)
      return
    }
    // A replaced (crashed) worker starts empty: the stream cannot go on.
    if (!stream) throw new Error(`encoder state lost for stream ${request.stream}`)
    stream.target.ctx = ctx
    try {
      if (request.op === 'write') (stream.loudness?.ctx ?? stream.encoding.ctx).emit({ samples: request.samples, boundaries: [] })
      else {
        streams.delete(request.stream)
        try {
          // Chunks held for the loudness decision leave first, then the encoder's tail and file.
          const loudness = stream.loudness?.finish()
          stream.encoding.finish()
          if (loudness) ctx.emit({ loudness })
        } finally {
          stream.encoding.close()
        }
      }
    } finally {
      stream.target.ctx = undefined
    }
  }
})
