-- reelgraph metadata schema (SQLite). Mirrors ../mysql/0001_init.sql.
CREATE TABLE IF NOT EXISTS movies (
    id            BIGINT  NOT NULL PRIMARY KEY,
    title         TEXT    NOT NULL,
    display_title TEXT    NOT NULL,
    year          INTEGER NULL,
    genres        TEXT    NOT NULL,  -- JSON array of strings
    plot          TEXT    NULL,
    director      TEXT    NULL,
    actors        TEXT    NOT NULL,  -- JSON array of strings
    runtime       INTEGER NULL,      -- minutes
    rated         TEXT    NULL,
    language      TEXT    NULL,
    poster        TEXT    NULL,      -- poster URL
    imdb_id       TEXT    NULL,
    popularity    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS movies_year ON movies (year);
CREATE INDEX IF NOT EXISTS movies_popularity ON movies (popularity);

CREATE TABLE IF NOT EXISTS model_versions (
    version   BIGINT  NOT NULL PRIMARY KEY,
    dimension INTEGER NOT NULL,
    metrics   TEXT    NOT NULL,      -- JSON
    loaded_at TEXT    NOT NULL,      -- RFC 3339 UTC
    active    BOOLEAN NOT NULL DEFAULT 0,
    source    TEXT    NULL           -- model root the version was loaded from
);
