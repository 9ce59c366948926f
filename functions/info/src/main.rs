//! Lambda function for the `info` endpoint group (filled by the serving issue).
fn main() {}
