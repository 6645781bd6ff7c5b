-- PostgreSQL only (flyway locations db/migration,db/postgresql): an index for the findings list's text filter, which
-- is "search_text LIKE '%words%'". A trigram index (pg_trgm) answers such a pattern without reading every finding.
-- pg_trgm is a trusted extension (PostgreSQL 13 and later), so the database's owner may create it. Where it cannot be
-- created or used (an older server, a role without CREATE on the database, a service that does not offer it, an
-- extension installed in a schema off the search path) the console runs without the index, as on the embedded
-- database: the text filter then reads every row, and a warning says so.
-- fastupdate off: findings arrive a few at a time, and with a pending list of not yet indexed rows every search reads
-- that whole list until the next vacuum.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS findings_by_text ON findings USING gin (search_text gin_trgm_ops)
        WITH (fastupdate = off);
EXCEPTION
    WHEN insufficient_privilege OR undefined_file OR feature_not_supported OR undefined_object THEN
        RAISE WARNING 'trailwatch console: no text-search index (%), the text filter reads every finding', SQLERRM;
END
$$;
