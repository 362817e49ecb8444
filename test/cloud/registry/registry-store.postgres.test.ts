import { defineRegistryStoreSuite } from './registry-store-suite.js';

defineRegistryStoreSuite('PostgreSQL');
