//! Trust as a mild tie-breaker: a match's score is lifted by up to [`TRUST_TIE_BREAK`] by its
//! product's trust score, so equally good matches show the more trustworthy product first, and a
//! clearly better match stays above a weaker one whatever their trust.

use tantivy::{DocAddress, Score};

use crate::index::{Candidate, TRUST_TIE_BREAK};

/// The most any trust score lifts a score by.
const MAX_LIFT: Score = 1.0 + TRUST_TIE_BREAK;

/// How many of the best matches `top` (best first) could be on the page ending at `end` once
/// lifted: the page's, and those after it whose score lifted by the most reaches the page's last.
pub(crate) fn reach(top: &[(Score, DocAddress)], end: usize) -> usize {
    let Some(&(page_last, _)) = top.get(end.saturating_sub(1)).filter(|_| end > 0) else {
        return top.len().min(end);
    };
    let beyond = top[end..]
        .iter()
        .take_while(|(score, _)| score * MAX_LIFT >= page_last)
        .count();
    end + beyond
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
    fn only_matches_a_lift_could_bring_onto_the_page_are_kept() {
        let at = |score| (score, DocAddress::new(0, 0));
        let top = [at(3.0), at(2.0), at(1.995), at(1.99), at(1.9)];
        // Within 1 % of the page's last (2.0): 1.995 and 1.99 may reach it; 1.9 cannot.
        assert_eq!(reach(&top, 2), 4);
        // Fewer matches than the page.
        assert_eq!(reach(&top[..1], 3), 1);
        assert_eq!(reach(&top, 0), 0);
        assert_eq!(reach(&[], 3), 0);
    }
}
