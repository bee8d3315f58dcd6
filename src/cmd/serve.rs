//! `gongkai serve` and `gongkai watch`.

use std::net::IpAddr;
use std::path::Path;

use crate::serve::{Options, run as serve};

use super::{EXIT_UNREADABLE, site_root};

pub fn run(root: Option<&Path>, listen: Option<(IpAddr, u16)>, open: bool) -> i32 {
    match site_root(root) {
        Ok(r) => serve(&r, Options { listen, open }),
        Err(e) => {
            eprintln!("{}", t!("cmd.error", message = e));
            EXIT_UNREADABLE
        }
    }
}
