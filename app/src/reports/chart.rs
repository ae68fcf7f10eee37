//! The report's bar chart: plain SVG drawn on the server, one stacked bar
//! per unit (completed, in progress, not started, overdue), its name and
//! completion percentage written above it so it reads on a phone. The
//! table under it carries the same numbers for screen readers.

use leptos::prelude::*;

use super::UnitCounts;

const WIDTH: f64 = 320.0;
const ROW: f64 = 40.0;
const BAR: f64 = 14.0;

/// Segment order and CSS classes (colours live in the stylesheet).
const SEGMENTS: [&str; 4] = ["completed", "in_progress", "not_started", "overdue"];

fn counts(row: &UnitCounts) -> [usize; 4] {
    [row.completed, row.in_progress, row.not_started, row.overdue]
}

/// Shortens long unit names so the percentage still fits on the line.
fn label(name: &str) -> String {
    const MAX: usize = 34;
    if name.chars().count() <= MAX {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(MAX - 1).collect::<String>())
    }
}

#[component]
pub fn ReportChart(rows: Vec<UnitCounts>, title: String) -> impl IntoView {
    let height = ROW * rows.len() as f64 + 4.0;
    let label_text = title.clone();
    view! {
        <svg class="report-chart" role="img" aria-label=label_text
            viewBox=format!("0 0 {WIDTH} {height}") width="100%" preserveAspectRatio="xMinYMin meet">
            <title>{title}</title>
            {rows.into_iter().enumerate().map(|(i, row)| {
                let y = i as f64 * ROW;
                let total = row.assigned.max(1) as f64;
                let mut x = 0.0;
                let segments = SEGMENTS.iter().zip(counts(&row)).filter(|(_, n)| *n > 0).map(|(class, n)| {
                    let w = WIDTH * n as f64 / total;
                    let rect = view! {
                        <rect class=format!("seg-{class}") x=format!("{x:.1}") y=format!("{:.1}", y + 18.0)
                            width=format!("{w:.1}") height=BAR.to_string()/>
                    };
                    x += w;
                    rect
                }).collect_view();
                view! {
                    <g>
                        <text x="0" y=format!("{:.1}", y + 13.0) class="chart-label">{label(&row.name)}</text>
                        <text x=WIDTH.to_string() y=format!("{:.1}", y + 13.0) text-anchor="end" class="chart-value">
                            {format!("{}%", row.percent())}
                        </text>
                        <rect class="seg-empty" x="0" y=format!("{:.1}", y + 18.0) width=WIDTH.to_string() height=BAR.to_string()/>
                        {segments}
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}
