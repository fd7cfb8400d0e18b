#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx driftwatch` works from a fresh clone with no build.
import { register } from 'tsx/esm/api';

register();
await import('../lambdas/cli/main.ts');
