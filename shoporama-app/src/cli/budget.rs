//! `<app> budget --webshop-id N`: where a shop's REST budget stands today, as every process
//! of the app sees it (the ledger in the app's database).

use std::error::Error;
use std::process::ExitCode;

use clap::Args;

use super::commands::ShopArg;
use crate::rest::{Budget, BudgetStatus};

/// `<app> budget …`.
#[derive(Args, Debug)]
pub(super) struct BudgetArgs {
    #[command(flatten)]
    shop: ShopArg,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(args: BudgetArgs) -> ExitCode {
    super::exit_code(execute(args).await)
}

async fn execute(args: BudgetArgs) -> Result<(), Box<dyn Error>> {
    let webshop_id = args.shop.webshop_id;
    let config = super::store_config()?;
    let store = crate::store::connect(&config.database_url).await?;
    let Some(installation) = store.installation(webshop_id).await? else {
        return Err(format!("shop {webshop_id} has not installed the app").into());
    };
    let Some(database) = store.database() else {
        return Err(format!(
            "`{}` keeps each process's budget in its memory: there is no shared ledger to read",
            crate::store::mask_url(&config.database_url)
        )
        .into());
    };
    let budget = Budget::shared(
        database,
        &installation.token,
        webshop_id,
        installation.daily_limit,
        installation.current_usage,
    );
    let status = budget.status().await?;
    super::print_stdout(&if args.json {
        serde_json::json!({
            "webshop_id": webshop_id,
            "day": status.day.to_string(),
            "limit": status.limit,
            "spent": status.spent,
            "reserved": status.reserved,
            "left": status.left,
        })
        .to_string()
    } else {
        table(webshop_id, &status)
    });
    Ok(())
}

/// The human form: the day, then one number a line.
fn table(webshop_id: u64, status: &BudgetStatus) -> String {
    format!(
        "shop {webshop_id}, budget day {} (it ends at 23:00 UTC)\n\
         limit    {:>8}\nspent    {:>8}\nreserved {:>8}\nleft     {:>8}",
        status.day, status.limit, status.spent, status.reserved, status.left
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_each_number() {
        let status = BudgetStatus {
            day: chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap_or_default(),
            limit: 1000,
            spent: 412,
            reserved: 3,
            left: 585,
            shared: true,
        };
        let text = table(7, &status);
        assert!(text.starts_with("shop 7, budget day 2025-03-10"), "{text}");
        for line in [
            "limit        1000",
            "spent         412",
            "reserved        3",
            "left          585",
        ] {
            assert!(text.contains(line), "{line:?} in {text}");
        }
    }
}
