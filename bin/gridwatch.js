#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `gridwatch` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
// A command that failed may leave timers or sockets behind (a gateway whose port was taken had
// started its rules): end the process rather than hang on them.
if (code !== 0) process.exit(code);
process.exitCode = code;
