/** Summary statistics of a set of timings (milliseconds). */
export interface Distribution {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { runs: samples.length, medianMs: round(at(0.5)), p95Ms: round(at(0.95)), minMs: round(sorted[0] ?? 0), maxMs: round(sorted.at(-1) ?? 0) };
}
