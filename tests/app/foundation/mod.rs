mod architecture;
mod backbone;
mod cli;
mod embedded;
mod http;
mod jobs;
mod ops;
mod pages;
mod shutdown;

pub use shutdown::{start_binary, terminate};
