import { readFileSync, writeFileSync } from 'node:fs';
import { minify } from 'terser';

const [src, dest] = process.argv.slice(2);
const code = readFileSync(src, 'utf8');
const out = await minify(code, { compress: true, mangle: true });
writeFileSync(dest, out.code);
console.log(`${src}: ${code.length} -> ${out.code.length} bytes`);
