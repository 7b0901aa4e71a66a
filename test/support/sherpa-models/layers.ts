/**
 * The building blocks of the generated test models, as ONNX ops: 1-D convolutions, a
 * self-attention layer, a duration predictor, the length regulator that repeats each
 * token's frame for its duration, gated WaveNet couplings and a HiFi-GAN decoder. Weights
 * are random, so the audio is noise; its length follows the tokens and the length scale
 * exactly as a trained model's would, and the compute is of the same kind and size.
 */
import { DataType } from '../../../src/tts/engines/sherpa/onnx/onnx-schema.ts'
import type { OnnxGraph } from './onnx-graph.ts'

/** Conv1d on [1, C, T]; `same` padding. */
export function conv1d(g: OnnxGraph, x: string, cin: number, cout: number, kernel: number, dilation = 1): string {
  const w = g.weight([cout, cin, kernel], cin * kernel)
  const b = g.weight([cout], cin * kernel, 0.1)
  const pad = (dilation * (kernel - 1)) / 2
  return g.op('Conv', [x, w, b], { kernel_shape: [kernel], dilations: [dilation], pads: [Math.floor(pad), Math.ceil(pad)] })
}

/** ConvTranspose1d that multiplies the length by `stride` exactly (kernel 2 × stride, padding summing to stride). */
export function upsample(g: OnnxGraph, x: string, cin: number, cout: number, stride: number): string {
  const kernel = stride * 2
  const w = g.weight([cin, cout, kernel], cin * 2)
  const b = g.weight([cout], cin, 0.1)
  const pads = [Math.floor(stride / 2), Math.ceil(stride / 2)]
  return g.op('ConvTranspose', [x, w, b], { kernel_shape: [kernel], strides: [stride], pads })
}

export const leaky = (g: OnnxGraph, x: string) => g.op('LeakyRelu', [x], { alpha: 0.1 })

/** A float scalar constant (shape [1]) for arithmetic. */
export const scalar = (g: OnnxGraph, v: number) => g.floats([v], [1])

/** Single-head self-attention plus a feed-forward block, both residual, on [1, H, T]. */
export function encoderLayer(g: OnnxGraph, x: string, hidden: number, filter: number): string {
  const seq = g.op('Transpose', [x], { perm: [0, 2, 1] }) // [1, T, H]
  const proj = () => g.op('MatMul', [seq, g.weight([hidden, hidden], hidden)])
  const [q, k, v] = [proj(), proj(), proj()]
  const kt = g.op('Transpose', [k], { perm: [0, 2, 1] })
  const scores = g.op('Mul', [g.op('MatMul', [q, kt]), scalar(g, 1 / Math.sqrt(hidden))])
  const attended = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v])
  const out = g.op('MatMul', [attended, g.weight([hidden, hidden], hidden)])
  const h = g.op('Add', [x, g.op('Transpose', [out], { perm: [0, 2, 1] })])
  const ff = conv1d(g, g.op('Relu', [conv1d(g, h, hidden, filter, 3)]), filter, hidden, 3)
  return g.op('Add', [h, g.op('Mul', [ff, scalar(g, 0.5)])])
}

/**
 * Frames per token as int64 [T]: exp(centre ± 0.5) frames, times `lengthScale` (a float [1]
 * or [] tensor), rounded up like VITS does, at least one.
 */
export function durations(g: OnnxGraph, x: string, hidden: number, filter: number, lengthScale: string, centre: number): string {
  const h1 = g.op('Relu', [conv1d(g, x, hidden, filter, 3)])
  const h2 = g.op('Relu', [conv1d(g, h1, filter, filter, 3)])
  // A small projection keeps tanh off its rails, so durations spread around the centre.
  const projected = g.op('Mul', [conv1d(g, h2, filter, 1, 1), scalar(g, 0.1)])
  const logw = g.op('Add', [g.op('Mul', [g.op('Tanh', [projected]), scalar(g, 0.5)]), scalar(g, centre)])
  const frames = g.op('Ceil', [g.op('Mul', [g.op('Exp', [logw]), lengthScale])])
  const flat = g.op('Reshape', [frames, g.ints([-1])])
  return g.op('Cast', [g.op('Max', [flat, scalar(g, 1)])], { to: DataType.INT64 })
}

/**
 * Repeats each of the T columns of `x` [1, H, T] `durations[t]` times: [1, H, sum(durations)].
 * Frame f takes token i where cumsum(durations)[i-1] <= f < cumsum(durations)[i].
 */
export function expandByDurations(g: OnnxGraph, x: string, frames: string): string {
  const ends = g.op('CumSum', [frames, g.ints([0], [])]) // [T]
  const total = g.op('ReduceSum', [frames], { keepdims: 0 })
  const positions = g.op('Range', [g.ints([0], []), total, g.ints([1], [])]) // [F]
  const column = g.op('Unsqueeze', [positions, g.ints([1])]) // [F, 1]
  const passed = g.op('Cast', [g.op('GreaterOrEqual', [column, ends])], { to: DataType.INT64 }) // [F, T]
  const index = g.op('ReduceSum', [passed, g.ints([1])], { keepdims: 0 }) // [F]
  return g.op('Gather', [x, index], { axis: 2 })
}

/** One reverse affine coupling with a gated WaveNet on half the channels (the VITS flow). */
export function coupling(g: OnnxGraph, x: string, channels: number, hidden: number, layers: number): string {
  const half = channels / 2
  const [x0, x1] = g.opN('Split', [x, g.ints([half, half])], 2, { axis: 1 })
  let h = conv1d(g, x0!, half, hidden, 1)
  for (let i = 0; i < layers; i++) {
    const [a, b] = g.opN('Split', [conv1d(g, h, hidden, hidden * 2, 5)], 2, { axis: 1 })
    const gated = g.op('Mul', [g.op('Tanh', [a!]), g.op('Sigmoid', [b!])])
    h = g.op('Add', [h, conv1d(g, gated, hidden, hidden, 1)])
  }
  const shifted = g.op('Sub', [x1!, g.op('Mul', [conv1d(g, h, hidden, half, 1), scalar(g, 0.1)])])
  return g.op('Concat', [shifted, x0!], { axis: 1 }) // the flip between couplings
}

export interface DecoderSize {
  /** Channels after the first convolution; halved at each upsampling. */
  channels: number
  /** Upsampling factors; their product is the hop length (samples per frame). */
  rates: number[]
  /** Residual block kernel sizes (HiFi-GAN "resblock 2": two dilations each). */
  kernels: number[]
}

/** HiFi-GAN generator: [1, C, F] → [1, 1, F × product(rates)], in [-1, 1]. */
export function hifiGan(g: OnnxGraph, x: string, cin: number, size: DecoderSize): string {
  let h = conv1d(g, x, cin, size.channels, 7)
  let ch = size.channels
  for (const rate of size.rates) {
    h = upsample(g, leaky(g, h), ch, ch / 2, rate)
    ch /= 2
    const blocks = size.kernels.map((k) => {
      let r = h
      for (const d of [1, 3]) r = g.op('Add', [r, conv1d(g, leaky(g, r), ch, ch, k, d)])
      return r
    })
    h = g.op('Mul', [blocks.length === 1 ? blocks[0]! : g.op('Sum', blocks), scalar(g, 1 / blocks.length)])
  }
  return g.op('Tanh', [conv1d(g, leaky(g, h), ch, 1, 7)])
}
