-- Shared done(): one parseable line per run.
-- BENCH rps=<req/s> p50_ms=<ms> p99_ms=<ms> bad=<non-2xx/3xx> errors=<socket errors>
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH rps=%.1f p50_ms=%.3f p99_ms=%.3f bad=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
