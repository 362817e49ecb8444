import { defineReadingStoreSuite } from './reading-store-suite.js';

defineReadingStoreSuite('SQLite');
