/**
 * The K-weighting step-energy kernel (k-weighting.ts) in WebAssembly SIMD: LANES segments at
 * once, one f32x4 lane each, in float32. The lanes' samples are first transposed (eight at a
 * time, by shuffles) so that the filter loop loads one vector per sample time; the loop is
 * unrolled by three with its history in rotation. The module is assembled here
 * (wasm-module.ts), no toolchain or generated file involved.
 */
import { LANES, type StepEnergies } from './k-weighting.ts'
import { I32, V128, op, wasmModule, type Instruction } from './wasm-module.ts'

/**
 * f32x4 vectors of lanes filtered side by side. One: with two, the kernel's values outgrow the
 * registers (it measured twice as slow under Bun), and one already runs near the recursion's
 * latency and the processor's add throughput.
 */
const VECTORS = LANES / 4

// Memory of the SIMD kernel: coefficients, one vector of energies per step, then the samples.
const COEFFICIENTS = 0
const ENERGIES = 64
const MAX_STEPS_PER_LANE = 48
const SAMPLES = ENERGIES + 4 * LANES * MAX_STEPS_PER_LANE

// The kernel's locals: its parameters, then i32 walkers and a counter, then v128 values.
const [SRC, STRIDE, WARM3, K, STEP3, REST, OUT, SCRATCH, BLOCKS] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
const [P, N, S] = [9, 10, 11]
const [B0, B1, B2, A1, A2, D1, D2] = [12, 13, 14, 15, 16, 17, 18]
/**
 * Per f32x4 of lanes: the last three shelf outputs and outputs, in rotation (no moves between
 * iterations), and the step's energy. (The inputs are read again from the scratch.)
 */
const VECTOR = Array.from({ length: VECTORS }, (_, g) => {
  const at = 19 + 7 * g
  return { ys: [at, at + 1, at + 2], zs: [at + 3, at + 4, at + 5], e: at + 6 }
})
const [AB_LO, AB_HI, CD_LO, CD_HI, PAIR] = [0, 1, 2, 3, 4].map((i) => 19 + 7 * VECTORS + i) as [number, number, number, number, number]
const V128_LOCALS = 7 + 7 * VECTORS + 5
/** Bytes of one sample time of every lane in the scratch. */
const TIME = 16 * VECTORS
const { get, set } = op

/** Byte picks of i8x16.shuffle: interleave the low or high halves of two vectors' 16-bit or 32-bit lanes. */
const interleave = (bytes: 2 | 4, high: boolean) =>
  Array.from({ length: 16 }, (_, i) => {
    const lane = Math.floor(i / bytes)
    return (lane % 2) * 16 + (high ? 8 : 0) + Math.floor(lane / 2) * bytes + (i % bytes)
  })

/**
 * A signal that stops decays in the recursive filters towards zero, into float32's subnormal
 * numbers, which the processor computes many times slower (WebAssembly has no flush-to-zero):
 * a speech pause of half a second made the kernel a third slower. So every sample gets ±1e-10,
 * alternating (at the Nyquist frequency, which both stages pass): the filters' values never
 * fall under it, and its energy (some 1e-22 of the quietest signal the -70 LUFS gate lets in)
 * changes no result.
 */
const dither = (sign: 1 | -1) => [op.f32x4Const([sign * 1e-10, sign * 1e-10, sign * 1e-10, sign * 1e-10]), op.f32x4Add]

/**
 * Transposes the lanes' samples, 8 at a time, into f32x4s per sample time at `scratch`: the
 * filter loop then loads each time's samples at once instead of gathering them.
 */
function transpose(): Instruction[] {
  const load = (lane: number) => [get(P), ...(lane === 0 ? [] : [get(STRIDE), op.i32(lane), op.i32Mul, op.i32Add]), op.v128Load()]
  const group = (g: number) => {
    const halves = [[AB_LO, 0, 1, false], [AB_HI, 0, 1, true], [CD_LO, 2, 3, false], [CD_HI, 2, 3, true]] as const
    const pairs = halves.flatMap(([local, a, b, high]) => [...load(4 * g + a), ...load(4 * g + b), op.i8x16Shuffle(interleave(2, high)), set(local)])
    // Each 32-bit interleave holds two sample times: a0 b0 c0 d0 | a1 b1 c1 d1.
    const times = [[AB_LO, CD_LO, false], [AB_LO, CD_LO, true], [AB_HI, CD_HI, false], [AB_HI, CD_HI, true]] as const
    const stores = times.flatMap(([ab, cd, high], i) => [
      get(S), get(ab), get(cd), op.i8x16Shuffle(interleave(4, high)), op.tee(PAIR), op.i32x4ExtendLowI16x8S, op.f32x4ConvertI32x4S, ...dither(+1), op.v128Store(TIME * 2 * i + 16 * g),
      get(S), get(PAIR), op.i32x4ExtendHighI16x8S, op.f32x4ConvertI32x4S, ...dither(-1), op.v128Store(TIME * (2 * i + 1) + 16 * g),
    ])
    return [...pairs, ...stores]
  }
  const blocks = Array.from({ length: VECTORS }, (_, g) => group(g)).flat()
  const next = [get(P), op.i32(16), op.i32Add, set(P), get(S), op.i32(8 * TIME), op.i32Add, set(S)]
  return [get(SRC), set(P), get(SCRATCH), set(S), get(BLOCKS), set(N), ...countdown(N, [...blocks, ...next])]
}

type Code = Instruction[]

// c + a·b and c - a·b. (Relaxed SIMD's fused multiply-add measured slower here under Bun.)
const madd = (a: Code, b: Code, c: Code): Code => [...c, ...a, ...b, op.f32x4Mul, op.f32x4Add]
const nmadd = (a: Code, b: Code, c: Code): Code => [...c, ...a, ...b, op.f32x4Mul, op.f32x4Sub]

/**
 * One iteration: the next sample of each lane (at `offset` from the scratch walker) through
 * both stages and into the energy. Iteration `phase` (0-2) writes its results over those of
 * three iterations before. The recursive term comes last in each sum, so each recursion waits
 * on one multiply-add per sample.
 */
function iteration(withEnergy: boolean, phase: number, offset: number): Code {
  const now = (h: number[]) => [h[phase]!, h[(phase + 2) % 3]!, h[(phase + 1) % 3]!] as const
  return VECTOR.flatMap(({ ys, zs, e }, g) => {
    const [y, y1, y2] = now(ys)
    const [z, z1, z2] = now(zs)
    // The inputs stay in the scratch (the walker is two sample times behind): fewer registers held.
    const x = (before: number) => [get(S), op.v128Load(offset + 16 * g + TIME * (2 - before))]
    // y = b0 x + b1 x1 + b2 x2 - a2 y2 - a1 y1
    const fir = madd([get(B2)], x(2), madd([get(B1)], x(1), [get(B0), ...x(0), op.f32x4Mul]))
    const shelf = nmadd([get(A1)], [get(y1)], nmadd([get(A2)], [get(y2)], fir))
    // z = (y + y2) - 2 y1 - d2 z2 - d1 z1
    const difference = [get(y), get(y2), op.f32x4Add, get(y1), get(y1), op.f32x4Add, op.f32x4Sub]
    const pass = nmadd([get(D1)], [get(z1)], nmadd([get(D2)], [get(z2)], difference))
    return [...shelf, set(y), ...pass, set(z), ...(withEnergy ? [...madd([get(z)], [get(z)], [get(e)]), set(e)] : [])]
  })
}

const advance = (bytes: number) => [get(S), op.i32(bytes), op.i32Add, set(S)]

/** Three iterations, one of each phase. */
const threeIterations = (withEnergy: boolean) => [0, 1, 2].flatMap((phase) => iteration(withEnergy, phase, TIME * phase)).concat(advance(3 * TIME))

/** One iteration of phase 0, then the rotation put back as three iterations leave it. */
const oneIteration = (withEnergy: boolean) => [
  ...iteration(withEnergy, 0, 0),
  ...advance(TIME),
  // Its sample is in slot 0, the one before in slot 2: they become the "one before" and "two before" of phase 0.
  ...VECTOR.flatMap(({ ys, zs }) => [ys, zs]).flatMap((h) => [get(h[2]!), set(h[1]!), get(h[0]!), set(h[2]!)]),
]

/** `body` while the local `n` counts down to 0 (not at all when it starts at 0). */
function countdown(n: number, body: Instruction[]): Instruction[] {
  return [op.block, get(n), op.i32Eqz, op.brIf(0), op.loop, ...body, get(n), op.i32(1), op.i32Sub, op.tee(n), op.brIf(0), op.end, op.end]
}

/**
 * run(src, stride, warm3, k, step3, rest, out, scratch, blocks): lane L reads from src + L·stride
 * (bytes; `blocks` of 8 samples are transposed to `scratch`), runs 3·warm3 samples, then `k`
 * steps of 3·step3 + rest samples, storing each step's energies (one f32 a lane) from `out`.
 */
function kernelBytes(): Uint8Array<ArrayBuffer> {
  const splats = [B0, B1, B2, A1, A2, D1, D2].flatMap((local, c) => [op.i32(0), op.f32Load(COEFFICIENTS + 4 * c), op.f32x4Splat, set(local)])
  const warmUp = [get(SCRATCH), op.i32(2 * TIME), op.i32Sub, set(S), get(WARM3), set(N), ...countdown(N, threeIterations(false))]
  const oneStep = [
    ...VECTOR.flatMap(({ e }) => [op.v128Zero, set(e)]),
    get(STEP3), set(N), ...countdown(N, threeIterations(true)),
    get(REST), set(N), ...countdown(N, oneIteration(true)),
    ...VECTOR.flatMap(({ e }, g) => [get(OUT), get(e), op.v128Store(16 * g)]),
    ...[get(OUT), op.i32(TIME), op.i32Add, set(OUT)],
  ]
  const body = [...transpose(), ...splats, ...warmUp, ...countdown(K, oneStep), op.end]
  return wasmModule({ name: 'run', params: 9, locals: [[3, I32], [V128_LOCALS, V128]], body }, 1)
}

interface Kernel {
  run(src: number, stride: number, warm3: number, k: number, step3: number, rest: number, out: number, scratch: number, blocks: number): void
  memory: WebAssembly.Memory
}

let kernel: Kernel | undefined | null

/** This thread's SIMD kernel; null where WebAssembly SIMD is not available. */
function simdKernel(): Kernel | null {
  if (kernel === undefined) {
    const bytes = kernelBytes()
    kernel = WebAssembly.validate(bytes) ? (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Kernel) : null
  }
  return kernel
}

/** The SIMD kernel: LANES segments at once, in float32. */
const simd: StepEnergies = (w, pcm, k, step, count, out) => {
  const { run, memory } = simdKernel()!
  if (k > MAX_STEPS_PER_LANE) throw new RangeError(`at most ${MAX_STEPS_PER_LANE} steps a lane`)
  const blocks = Math.ceil((w.warmUp + k * step) / 8)
  // The lanes' samples (and 8 more, read past the last one), then two sample times of zeros
  // (the inputs before the first), then the transposition.
  const scratch = SAMPLES + 16 * Math.ceil((2 * pcm.length + 16) / 16) + 2 * TIME
  const needed = scratch + 8 * TIME * blocks
  if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536))
  new Float32Array(memory.buffer, COEFFICIENTS, 7).set([w.b0, w.b1, w.b2, w.a1, w.a2, w.d1, w.d2])
  new Int16Array(memory.buffer, SAMPLES, pcm.length).set(pcm)
  new Uint8Array(memory.buffer, scratch - 2 * TIME, 2 * TIME).fill(0)
  run(SAMPLES, 2 * k * step, w.warmUp / 3, k, Math.floor(step / 3), step % 3, ENERGIES, scratch, blocks)
  const energies = new Float32Array(memory.buffer, ENERGIES, LANES * k)
  for (let lane = 0; lane < LANES; lane++) {
    for (let s = 0; s < k && lane * k + s < count; s++) out.push(energies[LANES * s + lane]!)
  }
}

/** The SIMD kernel; undefined where this runtime has no WebAssembly SIMD. */
export const simdStepEnergies: StepEnergies | undefined = simdKernel() ? simd : undefined
