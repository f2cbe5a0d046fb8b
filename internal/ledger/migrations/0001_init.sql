-- Scopes name a (sync, target) pair once, so entries carry a small integer instead of two strings.
CREATE TABLE scopes (
	id       INTEGER PRIMARY KEY,
	sync     TEXT NOT NULL,
	target   TEXT NOT NULL,
	cursor   TEXT,            -- JSON array: cursor values then key values of the last acknowledged record
	reconciled_at INTEGER,    -- unix ms of the last complete snapshot read
	UNIQUE (sync, target)
);

-- One row per source key per scope.
CREATE TABLE entries (
	scope      INTEGER NOT NULL REFERENCES scopes(id),
	key        TEXT    NOT NULL, -- canonical source key (JSON array)
	tkey       TEXT    NOT NULL, -- canonical target key (JSON array)
	tid        TEXT    NOT NULL DEFAULT '', -- the target's own id, when it assigns one
	hash       TEXT    NOT NULL, -- hash of the mapped record last written
	doc        BLOB,             -- the mapped record last written (canonical JSON)
	status     INTEGER NOT NULL, -- 1 live, 2 deleted, 3 soft-deleted, 4 pending
	first_seen INTEGER NOT NULL, -- unix ms
	last_seen  INTEGER NOT NULL, -- unix ms
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;

CREATE TABLE runs (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	scope     INTEGER NOT NULL REFERENCES scopes(id),
	started   INTEGER NOT NULL,
	finished  INTEGER,
	status    TEXT NOT NULL,     -- running, ok, failed, refused, interrupted
	read_mode TEXT NOT NULL,     -- snapshot or cursor
	creates   INTEGER NOT NULL DEFAULT 0,
	updates   INTEGER NOT NULL DEFAULT 0,
	deletes   INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	failed    INTEGER NOT NULL DEFAULT 0,
	error     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_scope ON runs (scope, id);

CREATE TABLE rejected (
	scope        INTEGER NOT NULL REFERENCES scopes(id),
	key          TEXT    NOT NULL,
	tkey         TEXT    NOT NULL,
	action       TEXT    NOT NULL, -- the change that failed: create, update, delete, soft-delete
	reason       TEXT    NOT NULL,
	payload      BLOB,             -- the mapped record that was sent (canonical JSON)
	attempts     INTEGER NOT NULL,
	first_failed INTEGER NOT NULL,
	last_failed  INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;
