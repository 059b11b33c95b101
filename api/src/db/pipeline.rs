//! Write transactions whose bulk inserts run behind the caller. Bulk loads spend about
//! as long building statements as the database spends running them; a task of its own
//! executes queued inserts in order while the caller builds the next ones. Anything that
//! reads, or needs a result, waits for the queue to drain first, so the caller sees its own
//! writes exactly as on a plain transaction. `checkpoint` queues a commit and a new
//! transaction, so batches commit one by one without the caller waiting; `discard` rolls
//! back instead. An insert that
//! fails rolls its batch back and makes every later call fail: earlier batches stay
//! committed, nothing of the failing one is kept.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};
use tokio::sync::{mpsc, oneshot};

use super::begin_write;

/// Inserts queued ahead of the executor at most; bounds the memory a fast producer holds.
const QUEUE: usize = 64;

enum Job {
    Insert(Statement),
    Execute(Statement, oneshot::Sender<Result<ExecResult, DbErr>>),
    ExecuteUnprepared(String, oneshot::Sender<Result<ExecResult, DbErr>>),
    Query(Statement, oneshot::Sender<Result<Vec<QueryResult>, DbErr>>),
    /// Ends the open transaction (commit or roll back) and begins the next, answering
    /// when asked to.
    Turn {
        commit: bool,
        reply: Option<oneshot::Sender<Result<(), DbErr>>>,
    },
    Finish(bool, oneshot::Sender<Result<(), DbErr>>),
}

/// Where bulk inserts go: a plain connection runs them at once, a [`Pipeline`] queues them.
pub trait InsertSink: ConnectionTrait {
    fn insert(&self, stmt: Statement) -> impl Future<Output = Result<(), DbErr>> + Send;
}

impl InsertSink for DatabaseTransaction {
    async fn insert(&self, stmt: Statement) -> Result<(), DbErr> {
        self.execute_raw(stmt).await.map(|_| ())
    }
}

impl InsertSink for DatabaseConnection {
    async fn insert(&self, stmt: Statement) -> Result<(), DbErr> {
        self.execute_raw(stmt).await.map(|_| ())
    }
}

/// A write transaction (`BEGIN IMMEDIATE` on SQLite) run by a task of its own.
pub struct Pipeline {
    backend: DbBackend,
    jobs: mpsc::Sender<Job>,
}

impl Pipeline {
    pub async fn begin(db: &DatabaseConnection) -> Result<Pipeline, DbErr> {
        let tx = begin_write(db).await?;
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db.clone(), tx, queue));
        Ok(Pipeline {
            backend: db.get_database_backend(),
            jobs,
        })
    }

    /// Commits once every queued insert has run; the first failure is returned instead
    /// and the transaction rolled back.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.finish(true).await
    }

    /// Commits what is queued so far and opens the next transaction, without waiting.
    pub async fn checkpoint(&self) -> Result<(), DbErr> {
        self.send(Job::Turn {
            commit: true,
            reply: None,
        })
        .await
    }

    /// Commits what is queued so far and opens the next transaction, once everything
    /// queued has run: the first failure is returned here.
    pub async fn commit_and_continue(&self) -> Result<(), DbErr> {
        self.ask(|reply| Job::Turn {
            commit: true,
            reply: Some(reply),
        })
        .await?
    }

    /// Rolls back what was queued since the last commit and opens the next transaction.
    pub async fn discard(&self) -> Result<(), DbErr> {
        self.send(Job::Turn {
            commit: false,
            reply: None,
        })
        .await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.finish(false).await
    }

    async fn finish(self, commit: bool) -> Result<(), DbErr> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Finish(commit, reply)).await?;
        answer.await.map_err(|_| stopped())?
    }

    async fn send(&self, job: Job) -> Result<(), DbErr> {
        self.jobs.send(job).await.map_err(|_| stopped())
    }

    async fn ask<T>(&self, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> Result<T, DbErr> {
        let (reply, answer) = oneshot::channel();
        self.send(job(reply)).await?;
        answer.await.map_err(|_| stopped())
    }
}

fn stopped() -> DbErr {
    DbErr::Custom("the write transaction's task stopped".to_owned())
}

/// The executor: runs jobs in order; after a failure it only reports it.
async fn run(db: DatabaseConnection, tx: DatabaseTransaction, mut queue: mpsc::Receiver<Job>) {
    let mut tx = Some(tx);
    let mut failed: Option<DbErr> = None;
    while let Some(job) = queue.recv().await {
        let open = match (&tx, &failed) {
            (Some(tx), None) => Ok(tx),
            (_, Some(e)) => Err(DbErr::Custom(format!(
                "an earlier write of this import failed: {e}"
            ))),
            (None, None) => Err(stopped()),
        };
        match job {
            Job::Insert(stmt) => {
                if let Ok(tx) = open
                    && let Err(e) = tx.execute_raw(stmt).await
                {
                    failed = Some(e);
                }
            }
            Job::Execute(stmt, reply) => {
                let _ = reply.send(match open {
                    Ok(tx) => tx.execute_raw(stmt).await,
                    Err(e) => Err(e),
                });
            }
            Job::ExecuteUnprepared(sql, reply) => {
                let _ = reply.send(match open {
                    Ok(tx) => tx.execute_unprepared(&sql).await,
                    Err(e) => Err(e),
                });
            }
            Job::Query(stmt, reply) => {
                let _ = reply.send(match open {
                    Ok(tx) => tx.query_all_raw(stmt).await,
                    Err(e) => Err(e),
                });
            }
            Job::Turn { commit, reply } => {
                let outcome = match open {
                    Ok(_) => match tx.take() {
                        Some(done) => {
                            let ended = if commit {
                                done.commit().await
                            } else {
                                done.rollback().await
                            };
                            match ended {
                                Ok(()) => begin_write(&db).await.map(|next| tx = Some(next)),
                                Err(e) => Err(e),
                            }
                        }
                        None => Err(stopped()),
                    },
                    Err(e) => Err(e),
                };
                let answer = match outcome {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        let told = DbErr::Custom(e.to_string());
                        if failed.is_none() {
                            failed = Some(e);
                        }
                        Err(told)
                    }
                };
                if let Some(reply) = reply {
                    let _ = reply.send(answer);
                }
            }
            Job::Finish(commit, reply) => {
                let result = match (tx.take(), failed.take()) {
                    (Some(tx), Some(e)) => {
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                    (None, Some(e)) => Err(e),
                    (Some(tx), None) if commit => tx.commit().await,
                    (Some(tx), None) => tx.rollback().await,
                    (None, None) => Err(stopped()),
                };
                let _ = reply.send(result);
                return;
            }
        }
    }
    // The pipeline was dropped unfinished (an error upstream): dropping `tx` rolls back.
}

#[async_trait::async_trait]
impl ConnectionTrait for Pipeline {
    fn get_database_backend(&self) -> DbBackend {
        self.backend
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.ask(|reply| Job::Execute(stmt, reply)).await?
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let sql = sql.to_owned();
        self.ask(|reply| Job::ExecuteUnprepared(sql, reply)).await?
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let rows = self.ask(|reply| Job::Query(stmt, reply)).await??;
        Ok(rows.into_iter().next())
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.ask(|reply| Job::Query(stmt, reply)).await?
    }
}

impl InsertSink for Pipeline {
    async fn insert(&self, stmt: Statement) -> Result<(), DbErr> {
        self.send(Job::Insert(stmt)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectOptions, Database};

    async fn database(dir: &std::path::Path) -> DatabaseConnection {
        let url = format!("sqlite:{}?mode=rwc", dir.join("p.db").display());
        let db = Database::connect(ConnectOptions::new(url).max_connections(2).to_owned())
            .await
            .expect("connect");
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .await
            .expect("create");
        db
    }

    fn insert(db: &DatabaseConnection, id: i64) -> Statement {
        Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO t (id) VALUES (?)",
            [id.into()],
        )
    }

    async fn ids(db: &DatabaseConnection) -> Vec<i64> {
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM t ORDER BY id",
        ))
        .await
        .expect("select")
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0).expect("id"))
        .collect()
    }

    #[tokio::test]
    async fn reads_see_queued_inserts_and_checkpoints_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = database(dir.path()).await;
        let p = Pipeline::begin(&db).await.expect("begin");
        for id in 1..=3 {
            p.insert(insert(&db, id)).await.expect("queue");
        }
        // A read in the transaction waits for the queue: it sees its own inserts.
        let seen = p
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT count(*) FROM t",
            ))
            .await
            .expect("count");
        assert_eq!(seen[0].try_get_by_index::<i64>(0).expect("n"), 3);
        p.checkpoint().await.expect("checkpoint");
        p.insert(insert(&db, 4)).await.expect("queue");
        p.commit().await.expect("commit");
        assert_eq!(ids(&db).await, vec![1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn a_failed_insert_rolls_back_its_batch_and_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = database(dir.path()).await;
        let p = Pipeline::begin(&db).await.expect("begin");
        p.insert(insert(&db, 1)).await.expect("queue");
        p.checkpoint().await.expect("checkpoint");
        p.insert(insert(&db, 2)).await.expect("queue");
        p.insert(insert(&db, 1)).await.expect("queue"); // duplicate key: fails when run
        p.insert(insert(&db, 3)).await.expect("queue");
        let later = p.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT 1",
        ));
        let message = later
            .await
            .expect_err("reads after a failure fail")
            .to_string();
        assert!(message.contains("earlier write"), "{message}");
        let err = p.commit().await.expect_err("commit reports the failure");
        assert!(err.to_string().contains("UNIQUE"), "{err}");
        // The first batch was committed; nothing of the failing one is kept.
        assert_eq!(ids(&db).await, vec![1]);
    }

    #[tokio::test]
    async fn discard_drops_what_followed_the_last_commit_and_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = database(dir.path()).await;
        let p = Pipeline::begin(&db).await.expect("begin");
        p.insert(insert(&db, 1)).await.expect("queue");
        p.checkpoint().await.expect("checkpoint");
        p.insert(insert(&db, 2)).await.expect("queue");
        p.discard().await.expect("discard");
        p.insert(insert(&db, 3)).await.expect("queue");
        p.commit().await.expect("commit");
        assert_eq!(ids(&db).await, vec![1, 3]);
    }

    #[tokio::test]
    async fn dropping_an_unfinished_pipeline_rolls_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = database(dir.path()).await;
        let p = Pipeline::begin(&db).await.expect("begin");
        p.insert(insert(&db, 7)).await.expect("queue");
        drop(p);
        // The executor rolls back once it sees the queue closed; a new writer can start.
        let next = Pipeline::begin(&db).await.expect("begin again");
        next.commit().await.expect("commit");
        assert!(ids(&db).await.is_empty());
    }
}
