//! The embedded event store: one SQLite file in WAL mode, one table keyed
//! by event id, so an event counts once however often the edge sends it,
//! and one transaction per batch, so a batch is stored whole or not at all.
//! With the stream sink on, the same transaction queues each new event in
//! an outbox, which [`crate::stream`] empties into Redis.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use crate::wire::{Appended, CollectorBatch, ConversionMetric, Counts, EventDetail, VariantCounts};

/// How durable a committed batch is (SQLite's `synchronous` in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Survives a crash of the process; the last commits may be lost if the
    /// machine loses power (the WAL is synced at checkpoints only).
    Normal,
    /// Every commit is synced to disk before the edge hears it was stored.
    Full,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Normal => "NORMAL",
            Durability::Full => "FULL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the event store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "the event store {path} was written by another version of the collector (schema {found}, this one reads {STORE_VERSION})"
    )]
    Version { path: PathBuf, found: i64 },
    #[error("the event store failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// `PRAGMA user_version` of the tables below: a file of another layout is
/// refused at open rather than failing on its first insert. 3 added the
/// outbox; a version 2 file (the same `events`) is upgraded in place.
const STORE_VERSION: i64 = 3;
const UPGRADABLE_VERSION: i64 = 2;

/// One row per event. From the edge's batch, `context` (slot, position)
/// and `client_network` are not stored: nothing reads them (the counts go
/// by variant, not by place on the page), and a shopper's network is
/// personal data kept only where a use needs it. A consumer that does
/// gets a column and a new `STORE_VERSION`.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    edge_received_at INTEGER NOT NULL,
    stored_at   INTEGER NOT NULL,
    market      TEXT NOT NULL,
    region      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    page        TEXT NOT NULL,
    experiment  TEXT,
    variant     TEXT,
    sku         TEXT,
    target      TEXT,
    quantity    INTEGER,
    order_value TEXT,
    currency    TEXT,
    -- A purchase's SKUs, a JSON array.
    skus        TEXT,
    consent_outcome TEXT NOT NULL,
    consent_reason  TEXT NOT NULL,
    policy_version  TEXT NOT NULL,
    pseudonym   TEXT
);
-- Exposures of an experiment, and a pseudonym's events in time order: the
-- two lookups of the counts query.
CREATE INDEX IF NOT EXISTS events_by_experiment ON events (experiment, kind) WHERE experiment IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_pseudonym ON events (key_id, pseudonym, at) WHERE pseudonym IS NOT NULL;
-- Events stored but not yet in the Redis stream, in the order stored. A
-- table of its own rather than a flag on `events`: what waits is the
-- table's whole size (no index over every event), and a collector without
-- the stream writes nothing here. AUTOINCREMENT: a sequence number is
-- never reused, so the rows left after sending a prefix stay contiguous.
CREATE TABLE IF NOT EXISTS outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL
);
";

const INSERT: &str = "INSERT OR IGNORE INTO events
    (id, kind, at, edge_received_at, stored_at, market, region, key_id, page,
     experiment, variant, sku, target, quantity, order_value, currency, skus,
     consent_outcome, consent_reason, policy_version, pseudonym)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21)";

const QUEUE: &str = "INSERT INTO outbox (event_id) VALUES (?1)";

/// The oldest queued events with their rows. A LEFT JOIN: an outbox row
/// whose event is gone (deleted by hand) is dropped, not retried forever.
const UNSTREAMED: &str = "
SELECT o.seq, e.id, e.kind, e.at, e.edge_received_at, e.stored_at, e.market, e.region,
       e.key_id, e.page, e.experiment, e.variant, e.sku, e.target, e.quantity,
       e.order_value, e.currency, e.skus, e.consent_outcome, e.consent_reason,
       e.policy_version, e.pseudonym
FROM outbox o LEFT JOIN events e ON e.id = o.event_id
ORDER BY o.seq
LIMIT ?1";

/// The field names of a stream entry, in the order of `UNSTREAMED`'s
/// columns after `seq`: the events table's own names, so a consumer reads
/// the same vocabulary as the store.
const ENTRY_FIELDS: [&str; 21] = [
    "id",
    "kind",
    "at",
    "edge_received_at",
    "stored_at",
    "market",
    "region",
    "key_id",
    "page",
    "experiment",
    "variant",
    "sku",
    "target",
    "quantity",
    "order_value",
    "currency",
    "skus",
    "consent_outcome",
    "consent_reason",
    "policy_version",
    "pseudonym",
];

/// Exposures per market and variant: distinct pseudonyms (a pseudonym is
/// only comparable under its key), plus each exposure without one.
const EXPOSURES: &str = "
SELECT market, variant,
       COUNT(DISTINCT CASE WHEN pseudonym IS NOT NULL THEN key_id || ' ' || pseudonym END)
       + SUM(pseudonym IS NULL)
FROM events
WHERE experiment = ?1 AND kind = 'exposure'
GROUP BY market, variant";

/// Conversions per market and variant: each conversion with a pseudonym
/// goes to that pseudonym's latest exposure at or before it; a shopper
/// counts once per variant however often they convert. Conversions with
/// no pseudonym, or no exposure before them, cannot be attributed.
const CONVERSIONS: &str = "
SELECT market, variant, COUNT(DISTINCT key_id || ' ' || pseudonym)
FROM (
    SELECT c.key_id, c.pseudonym, e.market, e.variant,
           ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY e.at DESC, e.id DESC) AS latest
    FROM events c
    JOIN events e
      ON e.key_id = c.key_id AND e.pseudonym = c.pseudonym AND e.at <= c.at
     AND e.experiment = ?1 AND e.kind = 'exposure'
    WHERE c.kind = ?2 AND c.pseudonym IS NOT NULL
)
WHERE latest = 1
GROUP BY market, variant";

/// An event waiting in the outbox: its place in the queue and, unless its
/// row is gone, the stream entry's fields (columns that are `NULL` are left
/// out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unstreamed {
    pub seq: i64,
    pub fields: Option<Vec<(&'static str, String)>>,
}

/// The store: a writer and a reader connection (WAL lets the counts query
/// read while a batch is written) and, with the outbox on, a connection of
/// the outbox's own, so sending waits neither for a long counts query nor
/// holds the reader from one.
pub struct Store {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    outbox: Option<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating) the store at `path`, its directory included. New
    /// events are not queued for a stream.
    pub fn open(path: &Path, durability: Durability) -> Result<Store, StoreError> {
        Store::open_with(path, durability, false)
    }

    /// Opens the store as [`Store::open`] does, and queues every new event
    /// in the outbox, in the transaction that stores it, for
    /// [`crate::stream`] to send.
    pub fn open_with_outbox(path: &Path, durability: Durability) -> Result<Store, StoreError> {
        Store::open_with(path, durability, true)
    }

    fn open_with(path: &Path, durability: Durability, outbox: bool) -> Result<Store, StoreError> {
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| failed(Box::new(e)))?;
        }
        let open = || -> Result<Connection, rusqlite::Error> {
            let c = Connection::open(path)?;
            c.busy_timeout(Duration::from_secs(5))?;
            let mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "journal_mode is {mode}, not wal"
                )));
            }
            c.pragma_update(None, "synchronous", durability.pragma())?;
            Ok(c)
        };
        let writer = open().map_err(|e| failed(Box::new(e)))?;
        create(&writer, path)?;
        let reader = open().map_err(|e| failed(Box::new(e)))?;
        let outbox = if outbox {
            Some(Mutex::new(open().map_err(|e| failed(Box::new(e)))?))
        } else {
            None
        };
        Ok(Store {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            outbox,
        })
    }

    /// Whether new events are queued for the stream.
    pub fn queues_for_stream(&self) -> bool {
        self.outbox.is_some()
    }

    /// Stores a checked batch in one transaction at `now_ms`: every new
    /// event, or none when anything fails.
    pub fn append(&self, batch: &CollectorBatch, now_ms: u64) -> Result<Appended, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction()?;
        let mut accepted = 0;
        {
            let mut insert = tx.prepare_cached(INSERT)?;
            let mut queue = match self.outbox {
                Some(_) => Some(tx.prepare_cached(QUEUE)?),
                None => None,
            };
            for e in &batch.events {
                let row = Detail::of(&e.detail);
                let inserted = insert.execute(params![
                    e.id,
                    e.detail.kind(),
                    sql_int(e.at),
                    sql_int(batch.edge_received_at),
                    sql_int(now_ms),
                    e.market,
                    batch.region,
                    batch.key_id,
                    e.page,
                    row.experiment,
                    row.variant,
                    row.sku,
                    row.target,
                    row.quantity,
                    row.order_value,
                    row.currency,
                    row.skus,
                    e.consent.outcome,
                    e.consent.reason,
                    e.consent.policy_version,
                    e.pseudonym,
                ])?;
                // Only a new event is queued: a duplicate, stored earlier,
                // was queued then, so it never reaches the stream twice.
                if inserted == 1
                    && let Some(queue) = queue.as_mut()
                {
                    queue.execute([&e.id])?;
                }
                accepted += inserted;
            }
        }
        tx.commit()?;
        Ok(Appended {
            accepted,
            duplicates: batch.events.len() - accepted,
        })
    }

    /// Exposures and conversions of `experiment` per market and variant.
    pub fn counts(&self, experiment: &str, metric: ConversionMetric) -> Result<Counts, StoreError> {
        let conn = lock(&self.reader);
        // One read transaction: both queries see the same batches.
        let tx = conn.unchecked_transaction()?;
        let mut rows: Vec<VariantCounts> = Vec::new();
        {
            let mut exposures = tx.prepare_cached(EXPOSURES)?;
            let mut found = exposures.query(params![experiment])?;
            while let Some(r) = found.next()? {
                rows.push(VariantCounts {
                    market: r.get(0)?,
                    variant: r.get(1)?,
                    exposures: r.get::<_, i64>(2)?.unsigned_abs(),
                    conversions: 0,
                });
            }
            let mut conversions = tx.prepare_cached(CONVERSIONS)?;
            let mut found = conversions.query(params![experiment, metric.kind()])?;
            while let Some(r) = found.next()? {
                let (market, variant): (String, String) = (r.get(0)?, r.get(1)?);
                let n = r.get::<_, i64>(2)?.unsigned_abs();
                // Every attributed conversion has an exposure, so its row exists.
                if let Some(row) = rows
                    .iter_mut()
                    .find(|row| row.market == market && row.variant == variant)
                {
                    row.conversions = n;
                }
            }
        }
        tx.finish()?;
        rows.sort_by(|a, b| (&a.market, &a.variant).cmp(&(&b.market, &b.variant)));
        Ok(Counts {
            experiment: experiment.to_owned(),
            metric,
            counts: rows,
        })
    }

    /// Up to `limit` of the oldest events waiting in the outbox, oldest
    /// first; none when the outbox is off.
    pub fn unstreamed(&self, limit: usize) -> Result<Vec<Unstreamed>, StoreError> {
        let Some(outbox) = &self.outbox else {
            return Ok(Vec::new());
        };
        let conn = lock(outbox);
        let mut select = conn.prepare_cached(UNSTREAMED)?;
        let mut found = select.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
        let mut out = Vec::new();
        while let Some(r) = found.next()? {
            let seq: i64 = r.get(0)?;
            let id: Option<String> = r.get(1)?;
            let fields = match id {
                None => None,
                Some(_) => {
                    let mut fields = Vec::with_capacity(ENTRY_FIELDS.len());
                    for (i, name) in ENTRY_FIELDS.iter().enumerate() {
                        let value = match r.get_ref(i + 1)? {
                            ValueRef::Null => continue,
                            ValueRef::Integer(n) => n.to_string(),
                            _ => r.get::<_, String>(i + 1)?,
                        };
                        fields.push((*name, value));
                    }
                    Some(fields)
                }
            };
            out.push(Unstreamed { seq, fields });
        }
        Ok(out)
    }

    /// Takes the outbox's events up to `seq` (included) off the queue:
    /// they are in the stream.
    pub fn mark_streamed(&self, seq: i64) -> Result<(), StoreError> {
        if let Some(outbox) = &self.outbox {
            lock(outbox).execute("DELETE FROM outbox WHERE seq <= ?1", [seq])?;
        }
        Ok(())
    }

    /// Events waiting in the outbox. The sequence numbers left are
    /// contiguous (sending removes a prefix, a rolled-back batch takes its
    /// numbers back), so the span is the count without a scan of a long
    /// backlog; rows removed by hand make it an upper bound.
    pub fn backlog(&self) -> Result<u64, StoreError> {
        let conn = match &self.outbox {
            Some(outbox) => lock(outbox),
            None => lock(&self.reader),
        };
        let n: i64 = conn.query_row(
            "SELECT COALESCE(MAX(seq) - MIN(seq) + 1, 0) FROM outbox",
            [],
            |r| r.get(0),
        )?;
        Ok(n.unsigned_abs())
    }

    /// Events stored, in all.
    pub fn len(&self) -> Result<u64, StoreError> {
        let n: i64 =
            lock(&self.reader).query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// The kind stored under an event id, if any (tests, operators).
    pub fn kind_of(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.reader)
            .query_row("SELECT kind FROM events WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }
}

/// Creates the table in a new file, or checks an existing file has it in
/// this layout.
fn create(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let failed = |e: rusqlite::Error| StoreError::Open {
        path: path.to_path_buf(),
        source: Box::new(e),
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(failed)?;
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'",
            [],
            |r| r.get(0),
        )
        .map_err(failed)?;
    if tables > 0 && version != STORE_VERSION && version != UPGRADABLE_VERSION {
        return Err(StoreError::Version {
            path: path.to_path_buf(),
            found: version,
        });
    }
    conn.execute_batch(SCHEMA).map_err(failed)?;
    conn.pragma_update(None, "user_version", STORE_VERSION)
        .map_err(failed)?;
    Ok(())
}

/// The kind-specific columns of one event; `None` is SQL `NULL`.
#[derive(Default)]
struct Detail<'a> {
    experiment: Option<&'a str>,
    variant: Option<&'a str>,
    sku: Option<&'a str>,
    target: Option<&'a str>,
    quantity: Option<u16>,
    order_value: Option<&'a str>,
    currency: Option<&'a str>,
    skus: Option<String>,
}

impl Detail<'_> {
    fn of(detail: &EventDetail) -> Detail<'_> {
        match detail {
            EventDetail::Exposure {
                experiment,
                variant,
            } => Detail {
                experiment: Some(experiment),
                variant: Some(variant),
                ..Detail::default()
            },
            EventDetail::View { sku } => Detail {
                sku: Some(sku),
                ..Detail::default()
            },
            EventDetail::Click { sku, target } => Detail {
                sku: Some(sku),
                target: target.as_deref(),
                ..Detail::default()
            },
            EventDetail::AddToCart { sku, quantity } => Detail {
                sku: Some(sku),
                quantity: Some(*quantity),
                ..Detail::default()
            },
            EventDetail::Purchase {
                order_value,
                currency,
                skus,
            } => Detail {
                order_value: Some(order_value),
                currency: Some(currency),
                skus: Some(
                    serde_json::to_string(skus)
                        .unwrap_or_else(|_| unreachable!("a list of strings serializes")),
                ),
                ..Detail::default()
            },
        }
    }
}

/// A poisoned lock only means another call panicked mid-statement; SQLite
/// rolled its transaction back, so the connection is still sound.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// SQLite integers are signed; times past `i64::MAX` ms do not occur, and
/// saturate rather than wrap.
fn sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{CollectedEvent, CollectorSchema, ConsentStamp};

    const T0: u64 = 1_800_000_000_000;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open(&dir.path().join("events.sqlite"), Durability::Normal).expect("opens");
        (dir, s)
    }

    fn view() -> EventDetail {
        EventDetail::View {
            sku: "sku-1".into(),
        }
    }

    fn click() -> EventDetail {
        EventDetail::Click {
            sku: "sku-1".into(),
            target: Some("image".into()),
        }
    }

    fn purchase() -> EventDetail {
        EventDetail::Purchase {
            order_value: "12.30".into(),
            currency: "EUR".into(),
            skus: vec!["sku-1".into(), "sku-2".into()],
        }
    }

    fn cart() -> EventDetail {
        EventDetail::AddToCart {
            sku: "sku-1".into(),
            quantity: 2,
        }
    }

    fn event(id: &str, detail: EventDetail, at: u64, who: Option<&str>) -> CollectedEvent {
        CollectedEvent {
            id: id.into(),
            at: T0 + at,
            page: "/p".into(),
            detail,
            context: None,
            market: "DE".into(),
            consent: ConsentStamp {
                outcome: "allow".into(),
                reason: "consent-tcf-granted".into(),
                policy_version: "pk1-0123456789ab".into(),
            },
            pseudonym: who.map(str::to_owned),
        }
    }

    fn exposure(
        id: &str,
        at: u64,
        who: Option<&str>,
        market: &str,
        variant: &str,
    ) -> CollectedEvent {
        CollectedEvent {
            market: market.into(),
            ..event(
                id,
                EventDetail::Exposure {
                    experiment: "hero".into(),
                    variant: variant.into(),
                },
                at,
                who,
            )
        }
    }

    fn batch(events: Vec<CollectedEvent>) -> CollectorBatch {
        CollectorBatch {
            schema: CollectorSchema,
            edge_received_at: T0,
            market: "DE".into(),
            region: "eu".into(),
            key_id: "2026-12-01.3f9a01c2".into(),
            client_network: None,
            events,
        }
    }

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const C: &str = "cccccccccccccccccccccccccccccccc";

    #[test]
    fn an_event_id_counts_once_within_and_across_batches() {
        let (_d, s) = store();
        let first = batch(vec![
            event("e1", view(), 1, None),
            event("e2", click(), 2, None),
            event("e1", view(), 1, None),
        ]);
        assert_eq!(
            s.append(&first, T0).expect("stored"),
            Appended {
                accepted: 2,
                duplicates: 1
            }
        );
        let second = batch(vec![
            event("e2", click(), 2, None),
            event("e3", view(), 3, None),
        ]);
        assert_eq!(
            s.append(&second, T0).expect("stored"),
            Appended {
                accepted: 1,
                duplicates: 1
            }
        );
        assert_eq!(s.len().expect("len"), 3);
        assert_eq!(s.kind_of("e2").expect("reads").as_deref(), Some("click"));
        assert_eq!(s.kind_of("nope").expect("reads"), None);
    }

    #[test]
    fn a_row_keeps_the_event_and_its_consent() {
        let (_d, s) = store();
        s.append(
            &batch(vec![
                event("p1", purchase(), 1, Some(A)),
                event("c1", cart(), 2, None),
            ]),
            T0 + 9,
        )
        .expect("stored");
        let row = lock(&s.reader)
            .query_row(
                "SELECT kind, skus, order_value, currency, consent_reason, policy_version,
                        key_id, pseudonym, stored_at FROM events WHERE id = 'p1'",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, i64>(8)?,
                    ))
                },
            )
            .expect("row");
        assert_eq!(
            row,
            (
                "purchase".into(),
                r#"["sku-1","sku-2"]"#.into(),
                "12.30".into(),
                "EUR".into(),
                "consent-tcf-granted".into(),
                "pk1-0123456789ab".into(),
                "2026-12-01.3f9a01c2".into(),
                A.into(),
                i64::try_from(T0 + 9).expect("fits"),
            )
        );
        let quantity: i64 = lock(&s.reader)
            .query_row("SELECT quantity FROM events WHERE id = 'c1'", [], |r| {
                r.get(0)
            })
            .expect("row");
        assert_eq!(quantity, 2);
    }

    #[test]
    fn a_failing_batch_leaves_nothing_behind() {
        let (_d, s) = store();
        s.append(&batch(vec![event("e0", view(), 0, None)]), T0)
            .expect("stored");
        // A trigger that refuses one row midway stands in for a disk error.
        lock(&s.writer)
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = 'bad'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .expect("trigger");
        let b = batch(vec![
            event("e1", view(), 1, None),
            event("bad", view(), 2, None),
            event("e3", view(), 3, None),
        ]);
        assert!(s.append(&b, T0).is_err());
        assert_eq!(s.len().expect("len"), 1, "only the earlier batch");
        assert_eq!(s.kind_of("e1").expect("reads"), None);
    }

    #[test]
    fn an_unopenable_path_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("plain-file");
        // Longer than SQLite's header, so it is read as one (and refused).
        std::fs::write(&file, "not a database\n".repeat(300)).expect("write");
        // A directory cannot be created under a file.
        let err = Store::open(&file.join("events.sqlite"), Durability::Full)
            .err()
            .expect("refused");
        assert!(err.to_string().contains("plain-file"), "{err}");
        // A file that is not a database.
        let err = Store::open(&file, Durability::Full).err().expect("refused");
        assert!(matches!(err, StoreError::Open { .. }), "{err}");
    }

    #[test]
    fn a_store_of_another_layout_is_refused_and_this_one_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = dir.path().join("old.sqlite");
        // The first layout had no user_version.
        Connection::open(&old)
            .expect("opens")
            .execute_batch("CREATE TABLE events (id TEXT PRIMARY KEY, consent TEXT);")
            .expect("old table");
        let err = Store::open(&old, Durability::Normal)
            .err()
            .expect("refused");
        assert!(matches!(err, StoreError::Version { found: 0, .. }), "{err}");
        let path = dir.path().join("events.sqlite");
        Store::open(&path, Durability::Normal)
            .expect("new")
            .append(&batch(vec![event("e1", view(), 0, None)]), T0)
            .expect("stored");
        let again = Store::open(&path, Durability::Normal).expect("reopens");
        assert_eq!(again.len().expect("len"), 1);
    }

    fn field<'a>(q: &'a Unstreamed, name: &str) -> Option<&'a str> {
        q.fields
            .as_ref()
            .expect("a row")
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_outbox_queues_each_new_event_once_with_its_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_with_outbox(&dir.path().join("e.sqlite"), Durability::Normal)
            .expect("opens");
        assert!(s.queues_for_stream());
        s.append(
            &batch(vec![
                event("e1", view(), 1, None),
                event("p1", purchase(), 2, Some(A)),
                event("e1", view(), 1, None),
            ]),
            T0 + 7,
        )
        .expect("stored");
        // A retry of the batch, and a repeat beside a new event.
        s.append(
            &batch(vec![
                event("e1", view(), 1, None),
                event("p1", purchase(), 2, Some(A)),
            ]),
            T0,
        )
        .expect("stored");
        s.append(
            &batch(vec![
                event("p1", purchase(), 2, Some(A)),
                event("e2", click(), 3, None),
            ]),
            T0,
        )
        .expect("stored");
        assert_eq!(s.backlog().expect("backlog"), 3);
        let queued = s.unstreamed(10).expect("reads");
        let ids: Vec<_> = queued.iter().map(|q| field(q, "id")).collect();
        assert_eq!(ids, [Some("e1"), Some("p1"), Some("e2")]);
        assert!(queued.windows(2).all(|w| w[0].seq < w[1].seq));
        let p1 = &queued[1];
        assert_eq!(field(p1, "kind"), Some("purchase"));
        assert_eq!(field(p1, "skus"), Some(r#"["sku-1","sku-2"]"#));
        assert_eq!(field(p1, "pseudonym"), Some(A));
        assert_eq!(field(p1, "stored_at"), Some((T0 + 7).to_string().as_str()));
        assert_eq!(field(p1, "region"), Some("eu"));
        assert_eq!(field(p1, "experiment"), None, "NULL columns are left out");
        assert_eq!(field(&queued[2], "target"), Some("image"));
        assert_eq!(s.unstreamed(1).expect("reads").len(), 1);
        s.mark_streamed(p1.seq).expect("taken off");
        let left = s.unstreamed(10).expect("reads");
        assert_eq!(left.len(), 1);
        assert_eq!(field(&left[0], "id"), Some("e2"));
        assert_eq!(s.backlog().expect("backlog"), 1);
        s.mark_streamed(left[0].seq).expect("taken off");
        assert_eq!(s.backlog().expect("backlog"), 0);
        assert!(s.unstreamed(10).expect("reads").is_empty());
    }

    #[test]
    fn a_failing_batch_queues_nothing_and_without_the_outbox_nothing_is_queued() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("e.sqlite");
        let s = Store::open_with_outbox(&path, Durability::Normal).expect("opens");
        lock(&s.writer)
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = 'bad'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .expect("trigger");
        let b = batch(vec![
            event("e1", view(), 1, None),
            event("bad", view(), 2, None),
        ]);
        assert!(s.append(&b, T0).is_err());
        assert_eq!(s.backlog().expect("backlog"), 0);
        drop(s);
        let plain = Store::open(&path, Durability::Normal).expect("opens");
        assert!(!plain.queues_for_stream());
        plain
            .append(&batch(vec![event("e2", view(), 1, None)]), T0)
            .expect("stored");
        assert_eq!(plain.backlog().expect("backlog"), 0);
        assert!(plain.unstreamed(10).expect("reads").is_empty());
    }

    #[test]
    fn a_version_2_store_gets_the_outbox() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v2.sqlite");
        Store::open(&path, Durability::Normal)
            .expect("new")
            .append(&batch(vec![event("e1", view(), 0, None)]), T0)
            .expect("stored");
        // What the previous layout left: `events` alone, version 2.
        Connection::open(&path)
            .expect("opens")
            .execute_batch("DROP TABLE outbox; PRAGMA user_version = 2;")
            .expect("downgrade");
        let s = Store::open_with_outbox(&path, Durability::Normal).expect("upgrades");
        assert_eq!(s.len().expect("len"), 1);
        s.append(&batch(vec![event("e2", view(), 0, None)]), T0)
            .expect("stored");
        assert_eq!(s.backlog().expect("backlog"), 1);
        let version: i64 = lock(&s.reader)
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, STORE_VERSION);
    }

    #[test]
    fn exposures_count_shoppers_and_anonymous_events() {
        let (_d, s) = store();
        s.append(
            &batch(vec![
                exposure("x1", 0, Some(A), "DE", "a"),
                exposure("x2", 5, Some(A), "DE", "a"), // same shopper again
                exposure("x3", 0, Some(B), "DE", "a"),
                exposure("x4", 0, None, "DE", "a"),
                exposure("x5", 1, None, "DE", "a"), // anonymous: each counts
                exposure("x6", 0, Some(C), "DE", "b"),
                exposure("x7", 0, Some(C), "AT", "b"),
            ]),
            T0,
        )
        .expect("stored");
        let counts = s
            .counts("hero", ConversionMetric::Purchase)
            .expect("counts");
        let got: Vec<_> = counts
            .counts
            .iter()
            .map(|r| (r.market.as_str(), r.variant.as_str(), r.exposures))
            .collect();
        assert_eq!(got, [("AT", "b", 1), ("DE", "a", 4), ("DE", "b", 1)]);
        assert!(
            s.counts("other", ConversionMetric::Purchase)
                .expect("counts")
                .counts
                .is_empty()
        );
    }

    #[test]
    fn conversions_go_to_the_variant_seen_before_them() {
        let (_d, s) = store();
        let other_experiment = CollectedEvent {
            detail: EventDetail::Exposure {
                experiment: "other".into(),
                variant: "z".into(),
            },
            ..exposure("x9", 0, Some(B), "DE", "z")
        };
        s.append(
            &batch(vec![
                exposure("x1", 10, Some(A), "DE", "a"),
                exposure("x2", 10, Some(B), "DE", "b"),
                exposure("x3", 10, Some(C), "DE", "b"),
                // A bought after seeing `a`, twice: one converting shopper.
                event("p1", purchase(), 20, Some(A)),
                event("p2", purchase(), 30, Some(A)),
                // B bought before any exposure: not attributable.
                event("p3", purchase(), 5, Some(B)),
                // C added to cart, clicked and viewed after seeing `b`.
                event("c1", cart(), 20, Some(C)),
                event("k1", click(), 21, Some(C)),
                event("v1", view(), 22, Some(C)),
                // B viewed after seeing `b`.
                event("v2", view(), 22, Some(B)),
                // An anonymous purchase cannot be attributed.
                event("p4", purchase(), 40, None),
                // Exposures of another experiment do not count here.
                other_experiment,
            ]),
            T0,
        )
        .expect("stored");
        // A switched to `b` later; a purchase after that goes to `b`.
        s.append(
            &batch(vec![
                exposure("x4", 50, Some(A), "DE", "b"),
                event("p5", purchase(), 60, Some(A)),
            ]),
            T0,
        )
        .expect("stored");
        let rows = |metric| {
            s.counts("hero", metric)
                .expect("counts")
                .counts
                .into_iter()
                .map(|r| (r.variant, r.exposures, r.conversions))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            rows(ConversionMetric::Purchase),
            [("a".into(), 1, 1), ("b".into(), 3, 1)]
        );
        assert_eq!(
            rows(ConversionMetric::AddToCart),
            [("a".into(), 1, 0), ("b".into(), 3, 1)]
        );
        assert_eq!(
            rows(ConversionMetric::Click),
            [("a".into(), 1, 0), ("b".into(), 3, 1)]
        );
        assert_eq!(
            rows(ConversionMetric::View),
            [("a".into(), 1, 0), ("b".into(), 3, 2)]
        );
    }
}
