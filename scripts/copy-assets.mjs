// Copies static files tsc does not emit (the website widget, the demo page) into dist/.
import { cpSync, existsSync } from 'node:fs';

const pairs = [['src/relay/widget', 'dist/relay/widget']];
for (const [from, to] of pairs) {
  if (existsSync(from)) cpSync(from, to, { recursive: true, filter: (f) => !f.endsWith('.ts') });
}
