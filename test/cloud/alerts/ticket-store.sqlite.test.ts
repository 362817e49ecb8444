import { defineTicketStoreSuite } from './ticket-store-suite.js';

defineTicketStoreSuite('SQLite');
