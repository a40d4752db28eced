//! The console's chart: callbacks per minute and failures, as inline SVG drawn on the server.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::inbox::MinuteCount;

/// One minute of the chart: how many callbacks arrived, and how many of them failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Minute {
    pub(super) total: u32,
    pub(super) failed: u32,
}

/// The last `minutes` clock minutes up to and including `now`'s, oldest first, from the
/// inbox's counts per minute (counts outside them are left out).
pub(super) fn per_minute(
    counts: &[MinuteCount],
    now: DateTime<Utc>,
    minutes: usize,
) -> Vec<Minute> {
    let mut buckets = vec![Minute::default(); minutes];
    let now_minute = now.timestamp().div_euclid(60);
    for count in counts {
        let Ok(ago) = usize::try_from(now_minute - count.minute.timestamp().div_euclid(60)) else {
            continue; // in the future (another process's clock)
        };
        let Some(bucket) = ago
            .checked_add(1)
            .and_then(|back| minutes.checked_sub(back))
            .and_then(|index| buckets.get_mut(index))
        else {
            continue;
        };
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        bucket.total = bucket.total.saturating_add(clamp(count.received));
        bucket.failed = bucket.failed.saturating_add(clamp(count.failed));
    }
    buckets
}

/// The chart: a bar per minute (callbacks) with its failures in red, the scale on the left.
pub(super) fn svg(minutes: &[Minute]) -> String {
    const WIDTH: u32 = 600;
    const HEIGHT: u32 = 140;
    const LEFT: u32 = 36;
    const BOTTOM: u32 = 20;
    let plot_height = HEIGHT - BOTTOM - 10;
    let max = minutes.iter().map(|m| m.total).max().unwrap_or(0).max(1);
    let total: u32 = minutes.iter().map(|m| m.total).sum();
    let failed: u32 = minutes.iter().map(|m| m.failed).sum();
    let count = u32::try_from(minutes.len()).unwrap_or(u32::MAX).max(1);
    let slot = (WIDTH - LEFT) / count;
    let bar = slot.saturating_sub(2).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" aria-labelledby=\"chart-title\">\
         <title id=\"chart-title\">Callbacks per minute over the last {count} minutes: {total} received, {failed} failed</title>\
         <line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\" stroke=\"#888\"/>\
         <text x=\"{tx}\" y=\"14\" font-size=\"11\" text-anchor=\"end\">{max}</text>\
         <text x=\"{tx}\" y=\"{base}\" font-size=\"11\" text-anchor=\"end\">0</text>\
         <text x=\"{LEFT}\" y=\"{label}\" font-size=\"11\">−{count} min</text>\
         <text x=\"{WIDTH}\" y=\"{label}\" font-size=\"11\" text-anchor=\"end\">now</text>",
        base = HEIGHT - BOTTOM,
        tx = LEFT - 4,
        label = HEIGHT - 4,
    );
    for (index, minute) in (0u32..).zip(minutes) {
        let x = LEFT + index * slot + 1;
        let height = |n: u32| {
            u32::try_from(u64::from(n) * u64::from(plot_height) / u64::from(max))
                .unwrap_or(plot_height)
        };
        for (count, class, fill, what) in [
            (minute.total, "total", "#1a73e8", "callbacks"),
            (minute.failed, "failed", "#d93025", "failed"),
        ] {
            if count > 0 {
                let h = height(count).max(1);
                let _ = write!(
                    svg,
                    "<rect class=\"{class}\" x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" fill=\"{fill}\"><title>{count} {what}</title></rect>",
                    HEIGHT - BOTTOM - h,
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_fall_into_their_minute() {
        // 20 s into a minute.
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let minute = |ago: i64, received, failed| MinuteCount {
            minute: DateTime::from_timestamp((now.timestamp().div_euclid(60) - ago) * 60, 0)
                .unwrap(),
            received,
            failed,
        };
        let points = [
            minute(0, 2, 1),
            minute(1, 1, 0),
            minute(40, 7, 0),
            minute(-1, 5, 0),
        ];
        let minutes = per_minute(&points, now, 30);
        assert_eq!(minutes.len(), 30);
        assert_eq!(
            minutes[29],
            Minute {
                total: 2,
                failed: 1
            }
        );
        assert_eq!(
            minutes[28],
            Minute {
                total: 1,
                failed: 0
            }
        );
        assert_eq!(minutes.iter().map(|m| m.total).sum::<u32>(), 3);
        let svg = svg(&minutes);
        assert!(svg.contains("3 received, 1 failed"), "{svg}");
        assert_eq!(svg.matches("class=\"failed\"").count(), 1);
        assert_eq!(svg.matches("class=\"total\"").count(), 2);
    }
}
