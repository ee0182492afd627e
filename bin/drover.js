#!/usr/bin/env node
// The installed entry point: runs the compiled CLI from dist/ (built by `npm run build`,
// which `npm ci` runs through the `prepare` script).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli.js');
if (!existsSync(compiled)) {
  process.stderr.write(`drover: ${compiled} is missing; run \`npm run build\` in ${root} first.\n`);
  process.exit(1);
}
const { main, tuneForCommand } = await import(pathToFileURL(compiled).href);
tuneForCommand(process.argv.slice(2));
process.exitCode = await main(process.argv.slice(2));
