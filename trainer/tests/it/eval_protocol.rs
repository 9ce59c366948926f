//! Metric functions against hand-computed rankings, and the evaluation
//! protocol on a tiny hand-made split.

use reelgraph_trainer::data::Split;
use reelgraph_trainer::evaluate::{
    EvalSplit, HistoryVectors, ItemVectors, LatestItem, MetricsAccumulator, Scorer, evaluate,
    ndcg_at, rank_of, recency_weights, reciprocal_rank, top_k,
};

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn metrics_of_hand_computed_rankings() {
    // Three queries with target ranks 0, 3 and 14 (0-based).
    let mut acc = MetricsAccumulator::new(20);
    acc.add(0, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    acc.add(3, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 10]);
    acc.add(14, &[11, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let m = acc.finish();
    assert_eq!(m.users, 3);
    close(m.hr10, 2.0 / 3.0);
    // ndcg: 1/log2(2) = 1, 1/log2(5) = 0.430676558..., 0
    close(m.ndcg10, (1.0 + 1.0 / 5f64.log2()) / 3.0);
    close(m.ndcg10, (1.0 + 0.430_676_558_073_393) / 3.0);
    // mrr: 1, 1/4, 1/15
    close(m.mrr, (1.0 + 0.25 + 1.0 / 15.0) / 3.0);
    // recall@20: all three within 20
    close(m.recall20, 1.0);
    // coverage: items 0..=11 = 12 of 20
    close(m.coverage10, 0.6);
    close(ndcg_at(9, 10), 1.0 / 11f64.log2());
    close(ndcg_at(10, 10), 0.0);
    close(reciprocal_rank(9), 0.1);
}

#[test]
fn rank_and_top_k_with_exclusions() {
    //            0    1    2    3    4    5
    let s = [0.3f32, 0.8, 0.3, 0.9, 0.1, 0.3];
    // order: 3, 1, 0, 2, 5 (ties by index), 4
    assert_eq!(top_k(&s, 6, |_| false), vec![3, 1, 0, 2, 5, 4]);
    assert_eq!(rank_of(&s, 5, |_| false), 4);
    // excluding 3 and 0 (seen)
    let ex = |j: usize| j == 3 || j == 0;
    assert_eq!(rank_of(&s, 5, ex), 2);
    assert_eq!(top_k(&s, 2, ex), vec![1, 2]);
}

/// Scores item j by a fixed table, ignoring the history.
struct Fixed(Vec<f32>);
impl Scorer for Fixed {
    fn score(&self, _user: u32, _history: &[u32], out: &mut [f32]) {
        out.copy_from_slice(&self.0);
    }
}

fn tiny_split() -> Split {
    // 6 items; 3 users; user 2 has no held-out items.
    Split {
        item_ids: vec![10, 11, 12, 13, 14, 15],
        user_ids: vec![1, 2, 3],
        train: vec![vec![0, 1], vec![5], vec![2, 3]],
        train_times: vec![vec![1, 2], vec![1], vec![1, 2]],
        val: vec![Some(2), Some(0), None],
        test: vec![Some(3), Some(4), None],
        disliked: vec![],
    }
}

#[test]
fn protocol_val_and_test_on_a_tiny_split() {
    let split = tiny_split();
    // global order: 5 > 4 > 3 > 2 > 1 > 0
    let scorer = Fixed(vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5]);

    // val: user0 history {0,1}, target 2: ranking 5,4,3,2 -> rank 3
    //      user1 history {5},   target 0: ranking 4,3,2,1,0 -> rank 4
    let v = evaluate(&split, &scorer, EvalSplit::Val);
    assert_eq!(v.users, 2);
    assert_eq!(v.hr10, 1.0);
    close(v.ndcg10, (1.0 / 5f64.log2() + 1.0 / 6f64.log2()) / 2.0);
    close(v.mrr, (0.25 + 0.2) / 2.0);
    // top-10s: user0 {5,4,3,2}, user1 {4,3,2,1,0}: all 6 items
    close(v.coverage10, 1.0);

    // test: user0 history {0,1,2}, target 3: ranking 5,4,3 -> rank 2
    //       user1 history {5,0},   target 4: ranking 4,... -> rank 0
    let t = evaluate(&split, &scorer, EvalSplit::Test);
    assert_eq!(t.users, 2);
    close(t.mrr, (1.0 / 3.0 + 1.0) / 2.0);
    close(t.ndcg10, (1.0 / 4f64.log2() + 1.0) / 2.0);
    // top-10s: user0 {5,4,3}, user1 {4,3,2,1}: items 1..=5
    close(t.coverage10, 5.0 / 6.0);
}

#[test]
fn history_is_in_time_order_and_includes_val_for_test() {
    struct Check;
    impl Scorer for Check {
        fn score(&self, user: u32, history: &[u32], out: &mut [f32]) {
            let expected: &[&[u32]] = &[&[0, 1], &[5], &[0, 1, 2], &[5, 0]];
            assert!(expected.contains(&history), "user {user}: {history:?}");
            out.fill(0.0);
        }
    }
    let split = tiny_split();
    evaluate(&split, &Check, EvalSplit::Val);
    evaluate(&split, &Check, EvalSplit::Test);
}

#[test]
fn vector_recommenders() {
    // 4 items in 2-D
    let v = ItemVectors::new(vec![1.0, 0.0, 0.0, 1.0, 0.7, 0.7, -1.0, 0.0], 2);
    assert_eq!(v.num_items(), 4);
    let mut out = vec![0.0; 4];
    LatestItem::new(v.clone()).score(0, &[1, 0], &mut out);
    assert_eq!(out, vec![1.0, 0.0, 0.7, -1.0]);

    // history [1, 0] with decay 0.5: q = 1*v0 + 0.5*v1 = (1, 0.5)
    let h = HistoryVectors::new(v.clone(), 0.5);
    assert_eq!(h.query(&[1, 0]), vec![1.0, 0.5]);
    h.score(0, &[1, 0], &mut out);
    let expected = [1.0, 0.5, 1.05, -1.0];
    for (a, b) in out.iter().zip(expected) {
        assert!((a - b).abs() < 1e-6, "{out:?}");
    }
    // empty history: all zero
    LatestItem::new(v.clone()).score(0, &[], &mut out);
    assert_eq!(out, vec![0.0; 4]);
    assert_eq!(recency_weights(4, 0.5), vec![0.125, 0.25, 0.5, 1.0]);

    // through the protocol: borrowed vectors work too
    let borrowed = ItemVectors::new(v.as_slice(), 2);
    let split = Split {
        item_ids: vec![1, 2, 3, 4],
        user_ids: vec![1],
        train: vec![vec![3]],
        train_times: vec![vec![0]],
        val: vec![Some(0)],
        test: vec![Some(2)],
        disliked: vec![],
    };
    // val: history [3] -> scores (-1, 0, -0.7, 1) excluding 3: order 1, 2, 0 -> rank 2
    let m = evaluate(&split, &LatestItem::new(borrowed), EvalSplit::Val);
    close(m.mrr, 1.0 / 3.0);
    // test: history [3, 0], latest 0 -> (1, 0, 0.7, -1) excluding 3, 0: order 2, 1 -> rank 0
    let m = evaluate(&split, &HistoryVectors::new(v, 0.0), EvalSplit::Test);
    close(m.mrr, 1.0);
}
