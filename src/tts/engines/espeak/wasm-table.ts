/**
 * Just enough of the WebAssembly binary format to learn the signature of every function
 * in the module's indirect-call table. The espeak-ng build exports only `main`, but its
 * C code calls the synthesis callback through that table; knowing which slots have the
 * callback's signature lets the WASM engine find the slot and put its own function there
 * (see espeak-wasm-runtime.ts). Returns an empty map for layouts it does not understand,
 * and the engine then falls back to reading the WAV file.
 */

const I32 = 0x7f

/**
 * Indirect-table slots holding a function of signature (i32, i32, i32) -> i32.
 *
 * @example
 * tableSlotsWithThreeIntArgs(wasmBytes) // [12, 13, 15, 18, 19, 20, 24] for npm espeak-ng 1.0.2
 */
export function tableSlotsWithThreeIntArgs(bytes: Uint8Array): number[] {
  try {
    return parse(bytes)
  } catch {
    return []
  }
}

function parse(b: Uint8Array): number[] {
  let i = 8 // magic + version
  const u32 = (): number => {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = b[i++]
      if (byte === undefined) throw new Error('truncated')
      result |= (byte & 0x7f) << shift
      shift += 7
      if (byte < 0x80) return result >>> 0
    }
  }
  const skipLimits = () => {
    const flags = u32()
    u32()
    if (flags & 1) u32()
  }
  const wanted: boolean[] = [] // per type index
  const functionTypes: number[] = []
  const slots: number[] = []
  while (i < b.length) {
    const id = b[i++]!
    const size = u32()
    const end = i + size
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        if (b[i++] !== 0x60) throw new Error('not a function type')
        const params = b.subarray(i + 1, i + 1 + b[i]!)
        i += 1 + params.length
        const results = b.subarray(i + 1, i + 1 + b[i]!)
        i += 1 + results.length
        wanted.push(params.length === 3 && params.every((t) => t === I32) && results.length === 1 && results[0] === I32)
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        for (let name = 0; name < 2; name++) {
          const length = u32() // module, then field name (read first: `i += u32()` would use the old i)
          i += length
        }
        const kind = b[i++]
        // Imported functions come first in the function index space.
        if (kind === 0) functionTypes.push(u32())
        else if (kind === 1) (i++, skipLimits())
        else if (kind === 2) skipLimits()
        else i += 2 // global: type + mutability
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) functionTypes.push(u32())
    } else if (id === 9) {
      for (let n = u32(); n > 0; n--) {
        // Only the MVP form: active segment for table 0 with an i32.const offset.
        if (u32() !== 0 || b[i++] !== 0x41) throw new Error('unsupported element segment')
        const offset = u32()
        if (b[i++] !== 0x0b) throw new Error('unsupported offset expression')
        const count = u32()
        for (let k = 0; k < count; k++) {
          const fn = u32()
          if (wanted[functionTypes[fn] ?? -1]) slots.push(offset + k)
        }
      }
    }
    i = end
  }
  return slots
}
