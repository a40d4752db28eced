//! `<app> inbox list | retry | purge`: look at and repair the durable inbox.

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::inbox::{Inbox, JobState};

/// `<app> inbox …`.
#[derive(Args, Debug)]
pub(super) struct InboxArgs {
    #[command(subcommand)]
    command: InboxCommand,
}

#[derive(Subcommand, Debug)]
enum InboxCommand {
    /// List jobs, newest first, with the number of jobs per state.
    List {
        /// Only jobs in this state: pending, running, done or dead.
        #[arg(long, value_parser = parse_state)]
        state: Option<JobState>,
        /// Only this shop's jobs.
        #[arg(long)]
        webshop_id: Option<u64>,
        /// At most this many jobs.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON lines (with bodies) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Queue dead jobs (or one job waiting for a retry) to run now, with fresh attempts.
    Retry {
        /// The job to retry.
        #[arg(conflicts_with = "all_dead", required_unless_present = "all_dead")]
        id: Option<i64>,
        /// Retry every dead job.
        #[arg(long)]
        all_dead: bool,
    },
    /// Delete finished jobs: one by id, or all done (or dead) jobs older than a time.
    Purge {
        /// The job to delete (done or dead only).
        #[arg(conflicts_with_all = ["state", "older_than_hours"])]
        id: Option<i64>,
        /// Which finished jobs: done or dead.
        #[arg(long, value_parser = parse_state, default_value = "done")]
        state: JobState,
        /// Only those finished more than this many hours ago.
        #[arg(long, default_value_t = 0)]
        older_than_hours: u64,
    },
}

fn parse_state(value: &str) -> Result<JobState, String> {
    JobState::parse(value)
        .ok_or_else(|| format!("`{value}` is not a state: pending, running, done or dead"))
}

pub(super) async fn run(args: InboxArgs) -> ExitCode {
    super::exit_code(execute(args.command).await)
}

/// Opens (and migrates) the store of `DATABASE_URL`, then its inbox.
async fn open() -> Result<Inbox, Box<dyn Error>> {
    let config = super::store_config()?;
    Ok(Inbox::open(&config.database_url, config.inbox).await?)
}

async fn execute(command: InboxCommand) -> Result<(), Box<dyn Error>> {
    let inbox = open().await?;
    match command {
        InboxCommand::List {
            state,
            webshop_id,
            limit,
            json,
        } => {
            let counts = inbox.counts().await?;
            let jobs = inbox.list(state, webshop_id, limit).await?;
            if json {
                for job in &jobs {
                    super::print_stdout(&serde_json::to_string(job)?);
                }
                return Ok(());
            }
            let summary: Vec<String> = JobState::ALL
                .iter()
                .map(|s| {
                    format!(
                        "{s} {}",
                        counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n)
                    )
                })
                .collect();
            super::print_stdout(&summary.join(", "));
            super::print_stdout(&format!(
                "{:>8}  {:<8} {:>10}  {:<16} {:>8}  {:<20}  last error",
                "id", "state", "webshop", "type", "attempts", "received"
            ));
            for job in &jobs {
                super::print_stdout(&format!(
                    "{:>8}  {:<8} {:>10}  {:<16} {:>8}  {:<20}  {}",
                    job.id,
                    job.state,
                    job.webshop_id,
                    job.kind,
                    job.attempts,
                    job.received_at.format("%Y-%m-%d %H:%M:%S"),
                    job.last_error.as_deref().unwrap_or("")
                ));
            }
            Ok(())
        }
        InboxCommand::Retry { id, all_dead: _ } => {
            let count = inbox.retry(id).await?;
            if let (Some(id), 0) = (id, count) {
                return Err(format!(
                    "job {id} is not dead or waiting for a retry (see `inbox list`)"
                )
                .into());
            }
            super::print_stdout(&format!("queued {count} job(s) to run again"));
            Ok(())
        }
        InboxCommand::Purge {
            id,
            state,
            older_than_hours,
        } => {
            let age = Duration::from_secs(older_than_hours.saturating_mul(3600));
            let count = inbox.purge(id, state, age).await?;
            if let (Some(id), 0) = (id, count) {
                return Err(format!("job {id} is not done or dead (see `inbox list`)").into());
            }
            super::print_stdout(&format!("deleted {count} job(s)"));
            Ok(())
        }
    }
}
