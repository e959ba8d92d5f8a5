//! Running independent work on several nodes at once.

use tokio::task::{JoinError, JoinSet};

/// Wait for every task of `set` and return each one's result, in the order they finished. A
/// task that panicked becomes an error through `panicked`, which gets the task's id (to tell
/// which piece of work it was), so no task's end is ever lost.
pub async fn join_each<T, E>(mut set: JoinSet<Result<T, E>>, panicked: impl Fn(JoinError) -> E) -> Vec<Result<T, E>>
where
    T: 'static,
    E: 'static,
{
    let mut results = Vec::new();
    while let Some(joined) = set.join_next().await {
        results.push(joined.map_err(&panicked).and_then(|r| r));
    }
    results
}

/// Wait for every task of `set`: the successes, and the first failure. Every task finishes
/// before this returns, so none is left running in the background after an error. A task that
/// panicked becomes an error through `panicked`.
pub async fn join_all<T, E>(set: JoinSet<Result<T, E>>, panicked: impl Fn(JoinError) -> E) -> (Vec<T>, Option<E>)
where
    T: 'static,
    E: 'static,
{
    let mut done = Vec::new();
    let mut first_error = None;
    for result in join_each(set, panicked).await {
        match result {
            Ok(value) => done.push(value),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    (done, first_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_all_and_keeps_the_first_error() {
        let mut set = JoinSet::new();
        set.spawn(async { Ok::<u32, String>(1) });
        set.spawn(async {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            Ok(2)
        });
        set.spawn(async { Err("boom".to_string()) });
        set.spawn(async { panic!("task panic") });
        let (mut ok, err) = join_all(set, |e| format!("panicked: {}", e.is_panic())).await;
        ok.sort();
        assert_eq!(ok, vec![1, 2], "the slow task was waited for");
        assert!(matches!(err.as_deref(), Some("boom") | Some("panicked: true")), "{err:?}");
    }
}
