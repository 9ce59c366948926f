//! `reelgraph migrate --db URL`
//!
//! Creates or upgrades the metadata schema (the migrations of
//! `stores/migrations`). `reelgraph load` migrates too; servers never do
//! (they open SQL read-only and refuse an older schema, naming this command),
//! so an operator can run the schema change with a DDL-capable credential
//! while the servers keep a read-only one.

use anyhow::Context;
use reelgraph_core::settings::{self as s, DbSpec, Sources};
use reelgraph_stores::sql;

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    #[arg(long = s::DB.long(), env = s::DB.env, help = s::DB.help, hide_env_values = true)]
    pub db: Option<DbSpec>,
}

pub fn run(args: MigrateArgs, config: &Sources) -> anyhow::Result<()> {
    let db: DbSpec = config.require(&s::DB, args.db)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        sql::open(&db)
            .await
            .with_context(|| format!("--db {}", db.redacted()))?;
        println!("schema of {} is up to date", db.redacted());
        Ok(())
    })
}
