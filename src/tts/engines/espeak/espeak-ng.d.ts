// The npm `espeak-ng` package ships an Emscripten module factory without types.
declare module 'espeak-ng' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<Record<string, unknown>>
  export default factory
}
