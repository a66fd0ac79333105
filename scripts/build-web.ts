/**
 * Builds the web control UI (web/) into dist/web/: one ES module bundle (Preact included), one stylesheet, the page
 * and its icon. Offline, from npm packages only; the daemon serves these files from memory (src/gateway/ui/assets.ts).
 * Run by `npm run build`; prints each file's size.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${root}web/src/main.tsx`, `${root}web/app.css`],
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'eof',
  logLevel: 'warning',
});
// esbuild names the script after its entry: main.js is served as app.js.
copyFileSync(`${out}/main.js`, `${out}/app.js`);
rmSync(`${out}/main.js`);
for (const file of ['index.html', 'icon.svg']) copyFileSync(`${root}web/${file}`, `${out}/${file}`);
const sizes = readdirSync(out).map((f) => `${f} ${(statSync(`${out}/${f}`).size / 1024).toFixed(1)} KB`);
console.log(`web UI built into dist/web: ${sizes.join(', ')}`);
