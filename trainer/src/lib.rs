pub mod baselines;
pub mod data;
pub mod evaluate;
pub mod report;
