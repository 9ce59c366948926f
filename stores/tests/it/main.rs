//! reelgraph-stores against real stores: one test binary (`cargo test -p
//! reelgraph-stores --test it`), one module per store. Service tests
//! (`store_milvus`, `store_sql`'s MySQL test) name their collections and
//! databases after the process and the time, so they never collide.

mod store_bundle;
mod store_crash;
mod store_feedback;
mod store_load;
mod store_milvus;
mod store_sql;
