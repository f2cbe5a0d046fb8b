-- Intents are recorded before a write to a target that cannot upsert (a chat message): after a crash
-- they tell which records may have been sent without an acknowledgement.
CREATE TABLE intents (
	scope   INTEGER NOT NULL REFERENCES scopes(id),
	key     TEXT    NOT NULL,
	hash    TEXT    NOT NULL, -- hash of the mapped record about to be sent
	created INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;
