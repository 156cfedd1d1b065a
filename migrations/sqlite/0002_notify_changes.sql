-- Nothing to do on SQLite: other processes see changes through the
-- database file itself (src/registry/changes.rs). The migration exists so
-- both dialects keep one numbering.
SELECT 1;
