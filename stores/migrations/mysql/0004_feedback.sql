-- What visitors of the site marked (issue 16): one signal per visitor and
-- movie (marking a movie again replaces the earlier signal: the store deletes
-- and inserts, so serving needs only SELECT, INSERT and DELETE on this table).
-- The visitor is the UUID the UI keeps in local storage, lower case. The
-- primary key's first column serves the lookups by visitor; the second index
-- gives a visitor's signals newest first. Mirrors ../sqlite/0004_feedback.sql.
CREATE TABLE IF NOT EXISTS feedback (
    visitor   CHAR(36) CHARACTER SET ascii NOT NULL,
    movie     BIGINT   NOT NULL,
    kind      ENUM('like', 'dislike', 'skip') NOT NULL,
    marked_at BIGINT   NOT NULL,  -- milliseconds since the Unix epoch (UTC)
    PRIMARY KEY (visitor, movie),
    KEY feedback_visitor_time (visitor, marked_at)
);
