// The documents generated from code: file → content. `npm run docs` writes them; a test
// fails when the committed files differ, so help text and docs cannot drift.
import { renderCommandReference } from './bot/grammar.js';
import { renderConfigReference } from './config/reference.js';

export function generatedDocs(): Record<string, string> {
  return {
    'docs/config.md': renderConfigReference(),
    'docs/commands.md': renderCommandReference(),
  };
}
