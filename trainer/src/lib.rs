pub mod data;
pub mod export;
pub mod graph;
pub mod infer;
pub mod model;
pub mod sampler;
pub mod train;
