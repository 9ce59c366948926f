-- reelgraph metadata schema (MySQL / MariaDB). Mirrors ../sqlite/0001_init.sql.
CREATE TABLE IF NOT EXISTS movies (
    id            BIGINT        NOT NULL PRIMARY KEY,
    title         VARCHAR(512)  NOT NULL,
    display_title VARCHAR(512)  NOT NULL,
    year          INT           NULL,
    genres        TEXT          NOT NULL,  -- JSON array of strings
    plot          TEXT          NULL,
    director      VARCHAR(512)  NULL,
    actors        TEXT          NOT NULL,  -- JSON array of strings
    runtime       INT           NULL,      -- minutes
    rated         VARCHAR(32)   NULL,
    language      VARCHAR(255)  NULL,
    poster        VARCHAR(1024) NULL,      -- poster URL
    imdb_id       VARCHAR(32)   NULL,
    popularity    INT           NOT NULL DEFAULT 0,
    INDEX movies_year (year),
    INDEX movies_popularity (popularity)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS model_versions (
    version   BIGINT       NOT NULL PRIMARY KEY,
    dimension INT          NOT NULL,
    metrics   LONGTEXT     NOT NULL,       -- JSON
    loaded_at VARCHAR(40)  NOT NULL,       -- RFC 3339 UTC
    active    BOOLEAN      NOT NULL DEFAULT FALSE,
    source    VARCHAR(1024) NULL           -- model root the version was loaded from
) CHARACTER SET utf8mb4;
