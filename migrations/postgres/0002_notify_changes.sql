-- Every change to connections or tokens notifies `dbdeck_registry`, so
-- instances sharing this registry drop what they remembered of it at once
-- instead of asking the database on every API request
-- (src/registry/changes.rs). Per statement: one notification per change,
-- however many rows it touched.

CREATE FUNCTION dbdeck_registry_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dbdeck_registry', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER connections_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connections
FOR EACH STATEMENT EXECUTE FUNCTION dbdeck_registry_changed();

CREATE TRIGGER api_tokens_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_tokens
FOR EACH STATEMENT EXECUTE FUNCTION dbdeck_registry_changed();
