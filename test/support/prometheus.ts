// A strict reader of the Prometheus text exposition format: every line a comment (HELP,
// TYPE), blank, or a sample of a declared metric with well-formed labels and a number.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$/;
const TYPE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;
const HELP = /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || HELP.test(line)) continue;
    const type = TYPE.exec(line);
    if (type?.[1] && type[2]) {
      types.set(type[1], type[2]);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample?.[1] || sample[3] === undefined) throw new Error(`line ${index + 1} is not valid: ${line}`);
    const name = sample[1];
    const base = name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(name) && !types.has(base)) throw new Error(`line ${index + 1}: ${name} has no # TYPE`);
    const value = sample[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample[3]);
    if (Number.isNaN(value) && sample[3] !== 'NaN')
      throw new Error(`line ${index + 1}: bad value ${sample[3]}`);
    const labels: Record<string, string> = {};
    for (const [, key, val] of (sample[2] ?? '').matchAll(LABEL)) if (key) labels[key] = val ?? '';
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`. */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
