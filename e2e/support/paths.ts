/** Locations the e2e suite needs: the repository root and the real CLI entry point. */
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliEntry = fileURLToPath(new URL('../../packages/controller/src/cli.ts', import.meta.url));
export const examplesDir = fileURLToPath(new URL('../../deploy/examples/', import.meta.url));
