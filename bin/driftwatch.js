#!/usr/bin/env node
// Starts the compiled CLI in dist/ (`npm run build`, which `npm ci` runs as `prepare`): node alone
// starts in a fraction of the time tsx needs to transpile the tree. From a clone without a build,
// with a source file newer than its build, or with DRIFTWATCH_FROM_SOURCE=1, runs the TypeScript
// source through tsx instead, so an edit is never hidden behind a stale dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/lambdas/cli/main.js', import.meta.url);

/** True when a lambdas/ source file has no compiled twin or was changed after it was built. */
function distIsStale() {
  const sources = fileURLToPath(new URL('../lambdas/', import.meta.url));
  const built = fileURLToPath(new URL('../dist/lambdas/', import.meta.url));
  // An installed package ships dist/ only.
  if (!existsSync(sources)) return false;
  for (const file of readdirSync(sources, { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const twin = statSync(`${built}${file.slice(0, -'.ts'.length)}.js`, { throwIfNoEntry: false });
    if (!twin || statSync(sources + file).mtimeMs > twin.mtimeMs) return true;
  }
  return false;
}

if (process.env.DRIFTWATCH_FROM_SOURCE !== '1' && existsSync(compiled) && !distIsStale()) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../lambdas/cli/main.ts');
}
