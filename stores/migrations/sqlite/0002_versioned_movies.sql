-- Each model version keeps its own movies (key: version, id), so `load` writes a
-- new version's rows beside the served ones and activation is one step.
-- Rows loaded before this migration belong to the version active then (0 if none).
CREATE TABLE movies_by_version (
    version       BIGINT  NOT NULL,
    id            BIGINT  NOT NULL,
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
    popularity    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (version, id)
);
INSERT INTO movies_by_version (version, id, title, display_title, year, genres, plot, director,
    actors, runtime, rated, language, poster, imdb_id, popularity)
SELECT COALESCE((SELECT MAX(version) FROM model_versions WHERE active = 1), 0),
    id, title, display_title, year, genres, plot, director, actors, runtime, rated, language,
    poster, imdb_id, popularity
FROM movies;
DROP TABLE movies;
ALTER TABLE movies_by_version RENAME TO movies;
CREATE INDEX movies_version_popularity ON movies (version, popularity);
