/**
 * A small builder for ONNX graphs with seeded random weights: the generated test models
 * (Piper/VITS, Kokoro, Matcha) are written with it in the real ONNX format that
 * onnxruntime, and so sherpa-onnx, loads.
 */
import { AttributeType, DataType, ModelProto } from '../../../src/tts/engines/sherpa/onnx/onnx-schema.ts'

type Dim = number | string
type AttrValue = number | number[] | string | { floats: number[] } | { tensor: Float32Array; dims: number[] }

/** Deterministic PRNG (mulberry32) so a seed always gives the same model. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * @example
 * const g = new OnnxGraph(1)
 * const x = g.input('x', DataType.FLOAT, [1, 4])
 * g.output(g.op('Relu', [x]), DataType.FLOAT, [1, 4], 'y')
 * await Bun.write('relu.onnx', g.encode({ comment: 'test' }))
 */
export class OnnxGraph {
  private readonly nodes: object[] = []
  private readonly initializers: object[] = []
  private readonly inputs: object[] = []
  private readonly outputs: object[] = []
  private readonly random: () => number
  private counter = 0
  /** Weights written so far (for the "parameters" line of the generator). */
  parameters = 0

  constructor(seed: number) {
    this.random = seededRandom(seed)
  }

  input(name: string, elemType: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims))
    return name
  }

  output(from: string, elemType: number, dims: Dim[], name: string): void {
    this.nodes.push({ opType: 'Identity', input: [from], output: [name], name: `out_${name}` })
    this.outputs.push(valueInfo(name, elemType, dims))
  }

  /** Uniform random weights scaled for a layer with `fanIn` inputs (keeps activations near unit size). */
  weight(dims: number[], fanIn: number, gain = 1): string {
    const n = dims.reduce((a, b) => a * b, 1)
    const values = new Float32Array(n)
    const bound = gain * Math.sqrt(3 / Math.max(1, fanIn))
    for (let i = 0; i < n; i++) values[i] = (this.random() * 2 - 1) * bound
    this.parameters += n
    return this.floats(values, dims)
  }

  floats(values: Float32Array | number[], dims: number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values)
    return this.tensor(DataType.FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dims)
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)))
    return this.tensor(DataType.INT64, new Uint8Array(data.buffer), dims)
  }

  /** Adds a node; returns its first output (or all of them with `outputs` > 1). */
  op(opType: string, input: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.opN(opType, input, 1, attrs)[0]!
  }

  opN(opType: string, input: string[], outputs: number, attrs: Record<string, AttrValue> = {}): string[] {
    const id = this.counter++
    const output = Array.from({ length: outputs }, (_, i) => `${opType.toLowerCase()}_${id}_${i}`)
    const attribute = Object.entries(attrs).map(([name, value]) => attributeOf(name, value))
    this.nodes.push({ opType, input, output, name: `${opType}_${id}`, attribute })
    return output
  }

  /** The model as ONNX protobuf bytes, with `metadata` as metadata_props. */
  encode(metadata: Record<string, string | number>, opset = 15): Uint8Array {
    const message = ModelProto.fromObject({
      irVersion: 8,
      producerName: 'tts-edge test model generator',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: 'main', node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value: String(value) })),
    })
    return ModelProto.encode(message).finish()
  }

  private tensor(dataType: number, rawData: Uint8Array, dims: number[]): string {
    const name = `w${this.counter++}`
    this.initializers.push({ name, dataType, dims, rawData })
    return name
  }
}

function valueInfo(name: string, elemType: number, dims: Dim[]): object {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }))
  return { name, type: { tensorType: { elemType, shape: { dim } } } }
}

function attributeOf(name: string, value: AttrValue): object {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value }
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value }
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats }
  const raw = new Uint8Array(value.tensor.buffer, value.tensor.byteOffset, value.tensor.byteLength)
  return { name, type: AttributeType.TENSOR, t: { dataType: DataType.FLOAT, dims: value.dims, rawData: raw } }
}
