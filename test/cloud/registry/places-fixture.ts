import type { Kysely } from 'kysely';
import type { Database } from '../../../cloud/db/database.js';
import type { RegistryStore } from '../../../cloud/registry/registry-store.js';

/**
 * The places the registry tests share: Shanghai -> 静安区 -> 江宁路街道 -> 蒋家巷居委 -> grids 3
 * and 4 (`grids` picks which).
 */
export async function addJiangningPlaces(registry: RegistryStore, grids: readonly ('grid-3' | 'grid-4')[] = ['grid-3', 'grid-4']): Promise<void> {
  await registry.addPlace({ id: 'sh', level: 'city', name: '上海市' });
  await registry.addPlace({ id: 'jingan', parentId: 'sh', level: 'district', name: '静安区' });
  await registry.addPlace({ id: 'jiangning', parentId: 'jingan', level: 'street', name: '江宁路街道' });
  await registry.addPlace({ id: 'comm-1', parentId: 'jiangning', level: 'community', name: '蒋家巷居委' });
  for (const grid of grids) await registry.addPlace({ id: grid, parentId: 'comm-1', level: 'grid', name: `网格 ${grid.slice(5)}` });
}

/** Empties every registry table, children before parents (each suite's database is its own, reused across its tests). */
export async function emptyRegistry(db: Kysely<Database>): Promise<void> {
  for (const table of ['audit_log', 'api_tokens', 'user_places', 'users', 'devices', 'gateways', 'absences', 'emergency_contacts', 'residents', 'household_tags', 'households', 'compounds'] as const) {
    await db.deleteFrom(table).execute();
  }
  for (const level of ['grid', 'community', 'street', 'district', 'city'] as const) await db.deleteFrom('places').where('level', '=', level).execute();
}
