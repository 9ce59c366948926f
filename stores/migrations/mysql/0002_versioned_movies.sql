-- Each model version keeps its own movies (key: version, id), so `load` writes a
-- new version's rows beside the served ones and activation is one step.
-- Rows loaded before this migration belong to the version active then (0 if none).
-- Mirrors ../sqlite/0002_versioned_movies.sql.
ALTER TABLE movies ADD COLUMN version BIGINT NOT NULL DEFAULT 0 FIRST;
UPDATE movies SET version = COALESCE((SELECT MAX(v.version) FROM model_versions v WHERE v.active = TRUE), 0);
ALTER TABLE movies DROP PRIMARY KEY, ADD PRIMARY KEY (version, id),
    DROP INDEX movies_popularity, ADD INDEX movies_version_popularity (version, popularity);
