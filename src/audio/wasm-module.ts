/**
 * Just enough of the WebAssembly binary format to build one exported function over one
 * memory, written as named instructions (the text format's names), so a hot loop such as
 * the loudness meter's K-weighting (k-weighting.ts) can run as SIMD without a toolchain or a
 * generated file in the repository.
 */

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    out.push(byte)
  } while (value !== 0)
  return out
}

/** Signed LEB128 (i32.const). */
function sleb(value: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = value & 0x7f
    value >>= 7
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte]
    out.push(byte | 0x80)
  }
}

const SIMD = 0xfd
const simd = (op: number, ...rest: number[]) => [SIMD, ...uleb(op), ...rest]
/** Alignment (log2) and offset of a load or store. */
const memarg = (align: number, offset = 0) => [align, ...uleb(offset)]

/** One instruction's bytes. */
export type Instruction = readonly number[]

/** The instructions the kernels use, by their text-format names. */
export const op = {
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Eqz: [0x45],
  i32Load16S: (offset = 0) => [0x2e, ...memarg(1, offset)],
  f32Load: (offset = 0) => [0x2a, ...memarg(2, offset)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  v128Load: (offset = 0) => simd(0x00, ...memarg(4, offset)),
  v128Store: (offset = 0) => simd(0x0b, ...memarg(4, offset)),
  /** Bytes of the two operands (0-15 the first's, 16-31 the second's), picked in this order. */
  i8x16Shuffle: (lanes: number[]) => simd(0x0d, ...lanes),
  i32x4ExtendLowI16x8S: simd(0xa7),
  i32x4ExtendHighI16x8S: simd(0xa8),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  /** A constant of four f32 lanes. */
  f32x4Const: (lanes: [number, number, number, number]) => simd(0x0c, ...new Uint8Array(new Float32Array(lanes).buffer)),
  i32x4Splat: simd(0x11),
  i32x4ReplaceLane: (lane: number) => simd(0x1c, lane),
  f32x4Splat: simd(0x13),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4ConvertI32x4S: simd(0xfa),
} as const

export const I32 = 0x7f
export const V128 = 0x7b

export interface FunctionSpec {
  /** Export name. */
  name: string
  /** Number of i32 parameters (the only kind these kernels take). */
  params: number
  /** Locals after the parameters, as [count, type] runs. */
  locals: [number, number][]
  body: Instruction[]
}

const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content]
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()]
const name = (text: string) => vector([...new TextEncoder().encode(text)].map((b) => [b]))

/**
 * A module with one memory (exported as `memory`, `pages` of 64 KiB to start) and one
 * function of i32 parameters and no result.
 *
 * @example
 * const bytes = wasmModule({ name: 'run', params: 1, locals: [], body: [op.end] }, 1)
 * const { run, memory } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports
 */
export function wasmModule(fn: FunctionSpec, pages: number): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vector(new Array(fn.params).fill([I32])), 0x00]
  const locals = vector(fn.locals.map(([count, type]) => [...uleb(count), type]))
  const code = [...locals, ...fn.body.flat()]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([type])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, ...uleb(pages)]])),
    ...section(7, vector([[...name(fn.name), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vector([[...uleb(code.length), ...code]])),
  ])
}
