//! # reelgraph-stores
//!
//! The middle layer: the stores a model version is loaded into and served
//! from, each behind a small trait with the embedded default beside the real
//! service.
//!
//! | trait | embedded default | real service |
//! |---|---|---|
//! | [`vector::VectorReader`] (serving), [`vector::VectorWriter`] (loading) | in-process exact inner-product index ([`embedded`]) | Milvus ([`milvus`]) |
//! | [`metadata::MetadataReader`] (serving), [`metadata::MetadataWriter`] (loading) | SQLite ([`sql`]); read-only in memory from a version's files ([`bundle`]) | MySQL / MariaDB ([`sql`]) |
//!
//! | [`feedback::FeedbackStore`] (visitors' signals) | SQLite ([`sql::open_feedback`]); batched objects in the object store ([`feedback::ObjectFeedback`], self-contained Lambda mode) | MySQL / MariaDB ([`sql::open_feedback`]) |
//!
//! [`load`] writes a verified version from the object store into both.
//! The object store itself is in `reelgraph-core` (the trainer writes to it).

pub mod bundle;
pub mod embedded;
pub mod feedback;
pub mod load;
pub mod metadata;
pub mod milvus;
pub mod served;
pub mod sql;
pub mod timing;
pub mod vector;
