// The config reference (docs/config.md), generated from the zod schema so it cannot drift.
import { z } from 'zod';
import { configSchema } from './schema.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  required?: string[];
  pattern?: string;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  if (schema.type === 'string' && schema.pattern?.includes('ms|s|m|h|d')) return 'duration';
  if (schema.type === 'string' && schema.pattern?.includes('%')) return 'N%';
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object' && !schema.properties)
    return 'map';
  return Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
}

function rows(schema: JsonSchema, path: string, out: string[][]): void {
  const properties = schema.properties ?? {};
  for (const [key, child] of Object.entries(properties)) {
    const here = path ? `${path}.${key}` : key;
    const required = schema.required?.includes(key) ? 'yes' : '';
    const fallback = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
    out.push([`\`${here}\``, typeOf(child), required, fallback, child.description ?? '']);
    if (child.properties) rows(child, here, out);
    // One of several shapes (an inventory is `{ansible, roles}` or `{command, roles}`): each one's keys.
    for (const shape of child.anyOf ?? []) if (shape.properties) rows(shape, here, out);
    if (child.type === 'array' && child.items?.properties) rows(child.items, `${here}[]`, out);
    if (
      typeof child.additionalProperties === 'object' &&
      (child.additionalProperties.properties || child.additionalProperties.anyOf)
    ) {
      rows(child.additionalProperties, `${here}.<name>`, out);
    }
  }
}

export function renderConfigReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: string[][] = [];
  rows(schema, '', out);
  const table = out.map(
    (cells) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|').replace(/\\\\\|/g, '\\|')).join(' | ')} |`,
  );
  return [
    '# drover.yaml reference',
    '',
    'Generated from the schema by `npm run docs`; a test fails when this file differs from it.',
    'Durations are strings such as `90s`, `10m`, `1h`; counts are `N` or `N%`. Unknown keys are errors.',
    'Release entries sit beside the settings of `releases:` (`releases.<name>: { ref, from }`).',
    '',
    '| key | type | required | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...table,
    '',
  ].join('\n');
}
