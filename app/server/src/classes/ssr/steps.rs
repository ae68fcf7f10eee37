//! A class's steps: each chosen chapter's sections in reading order. A
//! section starts at a second-level heading, so a leader can pace a long
//! chapter a part at a time; a chapter without such headings is one step.

use crate::content::ssr::catalog::{Chapter, Course};

/// One step of a class.
pub struct Step<'c> {
    pub chapter: &'c Chapter,
    /// 1-based part of the chapter, and how many it has.
    pub part: usize,
    pub parts: usize,
    pub html: &'c str,
}

/// The steps of `chapters` (ids, in the order given; unknown ids skipped)
/// of `course`; every chapter when `chapters` is empty.
pub fn steps<'c>(course: &'c Course, chapters: &[String]) -> Vec<Step<'c>> {
    let chosen: Vec<&Chapter> = if chapters.is_empty() {
        course.chapters.iter().collect()
    } else {
        chapters
            .iter()
            .filter_map(|id| course.chapters.iter().find(|c| &c.id == id))
            .collect()
    };
    chosen
        .into_iter()
        .flat_map(|chapter| {
            let parts = sections(&chapter.html);
            let count = parts.len();
            parts.into_iter().enumerate().map(move |(i, html)| Step {
                chapter,
                part: i + 1,
                parts: count,
                html,
            })
        })
        .collect()
}

/// `html` cut before each `<h2`, the text before the first heading going
/// with the first section (an introduction alone is too short a step).
fn sections(html: &str) -> Vec<&str> {
    let starts: Vec<usize> = html.match_indices("<h2").map(|(i, _)| i).collect();
    if starts.len() < 2 {
        return vec![html];
    }
    let mut cuts: Vec<usize> = vec![0];
    cuts.extend(starts.iter().skip(1));
    cuts.push(html.len());
    cuts.windows(2).map(|w| &html[w[0]..w[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::sections;

    #[test]
    fn a_chapter_is_cut_at_its_second_level_headings() {
        let html = "<p>intro</p><h2 id=\"a\">A</h2><p>a</p><h2 id=\"b\">B</h2><p>b</p>";
        let parts = sections(html);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].starts_with("<p>intro</p><h2 id=\"a\">"));
        assert_eq!(parts[1], "<h2 id=\"b\">B</h2><p>b</p>");
        assert_eq!(parts.concat(), html);
    }

    #[test]
    fn a_chapter_with_one_heading_or_none_is_one_step() {
        assert_eq!(sections("<p>x</p>"), vec!["<p>x</p>"]);
        assert_eq!(sections("<h2>A</h2><p>x</p>").len(), 1);
    }
}
