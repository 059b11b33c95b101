//! makermatch: a GraphQL service joining makers and their skills (PSS) with facilities and
//! their machines (OKW), and matching both to distributed production jobs.
//!
//! This crate holds the server, the command line, configuration, the service layer that
//! owns writes, and the demo data generator. See DESIGN.md §1 for how it fits with
//! `entities`, `migration` and `search`.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod export;
pub mod graphql;
pub mod import;
pub mod index;
pub mod server;
pub mod services;
pub mod startup;
pub mod telemetry;
