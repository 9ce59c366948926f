//! Adapters behind small traits, the embedded default beside the real service.
//!
//! | trait | embedded default | real service |
//! |---|---|---|
//! | [`object::ObjectStore`] | local directory | S3 (`s3://bucket/prefix`) |
//! | [`vector::VectorStore`] | in-process exact inner-product index | Milvus |
//! | [`metadata::MetadataStore`] | SQLite; read-only in memory from a version's files ([`bundle`]) | MySQL / MariaDB |

pub mod bundle;
pub mod embedded;
pub mod fixture;
pub mod load;
pub mod metadata;
pub mod milvus;
pub mod object;
pub mod s3;
pub mod sql;
pub mod vector;
