//! The `route` subcommand's arguments: the route store's config file and
//! the action with its values (checked by `route.rs`, so a bad value is a
//! one-line error, not a usage screen).

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `route [--config PATH] ACTION`.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Configuration file whose `[store]` (and `[mysql]`) section names the
    /// route store and the user that may change it.
    #[arg(long, global = true, default_value = "conf/lars_admin.conf")]
    pub config: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub action: RouteAction,
}

/// What `route` does.
#[derive(Debug, Subcommand)]
pub enum RouteAction {
    /// Add a host to a module (bumps the route version).
    #[command(allow_negative_numbers = true)]
    Add(RouteAddArgs),
    /// Remove a host from a module (bumps the route version).
    #[command(allow_negative_numbers = true)]
    Del(RouteHostArgs),
    /// Set the weight of a host of a module, 1 to 10000 (bumps the route
    /// version).
    #[command(allow_negative_numbers = true)]
    Weight(RouteWeightArgs),
    /// Set a module's policy and panic threshold (bumps the route version).
    #[command(allow_negative_numbers = true)]
    Policy(RoutePolicyArgs),
    /// List routes (with weights and policies): all, one modid's, or one
    /// module's.
    #[command(allow_negative_numbers = true)]
    List(RouteListArgs),
    /// Print the route version.
    Version,
    /// Load the demo routes (modules 1/1, 1/2, 2/1) where missing.
    Demo,
}

/// `route add|del MODID CMDID IP:PORT`.
#[derive(Debug, Args)]
pub struct RouteHostArgs {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// The host, `a.b.c.d:port`.
    pub host: String,
}

/// `route add MODID CMDID IP:PORT [--weight N]`.
#[derive(Debug, Args)]
pub struct RouteAddArgs {
    /// The module and host.
    #[command(flatten)]
    pub target: RouteHostArgs,
    /// The host's weight, 1 to 10000.
    #[arg(long, default_value = "1")]
    pub weight: String,
}

/// `route weight MODID CMDID IP:PORT N`.
#[derive(Debug, Args)]
pub struct RouteWeightArgs {
    /// The module and host.
    #[command(flatten)]
    pub target: RouteHostArgs,
    /// The host's new weight, 1 to 10000.
    pub weight: String,
}

/// `route policy MODID CMDID rr|wrr|hash|ewma [--panic PERCENT]`.
#[derive(Debug, Args)]
pub struct RoutePolicyArgs {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// How idle hosts are chosen: rr (round robin, the default), wrr
    /// (weighted round robin), hash (consistent hashing of the request's
    /// key), ewma (lower latency wins).
    pub policy: String,
    /// Panic threshold: when fewer than PERCENT of the hosts are idle, pick
    /// among all of them (0 = off, the default).
    #[arg(long = "panic", default_value = "0")]
    pub panic: String,
}

/// `route list [MODID [CMDID]]`.
#[derive(Debug, Args)]
pub struct RouteListArgs {
    /// Only this modid.
    pub modid: Option<i32>,
    /// Only this cmdid (of MODID).
    pub cmdid: Option<i32>,
}
