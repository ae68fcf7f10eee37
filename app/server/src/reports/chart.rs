//! The report's bar chart: plain SVG drawn on the server, one stacked bar
//! per unit (completed, in progress, not started, overdue), its completion
//! percentage and name written above it so it reads on a phone. The table
//! under it carries the same numbers for screen readers.
//!
//! The SVG has no `viewBox`, so nothing is scaled: widths are percentages of
//! the chart's width, heights and text are in `em` of the page's own text
//! size. Labels are as large as body text (16 px, 20 px with "Chữ lớn") at
//! any screen width; a long unit name takes two short lines, so it fits a
//! 360 px phone even at the largest text size.

use leptos::prelude::*;

use super::UnitCounts;

/// One unit's label line(s) and bar, in em.
const LINE: f64 = 1.25;
const BASELINE: f64 = 1.1;
const BAR_GAP: f64 = 0.4;
const BAR: f64 = 1.0;
const ROW_GAP: f64 = 0.6;
/// Where the unit's name starts, after "100%".
const NAME_X: &str = "3.6em";

/// Segment order and CSS classes (colours live in the stylesheet).
const SEGMENTS: [&str; 4] = ["completed", "in_progress", "not_started", "overdue"];

fn counts(row: &UnitCounts) -> [usize; 4] {
    [row.completed, row.in_progress, row.not_started, row.overdue]
}

/// A unit's name in at most two lines of at most `MAX` characters, broken
/// between words, shortened with "…" beyond that (the table under the chart
/// has it in full). 16 characters of body text fit beside the percentage on
/// a 360 px screen at every text size.
fn label_lines(name: &str) -> Vec<String> {
    const MAX: usize = 16;
    const LINES: usize = 2;
    let len = |s: &str| s.chars().count();
    let mut lines: Vec<String> = Vec::new();
    for word in name.split_whitespace() {
        let fits = lines
            .last()
            .is_some_and(|line| len(line) + 1 + len(word) <= MAX);
        if fits {
            let line = lines.last_mut().expect("a line");
            line.push(' ');
            line.push_str(word);
        } else if lines.len() == LINES {
            let last = lines.last_mut().expect("two lines");
            let kept: String = last.chars().take(MAX - 1).collect();
            *last = format!("{kept}…");
            return lines;
        } else {
            lines.push(word.chars().take(MAX).collect());
        }
    }
    lines
}

fn em(value: f64) -> String {
    format!("{value:.2}em")
}

#[component]
pub fn ReportChart(rows: Vec<UnitCounts>, title: String) -> impl IntoView {
    let label_text = title.clone();
    // Each row: its label lines, then the bar.
    let mut top = 0.0;
    let rows: Vec<(f64, Vec<String>, UnitCounts)> = rows
        .into_iter()
        .map(|row| {
            let lines = label_lines(&row.name);
            let at = top;
            top += lines.len() as f64 * LINE + BAR_GAP + BAR + ROW_GAP;
            (at, lines, row)
        })
        .collect();
    let height = em(top);
    view! {
        <svg class="report-chart" role="img" aria-label=label_text width="100%" height=height>
            <title>{title}</title>
            {rows.into_iter().map(|(top, lines, row)| {
                let bar_y = em(top + lines.len() as f64 * LINE + BAR_GAP - 0.15);
                let total = row.assigned.max(1) as f64;
                let mut x = 0.0;
                let segments = SEGMENTS.iter().zip(counts(&row)).filter(|(_, n)| *n > 0).map(|(class, n)| {
                    let w = 100.0 * n as f64 / total;
                    let rect = view! {
                        <rect class=format!("seg-{class}") x=format!("{x:.2}%") y=bar_y.clone()
                            width=format!("{w:.2}%") height=em(BAR)/>
                    };
                    x += w;
                    rect
                }).collect_view();
                view! {
                    <g>
                        <text x="0" y=em(top + BASELINE) class="chart-value">{format!("{}%", row.percent())}</text>
                        <text x=NAME_X y=em(top + BASELINE) class="chart-label">
                            {lines.into_iter().enumerate().map(|(i, line)| view! {
                                <tspan x=NAME_X dy=if i == 0 { "0" } else { "1.25em" }>{line}</tspan>
                            }).collect_view()}
                        </text>
                        <rect class="seg-empty" x="0" y=bar_y.clone() width="100%" height=em(BAR)/>
                        {segments}
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::label_lines;

    #[test]
    fn long_names_take_two_short_lines() {
        assert_eq!(label_lines("Thanh tra Sở"), ["Thanh tra Sở"]);
        assert_eq!(
            label_lines("Sở Xây dựng tỉnh Thừa Thiên Huế"),
            ["Sở Xây dựng tỉnh", "Thừa Thiên Huế"]
        );
        assert_eq!(
            label_lines("Phòng Quản lý Đô thị và Hạ tầng Kỹ thuật"),
            ["Phòng Quản lý Đô", "thị và Hạ tầng…"]
        );
        for line in label_lines("Ủybannhândânxãđặcbiệtdàitên Một") {
            assert!(line.chars().count() <= 16, "{line}");
        }
    }
}
