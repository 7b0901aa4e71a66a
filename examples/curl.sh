#!/usr/bin/env bash
# The curl lines of docs/api.md ("Examples"), runnable: bash examples/curl.sh [base-url] [out-dir]
set -euo pipefail
base="${1:-http://localhost:8080}"
out="${2:-.}"
auth=()
if [[ -n "${TTS_API_KEY:-}" ]]; then auth=(-H "authorization: Bearer ${TTS_API_KEY}"); fi

curl -fsS "$base/v1/audio/speech" "${auth[@]}" -H 'content-type: application/json' \
  -d '{"model":"tts-1","voice":"alloy","input":"Hello from the edge."}' -o "$out/curl-hello.mp3"
curl -fsS "$base/v1/audio/speech" "${auth[@]}" -H 'content-type: application/json' -H 'x-request-id: curl-demo-1' \
  -d '{"model":"tts-1","voice":"nova","input":"Faster, please.","response_format":"wav","speed":1.5}' -o "$out/curl-fast.wav"
curl -fsSN "$base/v1/audio/speech" "${auth[@]}" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o-mini-tts","voice":"coral","input":"Streaming events.","response_format":"pcm","stream_format":"sse"}' -o "$out/curl-events.txt"
curl -fsS "$base/v1/text-to-speech/de-f1/stream?output_format=pcm_16000" "${auth[@]}" \
  -H 'content-type: application/json' -d '{"text":"Guten Morgen."}' -o "$out/curl-morgen.pcm"
curl -fsS "$base/v1/audio/voices" -o "$out/curl-voices.json"
echo "wrote $out/curl-hello.mp3 $out/curl-fast.wav $out/curl-events.txt $out/curl-morgen.pcm $out/curl-voices.json"
