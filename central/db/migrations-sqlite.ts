// The metadata schema on SQLite, version by version (PRAGMA user_version;
// migrations-postgres.ts is the same history for PostgreSQL). Applied at
// start in one IMMEDIATE transaction, so replicas starting together on one
// file apply each once. A change is a new version at the end of both
// lists, never an edit of one that has shipped.
//
// Version 1 is the schema central had before versions were counted: every
// statement is IF NOT EXISTS (or checks first), so a data directory of an
// older central (user_version 0, its tables there already) is taken over
// as it is. Every time is epoch milliseconds UTC.
import type Database from "better-sqlite3";

export interface SqliteMigration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

const columnsOf = (db: Database.Database, table: string): string[] =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

const BASELINE = `
-- The fleet (config is the source of truth: replaced at every start).
CREATE TABLE IF NOT EXISTS tenant (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS site (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, tenant TEXT,
  lat REAL, lon REAL, timezone TEXT
);
CREATE TABLE IF NOT EXISTS asset (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, site TEXT NOT NULL, tenant TEXT NOT NULL
);
-- Bumped with every fleet change, so each replica knows when its in-memory copy is stale.
CREATE TABLE IF NOT EXISTS fleet_generation (id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL);
INSERT OR IGNORE INTO fleet_generation (id, gen) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS measuring_point (
  asset TEXT NOT NULL, id TEXT NOT NULL, component TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (asset, id)
);

-- Tokens: SHA-256 of 256 random bits; the plaintext is never stored.
CREATE TABLE IF NOT EXISTS token (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  tenant TEXT,
  site TEXT,
  label TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
-- Bumped with every revocation: replicas drop what they remember of tokens when it moves.
CREATE TABLE IF NOT EXISTS token_generation (id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL);
INSERT OR IGNORE INTO token_generation (id, gen) VALUES (1, 0);

-- Remembered batch ids (the duplicate flag of an acknowledgement), pruned after a week.
CREATE TABLE IF NOT EXISTS batch (
  site TEXT NOT NULL, batch_id TEXT NOT NULL, agent TEXT NOT NULL, points INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (site, batch_id)
);
CREATE INDEX IF NOT EXISTS batch_received ON batch (received_at);

CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  token_id INTEGER, actor TEXT NOT NULL, role TEXT,
  action TEXT NOT NULL, target TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);

CREATE TABLE IF NOT EXISTS spectrum_snapshot (
  asset TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL, reason TEXT NOT NULL,
  received_at INTEGER NOT NULL, encoding TEXT NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (asset, point, ts)
);

-- The distinct series each site has written (its cap: ingest.maxSeriesPerSite).
CREATE TABLE IF NOT EXISTS ingest_series (
  site TEXT NOT NULL, series TEXT NOT NULL, first_seen INTEGER NOT NULL,
  PRIMARY KEY (site, series)
) WITHOUT ROWID;

-- A service company (or any tenant): from the config's tenants, or connected through the admin API.
CREATE TABLE IF NOT EXISTS company (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  lang TEXT NOT NULL DEFAULT 'ru',
  timezone TEXT NOT NULL DEFAULT 'Europe/Moscow',
  source TEXT NOT NULL,            -- 'config' | 'api'
  created_at INTEGER NOT NULL
);

-- A turbine (or any asset) is contracted to one company for a period [from_ms, to_ms).
CREATE TABLE IF NOT EXISTS contract (
  id TEXT PRIMARY KEY,
  company TEXT NOT NULL,
  from_ms INTEGER NOT NULL,
  to_ms INTEGER,                   -- NULL: open-ended
  response_time_ms INTEGER NOT NULL,
  source TEXT NOT NULL,            -- 'config' | 'api'
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS contract_asset (
  contract TEXT NOT NULL, asset TEXT NOT NULL,
  PRIMARY KEY (contract, asset)
);
CREATE INDEX IF NOT EXISTS contract_asset_asset ON contract_asset (asset);

-- One row per occurrence of an alarm: asset + point + fault, from raise to clear.
-- id = '<asset>:<point>:<fault>:<n>', n counting the occurrences of that key.
CREATE TABLE IF NOT EXISTS alarm (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL,               -- '<asset>:<point>:<fault>'
  occurrence INTEGER NOT NULL,
  asset TEXT NOT NULL,
  site TEXT NOT NULL,
  point TEXT NOT NULL,
  fault TEXT NOT NULL,
  company TEXT NOT NULL,           -- routed at raise: the contract's company, else the asset's tenant
  severity TEXT NOT NULL,          -- 'warning' | 'alarm' (current)
  max_severity TEXT NOT NULL,
  state TEXT NOT NULL,             -- 'active' | 'acknowledged' | 'cleared'
  since_ms INTEGER NOT NULL,       -- when the condition began (the edge's raise time, or the zone's run)
  raised_at INTEGER NOT NULL,      -- when central opened the occurrence
  alarm_at INTEGER,                -- when it (last) reached severity 'alarm'
  last_seen_at INTEGER NOT NULL,   -- last evaluation that saw the condition
  iso_zone TEXT,
  acked_by TEXT, acked_at INTEGER, ack_comment TEXT,
  assignee TEXT, assigned_by TEXT, assigned_at INTEGER,
  response_due_at INTEGER,         -- alarm_at + the contract's response time
  escalated_at INTEGER,
  cleared_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS alarm_open_key ON alarm (key) WHERE state <> 'cleared';
CREATE UNIQUE INDEX IF NOT EXISTS alarm_key_occurrence ON alarm (key, occurrence);
CREATE INDEX IF NOT EXISTS alarm_company_state ON alarm (company, state, raised_at);
CREATE INDEX IF NOT EXISTS alarm_state_raised ON alarm (state, raised_at);
CREATE INDEX IF NOT EXISTS alarm_asset_raised ON alarm (asset, raised_at);

-- Every change of an alarm: the audit trail and the asset's history.
CREATE TABLE IF NOT EXISTS alarm_event (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alarm TEXT NOT NULL,
  asset TEXT NOT NULL,
  company TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,              -- raised | severity | acknowledged | assigned | escalated | cleared | reactivated | comment
  actor TEXT NOT NULL,             -- a token's label, or 'system'
  from_value TEXT, to_value TEXT,
  comment TEXT
);
CREATE INDEX IF NOT EXISTS alarm_event_alarm ON alarm_event (alarm, id);
CREATE INDEX IF NOT EXISTS alarm_event_asset ON alarm_event (asset, id);

-- Evaluation bookkeeping shared by replicas (monotonic: an older evaluation never overwrites a newer one).
CREATE TABLE IF NOT EXISTS alarm_evaluation (id INTEGER PRIMARY KEY CHECK (id = 1), observed_at INTEGER NOT NULL);
INSERT OR IGNORE INTO alarm_evaluation (id, observed_at) VALUES (1, 0);

-- Per-company notification rules.
CREATE TABLE IF NOT EXISTS notification_rule (
  company TEXT NOT NULL,
  id TEXT NOT NULL,
  position INTEGER NOT NULL,
  channel TEXT NOT NULL,           -- 'webhook' | 'email'
  target TEXT NOT NULL,            -- URL or e-mail address
  secret TEXT,                     -- unused since sealing (NULL); older versions kept the plaintext here
  secret_sealed BLOB,              -- webhook HMAC key, sealed (never returned by the API)
  min_severity TEXT NOT NULL,      -- 'warning' | 'alarm'
  events TEXT NOT NULL,            -- JSON list of alarm event kinds
  quiet_from TEXT, quiet_to TEXT,  -- 'HH:MM' in the company's timezone
  digest_minutes INTEGER NOT NULL, -- 0: immediate
  enabled INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (company, id)
);

-- The notification outbox: one row per delivery.
CREATE TABLE IF NOT EXISTS notification (
  id TEXT PRIMARY KEY,
  company TEXT NOT NULL,
  rule TEXT NOT NULL,
  channel TEXT NOT NULL,           -- 'webhook' | 'email'
  target TEXT NOT NULL,
  type TEXT NOT NULL,              -- 'alarm.<event kind>' | 'digest'
  status TEXT NOT NULL,            -- pending | held | sending | sent | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  payload TEXT NOT NULL,           -- JSON list of the alarm events it reports
  alarms TEXT NOT NULL             -- JSON list of alarm ids
);
CREATE INDEX IF NOT EXISTS notification_due ON notification (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS notification_company ON notification (company, created_at);
CREATE INDEX IF NOT EXISTS notification_held ON notification (company, rule, next_attempt_at) WHERE status = 'held';
-- The last alarm_event id fanned out.
CREATE TABLE IF NOT EXISTS notification_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), last_event_id INTEGER NOT NULL);
INSERT OR IGNORE INTO notification_cursor (id, last_event_id) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS work_order (
  seq INTEGER PRIMARY KEY,         -- n of the readable id 'WO-<n>'
  id TEXT NOT NULL UNIQUE,
  alarm TEXT NOT NULL,
  asset TEXT NOT NULL,
  company TEXT NOT NULL,           -- the alarm's company: who sees and works the order
  state TEXT NOT NULL,             -- 'open' | 'in_progress' | 'done'
  title TEXT NOT NULL,
  description TEXT,
  assignee TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  done_at INTEGER,
  findings TEXT,
  parts TEXT NOT NULL DEFAULT '[]', -- JSON [{name, partNumber?, quantity}]
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS work_order_company_created ON work_order (company, created_at);
CREATE INDEX IF NOT EXISTS work_order_asset_created ON work_order (asset, created_at);
CREATE INDEX IF NOT EXISTS work_order_alarm ON work_order (alarm);

CREATE TABLE IF NOT EXISTS work_order_photo (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  work_order TEXT NOT NULL,
  content_type TEXT NOT NULL,      -- 'image/jpeg' | 'image/png' (checked by magic bytes)
  bytes BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_order_photo_order ON work_order_photo (work_order, id);

-- The order's history: created | state | assigned | findings | parts | photo.
CREATE TABLE IF NOT EXISTS work_order_event (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  work_order TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  from_value TEXT,
  to_value TEXT
);
CREATE INDEX IF NOT EXISTS work_order_event_order ON work_order_event (work_order, id);

-- A value sealed with the secrets key at the first start: a replica whose key does not open it
-- refuses to start (it would seal secrets the others cannot open).
CREATE TABLE IF NOT EXISTS secrets_key_check (id INTEGER PRIMARY KEY CHECK (id = 1), sealed BLOB NOT NULL);
`;

// IF NOT EXISTS: files of a central that created these before versions were counted.
const ALARM_QUALITY = `
-- Alarm-system health over a period (alarm-health.ts): a company's events, or everyone's, by time.
CREATE INDEX IF NOT EXISTS alarm_event_company_at ON alarm_event (company, at);
CREATE INDEX IF NOT EXISTS alarm_event_at ON alarm_event (at);

-- Alarm-quality filter per condition followed (asset + point + fault), see alarm-filter.ts: the raw
-- level last observed (0 none, 1 warning, 2 alarm; with the deadband), when it last crossed each level,
-- and the level the alarm shows. A row goes once nothing is raw or shown.
CREATE TABLE IF NOT EXISTS alarm_filter (
  key TEXT PRIMARY KEY,            -- '<asset>:<point>:<fault>'
  asset TEXT NOT NULL,
  point TEXT NOT NULL,
  fault TEXT NOT NULL,
  kind TEXT,                       -- 'zone' | 'diagnosis' | 'facility' | …: selects the delays and deadband
  raw_rank INTEGER NOT NULL,
  warning_changed_at INTEGER NOT NULL,
  alarm_changed_at INTEGER NOT NULL,
  shown_rank INTEGER NOT NULL,
  since_ms INTEGER NOT NULL,       -- when the condition began (its raw level last rose from nothing)
  iso_zone TEXT
);
`;

// JSON of ContractTerms (config.ts), absent when the contract is not billed (central/documents/statement.ts).
const CONTRACT_TERMS =
  "CREATE TABLE IF NOT EXISTS contract_terms (contract TEXT PRIMARY KEY, terms TEXT NOT NULL)";

// Control of the facilities (central/control/db-repository.ts): each site's revision of what its agent
// should do, the points it declares writable, commands with their steps, schedules, demand limits, the
// points' reported states and events. IF NOT EXISTS: files of a central that created them before.
const CONTROL = `
CREATE TABLE IF NOT EXISTS control_revision (site TEXT PRIMARY KEY, revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS control_declaration (
  asset TEXT NOT NULL, point TEXT NOT NULL, site TEXT NOT NULL, body TEXT NOT NULL, declared_at INTEGER NOT NULL,
  PRIMARY KEY (asset, point)
);
CREATE INDEX IF NOT EXISTS control_declaration_site ON control_declaration (site);
CREATE TABLE IF NOT EXISTS control_command (
  id TEXT PRIMARY KEY, site TEXT NOT NULL, asset TEXT NOT NULL, point TEXT NOT NULL, value REAL NOT NULL,
  until INTEGER, reason TEXT NOT NULL, override INTEGER NOT NULL, requested_at INTEGER NOT NULL,
  requested_by TEXT NOT NULL, state TEXT NOT NULL, state_at INTEGER NOT NULL, state_reason TEXT, actual REAL,
  active INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS control_command_asset ON control_command (asset, requested_at);
CREATE INDEX IF NOT EXISTS control_command_active ON control_command (active, site);
CREATE TABLE IF NOT EXISTS control_command_step (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL,
  reason TEXT, actual REAL
);
CREATE INDEX IF NOT EXISTS control_command_step_id ON control_command_step (id, seq);
CREATE TABLE IF NOT EXISTS control_schedule (
  asset TEXT PRIMARY KEY, site TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS control_limit (
  asset TEXT PRIMARY KEY, site TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS control_state (
  asset TEXT NOT NULL, point TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (asset, point)
);
CREATE TABLE IF NOT EXISTS control_event (
  site TEXT NOT NULL, asset TEXT NOT NULL, point TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL,
  value REAL, detail TEXT,
  PRIMARY KEY (asset, point, kind, at)
);
CREATE INDEX IF NOT EXISTS control_event_asset_at ON control_event (asset, at);
`;

// The newest baseline snapshot of each point (its healthy reference), apart from the newest snapshots.
const BASELINE_SPECTRA = `
CREATE TABLE IF NOT EXISTS baseline_spectrum (
  asset TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL, encoding TEXT NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (asset, point)
);
`;

// The alarm list's orders (central/maintenance/alarm-book-list.ts), read from an index rather than sorted:
// the open alarms by severity, newest condition first (the console's default); each state's alarms by
// when they were raised, newest first (the history), which also bounds a page after a cursor. The second
// takes over what (state, raised_at) served. A query uses the first only when it names the states as
// these literals (SQLite matches a partial index's WHERE by its terms).
const ALARM_LIST_ORDER = `
CREATE INDEX IF NOT EXISTS alarm_open_severity ON alarm ((CASE severity WHEN 'alarm' THEN 2 ELSE 1 END) DESC, since_ms DESC, id)
  WHERE state IN ('active', 'acknowledged');
CREATE INDEX IF NOT EXISTS alarm_state_raised_order ON alarm (state, raised_at DESC, since_ms DESC, id);
DROP INDEX IF EXISTS alarm_state_raised;
`;

// How many alarms each company has in each state, kept by the database as the alarms change: the alarm
// list's total for a company or the region without reading every alarm (the history grows without end).
const ALARM_COUNTS = `
CREATE TABLE IF NOT EXISTS alarm_count (
  company TEXT NOT NULL, state TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (company, state)
) WITHOUT ROWID;
DELETE FROM alarm_count;
INSERT INTO alarm_count (company, state, n) SELECT company, state, COUNT(*) FROM alarm GROUP BY company, state;
CREATE TRIGGER IF NOT EXISTS alarm_count_insert AFTER INSERT ON alarm BEGIN
  INSERT INTO alarm_count (company, state, n) VALUES (NEW.company, NEW.state, 1)
    ON CONFLICT (company, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS alarm_count_delete AFTER DELETE ON alarm BEGIN
  UPDATE alarm_count SET n = n - 1 WHERE company = OLD.company AND state = OLD.state;
END;
CREATE TRIGGER IF NOT EXISTS alarm_count_moves AFTER UPDATE OF company, state ON alarm
  WHEN OLD.company IS NOT NEW.company OR OLD.state IS NOT NEW.state
BEGIN
  UPDATE alarm_count SET n = n - 1 WHERE company = OLD.company AND state = OLD.state;
  INSERT INTO alarm_count (company, state, n) VALUES (NEW.company, NEW.state, 1)
    ON CONFLICT (company, state) DO UPDATE SET n = n + 1;
END;
`;

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: "baseline: fleet, tokens, ingest, audit, snapshots, service model",
    up(db) {
      db.exec(BASELINE);
      // Files of versions before sealed webhook secrets lack the column (secrets are sealed at start).
      if (!columnsOf(db, "notification_rule").includes("secret_sealed"))
        db.exec("ALTER TABLE notification_rule ADD COLUMN secret_sealed BLOB");
    },
  },
  {
    version: 2,
    name: "alarm quality: the filter's state per condition; events by time for alarm-system health",
    up(db) {
      db.exec(ALARM_QUALITY);
    },
  },
  {
    version: 3,
    name: "contract terms: what the region pays under a contract (fee, credit per breach, VAT)",
    up(db) {
      // IF NOT EXISTS: a file of a central that created it before versions were counted.
      db.exec(CONTRACT_TERMS);
    },
  },
  {
    version: 4,
    name: "control: revisions, declarations, commands and their steps, schedules, limits, states, events",
    up(db) {
      db.exec(CONTROL);
    },
  },
  {
    version: 5,
    name: "baseline spectra: each point's healthy reference",
    up(db) {
      db.exec(BASELINE_SPECTRA);
    },
  },
  {
    version: 6,
    name: "alarm list order: open alarms by severity, each state's by time raised",
    up(db) {
      db.exec(ALARM_LIST_ORDER);
    },
  },
  {
    version: 7,
    name: "alarm counts: each company's alarms per state, kept by triggers",
    up(db) {
      db.exec(ALARM_COUNTS);
    },
  },
];
