import { definePeopleAndAccessSuite } from './people-and-access-suite.js';

definePeopleAndAccessSuite('SQLite');
