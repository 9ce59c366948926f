//! The settings a training run may override, declared once for both
//! callers: the flags of `reelgraph train` (with the `clap` feature) and the
//! `settings` object of the trainer function's invoke payload (JSON, the
//! same names in snake_case: `{"epochs": 20, "batch_size": 256}`; an unknown
//! name is refused, naming it).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::baselines::{BaselineConfig, SasRecConfig};
use crate::data::LoadOptions;
use crate::pipeline::PipelineOptions;
use crate::train::{Loss, RunOptions, TrainConfig};

/// Declares each training setting once: its type, its help and the field of
/// [`TrainConfig`] it sets (defaults: `TrainConfig::default()`; validation:
/// `TrainConfig::validate`).
macro_rules! train_settings {
    ($( $(#[doc = $doc:literal])+ $(#[arg($($arg:tt)*)])? $flag:ident : $ty:ty => $($field:ident).+ ; )*) => {
        /// The settings of a training run: each `None`/`false` keeps the default.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "clap", derive(clap::Args))]
        #[serde(default, deny_unknown_fields)]
        pub struct TrainSettings {
            $(
                $(#[doc = $doc])+
                #[cfg_attr(feature = "clap", arg(long $(, $($arg)*)?))]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $flag: Option<$ty>,
            )*
            /// Decay of the history recommender (default: chosen on validation).
            #[cfg_attr(feature = "clap", arg(long))]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub decay: Option<f32>,
            /// Skip the baselines (popularity, ItemKNN, EASE) in the report.
            #[cfg_attr(feature = "clap", arg(long))]
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            pub no_baselines: bool,
            /// Also train the SASRec baseline (a causal transformer over each
            /// user's sequence, full softmax; minutes on 2 cores).
            #[cfg_attr(feature = "clap", arg(long))]
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            pub sasrec: bool,
            /// Drop ratings below this before splitting.
            #[cfg_attr(feature = "clap", arg(long))]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub min_rating: Option<f32>,
            /// Count malformed lines instead of stopping at the first one.
            #[cfg_attr(feature = "clap", arg(long))]
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            pub skip_bad_lines: bool,
        }

        impl TrainSettings {
            /// `TrainConfig::default()` with the settings given.
            pub fn train_config(&self) -> TrainConfig {
                let mut c = TrainConfig::default();
                $( if let Some(v) = self.$flag.clone() { c.$($field).+ = v.into(); } )*
                c
            }
        }
    };
}

train_settings! {
    /// Maximum epochs.
    epochs: usize => epochs;
    /// Seed of every random choice (sampling, initialisation).
    seed: u64 => seed;
    /// Vector dimension.
    dim: usize => dim;
    /// Learning rate.
    lr: f64 => lr;
    /// Epochs without a better val HR@10 before stopping.
    patience: usize => patience;
    /// Steps per epoch (default: one pass over the train interactions).
    steps_per_epoch: usize => steps_per_epoch;
    /// Triples per batch.
    batch_size: usize => sampler.batch_size;
    /// Random walks per item for the importance neighbourhoods.
    walks: usize => sampler.walk.num_walks;
    /// Item→user→item hops per walk.
    walk_length: usize => sampler.walk.walk_length;
    /// Restart probability after each hop.
    restart: f64 => sampler.walk.restart;
    /// Neighbours kept per item.
    top_t: usize => sampler.walk.top_t;
    /// Learning-rate multiplier reached at the last epoch (linear decay from 1).
    lr_final: f64 => lr_final;
    /// The loss: `softmax` (in-batch sampled softmax, the default) or
    /// `max-margin` (the PinSAGE paper's hinge).
    #[arg(value_enum)]
    loss: Loss => loss;
    /// Margin of the max-margin loss.
    margin: f32 => margin;
    /// Negatives per (query, positive) pair; the loss averages their hinges.
    negatives: usize => sampler.negatives;
    /// Share of random negatives drawn in proportion to popularity (0..1).
    pop_negatives: f64 => sampler.pop_negatives;
    /// `true`: every item of the batch is a negative of each query in the loss;
    /// `false`: only the sampled negatives (default: true).
    in_batch: bool => in_batch;
    /// Temperature of the softmax loss: scores are `<q, v> / T` (default 2).
    softmax_temperature: f32 => temperature;
    /// Share of hard negatives once phased in (0 = off).
    hard_fraction: f64 => sampler.hard.max_fraction;
    /// Positive window: items within this many positions of the query in the
    /// user's timeline (0 = anywhere in the history).
    window: usize => sampler.window;
    /// Probability of dropping an item's id embedding during training.
    id_dropout: f64 => sampler.id_dropout;
}

impl TrainSettings {
    /// Refuse settings no run can use; errors name the `reelgraph train` flag.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.train_config().validate()?;
        if let Some(d) = self.decay {
            anyhow::ensure!((0.0..=1.0).contains(&d), "--decay must be between 0 and 1");
        }
        Ok(())
    }

    /// Read the settings from JSON (the trainer function's `settings`,
    /// called `name` in errors): an error names the field
    /// (`settings.batch_size: invalid type: …`; an unknown name is refused).
    pub fn from_json(value: &serde_json::Value, name: &str) -> anyhow::Result<TrainSettings> {
        // (serde would also read a struct from an array, by position.)
        anyhow::ensure!(
            value.is_object(),
            "{name}: expected a JSON object of settings, found {value}"
        );
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                anyhow::anyhow!("{name}: {}", e.inner())
            } else {
                anyhow::anyhow!("{name}.{path}: {}", e.inner())
            }
        })
    }

    /// The pipeline's options for a run of these settings on `data`.
    pub fn pipeline_options(
        &self,
        data: PathBuf,
        metadata: Option<PathBuf>,
        report: Option<PathBuf>,
        run: RunOptions,
    ) -> PipelineOptions {
        PipelineOptions {
            data,
            load: LoadOptions {
                metadata,
                min_rating: self.min_rating,
                skip_bad_lines: self.skip_bad_lines,
            },
            train: self.train_config(),
            baselines: (!self.no_baselines).then(|| BaselineConfig {
                sasrec: self.sasrec.then(|| SasRecConfig {
                    seed: self.seed.unwrap_or(TrainConfig::default().seed),
                    ..SasRecConfig::default()
                }),
                ..BaselineConfig::default()
            }),
            decay: self.decay,
            report,
            run,
            feedback: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_settings_map_onto_the_training_config() {
        let s = TrainSettings::from_json(
            &json!({
            "epochs": 3, "seed": 9, "batch_size": 64, "loss": "max-margin",
            "softmax_temperature": 0.5, "no_baselines": true, "decay": 0.8
            }),
            "settings",
        )
        .unwrap();
        let c = s.train_config();
        assert_eq!((c.epochs, c.seed, c.sampler.batch_size), (3, 9, 64));
        assert_eq!((c.loss, c.temperature), (Loss::MaxMargin, 0.5));
        assert!(s.no_baselines);
        assert_eq!(s.decay, Some(0.8));
        s.validate().unwrap();
        // Round trip: what a job records is what it reads back.
        let back = TrainSettings::from_json(&serde_json::to_value(&s).unwrap(), "s").unwrap();
        assert_eq!(back, s);
        assert_eq!(
            TrainSettings::from_json(&json!({}), "s")
                .unwrap()
                .train_config(),
            TrainConfig::default()
        );
    }

    #[test]
    fn bad_json_settings_name_the_field() {
        let e = TrainSettings::from_json(&json!({"epoch": 3}), "settings")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("settings.epoch: unknown field `epoch`"),
            "{e}"
        );
        let e = TrainSettings::from_json(&json!({"batch_size": "big"}), "settings")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("settings.batch_size: invalid type"), "{e}");
        let e = TrainSettings::from_json(&json!({"loss": "hinge"}), "settings")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("settings.loss: unknown variant `hinge`"),
            "{e}"
        );
        let e = TrainSettings::from_json(&json!([1]), "settings")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "settings: expected a JSON object of settings, found [1]");
        let s = TrainSettings::from_json(&json!({"decay": 2.0}), "s").unwrap();
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "--decay must be between 0 and 1"
        );
    }
}
