import { defineDeviceStoreSuite } from './device-store-suite.js';

defineDeviceStoreSuite('PostgreSQL');
