//! Fixtures shared by the modules of this binary.

pub mod api;
pub mod lambda;
