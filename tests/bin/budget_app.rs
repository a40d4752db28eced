//! The recorder app as a binary with one command of its own, `spend`: REST reads of one
//! product, from several tasks at once, until the shop's budget says no. With the
//! framework's `budget` command, for the suite that runs three of it on one database.
//!
//! `spend --webshop-id N --product ID [--tasks T]` prints one JSON line,
//! `{"calls": <reads that succeeded>, "exhausted": <tasks stopped by BudgetExhausted>,
//! "other": <tasks stopped by another error>, "error": "<the first other error>"}`, and exits
//! 0 when every task ended on the budget, 1 otherwise.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shoporama_app::cli::{CommandContext, CommandError, ShopArg};
use shoporama_app::rest::RestError;
use shoporama_app_tests::Recorder;

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Read a product until the budget is spent.
    Spend {
        #[command(flatten)]
        shop: ShopArg,
        /// The product to read.
        #[arg(long)]
        product: u64,
        /// Tasks reading at once.
        #[arg(long, default_value_t = 4)]
        tasks: u64,
    },
}

async fn command(
    mut ctx: CommandContext<Recorder>,
    command: Command,
) -> Result<ExitCode, CommandError> {
    let Command::Spend {
        shop,
        product,
        tasks,
    } = command;
    let shop = ctx.shop(shop).await?;
    let calls = Arc::new(AtomicU64::new(0));
    let mut running = Vec::new();
    for _ in 0..tasks {
        let (rest, calls) = (shop.rest().clone(), Arc::clone(&calls));
        running.push(tokio::spawn(async move {
            loop {
                match rest.products().get(product).await {
                    Ok(_) => calls.fetch_add(1, Ordering::SeqCst),
                    Err(error) => return error,
                };
            }
        }));
    }
    let (mut exhausted, mut other, mut first_error) = (0, 0, String::new());
    for task in running {
        match task.await {
            Ok(RestError::BudgetExhausted { .. }) => exhausted += 1,
            Ok(error) => {
                other += 1;
                if first_error.is_empty() {
                    first_error = error.to_string();
                }
            }
            Err(join) => return Err(CommandError::msg(join)),
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "calls": calls.load(Ordering::SeqCst),
            "exhausted": exhausted,
            "other": other,
            "error": first_error,
        })
    );
    Ok(if other == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    shoporama_app::run_with_commands(Recorder::default(), command)
}
