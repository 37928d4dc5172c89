//! Trust as a mild tie-breaker: a match's score is lifted by up to [`TRUST_TIE_BREAK`] by its
//! product's trust score, so equally good matches show the more trustworthy product first, and a
//! clearly better match stays above a weaker one whatever their trust.

use tantivy::{DocAddress, Score};

use crate::index::{Candidate, TRUST_TIE_BREAK};

/// The most any trust score lifts a score by.
const MAX_LIFT: Score = 1.0 + TRUST_TIE_BREAK;

/// True when the best `window` matches `top` (best first) hold every match that trust could lift
/// onto the page ending at `end`: there are no more, or the last read cannot reach the page's
/// last even lifted by the most.
pub(crate) fn window_holds_page(top: &[(Score, DocAddress)], end: usize, window: usize) -> bool {
    if top.len() < window || end == 0 {
        return true;
    }
    let (Some(&(page_last, _)), Some(&(read_last, _))) = (top.get(end - 1), top.last()) else {
        return true;
    };
    read_last * MAX_LIFT < page_last
}

/// Lifts each candidate's score by its product's trust, reorders them best first (candidates of
/// equal lifted score keep their order), and returns each one's trust in the new order.
pub(crate) fn lift(
    candidates: &mut Vec<Candidate>,
    trust: &dyn Fn(&str) -> Option<u32>,
) -> Vec<Option<u32>> {
    let mut lifted: Vec<(Option<u32>, Candidate)> = candidates
        .drain(..)
        .map(|mut c| {
            let found = c.product_id.as_deref().and_then(trust).map(|t| t.min(100));
            if let Some(t) = found {
                c.score *= 1.0 + TRUST_TIE_BREAK * t as Score / 100.0;
            }
            (found, c)
        })
        .collect();
    lifted.sort_by(|(_, a), (_, b)| b.score.total_cmp(&a.score));
    let mut trusts = Vec::with_capacity(lifted.len());
    for (t, c) in lifted {
        trusts.push(t);
        candidates.push(c);
    }
    trusts
}

#[cfg(test)]
mod tests {
    use tantivy::TantivyDocument;

    use super::*;

    fn candidate(score: Score, product: &str) -> Candidate {
        Candidate {
            score,
            doc: TantivyDocument::default(),
            product_id: (!product.is_empty()).then(|| product.to_owned()),
        }
    }

    fn order(candidates: &[Candidate]) -> Vec<&str> {
        candidates
            .iter()
            .map(|c| c.product_id.as_deref().unwrap_or("-"))
            .collect()
    }

    #[test]
    fn trust_orders_equal_matches_but_never_lifts_a_clearly_weaker_one() {
        let mut candidates = vec![
            candidate(10.0, "strong"),
            candidate(5.0, "low"),
            candidate(5.0, ""),
            candidate(5.0, "high"),
            candidate(4.0, "best"),
        ];
        let trust = |id: &str| match id {
            "strong" => Some(0),
            "low" => Some(20),
            "high" => Some(90),
            "best" => Some(250),
            _ => None,
        };
        let trusts = lift(&mut candidates, &trust);
        assert_eq!(order(&candidates), ["strong", "high", "low", "-", "best"]);
        assert_eq!(trusts, [Some(0), Some(90), Some(20), None, Some(100)]);
        // A score of 100 (the most, 250 is capped) lifts by 1 %.
        assert!((candidates[4].score - 4.04).abs() < 1e-5);
        assert_eq!(candidates[0].score, 10.0);
    }

    #[test]
    fn the_window_holds_the_page_once_the_last_read_cannot_reach_it() {
        let at = |score| (score, DocAddress::new(0, 0));
        // Fewer matches than the window: all were read.
        assert!(window_holds_page(&[at(3.0), at(2.0)], 1, 5));
        // The last read is within 1 % of the page's last: one further down might be lifted onto it.
        assert!(!window_holds_page(&[at(3.0), at(2.0), at(1.995)], 2, 3));
        assert!(window_holds_page(&[at(3.0), at(2.0), at(1.9)], 2, 3));
        assert!(window_holds_page(&[], 0, 3));
    }
}
