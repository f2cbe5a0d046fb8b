-- Intents are recorded before a write to a target that cannot upsert (a chat message): after a crash
-- they tell which records may have been sent without an acknowledgement.
CREATE TABLE intents (
	scope   INTEGER NOT NULL REFERENCES scopes(id),
	key     TEXT    NOT NULL,
	hash    TEXT    NOT NULL, -- hash of the mapped record about to be sent
	created INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;

-- A batch of creates is recorded here, in one row, before it is sent; the row goes when the batch is
-- acknowledged. After a crash in between, the next complete read removes the records of such a batch that
-- the source no longer holds, instead of leaving orphans in the target.
CREATE TABLE inflight (
	id     INTEGER PRIMARY KEY,
	scope  INTEGER NOT NULL REFERENCES scopes(id),
	keys   BLOB    NOT NULL -- JSON: [[source key, target key, target id], ...]
);
CREATE INDEX inflight_by_scope ON inflight (scope);
