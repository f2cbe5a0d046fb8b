-- The product's candidates table for approved-to-client-ats, with a few candidates per client.
-- Run it in the schema the sync reads (ONEWAY_SANDBOX_PRODUCT_SCHEMA), e.g.:
--   psql "$DSN" -v ON_ERROR_STOP=1 -c 'CREATE SCHEMA oneway_demo' -c 'SET search_path TO oneway_demo' \
--        -f examples/approved-to-client-ats/seed.sql
-- `oneway demo` applies this file to a schema of its own and drops it at the end.
CREATE TABLE candidates (
    id         bigint      PRIMARY KEY,
    client     text        NOT NULL,  -- the tenant (client) the candidate is put forward to
    first_name text        NOT NULL,
    last_name  text        NOT NULL,
    email      text        NOT NULL,
    status     text        NOT NULL CHECK (status IN ('new', 'screening', 'approved', 'rejected')),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The cursor read asks for (updated_at, id) >= (position): this index serves it.
CREATE INDEX candidates_updated_at_id ON candidates (updated_at, id);

INSERT INTO candidates (id, client, first_name, last_name, email, status, updated_at) VALUES
    (1, 'acme',    'Maya',   'Patel',     'Maya.Patel@example.org',    'approved',  now() - interval '3 days'),
    (2, 'acme',    'Omar',   'Farouk',    'omar.farouk@example.org',   'screening', now() - interval '2 days'),
    (3, 'acme',    'Chen',   'Li',        'chen.li@example.org',       'rejected',  now() - interval '2 days'),
    (4, 'globex',  'Lucas',  'Meyer',     'lucas.meyer@example.org',   'approved',  now() - interval '1 day'),
    (5, 'globex',  'Sofia',  'Rossi',     'sofia.rossi@example.org',   'approved',  now() - interval '1 day'),
    (6, 'initech', 'Peter',  'Gibbons',   'peter.gibbons@example.org', 'approved',  now() - interval '1 day');
