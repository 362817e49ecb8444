/**
 * The registry's tables (cloud/registry/): who lives where, under which grid, and what the rules
 * should know of them. Same conventions as database.ts: text, integers as JS numbers (ms since the
 * epoch in bigint columns), coordinates as double precision, booleans as integer 0/1.
 */

/** city -> district -> street (街道) -> community (社区) -> grid (网格). */
export type PlaceLevel = 'city' | 'district' | 'street' | 'community' | 'grid';

export interface PlacesTable {
  id: string;
  /** Null for a city only. */
  parent_id: string | null;
  level: PlaceLevel;
  /** As people say it, Chinese first: 静安区, 南京西路街道, 网格 3. */
  name: string;
  created_at_ms: number;
}

/** A compound (小区) in a community, with its coordinates (WGS-84). */
export interface CompoundsTable {
  id: string;
  community_id: string;
  name: string;
  address: string;
  lat: number;
  lon: number;
  created_at_ms: number;
}

/** The tag dictionary: the ids the rules use, with the labels people read. */
export interface TagsTable {
  id: string;
  label_zh: string;
  label_en: string;
  /** 1 when derived from residents (an age tag), never set by hand. */
  derived: number;
}

export interface HouseholdsTable {
  /** The id the gateway and its rules use (ASCII). */
  id: string;
  grid_id: string;
  compound_id: string | null;
  building: string;
  unit: string;
  room: string;
  address: string;
  lat: number | null;
  lon: number | null;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface HouseholdTagsTable {
  household_id: string;
  tag_id: string;
}

/** A resident: personal data (PIPL). Birth year and month only, never an ID-card number. */
export interface ResidentsTable {
  id: string;
  household_id: string;
  name: string;
  phone: string | null;
  birth_year: number;
  birth_month: number;
}

export interface EmergencyContactsTable {
  id: string;
  household_id: string;
  name: string;
  /** 女儿, 儿子, 邻居 ... as the family says it. */
  relation: string;
  phone: string;
  /** 1 when the contact agreed to be called; a contact without consent is never called. */
  consent: number;
  /** Position in the calling order, from 0. */
  position: number;
}

/** A reported absence (visiting family, in hospital), [from, until). */
export interface AbsencesTable {
  id: string;
  household_id: string;
  from_ms: number;
  until_ms: number;
  reason: string;
  reported_by: string;
  reported_at_ms: number;
}

export interface RegistryTables {
  places: PlacesTable;
  compounds: CompoundsTable;
  tags: TagsTable;
  households: HouseholdsTable;
  household_tags: HouseholdTagsTable;
  residents: ResidentsTable;
  emergency_contacts: EmergencyContactsTable;
  absences: AbsencesTable;
}

/** Who works with gridwatch (cloud/registry/roles.ts), bound to places. */
export interface UsersTable {
  id: string;
  name: string;
  role: string;
  /** argon2id (PHC string); null for a user who signs in with API tokens only. */
  password_hash: string | null;
  phone: string | null;
  created_at_ms: number;
  /** 1 when the user may no longer sign in or use a token. */
  disabled: number;
}

export interface UserPlacesTable {
  user_id: string;
  place_id: string;
}

/** API tokens: only their SHA-256 is kept (they are 32 random bytes; shown once). */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  token_sha256: string;
  label: string;
  created_at_ms: number;
  expires_at_ms: number | null;
  revoked_at_ms: number | null;
}

/** Append-only: every read of a resident's personal data, and every refusal (PIPL). */
export interface AuditLogTable {
  id: string;
  at_ms: number;
  user_id: string;
  /** read, export, denied. */
  action: string;
  /** What was read: household:hh-101. */
  subject: string;
  /** Which personal data: residents,contacts. */
  fields: string;
  /** Why, as the user gave it (a ticket, a visit). */
  reason: string;
}

export interface UserTables {
  users: UsersTable;
  user_places: UserPlacesTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
}

/** A gateway the registry provisions devices on (one per building or compound). */
export interface GatewaysTable {
  id: string;
  name: string;
  compound_id: string | null;
  created_at_ms: number;
}

/** How a device reaches its gateway: its own MQTT login, a topic on a bridge, a Modbus unit, a DL/T 645 address, a watch id. */
export type TransportKind = 'mqtt' | 'bridge-topic' | 'modbus' | 'dlt645' | 'watch';
/** provisioned -> commissioned (passed its check on site) -> retired. */
export type DeviceStatus = 'provisioned' | 'commissioned' | 'retired';

export interface DevicesTable {
  id: string;
  gateway_id: string;
  /** Exactly one of household and site (a construction site's noise sensor). */
  household_id: string | null;
  site_id: string | null;
  /** The firmware profile (vendor/model). */
  profile: string;
  /** Where in the home: entry, fridge, bathroom ... ('' when it does not matter). */
  room: string;
  transport_kind: TransportKind;
  /** Unique per gateway and kind among devices not retired: the login, the topic, "bus/unit", "line/address", the watch id. */
  transport_key: string;
  /** SHA-256 of the device's MQTT password (kind mqtt), generated on provisioning and shown once. */
  mqtt_password_sha256: string | null;
  status: DeviceStatus;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface DeviceTables {
  gateways: GatewaysTable;
  devices: DevicesTable;
}
