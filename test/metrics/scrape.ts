/**
 * Scrapes a member's /metrics and reads samples from the Prometheus text format, for tests.
 *
 * @example
 * const m = await scrape('http://127.0.0.1:2379');
 * m.value('etcd_server_has_leader'); // 1
 * m.value('grpc_server_handled_total', { grpc_method: 'Put', grpc_code: 'OK' });
 */
import assert from 'node:assert/strict';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class Scrape {
  constructor(
    readonly samples: readonly Sample[],
    /** `# TYPE` lines: metric name -> type. */
    readonly types: ReadonlyMap<string, string>,
  ) {}

  /** The sum of the samples named `name` whose labels include `labels` (0 if none). */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.matching(name, labels).reduce((sum, s) => sum + s.value, 0);
  }

  matching(name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match !== null, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return new Scrape(samples, types);
}

/** GET `${baseUrl}/metrics`; asserts a 200 in the text format. */
export async function scrape(baseUrl: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, `GET ${baseUrl}/metrics answered ${response.status}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

/** The member's JSON log lines (stderr), parsed; lines that are not JSON are skipped. */
export function logLines(log: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  return lines;
}
