/**
 * Reads what sherpa-onnx will ask of a model file (its metadata and its graph's input
 * names) before any worker loads it. sherpa-onnx ends the whole process when a metadata key
 * it needs is missing, so the service checks these at start and names the file instead.
 */
import { ModelHeaderProto } from './onnx-schema.ts'

export interface OnnxHeader {
  /** `metadata_props`, as sherpa-onnx's loaders read them. */
  metadata: Record<string, string>
  /** The graph's input names, in order (sherpa-onnx feeds inputs by position). */
  inputs: string[]
  outputs: string[]
}

interface DecodedHeader {
  graph?: { input?: { name?: string }[]; output?: { name?: string }[] }
  metadataProps?: { key?: string; value?: string }[]
}

/**
 * Throws an Error saying what is wrong when `bytes` is not an ONNX model.
 *
 * @example
 * const { metadata, inputs } = readOnnxHeader(await Bun.file('en_US-amy-medium.onnx').bytes())
 * metadata.sample_rate // '22050'
 */
export function readOnnxHeader(bytes: Uint8Array): OnnxHeader {
  let decoded: DecodedHeader
  try {
    decoded = ModelHeaderProto.decode(bytes) as DecodedHeader
  } catch (err) {
    throw new Error(`not an ONNX model (${err instanceof Error ? err.message : String(err)})`)
  }
  const inputs = (decoded.graph?.input ?? []).map((v) => v.name ?? '')
  if (inputs.length === 0) throw new Error('not an ONNX model (its graph has no inputs)')
  const metadata: Record<string, string> = {}
  for (const { key, value } of decoded.metadataProps ?? []) if (key) metadata[key] = value ?? ''
  return { metadata, inputs, outputs: (decoded.graph?.output ?? []).map((v) => v.name ?? '') }
}
