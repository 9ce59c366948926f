//! The trainer's tests: one test binary (`cargo test -p reelgraph-trainer
//! --test it`), one module per stage of `data` → `graph` → `sampler` →
//! `model` → `train` → `evaluate` → `export`, and the whole pipeline.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

mod catalog_add;
mod data_fetch;
mod data_formats;
mod data_shared;
mod eval_protocol;
mod eval_report;
mod export_roundtrip;
mod graph_sampler;
mod job;
mod ml100k;
mod model_conv;
mod pipeline;
mod train_loop;

/// burn initialises parameters from one process-wide generator. A training
/// seeds it and draws its initial parameters under the trainer's own lock,
/// so trainings running at the same time stay deterministic; a test that
/// initialises a model itself (`model_conv`, `export_roundtrip`) draws
/// outside that lock and could shift a training's draws. Such tests hold
/// this lock for writing, every test that trains holds it for reading: they
/// never overlap (as when each file was a binary of its own), while
/// trainings still run side by side.
static DEVICE_RNG: RwLock<()> = RwLock::new(());

/// Held by a test that trains (see [`DEVICE_RNG`]).
fn training() -> RwLockReadGuard<'static, ()> {
    DEVICE_RNG.read().unwrap_or_else(|e| e.into_inner())
}

/// Held by a test that initialises a model outside the trainer (see [`DEVICE_RNG`]).
fn own_model_init() -> RwLockWriteGuard<'static, ()> {
    DEVICE_RNG.write().unwrap_or_else(|e| e.into_inner())
}
