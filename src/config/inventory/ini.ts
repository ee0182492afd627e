// Ansible's INI inventory format, read by a small dedicated parser: `[group]` host lines with
// `key=value` variables, `[group:children]`, `[group:vars]`, comments (`#`, `;`), quoted values,
// and host ranges (`compute[01:03]`, `node-[a:c]`). Hosts before any section are `ungrouped`.
import { InventoryError } from '../../errors.js';
import { addHost, emptyInventory, group, type Inventory, type Vars } from './model.js';

/** Words of a line: whitespace-separated, '…' and "…" quoted, an unquoted `#` ends the line. */
function words(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else if (char === '#' && !started) {
      break;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote) throw new InventoryError(`unclosed ${quote} quote`);
  if (started) out.push(current);
  return out;
}

/** `ctl[01:03]` → ctl01, ctl02, ctl03 (zero padding kept); `n-[a:c]` → n-a, n-b, n-c. */
export function expandRange(pattern: string): string[] {
  const match = /^(.*?)\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::(\d+))?\](.*)$/.exec(pattern);
  if (!match) return [pattern];
  const [, head = '', from = '', to = '', step = '1', rest = ''] = match;
  const tails = expandRange(rest);
  const out: string[] = [];
  if (/^\d+$/.test(from)) {
    const width = from.startsWith('0') ? from.length : 0;
    for (let i = Number(from); i <= Number(to); i += Number(step))
      for (const tail of tails) out.push(`${head}${String(i).padStart(width, '0')}${tail}`);
  } else {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += Number(step))
      for (const tail of tails) out.push(`${head}${String.fromCharCode(c)}${tail}`);
  }
  return out;
}

function assignments(items: string[], where: string): Vars {
  const vars: Vars = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) throw new InventoryError(`${where}: expected key=value, not "${item}"`);
    vars[item.slice(0, at)] = item.slice(at + 1);
  }
  return vars;
}

export function parseIni(text: string): Inventory {
  const inventory = emptyInventory();
  let section = { name: 'ungrouped', kind: 'hosts' as 'hosts' | 'children' | 'vars' };
  group(inventory, 'all');
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const where = `line ${index + 1}`;
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]:]+)(?::(children|vars))?\]$/.exec(line);
    if (header) {
      section = { name: header[1]!, kind: (header[2] as 'children' | 'vars' | undefined) ?? 'hosts' };
      group(inventory, section.name);
      continue;
    }
    if (line.startsWith('[')) throw new InventoryError(`${where}: bad section header ${line}`);
    try {
      if (section.kind === 'vars') {
        // `key = value` and `key=value` both occur.
        const at = line.indexOf('=');
        if (at <= 0) throw new InventoryError(`expected key=value, not "${line}"`);
        const value = words(line.slice(at + 1)).join(' ');
        group(inventory, section.name).vars[line.slice(0, at).trim()] = value;
      } else if (section.kind === 'children') {
        const [child] = words(line);
        if (child) {
          group(inventory, section.name).children.add(child);
          group(inventory, child);
        }
      } else {
        const [pattern, ...rest] = words(line);
        if (!pattern) continue;
        const vars = assignments(rest, where);
        for (const host of expandRange(pattern)) addHost(inventory, section.name, host, vars);
      }
    } catch (error) {
      if (error instanceof InventoryError && !error.message.startsWith('line '))
        throw new InventoryError(`${where}: ${error.message}`);
      throw error;
    }
  }
  return inventory;
}
