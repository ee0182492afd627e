// The layering src/README.md declares is the one the code has: every import of src/ is allowed
// by the "may import" column of the row its file is in, and no import circle exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { circles, type Import, importsOf, sourceFiles } from './support/imports.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** One row of a table with a "may import" column: `engine/` → `config/` types, `shell/`, `errors.ts`. */
interface Rule {
  /** A folder (`adapters/ssh/`) or a file (`cli.ts`) of src/. */
  room: string;
  allowed: Array<{ path: string; typesOnly: boolean }>;
  /** The cell as written, for messages. */
  text: string;
}

/**
 * The rows of every table in the README whose header has a "may import" column. A cell is
 * `nothing of drover` or a comma-separated list of `` `path` `` entries, each optionally
 * followed by `types`; anything else fails, so the table stays machine-readable.
 */
function parseRules(markdown: string): Rule[] {
  const rules: Rule[] = [];
  let column = -1;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      column = -1;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (column < 0) {
      column = cells.indexOf('may import');
      continue;
    }
    const room = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    const text = cells[column];
    if (!room || text === undefined) continue;
    const allowed =
      text === 'nothing of drover'
        ? []
        : text.split(',').map((entry) => {
            const match = /^`([^`]+)`( types)?$/.exec(entry.trim());
            if (!match?.[1]) throw new Error(`src/README.md, row ${room}: cannot read "${entry.trim()}"`);
            return { path: match[1], typesOnly: match[2] !== undefined };
          });
    rules.push({ room, allowed, text });
  }
  return rules;
}

const covers = (path: string, file: string): boolean =>
  path.endsWith('/') ? file.startsWith(path) : file === path;

/** The row a file is in: the longest room that covers it. */
function roomOf(rules: readonly Rule[], file: string): Rule | undefined {
  return rules.filter((rule) => covers(rule.room, file)).sort((a, b) => b.room.length - a.room.length)[0];
}

/** Each import its file's row does not allow, as `src/file:line → src/target: why`. */
function offences(rules: readonly Rule[], imports: readonly Import[]): string[] {
  const found: string[] = [];
  for (const item of imports) {
    const where = `src/${item.from}:${item.line} → src/${item.to}`;
    const rule = roomOf(rules, item.from);
    if (!rule) {
      found.push(`${where}: src/${item.from} is in no row of src/README.md`);
      continue;
    }
    if (roomOf(rules, item.to) === rule) continue;
    const entries = rule.allowed.filter((entry) => covers(entry.path, item.to));
    if (entries.length === 0) found.push(`${where}: ${rule.room} may import only ${rule.text}`);
    else if (!item.typeOnly && entries.every((entry) => entry.typesOnly))
      found.push(`${where}: a value import, but ${rule.room} may import only types of it (${rule.text})`);
  }
  return found;
}

const rules = parseRules(readFileSync(join(SRC, 'README.md'), 'utf8'));
const files = sourceFiles(SRC);
const imports = files.flatMap((file) => importsOf(SRC, file));

describe('layering (src/README.md)', () => {
  it('has a row for every folder and top-level file of src/', () => {
    const tops = [...new Set(files.map((file) => file.replace(/\/.*/, '/')))];
    expect(tops.filter((top) => !rules.some((rule) => rule.room === top))).toEqual([]);
    for (const rule of rules)
      for (const entry of rule.allowed)
        expect(
          files.some((file) => covers(entry.path, file)),
          `${rule.room}: ${entry.path}`,
        ).toBe(true);
  });

  it('allows every import of src/', () => {
    expect(imports.length).toBeGreaterThan(500);
    const found = offences(rules, imports);
    expect(found, `imports the table does not allow:\n${found.join('\n')}\n`).toEqual([]);
  });

  it('has no import circle (type imports count)', () => {
    const found = circles(imports).map((circle) => circle.map((file) => `src/${file}`).join(' → '));
    expect(found, `import circles:\n${found.join('\n')}\n`).toEqual([]);
  });

  it('catches a wrong import, a value import of a types-only entry and a circle', () => {
    const at = (from: string, to: string, typeOnly = false): Import => ({ from, to, line: 3, typeOnly });
    expect(
      offences(rules, [
        at('engine/plan.ts', 'adapters/db/open.ts'),
        at('engine/plan.ts', 'config/schema.ts'),
        at('engine/plan.ts', 'config/schema.ts', true),
      ]),
    ).toEqual([
      expect.stringMatching(/^src\/engine\/plan\.ts:3 → src\/adapters\/db\/open\.ts: engine\/ may import/),
      expect.stringMatching(/^src\/engine\/plan\.ts:3 → src\/config\/schema\.ts: a value import/),
    ]);
    expect(circles([at('a.ts', 'b.ts', true), at('b.ts', 'c.ts'), at('c.ts', 'a.ts')])).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
    ]);
  });
});
