// Many rows of one table patched in one UPDATE, each row with its own set of fields: the
// patches travel as one jsonb array, and a field absent from a row's patch keeps its value.
// This keeps a commit of a 200-node wave to a handful of statements.
import { getTableColumns, getTableName, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Queryable } from './db.js';

type Patch = Record<string, unknown>;

/** Merges patches of the same key (later fields win), keeping first-seen order. */
export function mergePatches(patches: Patch[], keys: string[]): Patch[] {
  const merged = new Map<string, Patch>();
  for (const patch of patches) {
    const id = keys.map((k) => String(patch[k])).join('\u0000');
    merged.set(id, { ...merged.get(id), ...withoutUndefined(patch) });
  }
  return [...merged.values()];
}

function withoutUndefined(patch: Patch): Patch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

const CASTS: Record<string, string> = { serial: 'integer', bigserial: 'bigint' };

function patchedValue(column: PgColumn, field: string): SQL {
  const type = CASTS[column.getSQLType()] ?? column.getSQLType();
  if (type === 'jsonb') return sql`nullif(p.j -> ${field}::text, 'null'::jsonb)`;
  return sql`(p.j ->> ${field}::text)::${sql.raw(type)}`;
}

/**
 * `update <table> t set <field> = case when the row's patch has it then its value else t.<field>
 * end, … from jsonb_array_elements(<patches>) p(j) where t.<key> = p.<key> … [and scope]`.
 */
export async function patchRows(
  tx: Queryable,
  table: PgTable,
  keys: string[],
  patches: Patch[],
  scope?: (alias: string) => SQL,
): Promise<void> {
  const rows = mergePatches(patches, keys).filter((p) => Object.keys(p).length > keys.length);
  if (rows.length === 0) return;
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const fields = [...new Set(rows.flatMap(Object.keys))].filter((f) => !keys.includes(f));
  const sets = fields.map((field) => {
    const column = columns[field];
    if (!column) throw new Error(`no column ${field} in ${getTableName(table)}`);
    const name = sql.identifier(column.name);
    return sql`${name} = case when p.j ? ${field}::text then ${patchedValue(column, field)} else t.${name} end`;
  });
  const matches = keys.map((key) => {
    const column = columns[key]!;
    return sql`t.${sql.identifier(column.name)} = ${patchedValue(column, key)}`;
  });
  if (scope) matches.push(scope('t'));
  await tx.execute(
    sql`update ${sql.identifier(getTableName(table))} as t set ${sql.join(sets, sql`, `)}
        from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as p(j)
        where ${sql.join(matches, sql` and `)}`,
  );
}
