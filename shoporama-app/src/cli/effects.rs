//! `<app> effects list | retry`: look at and repair keyed effects.

use std::error::Error;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::effects::{EffectFilter, EffectRecord, EffectState, Effects};

/// `<app> effects …`.
#[derive(Args, Debug)]
pub(super) struct EffectsArgs {
    #[command(subcommand)]
    command: EffectsCommand,
}

#[derive(Subcommand, Debug)]
enum EffectsCommand {
    /// List effects, most recently changed first.
    List {
        #[command(flatten)]
        select: Selection,
        /// Only effects in this state: running, done or failed.
        #[arg(long, value_parser = parse_state)]
        state: Option<EffectState>,
        /// At most this many effects.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON lines (with results) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Mark failed effects retryable: the next call for each runs it again (its attempt
    /// marked as taken over). Prints how many.
    Retry {
        #[command(flatten)]
        select: Selection,
    },
}

/// Which effects: every condition given must hold.
#[derive(Args, Debug)]
struct Selection {
    /// Only this shop's effects.
    #[arg(long)]
    webshop_id: Option<u64>,
    /// Only effects of this name (`invoice`).
    #[arg(long)]
    name: Option<String>,
    /// Only effects with this key (an order id).
    #[arg(long)]
    key: Option<String>,
}

impl Selection {
    fn filter(self) -> EffectFilter {
        let mut filter = EffectFilter::all();
        filter.webshop_id = self.webshop_id;
        filter.name = self.name;
        filter.key = self.key;
        filter
    }
}

fn parse_state(value: &str) -> Result<EffectState, String> {
    EffectState::parse(value)
        .ok_or_else(|| format!("`{value}` is not a state: running, done or failed"))
}

pub(super) async fn run(args: EffectsArgs) -> ExitCode {
    super::exit_code(execute(args.command).await)
}

/// Opens (and migrates) the store of `DATABASE_URL`, then its effects.
async fn open() -> Result<Effects, Box<dyn Error>> {
    let config = super::store_config()?;
    let store = crate::store::connect(&config.database_url).await?;
    let Some(database) = store.database() else {
        return Err(format!(
            "`{}` keeps effects in the memory of the app's process: there are none to see here",
            crate::store::mask_url(&config.database_url)
        )
        .into());
    };
    Ok(Effects::new(database, config.effects))
}

async fn execute(command: EffectsCommand) -> Result<(), Box<dyn Error>> {
    let effects = open().await?;
    match command {
        EffectsCommand::List {
            select,
            state,
            limit,
            json,
        } => {
            let mut filter = select.filter().limit(limit);
            filter.state = state;
            let records = effects.list(&filter).await?;
            if json {
                for record in &records {
                    super::print_stdout(&serde_json::to_string(record)?);
                }
                return Ok(());
            }
            super::print_stdout(&format!(
                "{:>10}  {:<16} {:<20} {:<7} {:>8} {:>6}  {:<19}  detail",
                "webshop", "name", "key", "state", "attempts", "fence", "updated"
            ));
            for record in &records {
                super::print_stdout(&format!(
                    "{:>10}  {:<16} {:<20} {:<7} {:>8} {:>6}  {:<19}  {}",
                    record.webshop_id,
                    record.name,
                    record.key,
                    record.state,
                    record.attempts,
                    record.fence,
                    record.updated_at.format("%Y-%m-%d %H:%M:%S"),
                    detail(record)
                ));
            }
            if records.is_empty() {
                super::print_stdout("(no effects)");
            }
            Ok(())
        }
        EffectsCommand::Retry { select } => {
            let count = effects.retry(&select.filter()).await?;
            super::print_stdout(&format!(
                "marked {count} failed effect(s) to run again on their next call"
            ));
            Ok(())
        }
    }
}

/// The last column of `effects list`: the lease, the result or the error.
fn detail(record: &EffectRecord) -> String {
    const SHOWN: usize = 80;
    let text = match record.state {
        EffectState::Running => format!(
            "claimed by {} until {}",
            record.owner.as_deref().unwrap_or("?"),
            record
                .lease_until
                .map_or_else(String::new, |at| at.format("%H:%M:%S%.3f").to_string())
        ),
        EffectState::Done => record
            .result
            .as_ref()
            .map_or_else(String::new, ToString::to_string),
        EffectState::Failed => format!(
            "{}: {}",
            if record.retryable {
                "retryable"
            } else {
                "permanent"
            },
            record.last_error.as_deref().unwrap_or("")
        ),
    };
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
