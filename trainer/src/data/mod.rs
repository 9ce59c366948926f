//! Dataset ingest.
