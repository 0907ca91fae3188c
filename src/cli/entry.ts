#!/usr/bin/env node
// The binary (dist/cli/main.js). First, before any of attend's code is loaded: with ATTEND_DEBUG
// set, stack traces are mapped through the source maps the build writes beside the chunks, so
// they name src/ files and lines. Then the command line (main.ts).
if (process.env.ATTEND_DEBUG) process.setSourceMapsEnabled(true);
await import('./main.js');
