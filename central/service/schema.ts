// The service model's tables, in central's metadata SQLite beside the fleet
// (one file, shared by replicas, durable commits): service companies and
// their contracts, alarm occurrences and their history, notification rules
// and deliveries, work orders. Every time is epoch milliseconds UTC.
//
// Created with IF NOT EXISTS, so a data directory of an older version gains
// the tables on its next start.
export const SERVICE_SCHEMA = `
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
-- What the region pays under a contract (fee, credit per breach, VAT): JSON of ContractTerms, absent when not billed.
CREATE TABLE IF NOT EXISTS contract_terms (contract TEXT PRIMARY KEY, terms TEXT NOT NULL);

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
  alarm_at INTEGER,                -- start of the response clock: its first unacknowledged rise to 'alarm'
  last_seen_at INTEGER NOT NULL,   -- last evaluation that saw the condition
  iso_zone TEXT,
  acked_by TEXT, acked_at INTEGER, ack_comment TEXT,
  assignee TEXT, assigned_by TEXT, assigned_at INTEGER,
  response_due_at INTEGER,         -- alarm_at + the contract's response time (kept while it is a warning again)
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

-- Evaluation bookkeeping shared by replicas (monotonic: an older evaluation never overwrites a newer one).
CREATE TABLE IF NOT EXISTS alarm_evaluation (id INTEGER PRIMARY KEY CHECK (id = 1), observed_at INTEGER NOT NULL);
INSERT OR IGNORE INTO alarm_evaluation (id, observed_at) VALUES (1, 0);
`;
