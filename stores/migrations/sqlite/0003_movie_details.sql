-- The fields the original client's detail page shows (issue 16): first release
-- date (ISO YYYY-MM-DD), IMDb rating out of 10 and its vote count. Nullable, so
-- rows written before this migration read as "unknown". Mirrors
-- ../mysql/0003_movie_details.sql.
ALTER TABLE movies ADD COLUMN released TEXT NULL;
ALTER TABLE movies ADD COLUMN imdb_rating REAL NULL;
ALTER TABLE movies ADD COLUMN imdb_votes BIGINT NULL;
