-- Large values (events over ~2 KB: invoices with many lines) are compressed
-- by TOAST. PostgreSQL's default, pglz, was the largest single cost of an
-- ingest COPY in profiles (8 % of the server's time); lz4 compresses these
-- rows to the same size about 35 % faster (docs/performance.md). Only new
-- values use it; old ones stay readable as they are.
--
-- A server built without lz4 (or older than 14) keeps pglz: the migration
-- says so and succeeds, because the choice only affects speed.
DO $$
BEGIN
    IF current_setting('server_version_num')::int < 140000 THEN
        RAISE NOTICE 'rapport: PostgreSQL before 14 has no lz4 column compression; keeping pglz';
        RETURN;
    END IF;
    BEGIN
        EXECUTE 'ALTER TABLE events ALTER COLUMN data SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE outbox ALTER COLUMN frame SET COMPRESSION lz4';
    EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'rapport: this server was built without lz4; keeping pglz';
    END;
END
$$;
