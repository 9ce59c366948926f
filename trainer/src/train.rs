//! The PinSAGE training loop: batches prepared ahead on a worker thread,
//! Adam on the loss (in-batch sampled softmax by default, or the max-margin
//! hinge of the PinSAGE paper), validation after every epoch, early stopping
//! on the validation figure with patience (the best epoch's model is kept),
//! a checkpoint after every epoch and on interruption, and `resume`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, OptimizerRecord};
use burn::prelude::*;
use burn::store::ModuleRecord;
use reelgraph_core::types::Movie;
use serde::{Deserialize, Serialize};

use crate::graph::Graph;
use crate::infer;
use crate::model::{
    FeatureTensors, ItemFeatures, ModelConfig, PinSage, max_margin_loss, max_margin_loss_in_batch,
    softmax_loss_in_batch,
};
use crate::sampler::{Neighbourhoods, SamplerConfig, spawn_batches};

/// The training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// In-batch sampled softmax: the cross-entropy of each positive among
    /// every item of the batch at `temperature` (a listwise loss).
    Softmax,
    /// The PinSAGE paper's max-margin hinge on (query, positive, negative)
    /// scores with `margin`, over the sampled negatives or, with `in_batch`,
    /// every item of the batch (a pairwise loss).
    MaxMargin,
}

impl Loss {
    fn before_setting_existed() -> Loss {
        Loss::MaxMargin
    }
}

/// Default temperature of the softmax loss, chosen on the validation splits
/// of four datasets over three seeds (README, "Choosing the loss").
pub const DEFAULT_TEMPERATURE: f32 = 2.0;

/// Training hyper-parameters. The defaults are generic (not tuned per data set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    pub dim: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Steps per epoch; `None`: one pass over the train interactions.
    pub steps_per_epoch: Option<usize>,
    pub lr: f64,
    /// Learning rate multiplier at the last epoch (linear decay from 1).
    pub lr_final: f64,
    /// The loss minimised. A checkpoint written before this setting existed
    /// was trained with the max-margin loss (then the default), so that is
    /// what a missing field reads as: resuming it under the softmax default
    /// is refused as a change of settings instead of switching loss mid-run.
    #[serde(default = "Loss::before_setting_existed")]
    pub loss: Loss,
    /// Temperature of the softmax loss (scores `<q, v> / t`).
    pub temperature: f32,
    /// Margin of the max-margin loss.
    pub margin: f32,
    /// Use every item of the batch (not only the sampled negatives) as a
    /// negative of each query in the max-margin loss.
    pub in_batch: bool,
    /// Epochs without a better validation figure before stopping.
    pub patience: usize,
    pub seed: u64,
    pub sampler: SamplerConfig,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            dim: 64,
            epochs: 12,
            steps_per_epoch: None,
            lr: 3e-3,
            lr_final: 0.1,
            loss: Loss::Softmax,
            temperature: DEFAULT_TEMPERATURE,
            margin: 1.0,
            in_batch: true,
            patience: 5,
            seed: 42,
            sampler: SamplerConfig::default(),
        }
    }
}

impl TrainConfig {
    /// Refuse settings no run can use; errors name the `reelgraph train` flag.
    /// [`train`] calls it first, so benches and tests are checked too.
    pub fn validate(&self) -> anyhow::Result<()> {
        let c = self;
        anyhow::ensure!(c.epochs >= 1, "--epochs must be at least 1");
        anyhow::ensure!(c.dim >= 2, "--dim must be at least 2");
        anyhow::ensure!(c.patience >= 1, "--patience must be at least 1");
        anyhow::ensure!(c.sampler.batch_size >= 1, "--batch-size must be at least 1");
        anyhow::ensure!(c.lr > 0.0 && c.lr.is_finite(), "--lr must be positive");
        anyhow::ensure!(
            (0.0..=1.0).contains(&c.sampler.walk.restart),
            "--restart must be between 0 and 1"
        );
        anyhow::ensure!(c.sampler.walk.top_t >= 1, "--top-t must be at least 1");
        anyhow::ensure!(c.sampler.negatives >= 1, "--negatives must be at least 1");
        anyhow::ensure!(
            c.steps_per_epoch != Some(0),
            "--steps-per-epoch must be at least 1"
        );
        for (name, v) in [
            ("--pop-negatives", c.sampler.pop_negatives),
            ("--hard-fraction", c.sampler.hard.max_fraction),
            ("--id-dropout", c.sampler.id_dropout),
            ("--lr-final", c.lr_final),
        ] {
            anyhow::ensure!((0.0..=1.0).contains(&v), "{name} must be between 0 and 1");
        }
        anyhow::ensure!(
            c.margin >= 0.0 && c.margin.is_finite(),
            "--margin must be non-negative"
        );
        anyhow::ensure!(
            c.temperature > 0.0 && c.temperature.is_finite(),
            "--softmax-temperature must be positive"
        );
        Ok(())
    }

    pub fn steps(&self, graph: &Graph) -> usize {
        self.steps_per_epoch
            .unwrap_or_else(|| graph.num_interactions().div_ceil(self.sampler.batch_size))
            .max(1)
    }
    fn lr_at(&self, epoch: usize, step: usize, steps: usize) -> f64 {
        let total = (self.epochs * steps).max(1) as f64;
        let t = (epoch * steps + step) as f64 / total;
        self.lr * (1.0 - t * (1.0 - self.lr_final))
    }
}

/// One epoch of the training curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// 1-based.
    pub epoch: usize,
    pub loss: f64,
    /// Validation figure (HR@10 of the caller's validation function).
    pub val: f64,
    pub steps: usize,
    pub seconds: f64,
}

/// How a run is driven.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Where checkpoints go (none: no checkpoints).
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoint in `checkpoint_dir`.
    pub resume: bool,
    /// Draw a progress bar (stderr).
    pub progress: bool,
    /// Set to stop: a checkpoint is written and [`Outcome::Interrupted`] returned.
    pub stop: Option<Arc<AtomicBool>>,
}

/// A finished run: the best epoch's model and vectors.
#[derive(Debug)]
pub struct Trained {
    pub model: PinSage,
    pub config: ModelConfig,
    /// Row-major `items × dim`, catalogue order.
    pub vectors: Vec<f32>,
    pub history: Vec<EpochStats>,
    /// 1-based epoch of the kept model.
    pub best_epoch: usize,
    /// Wall time of this process's part of the run (sampling, training,
    /// validation embedding, final embedding), plus earlier parts when resumed.
    pub seconds: f64,
    /// The inference neighbourhoods the vectors were computed with.
    pub neighbourhoods: Neighbourhoods,
    /// The kept model as a burnpack record.
    pub checkpoint: Vec<u8>,
}

#[derive(Debug)]
pub enum Outcome {
    Finished(Box<Trained>),
    /// Stopped on request; the checkpoint (if any) lets `resume` continue.
    Interrupted {
        checkpoint_dir: Option<PathBuf>,
    },
}

/// What a checkpoint directory's `state.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct State {
    model: ModelConfig,
    train: TrainConfig,
    /// Next (0-based) epoch and step to run.
    epoch: usize,
    step: usize,
    /// Loss sum and steps of the unfinished epoch.
    loss_sum: f64,
    loss_steps: usize,
    history: Vec<EpochStats>,
    best_val: f64,
    best_epoch: usize,
    seconds: f64,
}

const STATE: &str = "state.json";
const MODEL: &str = "model.bpk";
const OPTIM: &str = "optim.bpk";
const BEST: &str = "best.bpk";

fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

fn record_bytes(model: &PinSage) -> anyhow::Result<Vec<u8>> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| anyhow::anyhow!("serialising the model: {e}"))?;
    Ok(bytes.to_vec())
}

/// Load a model record (burnpack bytes) into a model of `cfg` on `device`.
pub fn load_model(cfg: &ModelConfig, bytes: &[u8], device: &Device) -> anyhow::Result<PinSage> {
    let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| anyhow::anyhow!("reading the model checkpoint: {e}"))?;
    cfg.init(device)
        .try_load_record(record)
        .map_err(|e| anyhow::anyhow!("loading the model checkpoint: {e}"))
}

fn save_checkpoint(
    dir: &Path,
    state: &State,
    model: &PinSage,
    optim: OptimizerRecord,
    best: &[u8],
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_atomic(&dir.join(MODEL), &record_bytes(model)?)?;
    let optim = optim
        .into_bytes()
        .map_err(|e| anyhow::anyhow!("serialising the optimiser: {e}"))?;
    write_atomic(&dir.join(OPTIM), &optim)?;
    write_atomic(&dir.join(BEST), best)?;
    write_atomic(&dir.join(STATE), &serde_json::to_vec_pretty(state)?)
}

/// Held while a model's parameters are seeded and initialised (burn draws
/// them from the device's process-wide generator).
pub(crate) static INIT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The neighbourhoods used for inference (fixed by the seed).
pub fn inference_neighbourhoods(graph: &Graph, cfg: &TrainConfig) -> Neighbourhoods {
    Neighbourhoods::compute(graph, &cfg.sampler.walk, cfg.seed ^ 0xA5A5_5A5A)
}

/// Embed every catalogue item with a (plain) model.
pub fn embed(
    model: &PinSage,
    cfg: &ModelConfig,
    movies: &[Movie],
    nbrs: &Neighbourhoods,
) -> Vec<f32> {
    let device = model.id.weight.device();
    let feats = FeatureTensors::new(cfg, &ItemFeatures::new(cfg, movies), &device);
    infer::embed_all(model, &feats, nbrs)
}

/// Train PinSAGE on `graph` (train interactions of `movies`, catalogue order).
///
/// `validate(vectors, dim)` returns the validation figure to maximise
/// (HR@10); it runs after every epoch.
pub fn train(
    graph: Arc<Graph>,
    movies: &[Movie],
    cfg: &TrainConfig,
    opts: &RunOptions,
    validate: &mut dyn FnMut(&[f32], usize) -> f64,
) -> anyhow::Result<Outcome> {
    cfg.validate()?;
    let started = Instant::now();
    if movies.len() != graph.num_items() {
        bail!(
            "the catalogue has {} items, the graph {}",
            movies.len(),
            graph.num_items()
        );
    }
    let device = Device::flex();
    let ad = device.clone().autodiff();
    let mcfg = ModelConfig::for_catalogue(movies, cfg.dim);
    let features = ItemFeatures::new(&mcfg, movies);
    let feats_ad = FeatureTensors::new(&mcfg, &features, &ad);
    let feats_plain = FeatureTensors::new(&mcfg, &features, &device);
    let infer_nbrs = inference_neighbourhoods(&graph, cfg);
    let steps = cfg.steps(&graph);
    let layers = mcfg.layers;

    // burn's parameter initialisation draws from the device's (process-wide)
    // generator: seed and initialise under a lock so that trainings running
    // at the same time in one process (tests, a server) stay deterministic.
    let mut model = {
        let _guard = INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        device.seed(cfg.seed);
        // Parameters are initialised lazily: materialise them now, inside the lock.
        let bytes = record_bytes(&mcfg.init(&ad))?;
        load_model(&mcfg, &bytes, &ad)?
    };
    let mut optim = AdamConfig::new().init();
    let mut state = State {
        model: mcfg.clone(),
        train: cfg.clone(),
        epoch: 0,
        step: 0,
        loss_sum: 0.0,
        loss_steps: 0,
        history: vec![],
        best_val: -1.0,
        best_epoch: 0,
        seconds: 0.0,
    };
    let mut best: Vec<u8> = Vec::new();
    if opts.resume {
        let dir = opts
            .checkpoint_dir
            .as_ref()
            .context("--resume needs a checkpoint directory")?;
        let raw = std::fs::read(dir.join(STATE))
            .with_context(|| format!("no checkpoint to resume in {}", dir.display()))?;
        let saved: State = serde_json::from_slice(&raw)
            .with_context(|| format!("{}: not a checkpoint state", dir.join(STATE).display()))?;
        if saved.model != mcfg {
            bail!(
                "the checkpoint in {} was trained on other data",
                dir.display()
            );
        }
        if saved.train != *cfg {
            bail!(
                "the checkpoint in {} used other training settings (seed, epochs, ...)",
                dir.display()
            );
        }
        model = load_model(&mcfg, &std::fs::read(dir.join(MODEL))?, &ad)?;
        let orec = OptimizerRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(std::fs::read(
            dir.join(OPTIM),
        )?))
        .map_err(|e| anyhow::anyhow!("reading the optimiser checkpoint: {e}"))?;
        optim = optim.load_record(orec);
        best = std::fs::read(dir.join(BEST))?;
        state = saved;
        tracing::info!(
            "resuming from {} at epoch {} step {}",
            dir.display(),
            state.epoch + 1,
            state.step
        );
    }
    let seconds_before = state.seconds;
    let stop_requested = || opts.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst));

    let mut bad_epochs = state
        .history
        .iter()
        .rev()
        .take_while(|e| e.epoch > state.best_epoch)
        .count();
    while state.epoch < cfg.epochs && bad_epochs < cfg.patience {
        let epoch = state.epoch;
        let epoch_start = Instant::now();
        let rx = spawn_batches(
            graph.clone(),
            cfg.sampler.clone(),
            cfg.seed,
            epoch,
            state.step..steps,
            layers,
        );
        let bar = progress_bar(
            opts.progress,
            steps,
            format!("epoch {}/{}", epoch + 1, cfg.epochs),
        );
        bar.set_position(state.step as u64);
        let bar_start = Instant::now();
        let first_step = state.step;
        for batch in rx {
            if batch.is_empty() {
                state.step += 1;
                continue;
            }
            let h = model.forward(&feats_ad, &batch.blocks, Some(&batch.id_keep));
            let loss = match cfg.loss {
                Loss::Softmax => {
                    softmax_loss_in_batch(h, &batch.query, &batch.positive, cfg.temperature)
                }
                Loss::MaxMargin if cfg.in_batch => {
                    max_margin_loss_in_batch(h, &batch.query, &batch.positive, cfg.margin)
                }
                Loss::MaxMargin => max_margin_loss(
                    h,
                    &batch.query,
                    &batch.positive,
                    &batch.negative,
                    cfg.margin,
                ),
            };
            let loss_value: f32 = loss.clone().into_scalar();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(cfg.lr_at(epoch, state.step, steps), model, grads);
            state.step += 1;
            state.loss_sum += loss_value as f64;
            state.loss_steps += 1;
            bar.inc(1);
            let rate = (state.step - first_step) as f64 / bar_start.elapsed().as_secs_f64();
            bar.set_message(format!(
                "loss {:.4}  {rate:.1} steps/s",
                state.loss_sum / state.loss_steps as f64
            ));
            if stop_requested() {
                break;
            }
        }
        bar.finish_and_clear();
        if stop_requested() && state.step < steps {
            state.seconds = seconds_before + started.elapsed().as_secs_f64();
            if let Some(dir) = &opts.checkpoint_dir {
                save_checkpoint(dir, &state, &model, optim.to_record(), &best)?;
                tracing::info!(
                    "interrupted at epoch {} step {}: checkpoint saved in {}",
                    epoch + 1,
                    state.step,
                    dir.display()
                );
            }
            return Ok(Outcome::Interrupted {
                checkpoint_dir: opts.checkpoint_dir.clone(),
            });
        }
        let plain = model.valid();
        let vectors = infer::embed_all(&plain, &feats_plain, &infer_nbrs);
        let val = validate(&vectors, mcfg.dim);
        let stats = EpochStats {
            epoch: epoch + 1,
            loss: state.loss_sum / state.loss_steps.max(1) as f64,
            val,
            steps: state.step,
            seconds: epoch_start.elapsed().as_secs_f64(),
        };
        tracing::info!(
            "epoch {}/{}: loss {:.4}, val HR@10 {:.4}, {} steps in {:.1}s",
            stats.epoch,
            cfg.epochs,
            stats.loss,
            stats.val,
            stats.steps,
            stats.seconds
        );
        state.history.push(stats);
        if val > state.best_val {
            state.best_val = val;
            state.best_epoch = epoch + 1;
            best = record_bytes(&plain)?;
            bad_epochs = 0;
        } else {
            bad_epochs += 1;
        }
        state.epoch += 1;
        state.step = 0;
        state.loss_sum = 0.0;
        state.loss_steps = 0;
        state.seconds = seconds_before + started.elapsed().as_secs_f64();
        if let Some(dir) = &opts.checkpoint_dir {
            save_checkpoint(dir, &state, &model, optim.to_record(), &best)?;
        }
        if stop_requested() {
            return Ok(Outcome::Interrupted {
                checkpoint_dir: opts.checkpoint_dir.clone(),
            });
        }
    }
    if best.is_empty() {
        best = record_bytes(&model.valid())?;
        state.best_epoch = state.epoch;
    }
    let kept = load_model(&mcfg, &best, &device)?;
    let vectors = infer::embed_all(&kept, &feats_plain, &infer_nbrs);
    Ok(Outcome::Finished(Box::new(Trained {
        model: kept,
        config: mcfg,
        vectors,
        history: state.history,
        best_epoch: state.best_epoch,
        seconds: seconds_before + started.elapsed().as_secs_f64(),
        neighbourhoods: infer_nbrs,
        checkpoint: best,
    })))
}

/// A progress bar on stderr of `steps` steps named `prefix` (hidden unless
/// `show`): the epochs' bars here and the baselines' bar.
pub(crate) fn progress_bar(
    show: bool,
    steps: usize,
    prefix: impl Into<std::borrow::Cow<'static, str>>,
) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(steps as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})",
        )
        .expect("progress template")
        .progress_chars("=> "),
    );
    bar.set_prefix(prefix);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_older_checkpoints_read_as_max_margin() {
        let c = TrainConfig::default();
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""loss":"softmax""#), "{json}");
        assert_eq!(serde_json::from_str::<TrainConfig>(&json).unwrap(), c);
        // Settings as saved before `loss` and `temperature` existed.
        let old: TrainConfig =
            serde_json::from_str(r#"{"dim": 64, "margin": 1.0, "in_batch": true}"#).unwrap();
        assert_eq!(old.loss, Loss::MaxMargin);
        assert_ne!(old, c, "so resuming it under the new default is refused");
        assert_eq!(
            TrainConfig {
                loss: Loss::Softmax,
                ..old
            },
            c
        );
    }
}
