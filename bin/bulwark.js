#!/usr/bin/env node
// Thin launcher: the compiled entry point lives in dist/ after `npm run build`.
import('../dist/main.js').catch((error) => {
  console.error(`bulwark: cannot load dist/main.js (${error && error.message}). Run \`npm run build\` first.`);
  process.exitCode = 1;
});
