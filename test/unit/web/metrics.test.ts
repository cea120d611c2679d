import { describe, expect, it } from 'vitest';
import { mean, parsePrometheus, sum } from '../../../web/src/lib/metrics.js';
import { keyMetrics } from '../../../web/src/pages/system.js';

const TEXT = `# HELP mycel_turns_total Conversation turns
# TYPE mycel_turns_total counter
mycel_turns_total{channel="web",outcome="ok"} 4
mycel_turns_total{channel="telegram",outcome="ok"} 2
mycel_turns_total{channel="web",outcome="error"} 1
mycel_turn_duration_seconds_sum{channel="web"} 3
mycel_turn_duration_seconds_count{channel="web"} 6
mycel_http_requests_total{method="GET",route="/a \\"b\\"",status="200"} 10
mycel_process_start_time_seconds 1700000000
mycel_process_resident_memory_bytes 104857600
`;

describe('the Prometheus text parser of the health page', () => {
  it('reads samples with labels, including escaped quotes', () => {
    const samples = parsePrometheus(TEXT);
    expect(samples).toHaveLength(8);
    expect(samples.find((s) => s.name === 'mycel_http_requests_total')?.labels.route).toBe('/a "b"');
    expect(sum(samples, 'mycel_turns_total', { outcome: 'ok' })).toBe(6);
    expect(mean(samples, 'mycel_turn_duration_seconds')).toBe(0.5);
    expect(sum(samples, 'mycel_nothing')).toBeUndefined();
  });

  it('turns them into the key metrics a person reads, with a dash for what is not measured', () => {
    const metrics = Object.fromEntries(keyMetrics(parsePrometheus(TEXT), 1_700_000_090_000).map((m) => [m.label, m.value]));
    expect(metrics).toMatchObject({
      'Turns answered': '6',
      'Turns failed': '1',
      'Mean reply time': '500 ms',
      'Mean reminder delay': '—',
      'HTTP requests': '10',
      'Memory in use': '100.0 MB',
      'Up for': '1 min 30 s',
    });
  });
});
