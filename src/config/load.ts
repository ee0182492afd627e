// The one config module: defaults (in the schema) → file → environment, parsed by zod.
// Every problem is reported at once, each with file:line:column of the offending key.
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { withInventory } from './inventory/load.js';
import { dotted, type PathKey } from './path.js';
import { readConfigFile } from './read.js';
import { type Config, configSchema } from './schema.js';
import { semanticIssues } from './semantic.js';

const MAX_ALIAS_COUNT = 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function firstAlias(text: string, at: (offset: number) => { line: number; col: number }) {
  const offset = text.search(/(^|[\s[{,:])\*[^\s,\]}]/m);
  const { line, col } = at(Math.max(0, offset));
  return { line, column: col };
}

export interface LoadedConfig {
  config: Config;
  file: string;
}

/** Where the config lives: `--config`, else `DROVER_CONFIG`, else `drover.yaml`. */
export function configPath(env: NodeJS.ProcessEnv = process.env, flag?: string): string {
  return resolve(flag ?? env.DROVER_CONFIG ?? 'drover.yaml');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flag?: string): LoadedConfig {
  const file = configPath(env, flag);
  let text: string;
  try {
    text = readConfigFile(file);
  } catch (cause) {
    throw new ConfigError(
      [
        {
          file,
          line: 0,
          column: 0,
          path: '',
          message: `cannot read the config (${(cause as Error).message}); run \`drover init\` to write an example`,
        },
      ],
      { cause },
    );
  }
  return { config: parseConfig(text, file, env), file };
}

/** Parses config text; throws ConfigError listing every issue with its position. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = at(error.pos[0]);
        return { file, line, column: col, path: '', message: error.message.split('\n')[0] ?? error.message };
      }),
    );
  }
  const locate = (path: PathKey[], key: boolean): { line: number; column: number } => {
    const range = rangeOf(doc.contents, path, key);
    if (!range) return { line: 1, column: 1 };
    const { line, col } = at(range);
    return { line, column: col };
  };
  let js: unknown;
  try {
    // Aliases are expanded here: a thousand expansions allow any real file and refuse a
    // "billion laughs" one long before it could fill memory.
    js = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    throw new ConfigError(
      [
        {
          file,
          ...firstAlias(text, at),
          path: '',
          message: `the YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} nodes; write the values out instead`,
        },
      ],
      { cause },
    );
  }
  const raw = withEnvironment(isRecord(js) ? js : {}, env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error.issues, file, locate));
  const expanded = expandPaths(parsed.data, env);
  const inventoryIssues: Array<{ path: PathKey[]; message: string }> = [];
  const environments: Config['environments'] = {};
  for (const [name, environment] of Object.entries(expanded.environments)) {
    const { env: merged, issues } = withInventory(name, environment, dirname(file), env);
    environments[name] = merged;
    inventoryIssues.push(...issues);
  }
  const config = { ...expanded, environments };
  const problems = [...inventoryIssues, ...(inventoryIssues.length > 0 ? [] : semanticIssues(config))].map(
    (issue) => ({
      file,
      ...locate(issue.path, true),
      path: dotted(issue.path),
      message: issue.message,
    }),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function zodIssues(
  issues: z.core.$ZodIssue[],
  file: string,
  locate: (path: PathKey[], key: boolean) => { line: number; column: number },
): ConfigIssue[] {
  return issues.flatMap((issue) => {
    const path = issue.path.filter((key): key is PathKey => typeof key !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        file,
        ...locate([...path, key], true),
        path: dotted([...path, key]),
        message: `unknown key "${key}"`,
      }));
    }
    const missing = issue.code === 'invalid_type' && issue.message.includes('received undefined');
    const message = missing ? 'required key is missing' : issue.message;
    return [{ file, ...locate(missing ? path.slice(0, -1) : path, true), path: dotted(path), message }];
  });
}

/**
 * Where each key of a config file is (for problems found after loading, such as `validate
 * --reach`): file:line:column of the key `path` names, or of the nearest ancestor the file has.
 */
export function configLocator(file: string): (path: PathKey[]) => ConfigIssue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readConfigFile(file), { lineCounter, prettyErrors: false });
  return (path) => {
    const { line, col } = lineCounter.linePos(rangeOf(doc.contents, path, true) ?? 0);
    return { file, line, column: col, path: dotted(path), message: '' };
  };
}

/** The source offset of the key (or, for sequence items, the value) that `path` names. */
function rangeOf(root: unknown, path: PathKey[], preferKey: boolean): number | undefined {
  let node = root as Node | null | undefined;
  let offset = (node as Node | undefined)?.range?.[0];
  for (const [index, key] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      if (!pair) return offset;
      const keyNode = pair.key as Node;
      offset =
        last && preferKey
          ? keyNode.range?.[0]
          : ((pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0]);
      node = pair.value as Node;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0];
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

/** Environment overrides that apply on top of the file. */
function withEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const ssh =
    typeof raw.ssh === 'object' && raw.ssh !== null ? { ...(raw.ssh as Record<string, unknown>) } : raw.ssh;
  if (env.DROVER_SSH_USER && typeof ssh === 'object' && ssh !== null)
    (ssh as Record<string, unknown>).user = env.DROVER_SSH_USER;
  return { ...raw, ssh };
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path === '~' || path.startsWith('~/') ? `${env.HOME ?? homedir()}${path.slice(1)}` : path;
}

function expandPaths(config: Config, env: NodeJS.ProcessEnv): Config {
  return {
    ...config,
    ssh: {
      ...config.ssh,
      knownHosts: expandHome(config.ssh.knownHosts, env),
      config: expandHome(config.ssh.config, env),
      privateKey: config.ssh.privateKey ? expandHome(config.ssh.privateKey, env) : undefined,
    },
    releases: { ...config.releases, repo: expandHome(config.releases.repo, env) },
  };
}
