#!/usr/bin/env node
// Bundles the dashboard (src/dashboard, Preact + TSX) into dist/dashboard/app.js and app.css
// with esbuild: one script and one stylesheet, no external network at run time (no CDN, no
// web fonts). `npm run build` runs it; a member running from source (tsx) calls
// buildDashboard() in memory on its first /ui request instead (src/server/ui/assets.ts).
// Usage: node scripts/build-dashboard.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const outdir = join(root, 'dist', 'dashboard');

/** Resolves the bundle's files: { 'app.js': Uint8Array, 'app.css': Uint8Array }. */
export async function buildDashboard() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(root, 'src', 'dashboard', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir,
    entryNames: 'app',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const files = {};
  for (const file of result.outputFiles) files[file.path.slice(outdir.length + 1)] = file.contents;
  return files;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildDashboard();
  for (const [name, contents] of Object.entries(files)) {
    const path = join(outdir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, contents);
  }
  console.log(`dashboard: ${Object.keys(files).join(', ')} in ${outdir}`);
}
