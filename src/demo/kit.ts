// The node kit: POSIX sh scripts that each simulated node runs for real in its directory.
// `upgrade` records what it deployed (and logs every invocation, so tests can count them);
// `health` fails on a `fail-health[-<service>]` file or a `health-hook` script's verdict.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPTS: Record<string, string> = {
  version: `#!/bin/sh
cat "state/$1.version" 2>/dev/null || cat seed-version
`,
  drain: `#!/bin/sh
echo "drain $1" >> phases.log
touch "state/$1.drained"
`,
  undrain: `#!/bin/sh
echo "undrain $1" >> phases.log
rm -f "state/$1.drained"
`,
  upgrade: `#!/bin/sh
echo "$1 $2" >> upgrade.log
if [ -f fail-upgrade ]; then echo "upgrade of $1 failed: package conflict" >&2; exit 2; fi
printf '%s\\n' "$2" > "state/$1.version"
echo "deployed $1 at $2"
`,
  health: `#!/bin/sh
echo "health $1" >> phases.log
if [ -f fail-health ] || [ -f "fail-health-$1" ]; then
  echo "health check of $1 failed: service not responding on its port" >&2
  exit 1
fi
if [ -f health-hook ]; then exec sh health-hook "$1" "$(sh bin/version "$1")"; fi
echo "$1 healthy"
`,
};

/** The phase templates that drive the kit. */
export const KIT_PHASES = {
  version: 'sh bin/version {{service}}',
  drain: 'sh bin/drain {{service}}',
  upgrade: 'sh bin/upgrade {{service}} {{commit}}',
  health: 'sh bin/health {{service}}',
  undrain: 'sh bin/undrain {{service}}',
  rollback: 'sh bin/upgrade {{service}} {{fromCommit}}',
} as const;

export function installKit(dir: string, seedVersion: string): void {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'state'), { recursive: true });
  for (const [name, text] of Object.entries(SCRIPTS)) {
    writeFileSync(join(dir, 'bin', name), text);
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  writeFileSync(join(dir, 'seed-version'), `${seedVersion}\n`);
}
