// Which commands `timeout` runs directly and which go through `sh -c`: only words every POSIX
// shell reads as themselves skip the inner shell; anything a shell would interpret keeps it.
import { describe, expect, it } from 'vitest';
import { simpleWords, wrapWithTimeout } from '../../../src/adapters/ssh/watchdog.js';
import { renderTemplate } from '../../../src/shell/template.js';

describe('the remote watchdog', () => {
  it('hands simple commands to timeout as their words', () => {
    expect(wrapWithTimeout({ text: "/opt/deploy/bin/upgrade 'keystone' 'abc123'", timeoutMs: 60_000 })).toBe(
      "exec timeout -k 5s 60.000s /opt/deploy/bin/upgrade 'keystone' 'abc123'",
    );
    expect(simpleWords("sh bin/version 'keystone'")).toEqual(['sh', 'bin/version', "'keystone'"]);
    expect(simpleWords("/srv/bin/health --port=8080 /srv/'n1'/etc a,b user@host:1")).toHaveLength(5);
    // A quoted program name is left to a shell.
    expect(simpleWords("/srv/'n1'/bin/health")).toBeUndefined();
  });

  it('keeps sh -c for anything a shell would interpret, and for builtins', () => {
    for (const text of [
      'sleep 1; /bin/upgrade',
      'a && b',
      'a | b',
      'a > /tmp/x',
      'echo $(id)',
      'echo `id`',
      'echo $HOME',
      'echo *',
      'ls ~',
      'echo {a,b}',
      'a # comment',
      'FOO=1 /bin/upgrade',
      '/bin/upgrade =ls',
      'cd /srv && make',
      'export A=1',
      '-x',
      "'/opt/my tool' x",
      'echo "double"',
      "echo 'a'\\''b'",
      'a\tb',
      'a\nb',
    ])
      expect(simpleWords(text), text).toBeUndefined();
    expect(wrapWithTimeout({ text: 'sleep 1; /bin/upgrade', timeoutMs: 5_000 })).toBe(
      "exec timeout -k 1s 5.000s sh -c 'sleep 1; /bin/upgrade'",
    );
  });

  it('a rendered template stays one word per value, whatever the value holds', () => {
    for (const value of ['havana; touch /tmp/pwned', '$(touch /tmp/pwned)', '`id`', 'a\nb', "it's"]) {
      const text = renderTemplate('/opt/deploy/bin/upgrade {{release}}', { release: value });
      const words = simpleWords(text);
      // Either one quoted word after the program, or the whole thing under sh -c.
      if (words) expect(words).toHaveLength(2);
      else expect(wrapWithTimeout({ text, timeoutMs: 1000 })).toContain(' sh -c ');
    }
  });
});
