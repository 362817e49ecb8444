import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir.js';

// Vitest's workers do not always reach 'exit': each test file cleans up its temp dirs itself.
afterAll(removeTempDirs);
