// `npm run docs`: writes the generated references in docs/. A test compares them.
import { writeFileSync } from 'node:fs';
import { generatedDocs } from '../src/docs.js';

for (const [file, text] of Object.entries(generatedDocs())) {
  writeFileSync(new URL(`../${file}`, import.meta.url), text);
  process.stdout.write(`wrote ${file}\n`);
}
