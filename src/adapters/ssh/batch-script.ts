// A unit's phases as one POSIX sh script (ssh.batchPhases): `version`, its gate, then the
// phases in order, each under the watchdog (watchdog.ts), stopping at the first failure. After
// each phase a marker line `@@drover:<nonce> end <phase> <status>` goes to stdout and to
// stderr, so the client cuts both streams into per-phase output; the gate's refusal is
// `@@drover:<nonce> gate stop` and exit status 86. The nonce is random per script, so no
// phase's output can forge a marker. Every value is shell-quoted.
import type { Batch } from '../../engine/ports.js';
import { shellQuote } from '../../shell/template.js';
import { underWatchdog } from './watchdog.js';

/** The exit status of a script whose gate stopped it after `version`. */
export const GATE_STOPPED = 86;

export const markerOf = (nonce: string) => `\n@@drover:${nonce} `;

const quoted = (values: string[]) => values.map(shellQuote).join(' ');
const oneOf = (names: string[]) => names.map(shellQuote).join('|');

/** The gate as a shell function `g`: status 0 lets the unit go on to `drain`. */
function gateFunction(batch: Batch): string {
  const gate = batch.gate ?? { stopNames: [], stopShas: [], goNames: [], goShas: [] };
  const prefixOf = (shas: string[], status: number) =>
    shas.length === 0
      ? ''
      : `  if [ \${#1} -ge 7 ]; then for h in ${quoted(shas)}; do case $h in "$1"*) return ${status};; esac; done; fi\n`;
  return [
    'g() {\n',
    '  [ $# -eq 1 ] || return 1\n',
    gate.stopNames.length > 0 ? `  case $1 in ${oneOf(gate.stopNames)}) return 1;; esac\n` : '',
    prefixOf(gate.stopShas, 1),
    gate.goNames.length > 0 ? `  case $1 in ${oneOf(gate.goNames)}) return 0;; esac\n` : '',
    prefixOf(gate.goShas, 0),
    '  return 1\n',
    '}\n',
  ].join('');
}

export function batchScript(batch: Batch, nonce: string): string {
  const lines = [
    `N=${nonce}`,
    `m() { printf '\\n@@drover:%s end %s %s\\n' "$N" "$1" "$2"; printf '\\n@@drover:%s end %s %s\\n' "$N" "$1" "$2" >&2; }`,
  ];
  if (batch.version) {
    // The output is kept whole (a trailing "/status" keeps its trailing newlines) and printed as is.
    lines.push(
      `o=$(${underWatchdog(batch.version)}; printf '/%s' "$?")`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
      's=${o##*/}',
      `printf '%s' "\${o%/*}"`,
      'm version "$s"',
      '[ "$s" -eq 0 ] || exit "$s"',
      gateFunction(batch),
      'set -f',
      `if g \${o%/*}; then :; else printf '\\n@@drover:%s gate stop\\n' "$N"; exit ${GATE_STOPPED}; fi`,
      'set +f',
    );
  }
  for (const command of batch.phases) {
    lines.push(underWatchdog(command), `s=$?; m ${command.phase} "$s"; [ "$s" -eq 0 ] || exit "$s"`);
  }
  lines.push('exit 0');
  return lines.join('\n');
}
