/**
 * The front half every generated model shares: token embedding, text encoder and the
 * duration-driven length regulator, from token ids to frame-rate features.
 */
import { durations, encoderLayer, expandByDurations } from './layers.ts'
import type { OnnxGraph } from './onnx-graph.ts'

/** ln(frames per token) at the duration predictor's centre: 1.6, rounded up to 2 frames (about 23 ms at hop 256), so speech runs near a real voice's pace. */
export const FRAMES_PER_TOKEN_LOG = Math.log(1.6)

/**
 * Token ids int64 [1, T] → features [1, hidden, frames]; `condition` ([1, hidden], e.g. a
 * speaker or style vector) is added to every token; `lengthScale` stretches the durations.
 */
export function textToFrames(
  g: OnnxGraph,
  ids: string,
  size: { vocab: number; hidden: number; filter: number; layers: number; durationFilter: number },
  lengthScale: string,
  condition?: string,
): string {
  const embedded = g.op('Gather', [g.weight([size.vocab, size.hidden], 1), ids]) // [1, T, H]
  let x = g.op('Transpose', [embedded], { perm: [0, 2, 1] })
  if (condition) x = g.op('Add', [x, g.op('Unsqueeze', [condition, g.ints([2])])])
  for (let i = 0; i < size.layers; i++) x = encoderLayer(g, x, size.hidden, size.filter)
  const frames = durations(g, x, size.hidden, size.durationFilter, lengthScale, FRAMES_PER_TOKEN_LOG)
  return expandByDurations(g, x, frames)
}
