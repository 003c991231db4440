//! The SQL text shared by both backends, in one place: the schema files
//! (compiled in from `sql/`), the queries, and the builders for the
//! statements whose shape depends on their input. Values are always bound
//! as `?` parameters, never spliced into the text.

/// The MySQL / MariaDB schema (`sql/mysql_schema.sql`); idempotent.
pub const MYSQL_SCHEMA: &str = include_str!("../sql/mysql_schema.sql");

/// The SQLite schema (`sql/sqlite_schema.sql`); idempotent.
pub const SQLITE_SCHEMA: &str = include_str!("../sql/sqlite_schema.sql");

/// Demo routes valid in both dialects (`sql/demo_routes.sql`): module 1/1
/// with 127.0.0.1:9001..9003, 1/2 with 127.0.0.1:9011..9012, 2/1 with
/// 127.0.0.1:9021. Idempotent; bumps no version.
pub const DEMO_ROUTES: &str = include_str!("../sql/demo_routes.sql");

pub(crate) const SELECT_VERSION: &str = "SELECT version FROM RouteVersion WHERE id = 1";
pub(crate) const BUMP_VERSION: &str = "UPDATE RouteVersion SET version = version + 1 WHERE id = 1";
pub(crate) const SELECT_ALL_ROUTES: &str =
    "SELECT modid, cmdid, serverip, serverport, weight FROM RouteData";
pub(crate) const FIND_HOST: &str = "SELECT id FROM RouteData \
     WHERE modid = ? AND cmdid = ? AND serverip = ? AND serverport = ? LIMIT 1";
pub(crate) const COUNT_HOSTS: &str = "SELECT COUNT(*) FROM RouteData WHERE modid = ? AND cmdid = ?";
pub(crate) const INSERT_HOST: &str =
    "INSERT INTO RouteData (modid, cmdid, serverip, serverport, weight) VALUES (?, ?, ?, ?, ?)";
pub(crate) const SET_WEIGHT: &str = "UPDATE RouteData SET weight = ? \
     WHERE modid = ? AND cmdid = ? AND serverip = ? AND serverport = ?";
pub(crate) const DELETE_POLICY: &str = "DELETE FROM ModulePolicy WHERE modid = ? AND cmdid = ?";
pub(crate) const INSERT_POLICY: &str =
    "INSERT INTO ModulePolicy (modid, cmdid, policy, panic_threshold) VALUES (?, ?, ?, ?)";
pub(crate) const DELETE_HOST: &str =
    "DELETE FROM RouteData WHERE modid = ? AND cmdid = ? AND serverip = ? AND serverport = ?";
pub(crate) const INSERT_CHANGE: &str =
    "INSERT INTO RouteChange (modid, cmdid, version) VALUES (?, ?, ?)";
pub(crate) const DELETE_LAST_CHANGE: &str =
    "DELETE FROM RouteLastChange WHERE modid = ? AND cmdid = ?";
pub(crate) const INSERT_LAST_CHANGE: &str =
    "INSERT INTO RouteLastChange (modid, cmdid, version, changed_at) VALUES (?, ?, ?, ?)";
pub(crate) const CHANGED_MODULES: &str =
    "SELECT DISTINCT modid, cmdid FROM RouteChange WHERE version <= ? ORDER BY modid, cmdid";
pub(crate) const DELETE_CHANGES: &str = "DELETE FROM RouteChange WHERE version <= ?";
pub(crate) const CLEAR_CHANGES: &str = "DELETE FROM RouteChange";
pub(crate) const COUNT_ROUTES: &str = "SELECT COUNT(*) FROM RouteData";

/// Adds `RouteData.weight` to a database made before weights existed
/// (the backends check for the column first).
pub(crate) const ADD_WEIGHT_MYSQL: &str =
    "ALTER TABLE RouteData ADD COLUMN weight int unsigned NOT NULL DEFAULT 1";
/// [`ADD_WEIGHT_MYSQL`] in SQLite's dialect.
pub(crate) const ADD_WEIGHT_SQLITE: &str =
    "ALTER TABLE RouteData ADD COLUMN weight INTEGER NOT NULL DEFAULT 1";
/// How many columns of `RouteData` the user sees, and whether `weight` is
/// one of them (MySQL / MariaDB): no columns when the table is missing or
/// the user has no right on it.
pub(crate) const ROUTE_DATA_COLUMNS_MYSQL: &str =
    "SELECT COUNT(*), CAST(COALESCE(SUM(COLUMN_NAME = 'weight'), 0) AS UNSIGNED) \
     FROM information_schema.COLUMNS \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'RouteData'";
/// The tables of the selected database the user has some right on (MySQL /
/// MariaDB).
pub(crate) const VISIBLE_TABLES_MYSQL: &str =
    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()";
/// Whether `RouteData` has a `weight` column (SQLite).
pub(crate) const HAS_WEIGHT_SQLITE: &str =
    "SELECT COUNT(*) FROM pragma_table_info('RouteData') WHERE name = 'weight'";

/// Rows per multi-row upsert statement: 500 rows × 9 values stays far below
/// SQLite's bound-parameter limit (32766) and MySQL's (65535).
pub(crate) const UPSERT_CHUNK: usize = 500;

/// Splits a schema or data file into statements: on `;` outside quoted
/// strings, dropping `--` comments and empty statements.
pub(crate) fn split_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' || c == '`' => {
                quote = Some(c);
                cur.push(c);
            }
            None if c == '-' && chars.peek() == Some(&'-') => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        cur.push('\n');
                        break;
                    }
                }
            }
            None if c == ';' => push_statement(&mut out, &mut cur),
            None => cur.push(c),
        }
    }
    push_statement(&mut out, &mut cur);
    out
}

/// The tables a schema file creates (`CREATE TABLE IF NOT EXISTS name`),
/// in file order.
pub(crate) fn schema_tables(schema: &str) -> Vec<String> {
    const CREATE: &str = "CREATE TABLE IF NOT EXISTS ";
    split_statements(schema)
        .iter()
        .filter_map(|stmt| stmt.strip_prefix(CREATE))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn push_statement(out: &mut Vec<String>, cur: &mut String) {
    let stmt = cur.trim();
    if !stmt.is_empty() {
        out.push(stmt.to_string());
    }
    cur.clear();
}

/// `WHERE` clause for an optional modid / cmdid filter, and its parameters.
pub(crate) fn module_filter(modid: Option<i32>, cmdid: Option<i32>) -> (String, Vec<i32>) {
    let mut conds = Vec::new();
    let mut params = Vec::new();
    if let Some(m) = modid {
        conds.push("modid = ?");
        params.push(m);
    }
    if let Some(c) = cmdid {
        conds.push("cmdid = ?");
        params.push(c);
    }
    if conds.is_empty() {
        (String::new(), params)
    } else {
        (format!(" WHERE {}", conds.join(" AND ")), params)
    }
}

/// `select` (a `SELECT ... FROM table`) with an optional module filter,
/// then `ORDER BY order_by`.
fn filtered(
    select: &str,
    order_by: &str,
    modid: Option<i32>,
    cmdid: Option<i32>,
) -> (String, Vec<i32>) {
    let (filter, params) = module_filter(modid, cmdid);
    (format!("{select}{filter} ORDER BY {order_by}"), params)
}

/// `SELECT` of route rows with an optional module filter, in a stable order.
pub(crate) fn list_routes(modid: Option<i32>, cmdid: Option<i32>) -> (String, Vec<i32>) {
    let order = "modid, cmdid, serverip, serverport, id";
    filtered(SELECT_ALL_ROUTES, order, modid, cmdid)
}

/// `SELECT` of module policies with an optional module filter, in module
/// order.
pub(crate) fn list_policies(modid: Option<i32>, cmdid: Option<i32>) -> (String, Vec<i32>) {
    let select = "SELECT modid, cmdid, policy, panic_threshold FROM ModulePolicy";
    filtered(select, "modid, cmdid", modid, cmdid)
}

/// `SELECT` of the modules' last route changes with an optional module
/// filter, in module order.
pub(crate) fn last_changes(modid: Option<i32>, cmdid: Option<i32>) -> (String, Vec<i32>) {
    let select = "SELECT modid, cmdid, version, changed_at FROM RouteLastChange";
    filtered(select, "modid, cmdid", modid, cmdid)
}

/// `SELECT` of call statuses with an optional module filter, in key order.
pub(crate) fn read_statuses(modid: Option<i32>, cmdid: Option<i32>) -> (String, Vec<i32>) {
    let select = "SELECT modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload \
                  FROM ServerCallStatus";
    filtered(select, "modid, cmdid, ip, port, caller", modid, cmdid)
}

/// The SQL dialect of an upsert.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dialect {
    /// `INSERT ... ON DUPLICATE KEY UPDATE`.
    Mysql,
    /// `INSERT ... ON CONFLICT (...) DO UPDATE`.
    Sqlite,
}

/// A multi-row upsert of `rows` `ServerCallStatus` rows (9 parameters each,
/// in column order). Within one statement a later row for the same key
/// overwrites an earlier one, in both dialects.
pub(crate) fn upsert_statuses(dialect: Dialect, rows: usize) -> String {
    let mut sql = String::with_capacity(200 + rows * 22);
    sql.push_str(
        "INSERT INTO ServerCallStatus \
         (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }
    sql.push_str(match dialect {
        Dialect::Mysql => {
            " ON DUPLICATE KEY UPDATE succ_cnt = VALUES(succ_cnt), err_cnt = VALUES(err_cnt), \
             ts = VALUES(ts), overload = VALUES(overload)"
        }
        Dialect::Sqlite => {
            " ON CONFLICT (modid, cmdid, ip, port, caller) DO UPDATE SET \
             succ_cnt = excluded.succ_cnt, err_cnt = excluded.err_cnt, \
             ts = excluded.ts, overload = excluded.overload"
        }
    });
    sql
}

/// `overload` as stored: `'1'` or `'0'`.
pub(crate) fn overload_flag(overload: bool) -> &'static str {
    if overload {
        "1"
    } else {
        "0"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_and_drops_comments() {
        let text = "-- head; comment\nCREATE TABLE a (x int); -- tail\n\n\
                    INSERT INTO a VALUES ('x;y', \"--\");\n  ;\nSELECT 1";
        assert_eq!(
            split_statements(text),
            vec![
                "CREATE TABLE a (x int)",
                "INSERT INTO a VALUES ('x;y', \"--\")",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn schema_files_split_into_their_statements() {
        assert_eq!(split_statements(MYSQL_SCHEMA).len(), 9);
        assert_eq!(split_statements(SQLITE_SCHEMA).len(), 11);
        let demo = split_statements(DEMO_ROUTES);
        assert_eq!(demo.len(), 1, "one statement inserts every demo row");
        assert!(demo.iter().all(|s| s.starts_with("INSERT INTO RouteData")));
    }

    #[test]
    fn schema_tables_are_the_created_ones() {
        let tables = [
            "RouteData",
            "ModulePolicy",
            "RouteVersion",
            "RouteChange",
            "RouteLastChange",
            "ServerCallStatus",
            "ModIDConfig",
            "CmdIDConfig",
        ];
        assert_eq!(schema_tables(MYSQL_SCHEMA), tables);
        assert_eq!(schema_tables(SQLITE_SCHEMA), tables);
    }

    #[test]
    fn filters_bind_only_given_ids() {
        assert_eq!(module_filter(None, None), (String::new(), vec![]));
        assert_eq!(
            module_filter(Some(3), None),
            (" WHERE modid = ?".into(), vec![3])
        );
        assert_eq!(
            module_filter(Some(3), Some(4)),
            (" WHERE modid = ? AND cmdid = ?".into(), vec![3, 4])
        );
        let (sql, _) = list_routes(None, Some(1));
        assert!(sql.contains("WHERE cmdid = ? ORDER BY"), "{sql}");
    }

    #[test]
    fn upsert_has_nine_placeholders_per_row() {
        for dialect in [Dialect::Mysql, Dialect::Sqlite] {
            let sql = upsert_statuses(dialect, 3);
            assert_eq!(sql.matches('?').count(), 27, "{sql}");
        }
        assert!(upsert_statuses(Dialect::Mysql, 1).contains("ON DUPLICATE KEY UPDATE"));
        assert!(upsert_statuses(Dialect::Sqlite, 1).contains("ON CONFLICT"));
    }
}
