//! The `db` subcommand's arguments: `db init`, which sets up a MySQL /
//! MariaDB database for Lars with one least-privilege user per part.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `db ACTION`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: DbAction,
}

/// What `db` does.
#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Create the database, its tables and the users lars-dns,
    /// lars-reporter and the route admin tools log in as, each with only
    /// the rights it needs; run again after an upgrade (idempotent).
    ///
    /// Logs in as --admin-user (password: LARS_DB_ADMIN_PASSWD). A user's
    /// password comes from LARS_DNS_DB_PASSWD, LARS_REPORTER_DB_PASSWD or
    /// LARS_ROUTE_ADMIN_DB_PASSWD (and replaces an existing one); without
    /// it a new user gets a generated password, printed once, and an
    /// existing user keeps its own.
    Init(DbInitArgs),
}

/// `db init [--config PATH] [--admin-user NAME] [--client-host HOST] ...`.
#[derive(Debug, Args)]
pub struct DbInitArgs {
    /// Configuration file whose `[mysql]` section names the server and
    /// the database (`[store] backend` must be mysql).
    #[arg(long, default_value = "conf/lars_admin.conf")]
    pub config: PathBuf,
    /// The user that creates the database, the tables and the users.
    #[arg(long, default_value = "root")]
    pub admin_user: String,
    /// Where the daemons connect from, as MySQL writes an account's host:
    /// an address, a name, a pattern such as 10.0.0.% or addr/netmask.
    #[arg(long, default_value = "127.0.0.1")]
    pub client_host: String,
    /// The user lars-dns logs in as (reads routes).
    #[arg(long, default_value = "lars_dns")]
    pub dns_user: String,
    /// The user lars-reporter logs in as (writes statistics).
    #[arg(long, default_value = "lars_reporter")]
    pub reporter_user: String,
    /// The user `lars route` and lars-web log in as (write routes).
    #[arg(long, default_value = "lars_route_admin")]
    pub route_admin_user: String,
    /// Print the SQL (database, tables, users, grants) instead of running
    /// it, for a database administrator to run.
    #[arg(long)]
    pub print_sql: bool,
}
